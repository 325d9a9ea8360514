""" "Moje dane" and stage two: the screen sums up the work an expert logged, and the confirmation of
a deletion says truthfully what happens to the organisations one speaks for, the requests for
support one sent, the confirmed hours, attestations and the agreements' verification codes; the
deletion then does just that."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import build_application
from bot.double import running
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock
from tests.test_agreements import capp, now, staff  # noqa: F401
from tests.test_document_verification import concluded
from tests.test_organisations import register_organisation
from tests.test_partner_retention import log_and_confirm
from tests.test_work_logs import MONDAY
from tests.work_helpers import assign, organisation_with_request

ANNA, EWA, OLA, JAN = 5901, 5902, 5903, 5904


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        await application.services.coordinators.add(COORDINATOR_ID)
        yield application


async def asks_to_delete(chat) -> str:
    await chat.send("/moje_dane")
    await chat.tap("🗑 Usuń moje konto")
    return chat.last.text


async def test_the_deletion_says_what_happens_to_organisations_requests_and_hours(app, double, clock):
    services = app.services
    anna = double.user(user_id=ANNA, first_name="Anna", language_code="pl")
    organisation, request = await organisation_with_request(app, anna, COORDINATOR_ID)
    ewa = double.user(user_id=EWA, first_name="Ewa", language_code="pl")
    await ewa.send("/start")
    token = await services.organisations.invite(organisation.id, ANNA, timedelta(days=7), clock())
    await services.organisations.redeem(token, EWA, {"full_name": "Ewa Lis"}, clock())
    jan = double.user(user_id=JAN, first_name="Jan", language_code="pl")
    await jan.send("/start")
    await assign(app, request.id, JAN, COORDINATOR_ID)
    await log_and_confirm(jan, anna)

    # The expert: the screen sums up their work; deleting takes their confirmed hours with it.
    await jan.send("/moje_dane")
    assert "Zapisana praca przy prośbach o wsparcie: 1 wpis, potwierdzone: 1 (3 h)" in jan.last.text
    confirmation = await asks_to_delete(jan)
    assert "Twoje potwierdzone godziny (3 h) także zostaną usunięte, razem z zapisami pracy" in confirmation
    assert "Organizacja" not in confirmation and "zaświadczenia" not in confirmation
    await jan.tap("🗑 Tak, usuń moje konto")
    assert await services.hours.entries(JAN) == []

    # A second contact person: the organisation stays with Anna.
    confirmation = await asks_to_delete(ewa)
    assert "Organizacja KGW Wólka zostaje z pozostałymi osobami kontaktowymi" in confirmation
    assert "wysłana przez Ciebie" not in confirmation  # Ewa sent no request
    await ewa.tap("🗑 Tak, usuń moje konto")
    assert [c.telegram_id for c in await services.organisations.contacts(organisation.id)] == [ANNA]

    # The last contact of a verified organisation, who sent its request: both stay, without her.
    confirmation = await asks_to_delete(anna)
    assert "Organizacja KGW Wólka jest zweryfikowana, więc zostaje w programie" in confirmation
    assert (
        "1 wysłana przez Ciebie prośba o wsparcie zostaje przy organizacji, bez Twojego imienia i danych kontaktowych."
        in confirmation
    )
    await anna.tap("🗑 Tak, usuń moje konto")
    assert await services.organisations.get(organisation.id) is not None
    assert await services.organisations.contacts(organisation.id) == []
    kept = await services.support_requests.get(request.id)
    assert kept is not None and kept.contact_id is None

    # The only contact of an organisation not verified yet: it goes with her account.
    ola = double.user(user_id=OLA, first_name="Ola", language_code="pl")
    await register_organisation(ola, name="Grupa Sąsiedzka")
    (pending, _contact), *_ = await services.organisations.of_person(OLA)
    confirmation = await asks_to_delete(ola)
    assert (
        "Organizacja Grupa Sąsiedzka nie jest zweryfikowana, a Ty jesteś jej jedyną osobą kontaktową: "
        "zostanie usunięta razem z Twoim kontem." in confirmation
    )
    await ola.tap("🗑 Tak, usuń moje konto")
    assert await services.organisations.get(pending.id) is None


async def test_the_deletion_says_the_agreements_codes_keep_answering_and_attestations_go(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 5911)
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📜 Poproś o zaświadczenie")
    confirmation = await asks_to_delete(volunteer)
    assert "Wydane Ci zaświadczenia zostaną usunięte, a ich kody weryfikacyjne przestaną działać." in confirmation
    assert "Kody weryfikacyjne zachowanych porozumień nadal działają" in confirmation
    await volunteer.tap("🗑 Tak, usuń moje konto")
    (kept,) = await capp.services.documents.of_agreement(agreement.id)
    stranger = double.user(user_id=8124, first_name="Ktoś", language_code="pl")
    await stranger.send(f"/start verify_{kept.code}")
    assert "Porozumienie zakończyło się" in stranger.last.text
