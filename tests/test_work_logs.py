"""Stage two, work done and confirmed hours: an assigned expert logs work in chat, the organisation's
contact confirms, corrects or rejects it with one tap, the coordinators are asked when the
organisation does not answer in time, a coordinator closes the request and both sides give feedback.
Bad input (hours on a request one is not assigned to, 30 hours in a day, a day in the future, a
forged or repeated confirmation) gets a clear answer and changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.agreement_facts import today
from bot.app import build_application
from bot.buttons.work_logs import WorkCard, WorkDecide, WorkMine
from bot.double import running
from bot.jobs.work_logs import ask_coordinators_about_work
from storage.hours_rules import HoursProblem
from storage.privacy import personal_data
from storage.work_logs import WorkRefused
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock
from tests.work_helpers import assign, organisation_with_request

WARSAW = ZoneInfo("Europe/Warsaw")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW).astimezone(UTC)
STALE = "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."
EXPERT_ID, CONTACT_ID, STRANGER_ID = 5601, 5602, 5603


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        yield application


@pytest.fixture
async def world(app, double):
    await app.services.coordinators.add(COORDINATOR_ID)
    coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
    await coordinator.send("/start")
    contact = double.user(user_id=CONTACT_ID, first_name="Anna", language_code="pl")
    organisation, request = await organisation_with_request(app, contact, COORDINATOR_ID)
    expert = double.user(user_id=EXPERT_ID, first_name="Jan", language_code="pl")
    await expert.send("/start")
    assignment = await assign(app, request.id, EXPERT_ID, COORDINATOR_ID)
    await expert.send("/start")
    return {
        "coordinator": coordinator,
        "contact": contact,
        "expert": expert,
        "request": request,
        "organisation": organisation,
        "assignment": assignment,
    }


async def log_work(expert, hours="3", day="Wczoraj", summary="Poprowadziłem warsztat o budżecie obywatelskim."):
    await expert.tap("🧾 Moja praca ekspercka")
    await expert.tap("➕ Zapisz wykonaną pracę")
    await expert.tap(day)
    await expert.send(hours)
    await expert.send(summary)


async def test_an_expert_logs_work_and_the_organisation_confirms_it(app, double, world):
    expert, contact = world["expert"], world["contact"]
    await expert.tap("🧾 Moja praca ekspercka")
    assert "Nie zapisano jeszcze żadnej pracy." in expert.last.text
    await expert.tap("➕ Zapisz wykonaną pracę")
    assert "Którego dnia wykonano pracę?" in expert.last.text
    await expert.tap("Wczoraj")
    assert "Ile godzin?" in expert.last.text
    await expert.send("30")
    assert "To więcej niż 24 godziny w jednym dniu" in expert.last.text
    await expert.send("10:00-13:00")
    assert "Co zostało zrobione?" in expert.last.text
    await expert.send("Poprowadziłem warsztat o budżecie obywatelskim dla 20 osób.")
    assert "Możesz dodać zdjęcie albo dokument" in expert.last.text
    await expert.send_photo()
    summary = expert.last.text
    assert "Sprawdź wpis pracy" in summary and "Godziny: 3 h" in summary and "Załącznik: tak" in summary
    await expert.tap("📨 Wyślij do potwierdzenia")
    assert "Wpis pracy wysłany" in expert.last.text

    card = contact.last
    assert "Prosimy o potwierdzenie pracy" in card.text
    assert "Osoba ekspercka: Jan" in card.text and "Godziny: 3 h" in card.text
    assert card.buttons == ["✅ Potwierdzam", "✏️ Popraw", "❌ Nie potwierdzam"]
    assert any(m.data.get("photo") for m in contact.chat.messages.values() if m.from_bot)

    await contact.tap("✅ Potwierdzam")
    assert "Potwierdzono: 3 h" in contact.last.text
    assert "została potwierdzona: 3 h" in expert.last.text
    yesterday = today(app.services) - timedelta(days=1)
    assert await app.services.hours.day_hours(EXPERT_ID, yesterday) == 3
    entries = await app.services.hours.entries(EXPERT_ID)
    assert [(e.source, e.hours, e.confirmed_by) for e in entries] == [("support", 3.0, CONTACT_ID)]

    # A press delivered twice (or an old message's button): a clear answer, nothing changes.
    (log,) = await app.services.work_logs.of_person(EXPERT_ID)
    await contact.press(card.message_id, WorkDecide(act="ok", log=log.id).pack())
    assert "O tej pracy już zdecydowano" in contact.alerts[-1]
    assert len(await app.services.hours.entries(EXPERT_ID)) == 1

    # The expert sees the log and its state; "Moje godziny" counts it through the ledger.
    await expert.send("/start")
    await expert.tap("🧾 Moja praca ekspercka")
    assert "✅" in expert.last.buttons[1]
    audit = await app.services.db.fetch_all("SELECT action FROM audit_log WHERE target = ?", (f"work_log:{log.id}",))
    assert [r[0] for r in audit] == ["work_log.logged", "work_log.confirmed"]


async def test_the_organisation_corrects_or_rejects_with_a_reason(app, double, world):
    expert, contact = world["expert"], world["contact"]
    await log_work(expert, hours="4")
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    await contact.tap("✏️ Popraw")
    assert "Osoba ekspercka zapisała 4 h" in contact.last.text
    await contact.send("0")
    assert "większą od zera" in contact.last.text
    await contact.send("2,5")
    await contact.send("Warsztat trwał krócej, niż planowano.")
    assert "Potwierdzono z poprawioną liczbą godzin: 2,5 h" in contact.last.text
    assert "poprawioną liczbą godzin: 2,5 h (zapisano 4 h)" in expert.last.text
    assert "Warsztat trwał krócej" in expert.last.text
    (entry,) = await app.services.hours.entries(EXPERT_ID)
    assert entry.hours == 2.5

    await expert.send("/start")
    await log_work(expert, hours="2", day="Dziś")
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    await contact.tap("❌ Nie potwierdzam")
    await contact.send("Tego dnia nie było zajęć.")
    assert "Nie potwierdzono" in contact.last.text
    assert "nie została potwierdzona" in expert.last.text and "Tego dnia nie było zajęć." in expert.last.text
    assert len(await app.services.hours.entries(EXPERT_ID)) == 1  # only confirmed hours count


async def test_bad_input_changes_nothing(app, double, world, clock):
    expert, contact = world["expert"], world["contact"]
    services = app.services
    # A day in the future, typed.
    await expert.tap("🧾 Moja praca ekspercka")
    await expert.tap("➕ Zapisz wykonaną pracę")
    tomorrow = today(services) + timedelta(days=1)
    await expert.send(tomorrow.strftime("%d.%m.%Y"))
    assert "Ten dzień jest w przyszłości" in expert.last.text
    await expert.send("/anuluj")

    # 30 hours in one day, also across two logs of the same day.
    await expert.send("/start")
    await log_work(expert, hours="20", day="Dziś")
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    await expert.send("/start")
    await expert.tap("🧾 Moja praca ekspercka")
    await expert.tap("➕ Zapisz wykonaną pracę")
    await expert.tap("Dziś")
    await expert.send("10")
    assert "zapisano już 20 h, więc można dodać najwyżej 4 h" in expert.last.text
    await expert.send("/anuluj")

    # Hours on a request one is not assigned to: refused by the rules, whatever the interface.
    _other_org, other_request = await organisation_with_request(
        app, double.user(user_id=5610, first_name="Ewa", language_code="pl"), COORDINATOR_ID
    )
    someone_else = await assign(app, other_request.id, 5611 if False else CONTACT_ID, COORDINATOR_ID)
    with pytest.raises(WorkRefused) as refused:
        await services.work_logs.log(
            EXPERT_ID,
            someone_else,
            today(services),
            1,
            "x" * 10,
            None,
            today=today(services),
            now=clock(),
            due_at=clock(),
        )
    assert refused.value.problem == HoursProblem.NOT_ASSIGNED
    # ...and a person with no active assignment is told so by the button.
    stranger = double.user(user_id=STRANGER_ID, first_name="Piotr", language_code="pl")
    await stranger.send("/start")
    assert "🧾 Moja praca ekspercka" not in stranger.last.buttons
    await stranger.press(stranger.last.message_id, WorkMine(act="new").pack())
    assert "Nie masz aktywnego przydziału" in stranger.alerts[-1]

    # A forged confirm button: someone who is not this organisation's contact, and a log that does not exist.
    (log,) = await services.work_logs.of_person(EXPERT_ID)
    await stranger.press(stranger.last.message_id, WorkDecide(act="ok", log=log.id).pack())
    assert "może potwierdzić tylko osoba kontaktowa organizacji" in stranger.alerts[-1]
    ewa = double.user(user_id=5610, first_name="Ewa", language_code="pl")  # another organisation's contact
    await ewa.press(ewa.last.message_id, WorkDecide(act="fix", log=log.id).pack())
    assert "może potwierdzić tylko osoba kontaktowa organizacji" in ewa.alerts[-1]
    await contact.press(contact.last.message_id, WorkDecide(act="ok", log=99_999).pack())
    assert contact.alerts[-1] == STALE
    assert (await services.work_logs.get(log.id)).state == "waiting"
    assert await services.hours.entries(EXPERT_ID) == []


async def test_the_coordinators_confirm_when_the_organisation_does_not_answer(app, double, world, clock):
    expert, coordinator = world["expert"], world["coordinator"]
    await log_work(expert)
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    assert await ask_coordinators_about_work(app) == 0  # not yet: the organisation has 72 hours
    clock.advance(hours=73)
    assert await ask_coordinators_about_work(app) == 1
    assert await ask_coordinators_about_work(app) == 0  # claimed once
    assert "Organizacja nie potwierdziła pracy" in coordinator.last.text
    await coordinator.tap("✅ Potwierdzam")
    assert "została potwierdzona: 3 h" in expert.last.text
    (log,) = await app.services.work_logs.of_person(EXPERT_ID)
    assert (log.state, log.decided_as, log.decided_by) == ("confirmed", "coordinator", COORDINATOR_ID)
    # The organisation's contact, late, is told it is decided.
    await world["contact"].tap("✅ Potwierdzam")
    assert "O tej pracy już zdecydowano" in world["contact"].alerts[-1]


async def test_closing_a_request_and_feedback_from_both_sides(app, double, world):
    expert, contact, coordinator = world["expert"], world["contact"], world["coordinator"]
    request = world["request"]
    await log_work(expert)
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    await coordinator.send("/start")
    await coordinator.tap("🧭 Panel koordynatora")
    await coordinator.tap("🧾 Praca ekspercka")
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("🛠")))
    assert "czeka na potwierdzenie" in coordinator.last.text
    await coordinator.tap("🏁 Zamknij prośbę jako zrealizowaną")
    await coordinator.tap("Tak, zamknij")
    assert "najpierw ją potwierdź albo odrzuć" in coordinator.alerts[-1]
    await contact.tap("✅ Potwierdzam")
    await coordinator.press(coordinator.last.message_id, WorkCard(act="cy", ref=request.id).pack())
    assert "Zamknięta" in coordinator.last.text and "Godziny potwierdzone: 3 h" in coordinator.last.text
    (assignment,) = await app.services.work_logs.assignments_of_request(request.id)
    assert assignment.state == "done"
    closed = await app.services.support_requests.get(request.id)
    assert closed.status == "done"  # no longer open to matching, and the organisation sees it done
    await contact.send("/start")
    await contact.tap("🏢 Moja organizacja")
    await contact.tap(next(b for b in contact.last.buttons if "Prośby" in b or "prośby" in b))
    assert any(b.startswith("🏁") for b in contact.last.buttons)

    assert "została zamknięta jako zrealizowana" in expert.last.text
    await expert.tap("⭐ Oceń współpracę")
    await expert.tap("5 ⭐")
    await expert.send("Świetnie przygotowana sala i zaangażowani mieszkańcy.")
    assert "Dziękujemy za opinię!" in expert.last.text
    await contact.tap("⭐ Oceń współpracę")
    await contact.tap("4 ⭐")
    await contact.tap("Pomiń »")
    await contact.tap("⭐ Oceń współpracę")
    assert "Opinia o tej współpracy została już przekazana" in contact.alerts[-1]

    await coordinator.press(coordinator.last.message_id, WorkCard(act="o", ref=request.id).pack())
    card = coordinator.last.text
    assert "★★★★★ 5/5 · Jan (osoba ekspercka) — Świetnie przygotowana sala" in card
    assert "★★★★ 4/5" in card and "(organizacja)" in card
    assert "Zamknij prośbę" not in " ".join(coordinator.last.buttons)
    # Closing twice: a clear answer.
    await coordinator.press(coordinator.last.message_id, WorkCard(act="cy", ref=request.id).pack())
    assert "jest już zamknięta" in coordinator.alerts[-1]
    # Not a coordinator: refused.
    await expert.press(expert.last.message_id, WorkCard(act="cy", ref=request.id).pack())
    assert "koordynuj" in expert.alerts[-1]

    # "Moje dane": the expert's logs and feedback are theirs.
    data = await personal_data(app.services.db, EXPERT_ID)
    assert data["data"]["work_logs"][0]["summary"].startswith("Poprowadziłem")
    assert data["data"]["support_feedback"][0]["score"] == 5


async def test_deleting_an_account_takes_its_logs_and_feedback(app, double, world):
    from storage.privacy import erase

    expert, contact = world["expert"], world["contact"]
    await log_work(expert)
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    await contact.tap("✅ Potwierdzam")
    services = app.services
    await services.work_logs.close(world["request"].id, COORDINATOR_ID, services.clock())
    await services.work_logs.give_feedback(world["request"].id, CONTACT_ID, "organisation", 5, None, services.clock())
    await erase(services.db, EXPERT_ID)
    assert await services.work_logs.of_person(EXPERT_ID) == []
    assert await services.hours.entries(EXPERT_ID) == []
    # The organisation's feedback is the contact's own data and stays with them.
    assert [f.telegram_id for f in await services.work_logs.feedback(world["request"].id)] == [CONTACT_ID]


async def test_nobody_confirms_their_own_work_as_a_contact_or_a_coordinator(app, double, world):
    """An expert who is also a contact person of the organisation, or a coordinator, still cannot
    confirm, correct or reject their own log: it is not even sent to them to confirm."""
    from storage.work_logs import OwnWork

    expert, contact = world["expert"], world["contact"]
    services = app.services
    async with services.db.transaction() as conn:  # the expert became a contact person too
        await conn.execute(
            "INSERT INTO organisation_contacts (organisation_id, telegram_id, name, email, phone, added_how, "
            "created_at) VALUES (?, ?, 'Jan', 'jan@example.org', '+48600100200', 'invited', ?)",
            (world["request"].organisation_id, EXPERT_ID, "2026-01-01T00:00:00+00:00"),
        )
    await services.coordinators.add(EXPERT_ID)  # and a coordinator
    await log_work(expert)
    await expert.tap("Pomiń »")
    await expert.tap("📨 Wyślij do potwierdzenia")
    assert not any("Potwierdzam" in b for m in expert.messages[-3:] for b in m.buttons)  # not asked to
    (log,) = await services.work_logs.of_person(EXPERT_ID)
    await expert.press(expert.last.message_id, WorkDecide(act="ok", log=log.id).pack())
    assert "Nie możesz potwierdzić własnej pracy" in expert.alerts[-1]
    with pytest.raises(OwnWork):
        await services.work_logs.decide(log.id, confirm=True, by=EXPERT_ID, as_="coordinator", now=services.clock())
    assert (await services.work_logs.get(log.id)).state == "waiting"
    assert await services.hours.total(EXPERT_ID) == 0
    await contact.tap("✅ Potwierdzam")  # the organisation's other contact person can
    assert (await services.work_logs.get(log.id)).state == "confirmed"
