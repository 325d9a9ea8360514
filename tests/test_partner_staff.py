"""Coordinators and stage two: `/organizacje` and `/prosby` open the lists the panel has as buttons,
each coordinator turns their alerts about new organisations and new requests for support off and on
under those lists (the others still get them), and a request's card leads to its experts' work."""

from __future__ import annotations

from datetime import timedelta

from bot.agreement_facts import today
from bot.buttons.organisations import PartnerAlerts
from tests.conftest import COORDINATOR_ID
from tests.test_organisations import register_organisation
from tests.test_support_requests import verified_organisation
from tests.work_helpers import assign

OTHER_COORDINATOR = 9013
ONLY_COORDINATORS = "Ta funkcja jest dostępna tylko dla osób koordynujących."


async def ask_for_support(app, chat) -> None:
    """A contact of a verified organisation sends a request for support in the chat."""
    day = today(app.services)
    await chat.send("/start")
    await chat.tap("🏢 Moja organizacja")
    await chat.tap("🙋 Poproś o wsparcie")
    await chat.tap("Warsztat")
    await chat.tap("▫️ Budżet obywatelski")
    await chat.tap("Gotowe »")
    await chat.tap("lubartowski")
    await chat.tap("Na miejscu")
    await chat.send((day + timedelta(days=10)).strftime("%d.%m.%Y"))
    await chat.send((day + timedelta(days=30)).strftime("%d.%m.%Y"))
    await chat.send("8")
    await chat.send("Warsztat o budżecie obywatelskim dla mieszkańców gminy.")
    await chat.tap("📨 Wyślij prośbę")


async def test_coordinators_open_the_lists_by_command_and_see_them_in_help(app, double, coordinator):
    await coordinator.send("/organizacje")
    assert "🏢 Organizacje" in coordinator.last.text
    assert "🔔 Powiadomienia o organizacjach: włączone" in coordinator.last.buttons
    await coordinator.send("/prosby")
    assert "🤝 Prośby o wsparcie" in coordinator.last.text
    assert "🔔 Powiadomienia o prośbach: włączone" in coordinator.last.buttons
    await coordinator.send("/pomoc")
    assert "/organizacje – Organizacje i ich weryfikacja" in coordinator.last.text
    assert "/prosby – Prośby o wsparcie" in coordinator.last.text
    english = double.user(user_id=COORDINATOR_ID, language_code="en")  # Telegram in English now
    await english.send("/requests")
    assert "🤝 Requests for support" in english.last.text

    # Someone who does not coordinate: a polite refusal, no list, and nothing in their help.
    ola = double.user(user_id=5801, first_name="Ola", language_code="pl")
    await ola.send("/organizacje")
    assert ola.last.text == ONLY_COORDINATORS
    await ola.send("/prosby")
    assert ola.last.text == ONLY_COORDINATORS
    await ola.send("/pomoc")
    assert "/organizacje" not in ola.last.text and "/prosby" not in ola.last.text
    await ola.press(ola.last.message_id, PartnerAlerts(kind="requests", on=False).pack())
    assert ONLY_COORDINATORS in ola.alerts[-1]
    assert await app.services.coordinator_alerts.wants(5801, "requests")


async def test_a_coordinator_turns_off_the_alerts_about_new_organisations_and_requests(app, double, coordinator):
    await app.services.coordinators.add(OTHER_COORDINATOR)
    other = double.user(user_id=OTHER_COORDINATOR, first_name="Piotr", language_code="pl")
    await other.send("/start")
    await coordinator.send("/organizacje")
    await coordinator.tap("🔔 Powiadomienia o organizacjach: włączone")
    assert "🔕 Powiadomienia o organizacjach: wyłączone" in coordinator.last.buttons
    before = coordinator.last.message_id

    ola = double.user(user_id=5802, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    assert coordinator.last.message_id == before  # nothing new for Kasia...
    assert "Nowa organizacja do weryfikacji" in other.last.text  # ...Piotr still gets it

    # The requests' alerts are a setting of their own: still on.
    anna = double.user(user_id=5803, first_name="Anna", language_code="pl")
    await verified_organisation(app, anna, name="KGW Wólka")
    await ask_for_support(app, anna)
    assert "Nowa prośba o wsparcie nr" in coordinator.last.text
    await coordinator.send("/prosby")
    await coordinator.tap("🔔 Powiadomienia o prośbach: włączone")
    assert "🔕 Powiadomienia o prośbach: wyłączone" in coordinator.last.buttons
    before = coordinator.last.message_id
    await ask_for_support(app, anna)
    assert coordinator.last.message_id == before
    assert "Nowa prośba o wsparcie nr" in other.last.text

    # Turned on again, the alerts come back.
    await coordinator.tap("🔕 Powiadomienia o prośbach: wyłączone")
    assert "🔔 Powiadomienia o prośbach: włączone" in coordinator.last.buttons
    await ask_for_support(app, anna)
    assert "Nowa prośba o wsparcie nr" in coordinator.last.text
    assert not await app.services.coordinator_alerts.wants(COORDINATOR_ID, "organisations")
    assert await app.services.coordinator_alerts.wants(COORDINATOR_ID, "requests")
    assert await app.services.coordinator_settings.notify_applications(COORDINATOR_ID)  # untouched


async def test_a_requests_card_leads_to_its_experts_work_once_one_is_assigned(app, double, coordinator):
    anna = double.user(user_id=5804, first_name="Anna", language_code="pl")
    await verified_organisation(app, anna)
    await coordinator.send("/start")
    await ask_for_support(app, anna)
    await coordinator.tap("Otwórz")
    assert "🧾 Praca ekspercka" not in coordinator.last.buttons  # nobody assigned yet
    (request,) = await app.services.support_requests.of_organisation(
        (await app.services.organisations.of_person(anna.id))[0][0].id, 5
    )
    await app.services.support_requests.approve(request.id, COORDINATOR_ID)
    jan = double.user(user_id=5805, first_name="Jan", language_code="pl")
    await jan.send("/start")
    await assign(app, request.id, jan.id, COORDINATOR_ID)
    await coordinator.send("/prosby")
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("Zatwierdzone")))
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("nr ")))
    await coordinator.tap("🧾 Praca ekspercka")
    assert "Praca przy prośbie" in coordinator.last.text and "Jan" in coordinator.last.text
