"""Stage two's retention periods ([retention] in the organisation file): an organisation the
coordinators did not accept, and requests for support declined, withdrawn or done, are erased by
the retention job after their periods, in small transactions. The confirmed hours of the work done
stay in the expert's ledger, and a work log made later never touches them."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.agreement_facts import today
from bot.app import build_application
from bot.double import running
from bot.jobs.retention import apply_retention
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock
from tests.test_organisations import register_organisation
from tests.test_work_logs import MONDAY, log_work
from tests.work_helpers import assign, organisation_with_request

REJECTED_ID, CONTACT_ID, EXPERT_ID = 5711, 5712, 5713


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        await application.services.coordinators.add(COORDINATOR_ID)
        yield application


async def log_and_confirm(expert, contact, hours="3") -> None:
    await expert.send("/start")
    await log_work(expert, hours=hours)
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    await contact.tap("✅ Potwierdzam")


async def another_request(app, organisation, contact_chat):
    services = app.services
    contact = await services.organisations.contact(organisation.id, contact_chat.id)
    start = today(services) - timedelta(days=5)
    answers = {
        "kind": "consultation",
        "competences": ["participation"],
        "county": "lubartowski",
        "mode": "online",
        "date_from": start.isoformat(),
        "date_to": (start + timedelta(days=10)).isoformat(),
        "hours": 4,
        "description": "Konsultacja wniosku do funduszu sołeckiego.",
    }
    return await services.support_requests.send(organisation.id, contact.id, contact_chat.id, answers)


async def test_old_rejected_organisations_and_closed_requests_go_the_confirmed_hours_stay(app, double, clock):
    services = app.services
    coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
    await coordinator.send("/start")

    # An organisation the coordinator does not accept.
    ola = double.user(user_id=REJECTED_ID, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    await coordinator.tap("Otwórz")
    await coordinator.tap("❌ Nie przyjmuj")
    await coordinator.send("Program obejmuje tylko organizacje z województwa lubelskiego.")

    # A verified one: a request done (with 3 confirmed hours), one declined and one withdrawn.
    anna = double.user(user_id=CONTACT_ID, first_name="Anna", language_code="pl")
    organisation, done = await organisation_with_request(app, anna, COORDINATOR_ID)
    jan = double.user(user_id=EXPERT_ID, first_name="Jan", language_code="pl")
    await jan.send("/start")
    await assign(app, done.id, EXPERT_ID, COORDINATOR_ID)
    await log_and_confirm(jan, anna)
    (first_log,) = await services.work_logs.of_person(EXPERT_ID)
    await services.work_logs.close(done.id, COORDINATOR_ID, clock())
    declined = await another_request(app, organisation, anna)
    await services.support_requests.decline(declined.id, COORDINATOR_ID, "Poza zakresem programu.", clock())
    withdrawn = await another_request(app, organisation, anna)
    await services.support_requests.withdraw(withdrawn.id, CONTACT_ID, clock())

    async def a_while_later(days: int) -> dict:
        clock.advance(days=days)
        for chat in (coordinator, ola, anna, jan):  # everyone still writes: nobody is inactive
            await chat.send("/start")
        return await apply_retention(app)

    # Within the periods nothing goes.
    counts = await a_while_later(300)
    assert (counts["rejected_organisations"], counts["closed_requests"], counts["done_requests"]) == (0, 0, 0)
    assert "🏢 Moja organizacja" in ola.last.buttons

    # A year after the decisions: the rejected organisation (with Ola as its contact), the declined
    # and the withdrawn requests are erased; the verified organisation and the done request stay.
    counts = await a_while_later(66)
    assert (counts["rejected_organisations"], counts["closed_requests"], counts["done_requests"]) == (1, 2, 0)
    await ola.send("/start")
    assert "🏢 Zarejestruj organizację" in ola.last.buttons
    assert await services.organisations.of_person(REJECTED_ID) == []
    assert await services.users.get(REJECTED_ID) is not None  # the person is not erased, only the organisation
    assert await services.support_requests.get(declined.id) is None
    assert await services.support_requests.get(withdrawn.id) is None
    assert (await services.support_requests.get(done.id)).status == "done"
    audit = await services.audit.all()
    assert audit[-1].action == "retention.purged"

    # Five years after closing, the done request goes with its assignment and work log; the expert's
    # confirmed hours stay in the ledger ("⏱ Moje godziny", the quota, the attestation).
    counts = await a_while_later(1825 - 365)
    assert counts["done_requests"] == 1
    assert await services.support_requests.get(done.id) is None
    assert await services.work_logs.of_person(EXPERT_ID) == []
    assert await services.work_logs.assignments_of_request(done.id) == []
    assert [(e.source, e.hours) for e in await services.hours.entries(EXPERT_ID)] == [("support", 3.0)]
    assert await services.organisations.get(organisation.id) is not None

    # New work later gets the erased log's id again (SQLite reuses the highest one): confirming it
    # adds its hours and leaves the kept entry as it was.
    request = await another_request(app, organisation, anna)
    await services.support_requests.approve(request.id, COORDINATOR_ID)
    await assign(app, request.id, EXPERT_ID, COORDINATOR_ID)
    await log_and_confirm(jan, anna, hours="2")
    (new_log,) = await services.work_logs.of_person(EXPERT_ID)
    if services.db.engine == "sqlite":  # PostgreSQL's identity never gives an id twice
        assert new_log.id == first_log.id
    entries = await services.hours.entries(EXPERT_ID)
    assert sorted(e.hours for e in entries) == [2.0, 3.0]
    assert await services.hours.total(EXPERT_ID) == 5

    # Nothing more is due.
    assert not any((await apply_retention(app)).values())
