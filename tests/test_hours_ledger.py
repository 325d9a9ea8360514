"""The hours ledger (issue 14, part 5): a volunteer's month in "⏱ Moje godziny", the quota and its
reminder, the disability declared under GDPR art. 9, the coordinators' list and CSV, and the
rules for hours that the support work log reuses."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from bot import hours_text
from bot.app import build_application
from bot.double import running
from bot.hours_quota import HoursSettings, QuotaRule
from bot.i18n import translator
from bot.jobs import hours as hours_jobs
from bot.organisation import Organisation, default_org_text
from storage import open_database
from storage.hours import HoursLedger, HoursRefused
from storage.hours_rules import HoursProblem, Month, age_on, check_logged_hours, days_left, recent_months
from storage.privacy import erase, personal_data
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock, published_event, sign_up

WARSAW = ZoneInfo("Europe/Warsaw")
NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))
# Monday 23 November 2026, 10:00 in Warsaw: a week before the month ends.
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW).astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        yield application


@pytest.fixture
async def coordinator(app, double):
    await app.services.coordinators.add(COORDINATOR_ID)
    chat = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
    await chat.send("/start")
    return chat


async def volunteer(double, user_id: int, name: str = "Ola", lang: str = "pl"):
    chat = double.user(user_id=user_id, first_name=name, language_code=lang)
    await chat.send("/start")
    return chat


async def attended(app, clock, chats, *, hours_ago: int = 30, hours: float | None = None, **values):
    """An event that ended a while ago, with `chats` signed up and marked present by the coordinator."""
    saved = clock.now
    clock.now = saved - timedelta(hours=hours_ago + 72)
    event = await published_event(app, starts_at=saved - timedelta(hours=hours_ago), **values)
    for chat in chats:
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
    clock.now = saved
    for chat in chats:
        await app.services.events.record_attendance(
            event.id, chat.id, True, hours if hours is not None else event.hours, COORDINATOR_ID, saved
        )
    return event


# ---- the rules, without Telegram --------------------------------------------------------------------
def test_months_in_warsaw():
    november = Month(2026, 11)
    start, end = november.bounds(WARSAW)
    assert start == datetime(2026, 10, 31, 23, 0, tzinfo=UTC) and end == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert november.previous(11) == Month(2025, 12) and Month(2026, 12).next() == Month(2027, 1)
    assert Month.from_code(202611) == november and november.code == 202611 and november.key == "2026-11"
    assert [m.key for m in recent_months(date(2026, 1, 15), 3)] == ["2026-01", "2025-12", "2025-11"]
    assert days_left(date(2026, 11, 28)) == 3 and days_left(date(2026, 11, 30)) == 1
    assert age_on(date(2011, 11, 24), date(2026, 11, 23)) == 14 and age_on(date(2011, 11, 23), date(2026, 11, 23)) == 15
    with pytest.raises(ValueError):
        Month.from_code(202613)


def test_what_may_be_logged_as_work():
    today = date(2026, 11, 23)
    ok = {"today": today, "assigned": True}
    assert check_logged_hours(today, 3, **ok) is None
    assert check_logged_hours(today, 30, **ok) is HoursProblem.TOO_MANY
    assert check_logged_hours(today, 5, already_that_day=20, **ok) is HoursProblem.TOO_MANY
    assert check_logged_hours(today, 4, already_that_day=20, **ok) is None
    assert check_logged_hours(today + timedelta(days=1), 2, **ok) is HoursProblem.IN_THE_FUTURE
    assert check_logged_hours(today, 0, **ok) is HoursProblem.NOT_A_NUMBER
    assert check_logged_hours(today, float("nan"), **ok) is HoursProblem.NOT_A_NUMBER
    assert check_logged_hours(today, 2, today=today, assigned=False) is HoursProblem.NOT_ASSIGNED


def test_which_quota_rule_applies():
    settings = HoursSettings(
        quota=[
            QuotaRule(id="standard", monthly_hours=16, months=12),
            QuotaRule(id="reduced", monthly_hours=6, months=6, age_under=15, age_over=65, disability=True),
        ]
    )
    today = date(2026, 11, 23)
    assert settings.rule_for(None, False, today).id == "standard"
    assert settings.rule_for(date(1990, 1, 1), False, today).id == "standard"
    assert settings.rule_for(date(2012, 1, 1), False, today).id == "reduced"  # 14
    assert settings.rule_for(date(1960, 11, 23), False, today).id == "reduced"  # 66: over 65
    assert settings.rule_for(date(1961, 11, 23), False, today).id == "standard"  # 65 today: not over 65
    assert settings.rule_for(None, True, today).id == "reduced"
    assert settings.asks_disability
    assert HoursSettings().rule_for(None, True, today) is None
    with pytest.raises(ValueError):
        HoursSettings(
            quota=[QuotaRule(id="a", monthly_hours=1, months=1), QuotaRule(id="b", monthly_hours=2, months=1)]
        )


def test_the_age_comes_from_a_date_question_the_organisation_file_names():
    data = tomllib.loads(default_org_text())
    assert Organisation.model_validate(data).hours.quota[0].id == "standard"  # the shipped example
    data["hours"]["birth_date_field"] = "born"
    with pytest.raises(ValidationError, match="not a date question"):
        Organisation.model_validate(data)
    born = {"id": "born", "type": "date", "required": False, "label": "Data urodzenia", "prompt": "Data urodzenia?"}
    data["form"].append(born)
    assert Organisation.model_validate(data).hours.birth_date_field == "born"


async def test_the_ledger_follows_attendance_in_the_database(tmp_path):
    """Whatever code records attendance, the ledger changes in the same transaction."""
    db = await open_database(tmp_path / "bot.db")
    try:
        stamp = "2026-11-20T10:00:00.000000+00:00"
        await db.execute(
            "INSERT INTO users (telegram_id, first_name, created_at, last_seen_at) VALUES (1, 'Ola', ?, ?)",
            (stamp, stamp),
        )
        await db.execute(
            "INSERT INTO events (id, type, title, description, starts_at, ends_at, capacity, audience, status, "
            "created_by, created_at, updated_at) "
            "VALUES (7, 'training', 'T', '', ?, ?, 5, 'everyone', 'published', 1, ?, ?)",
            (stamp, stamp, stamp, stamp),
        )
        await db.execute(
            "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at) "
            "VALUES (7, 1, 'registered', 1, ?, ?)",
            (stamp, stamp),
        )
        ledger = HoursLedger(db, WARSAW)
        november = Month(2026, 11)
        assert (await ledger.by_month(1, [november]))[november].total == 0
        await db.execute("UPDATE event_registrations SET attendance = 'attended', hours = 2.5, attendance_by = 9")
        tally = (await ledger.by_month(1, [november]))[november]
        assert tally.total == 2.5 and tally.by_kind == {"training": 2.5} and tally.by_source == {"event": 2.5}
        await db.execute("UPDATE event_registrations SET hours = 3")
        await db.execute("UPDATE event_registrations SET attendance = 'absent', hours = NULL")
        assert await ledger.total(1) == 0
        (entry,) = await ledger.entries(1, confirmed_only=False)
        assert entry.status == "withdrawn" and entry.kind == "training" and entry.event_id == 7
        assert [(h, s) for h, s, *_ in await ledger.history(entry.id)] == [
            (2.5, "confirmed"),
            (3.0, "confirmed"),
            (3.0, "withdrawn"),
        ]
        # Support work: a confirmed work log is an entry; a correction and a withdrawal are history.
        await ledger.record(41, 1, "consultation", date(2026, 11, 21), 4, 9, MONDAY)
        await ledger.record(41, 1, "consultation", date(2026, 11, 21), 3, 9, MONDAY, note="poprawione")
        assert (await ledger.for_attestation(1, date(2026, 11, 1), date(2026, 11, 30))).by_kind == {"consultation": 3}
        assert await ledger.withdraw(41, 9, MONDAY) and not await ledger.withdraw(41, 9, MONDAY)
        assert await ledger.total(1) == 0
        # The ledger itself refuses what no work log may hold: the future, more than 24 h a day.
        await ledger.record(42, 1, "workshop", date(2026, 11, 22), 20, 9, MONDAY)
        with pytest.raises(HoursRefused) as refused:
            await ledger.record(43, 1, "workshop", date(2026, 11, 22), 5, 9, MONDAY)
        assert refused.value.problem is HoursProblem.TOO_MANY
        await ledger.record(42, 1, "workshop", date(2026, 11, 22), 24, 9, MONDAY)  # a correction of itself
        with pytest.raises(HoursRefused) as refused:
            await ledger.record(44, 1, "workshop", date(2026, 11, 24), 2, 9, MONDAY)  # tomorrow in Warsaw
        assert refused.value.problem is HoursProblem.IN_THE_FUTURE
        with pytest.raises(HoursRefused):
            await ledger.record(45, 1, "workshop", date(2026, 11, 21), 0, 9, MONDAY)
        assert await ledger.day_hours(1, date(2026, 11, 22)) == 24 and await ledger.entry("support", 43) is None
        assert await ledger.withdraw(42, 9, MONDAY)

        # An accepted member whose application gives a date of birth (when the form asks it).
        await db.execute(
            "INSERT INTO applications (id, telegram_id, status, created_at, updated_at) "
            "VALUES (3, 1, 'accepted', ?, ?)",
            (stamp, stamp),
        )
        await db.execute(
            "INSERT INTO application_answers (application_id, field_id, value, answered_at) VALUES (3, 'born', ?, ?)",
            (json.dumps("2012-05-01"), stamp),
        )
        assert await ledger.birth_date(1, "born") == date(2012, 5, 1) and await ledger.birth_date(1, None) is None
        (member,) = await ledger.all_members(november, november, "born")
        assert (member.telegram_id, member.hours, member.birth, member.disability) == (1, 0, date(2012, 5, 1), False)
    finally:
        await db.close()


async def test_attendance_recorded_before_the_ledger_is_carried_over_and_follows_its_event(tmp_path):
    path = tmp_path / "bot.db"
    db = await open_database(path, migrate_to=18)
    stamp = "2026-10-10T08:00:00.000000+00:00"
    try:
        for person in (1, 2, 3):
            await db.execute(
                "INSERT INTO users (telegram_id, first_name, created_at, last_seen_at) VALUES (?, 'x', ?, ?)",
                (person, stamp, stamp),
            )
        await db.execute(
            "INSERT INTO events (id, type, title, description, starts_at, ends_at, capacity, audience, status, "
            "created_by, created_at, updated_at) "
            "VALUES (7, 'debate', 'D', '', ?, ?, 5, 'everyone', 'published', 1, ?, ?)",
            (stamp, stamp, stamp, stamp),
        )
        for person, attendance, hours in ((1, "attended", 3), (2, "absent", None), (3, "attended", None)):
            await db.execute(
                "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at, "
                "attendance, hours, attendance_by, attendance_at) VALUES (7, ?, 'registered', ?, ?, ?, ?, ?, 9, ?)",
                (person, person, stamp, stamp, attendance, hours, stamp),
            )
    finally:
        await db.close()
    db = await open_database(path)
    try:
        ledger = HoursLedger(db, WARSAW)
        (entry,) = await ledger.entries(1)
        assert (entry.kind, entry.hours, entry.confirmed_by, entry.event_id) == ("debate", 3, 9, 7)
        assert await ledger.entries(2) == [] and await ledger.entries(3) == []
        assert [h for h, *_ in await ledger.history(entry.id)] == [3]
        # The event moved to November and retyped: the entry counts there, as the new kind.
        await db.execute("UPDATE events SET type = 'training', starts_at = '2026-11-02T08:00:00.000000+00:00'")
        tally = (await ledger.by_month(1, [Month(2026, 11), Month(2026, 10)]))[Month(2026, 11)]
        assert tally.by_kind == {"training": 3}
        # A sign-up erased (the event deleted, say) withdraws its hours.
        await db.execute("DELETE FROM event_registrations WHERE telegram_id = 1")
        assert await ledger.total(1) == 0 and (await ledger.entries(1, confirmed_only=False))[0].status == "withdrawn"
    finally:
        await db.close()


# ---- a volunteer's month ----------------------------------------------------------------------------
async def test_a_volunteers_month_attended_events_and_a_corrected_attendance(app, double, coordinator, clock):
    ola, jan = await volunteer(double, 5001), await volunteer(double, 5002, "Jan")
    await attended(app, clock, [ola], hours_ago=24 * 30, type="volunteer_action", hours=3)  # in October
    event = await attended(app, clock, [ola, jan])  # a two-hour training, two days ago
    await ola.send("/start")
    await ola.tap("⏱ Moje godziny")
    text = ola.last.text
    assert "Ten miesiąc (listopad 2026): 2 h" in text
    assert "2 h z 16 h" in text and "Do normy w tym miesiącu zostało jeszcze 14 godzin." in text
    assert "Twoja norma: 16 h miesięcznie przez 12 miesięcy." in text
    assert "październik 2026: 3 h" in text and "grudzień 2025: 0 h" in text and "listopad 2025" not in text
    assert "Ostatnie 12 miesięcy: 5 h" in text and "• Akcja wolontariacka: 3 h" in text and "• Szkolenie: 2 h" in text
    assert "Łącznie od początku: 5 h" in text

    # The coordinator gives every attendee 2.5 hours: the ledger follows.
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Zarządzaj")
    await coordinator.tap("✅ Obecność i godziny")
    await coordinator.tap("⏱ Ustaw liczbę godzin")
    await coordinator.send("2,5")
    await ola.send("/godziny")
    assert "Do normy w tym miesiącu zostało jeszcze 13,5 godziny." in ola.last.text
    # ... and marks Ola absent after all: her hours of that event are withdrawn, with the history kept.
    await coordinator.tap("✅ Obecność i godziny")
    await coordinator.tap(next(b for b in coordinator.last.buttons if "Ola" in b))
    await ola.send("/godziny")
    assert "Ten miesiąc (listopad 2026): 0 h" in ola.last.text
    assert "Do normy w tym miesiącu zostało jeszcze 16 godzin." in ola.last.text
    assert await app.services.hours.total(5002) == 2.5
    (entry,) = [e for e in await app.services.hours.entries(5001, confirmed_only=False) if e.event_id == event.id]
    assert entry.status == "withdrawn"
    assert [(h, s, by) for h, s, by, *_ in await app.services.hours.history(entry.id)] == [
        (2.0, "confirmed", COORDINATOR_ID),
        (2.5, "confirmed", COORDINATOR_ID),
        (2.5, "withdrawn", COORDINATOR_ID),
    ]
    # What an attestation states: the confirmed hours and kinds of work of a period.
    tally = await app.services.hours.for_attestation(5001, date(2026, 10, 1), date(2026, 11, 30))
    assert tally.total == 3 and tally.by_kind == {"volunteer_action": 3}
    assert hours_text.work_names(app.services.org, await app.services.hours.for_attestation(5002, *NOVEMBER)) == (
        "Szkolenie",
    )


def test_the_quota_in_polish_with_its_plural_forms():
    t = translator("pl")
    assert str(hours_text.to_go(t, 1)) == "Do normy w tym miesiącu została jeszcze 1 godzina."
    assert str(hours_text.to_go(t, 3)) == "Do normy w tym miesiącu zostały jeszcze 3 godziny."
    assert str(hours_text.to_go(t, 5)) == "Do normy w tym miesiącu zostało jeszcze 5 godzin."
    assert str(hours_text.to_go(t, 22)) == "Do normy w tym miesiącu zostały jeszcze 22 godziny."
    assert str(hours_text.to_go(t, 12)) == "Do normy w tym miesiącu zostało jeszcze 12 godzin."
    assert str(hours_text.to_go(t, 2.5)) == "Do normy w tym miesiącu zostało jeszcze 2,5 godziny."
    assert [str(hours_text.days_to_go(t, n)) for n in (1, 3, 5)] == [
        "Do końca miesiąca został 1 dzień.",
        "Do końca miesiąca zostały 3 dni.",
        "Do końca miesiąca zostało 5 dni.",
    ]
    rules = [QuotaRule(id="r", monthly_hours=6, months=n) for n in (1, 2, 12)]
    assert [hours_text.rule_text(t, rule) for rule in rules] == [
        "6 h miesięcznie przez 1 miesiąc",
        "6 h miesięcznie przez 2 miesiące",
        "6 h miesięcznie przez 12 miesięcy",
    ]
    done = [str(line) for line in hours_text.progress(t, 16.5, QuotaRule(id="r", monthly_hours=16, months=12))]
    assert done == ["▰▰▰▰▰▰▰▰▰▰ 100%: 16,5 h z 16 h", "✅ Norma na ten miesiąc jest spełniona. Dziękujemy!"]


# ---- the reminder -----------------------------------------------------------------------------------
async def test_the_reminder_goes_once_to_those_short_and_waits_for_quiet_hours(app, double, coordinator, clock):
    ola, jan, kuba = [await volunteer(double, i, n) for i, n in ((5001, "Ola"), (5002, "Jan"), (5003, "Kuba"))]
    await attended(app, clock, [ola, kuba])  # 2 h each
    await attended(app, clock, [jan], hours=16, title="Cały dzień")
    assert await hours_jobs.remind_short_of_quota(app) == 0  # a week before the end: not yet
    await app.services.preferences.set_quiet(5003, None, clock())  # Kuba wants messages at any hour
    for chat in (ola, jan, kuba):
        chat.new_messages()
    clock.now = datetime(2026, 11, 28, 22, 30, tzinfo=WARSAW).astimezone(UTC)  # the default quiet hours
    assert await hours_jobs.remind_short_of_quota(app) == 1
    assert len(kuba.new_messages()) == 1 and ola.new_messages() == []
    clock.now = datetime(2026, 11, 29, 9, 0, tzinfo=WARSAW).astimezone(UTC)
    assert await hours_jobs.remind_short_of_quota(app, limit=0) == 0  # a run's share used up: the next one
    assert await hours_jobs.remind_short_of_quota(app) == 1
    (reminder,) = ola.new_messages()
    assert "Potwierdzone do tej pory: 2 h z 16 h." in reminder.text
    assert "Do normy w tym miesiącu zostało jeszcze 14 godzin." in reminder.text
    assert "Do końca miesiąca zostały 2 dni." in reminder.text
    assert reminder.buttons == ["⏱ Moje godziny"]
    assert jan.new_messages() == [] and kuba.new_messages() == []  # Jan meets the quota
    # Never twice, however often the job runs, even when the hours change.
    clock.now += timedelta(hours=3)
    assert await hours_jobs.remind_short_of_quota(app) == 0
    assert ola.new_messages() == []
    # December: a new month, a new reminder only near its end.
    clock.now = datetime(2026, 12, 2, 10, 0, tzinfo=WARSAW).astimezone(UTC)
    assert await hours_jobs.remind_short_of_quota(app) == 0


# ---- the disability declared under GDPR art. 9 -------------------------------------------------------
async def test_the_disability_is_asked_with_its_own_consent_refused_given_and_withdrawn(
    app, double, coordinator, clock
):
    ola = await volunteer(double, 5001)
    await attended(app, clock, [ola])
    await ola.send("/godziny")
    assert "Twoja norma: 16 h miesięcznie przez 12 miesięcy." in ola.last.text
    await ola.tap("♿ Niższa norma: niepełnosprawność")
    assert "art. 9 RODO" in ola.last.text and "6 h miesięcznie przez 6 miesięcy" in ola.last.text
    await ola.tap("Nie, dziękuję")
    assert "Nic nie zostało zapisane." in ola.last.text
    assert not await app.services.hours.has_disability(5001)

    await ola.tap("♿ Niższa norma: niepełnosprawność")
    await ola.tap("✅ Oświadczam i wyrażam zgodę")
    assert "Od teraz obowiązuje Cię niższa norma." in ola.last.text
    assert "Twoja norma: 6 h miesięcznie przez 6 miesięcy." in ola.last.text
    assert "Do normy w tym miesiącu zostały jeszcze 4 godziny." in ola.last.text
    await ola.send("/moje_dane")
    assert (
        "Zadeklarowana niepełnosprawność (do niższej normy godzin) za zgodą na podstawie art. 9 RODO" in ola.last.text
    )
    assert "Godziny potwierdzone ze wszystkich źródeł: 2 h" in ola.last.text
    # Kept apart, with the consent's version; in the person's own export ("Moje dane"), in no CSV.
    (row,) = (await personal_data(app.services.db, 5001))["data"]["hours_disability_declarations"]
    assert row["consent_version"] == "2026-11"
    await coordinator.send("/koordynator")
    await coordinator.tap("⏱ Godziny i normy")
    assert "Ola: 2 h z 6 h" in coordinator.last.text
    await coordinator.tap("📊 CSV: listopad 2026")
    csv = coordinator.last.document_bytes.decode("utf-8-sig")
    assert "niepełnosprawn" not in csv.lower() and "6 h" not in csv

    await ola.tap("♿ Wycofaj zgodę (niepełnosprawność)")
    assert "Zgoda została wycofana, a informacja o niepełnosprawności – usunięta." in ola.last.text
    assert "Twoja norma: 16 h miesięcznie przez 12 miesięcy." in ola.last.text
    assert not await app.services.hours.has_disability(5001)
    assert "hours_disability_declarations" not in (await personal_data(app.services.db, 5001))["data"]
    await ola.press(ola.last.message_id, "hr:off")  # delivered twice: nothing more happens
    assert "Twoja norma: 16 h miesięcznie przez 12 miesięcy." in ola.last.text

    # Deleting the account erases the declaration and the ledger with it.
    await ola.tap("♿ Niższa norma: niepełnosprawność")
    await ola.tap("✅ Oświadczam i wyrażam zgodę")
    await erase(app.services.db, 5001)
    assert not await app.services.hours.has_disability(5001) and await app.services.hours.entries(5001) == []


# ---- the coordinators --------------------------------------------------------------------------------
async def people(app, count: int, first: int = 7001) -> None:
    """`count` volunteers with a confirmed support entry each this month (person i: i % 20 + 1 hours)."""
    db = app.services.db
    stamp = "2026-11-01T10:00:00.000000+00:00"
    for n in range(count):
        person = first + n
        await db.execute(
            "INSERT INTO users (telegram_id, first_name, created_at, last_seen_at) VALUES (?, ?, ?, ?)",
            (person, f"Osoba {n:02d}", stamp, stamp),
        )
        await app.services.hours.record(person, person, "consultation", date(2026, 11, 20), n % 20 + 1, 9, MONDAY)


async def test_coordinators_see_who_meets_the_quota_page_by_page_and_get_the_months_csv(
    app, double, coordinator, clock
):
    ola, jan = await volunteer(double, 5001, "=Ola"), await volunteer(double, 5002, "Jan")
    await attended(app, clock, [ola], hours=16)
    await attended(app, clock, [jan], title="Krótkie szkolenie")
    await people(app, 22)  # 7016, 7017 ... have 16 h and more
    await ola.send("/godziny")
    assert "✅ Norma na ten miesiąc jest spełniona. Dziękujemy!" in ola.last.text
    assert "Miesiące ze spełnioną normą: 1 z ostatnich 12." in ola.last.text
    await coordinator.send("/koordynator")
    await coordinator.tap("⏱ Godziny i normy")
    text = coordinator.last.text
    assert "Godziny i normy: listopad 2026" in text
    assert "Normę spełnia 6 z 24 osób." in text  # Ola, and five with 16 to 20 h
    assert "✅ =Ola: 16 h z 16 h" in text and "▫️ Jan: 2 h z 16 h" in text
    assert "Osoba 17: 18 h" in text and "Osoba 18" not in text and "Następne »" in coordinator.last.buttons
    await coordinator.tap("Następne »")
    assert "✅ Osoba 18: 19 h z 16 h" in coordinator.last.text and "Normę spełnia" not in coordinator.last.text
    await coordinator.tap("« Poprzednie")
    assert "=Ola" in coordinator.last.text
    # A forged place in the list shows the first page; a volunteer cannot open it at all.
    await coordinator.press(coordinator.last.message_id, "hrq:123456789")
    assert "=Ola" in coordinator.last.text
    await ola.press(ola.last.message_id, "hrq")
    await ola.press(ola.last.message_id, "hrx:202611")
    assert ola.alerts[-2:] == ["Ta funkcja jest dostępna tylko dla osób koordynujących."] * 2

    await coordinator.tap("📊 CSV: listopad 2026")
    data = coordinator.last.document_bytes
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads it as UTF-8
    rows = data.decode("utf-8-sig").splitlines()
    assert rows[0] == (
        "Miesiąc;Imię i nazwisko;Identyfikator w Telegramie;Godziny potwierdzone;Z wydarzeń;"
        "Ze wsparcia organizacji;Rodzaje pracy;Norma miesięczna spełniona"
    )
    assert "2026-11;'=Ola;5001;16;16;0;Szkolenie: 16;tak" in rows
    assert "2026-11;Jan;5002;2;2;0;Szkolenie: 2;nie" in rows
    assert "2026-11;Osoba 00;7001;1;0;1;Konsultacja: 1;nie" in rows
    assert len(rows) == 25
    entry = next(e for e in await app.services.audit.all() if e.action == "hours.exported")
    assert entry.actor_id == COORDINATOR_ID and entry.target == "hours:2026-11"
    # October's file has everyone with hours then (nobody) and the accepted team members (none).
    await coordinator.tap("📊 CSV: październik 2026")
    assert len(coordinator.last.document_bytes.decode("utf-8-sig").splitlines()) == 1
    # A forged month (in the future, too old, not a month) is refused.
    for forged in ("hrx:202612", "hrx:202510", "hrx:202613", "hrx:abc"):
        await coordinator.press(coordinator.last.message_id, forged)
    assert coordinator.alerts[-4:] == ["Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."] * 4
