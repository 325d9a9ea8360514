"""Events and trainings end to end: a coordinator creates and runs an event, volunteers sign up,
the waitlist moves, reminders and notices go out once, the calendar file is right."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from icalendar import Calendar

from bot.app import build_application
from bot.double import running
from bot.event_text import calendar_bytes
from bot.jobs import events as event_jobs
from storage.applications import Status
from storage.events import Audience, EventStatus, Seat
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import WARSAW, Clock, published_event, sign_up


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        yield application


@pytest.fixture
async def coordinator(app, double):
    await app.services.coordinators.add(COORDINATOR_ID)
    chat = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="en")
    await chat.send("/start")
    return chat


async def volunteer(double, user_id: int, name: str = "Ola", lang: str = "en"):
    chat = double.user(user_id=user_id, first_name=name, language_code=lang)
    await chat.send("/start")
    return chat


def parse_ics(data: bytes):
    calendar = Calendar.from_ical(data)
    (entry,) = [c for c in calendar.walk() if c.name == "VEVENT"]
    return entry


# ---- the coordinator's form -----------------------------------------------------------------------
async def test_coordinator_creates_previews_and_publishes_an_event(app, double, coordinator):
    await coordinator.tap("🧭 Coordinator panel")
    await coordinator.tap("🗓 Manage events")
    await coordinator.tap("➕ New event")
    assert "Step 1 of 10" in coordinator.last.text
    await coordinator.send("Budżet")  # text where a button is expected
    assert "Please choose one of the buttons." in coordinator.last.text
    await coordinator.tap("Training")
    await coordinator.send("<b>Granty</b> & dotacje: jak zacząć")
    await coordinator.tap("Skip »")
    await coordinator.send("31.02 18:00")
    assert "There is no such day" in coordinator.last.text
    await coordinator.send("28.11 17:30")
    assert "Step 5 of 10" in coordinator.last.text
    await coordinator.tap("2 h")
    await coordinator.send("Lublin, ul. Narutowicza 4 🏢")
    await coordinator.tap("Lublin")
    await coordinator.send("2")
    await coordinator.tap("Everyone")
    await coordinator.tap("Until it starts")
    summary = coordinator.last  # the preview, before anything is saved
    assert "Saturday, 28 November 2026, 17:30–19:30" in summary.text
    assert await app.services.events.for_coordinators(app.services.clock()) == []
    await coordinator.tap("💾 Save as a draft")
    preview = coordinator.last
    assert "Preview" in preview.text
    assert "<b>Granty</b> & dotacje: jak zacząć" in preview.text  # shown literally, escaped
    assert "Saturday, 28 November 2026, 17:30–19:30" in preview.text
    assert "2 places free of 2." in preview.text
    (event,) = await app.services.events.for_coordinators(app.services.clock())
    assert event.status == EventStatus.DRAFT
    assert event.starts_at == datetime(2026, 11, 28, 17, 30, tzinfo=WARSAW)
    assert event.ends_at - event.starts_at == timedelta(hours=2)
    assert (event.capacity, event.county, event.place) == (2, "lublin", "Lublin, ul. Narutowicza 4 🏢")

    await coordinator.tap("📣 Publish")
    await coordinator.tap("📣 Yes, publish")
    assert "Published." in coordinator.last.text
    assert f"?start=event_{event.id}" in coordinator.last.text
    assert (await app.services.events.get(event.id)).status == EventStatus.PUBLISHED


async def test_the_form_survives_a_restart_and_goes_back(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as first:
        await first.services.coordinators.add(COORDINATOR_ID)
        chat = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="en")
        await chat.send("/nowe_wydarzenie")
        await chat.tap("Local coalition meeting")
        await chat.send("Spotkanie koalicji w Chełmie")
    async with running(build_application(settings, double, clock=clock), double) as second:
        await chat.tap("« Back")
        assert "Step 2 of 10" in chat.last.text
        await chat.send("Spotkanie koalicji w Chełmie")
        await chat.tap("Skip »")
        days = [b for b in chat.last.buttons if "." in b]
        await chat.tap(days[0])  # tomorrow
        await chat.tap("18:00")
        await chat.send("20:30")  # the end time instead of a length
        await chat.tap("💻 Online")
        await chat.send("not a link")
        assert "does not look like a link" in chat.last.text
        await chat.send("https://meet.example.org/koalicja")
        await chat.tap("Whole region / online")
        await chat.tap("No limit")
        await chat.tap("Accepted team members only")
        await chat.tap("1 day before")
        await chat.tap("💾 Save as a draft")
        assert "Preview" in chat.last.text
        (event,) = await second.services.events.for_coordinators(clock())
    assert event.type == "coalition_meeting"
    assert event.starts_at == datetime(2026, 11, 22, 18, 0, tzinfo=WARSAW)
    assert event.duration == timedelta(hours=2, minutes=30)
    assert (event.place, event.online_url, event.county, event.capacity) == (
        None,
        "https://meet.example.org/koalicja",
        None,
        None,
    )
    assert event.audience == Audience.EXPERTS
    assert event.signup_deadline == event.starts_at - timedelta(days=1)


async def test_a_time_skipped_by_the_clock_change_is_refused(app, double, coordinator, clock):
    clock.now = datetime(2027, 3, 20, 12, 0, tzinfo=UTC)
    await coordinator.send("/nowe_wydarzenie")
    await coordinator.tap("Training")
    await coordinator.send("Nocne szkolenie")
    await coordinator.tap("Skip »")
    await coordinator.send("28.03 02:30")
    assert "clocks go forward" in coordinator.last.text
    await coordinator.send("28.03.9999 10:00")
    assert "up to three years ahead" in coordinator.last.text
    await coordinator.send("28.03 01:30")
    await coordinator.tap("3 h")
    await coordinator.send("Online")
    await coordinator.tap("Lublin")
    await coordinator.tap("10")
    await coordinator.tap("Everyone")
    await coordinator.tap("Until it starts")
    await coordinator.tap("💾 Save as a draft")
    (event,) = await app.services.events.for_coordinators(clock())
    # 01:30 CET to 05:30 CEST is three real hours across the change.
    assert event.starts_at == datetime(2027, 3, 28, 0, 30, tzinfo=UTC)
    assert event.ends_at == datetime(2027, 3, 28, 3, 30, tzinfo=UTC)
    assert "01:30–05:30" in coordinator.last.text
    entry = parse_ics(calendar_bytes(app.services, event))
    assert entry["DTSTART"].dt == datetime(2027, 3, 28, 1, 30, tzinfo=WARSAW)
    assert entry["DTEND"].dt.utcoffset() == timedelta(hours=2)


# ---- volunteers ---------------------------------------------------------------------------------
async def test_sign_up_calendar_file_and_my_events(app, double, coordinator):
    event = await published_event(app)
    ola = await volunteer(double, 5001)
    await ola.tap("📅 Events and trainings")
    assert "1 upcoming event" in ola.last.text
    await ola.tap(next(b for b in ola.last.buttons if "Budżet obywatelski" in b))
    assert "Jak napisać wniosek & zebrać podpisy <krok po kroku>." in ola.last.text
    await ola.tap("✅ Sign me up")
    assert ola.alerts[-1] == "✅ You have a place. See you there!"
    assert "You have a place." in ola.last.text
    assert "9 places free of 10." in ola.last.text
    await ola.tap("📅 Add to calendar")
    document = ola.last
    assert document.document_name == f"wydarzenie-{event.id}.ics"
    entry = parse_ics(document.document_bytes)
    assert str(entry["UID"]).startswith(f"event-{event.id}@")
    assert entry["SEQUENCE"] == 0
    assert entry["DTSTART"].dt == event.starts_at
    assert str(entry["DTSTART"].dt.tzinfo) == "Europe/Warsaw"
    assert str(entry["SUMMARY"]) == event.title

    await ola.send("/wydarzenia")
    await ola.tap("🎟 My events")
    assert "Budżet obywatelski w praktyce: ✅ place" in ola.last.text
    registration = await app.services.events.registration(event.id, 5001)
    assert registration.status == Seat.REGISTERED


async def test_full_event_waitlist_promotion_and_giving_the_seat_back(app, double, coordinator):
    event = await published_event(app, capacity=2)
    ola, jan, ewa = [await volunteer(double, i, n) for i, n in ((5001, "Ola"), (5002, "Jan"), (5003, "Ewa"))]
    for chat in (ola, jan, ewa):
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
    assert "waitlist (number 1)" in ewa.alerts[-1]
    assert "You are on the waitlist: number 1." in ewa.last.text
    assert "No places left (2); 1 person on the waitlist." in ewa.last.text

    await jan.tap("🙅 Give up my place")
    await jan.tap("Yes, give up my place")
    assert (await app.services.events.registration(event.id, 5003)).status == Seat.REGISTERED
    assert (await app.services.events.registration(event.id, 5002)).status == Seat.CANCELLED
    promoted = ewa.last
    assert "A place has freed up, and it is yours!" in promoted.text
    assert "🙅 Give up my place" in promoted.buttons
    # Giving it back from that message frees it again, for nobody (the waitlist is empty).
    await ewa.tap("🙅 Give up my place")
    await ewa.tap("Yes, give up my place")
    assert (await app.services.events.get(event.id)).registered == 1
    # The notice is not sent twice by the job.
    assert await event_jobs.send_event_notices(app) == 0


async def test_fifty_volunteers_ten_seats_all_at_once(app, double, coordinator):
    event = await published_event(app, capacity=10)
    chats = [await volunteer(double, 6000 + i, f"V{i}") for i in range(50)]
    await asyncio.gather(*(c.press(c.last.message_id, f"ev:j:{event.id}") for c in chats))
    people = await app.services.events.registrants(event.id)
    seated = [p for p in people if p.status == Seat.REGISTERED]
    waiting = [p for p in people if p.status == Seat.WAITLISTED]
    assert (len(seated), len(waiting)) == (10, 40)
    # The waitlist is in arrival order, positions 1..40, and every seat came before every wait.
    assert [p.position for p in waiting] == list(range(1, 41))
    assert [p.queued_at for p in waiting] == sorted(p.queued_at for p in waiting)
    assert max(p.queued_at for p in seated) < min(p.queued_at for p in waiting)
    # Each person was told what they got.
    for chat in chats:
        mine = await app.services.events.registration(event.id, chat.id)
        expected = "You have a place" if mine.status == Seat.REGISTERED else f"number {mine.position})"
        assert expected in chat.alerts[-1]


async def test_audience_is_enforced_on_the_server(app, double, coordinator):
    experts_only = await published_event(app, audience=Audience.EXPERTS, title="Tylko dla ekspertów")
    staff_only = await published_event(app, audience=Audience.COORDINATORS, title="Dla koordynatorów")
    ola = await volunteer(double, 5001)
    await ola.tap("📅 Events and trainings")
    assert "There are no upcoming events" in ola.last.text
    await ola.press(ola.last.message_id, f"ev:j:{experts_only.id}")
    await ola.press(ola.last.message_id, f"ev:j:{staff_only.id}")
    assert ola.alerts[-1] == "This button is no longer valid. Type /start for the menu."
    await ola.send(f"/start event_{experts_only.id}")
    assert "does not exist or is not open to you" in ola.last.text
    assert await app.services.events.registrants(experts_only.id) == []

    # Once accepted into the team, the experts' event opens.
    application = await app.services.applications.start_draft(5001, "first_name")
    await app.services.db.execute("UPDATE applications SET status = ? WHERE id = ?", (Status.ACCEPTED, application.id))
    await ola.send(f"/start event_{experts_only.id}")
    await ola.tap("✅ Sign me up")
    assert (await app.services.events.registration(experts_only.id, 5001)).status == Seat.REGISTERED
    assert await app.services.events.registrants(staff_only.id) == []


async def test_forged_and_stale_buttons_change_nothing(app, double, coordinator, clock):
    event = await published_event(app)
    ola = await volunteer(double, 5001)
    for data in (
        "ev:j:999",
        "ev:j:abc",
        "ev:ls:0:99:-",
        "ev:o:-1",
        "ev:al:t:77",
        f"em:cx:{event.id}",
        f"em:puby:{event.id}",
        f"em:ta:{event.id}:5001:0",
        f"em:csv:{event.id}",
        "em:new",
        f"evf:capacity:{event.id}",
    ):
        await ola.press(ola.last.message_id, data)
    assert all("no longer valid" in a or "only available to coordinators" in a for a in ola.alerts)
    assert len(ola.alerts) == 11
    unchanged = await app.services.events.get(event.id)
    assert unchanged.status == EventStatus.PUBLISHED and unchanged.sequence == 0
    assert await app.services.events.registrants(event.id) == []
    # A sign-up after the deadline is refused even from an old card.
    await ola.send(f"/start event_{event.id}")
    clock.advance(days=4)
    await ola.tap("✅ Sign me up")
    assert ola.alerts[-1] == "This event has already started."
    assert await app.services.events.registrants(event.id) == []


# ---- changes, cancellations and their notices --------------------------------------------------------
async def test_an_edit_tells_everyone_signed_up_and_bumps_the_calendar_sequence(app, double, coordinator):
    event = await published_event(app)
    ola = await volunteer(double, 5001)
    await ola.send(f"/start event_{event.id}")
    await ola.tap("✅ Sign me up")
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Manage")
    await coordinator.tap("✏️ Edit")
    await coordinator.tap("✏️ Place")
    await coordinator.send("Lublin, Centrum Spotkania Kultur, sala 3")
    assert "Centrum Spotkania Kultur" in coordinator.last.text  # the preview again, nothing saved yet
    assert (await app.services.events.get(event.id)).sequence == 0
    await coordinator.tap("💾 Save the changes")
    assert "Saved." in coordinator.last.text
    notice = [m for m in ola.messages if "Changed" in m.text][-1]
    assert "Changed: Budżet obywatelski w praktyce (place)." in notice.text
    assert "Centrum Spotkania Kultur" in notice.text
    entry = parse_ics(ola.last.document_bytes)
    assert entry["SEQUENCE"] == 1
    assert "Centrum Spotkania Kultur" in str(entry["LOCATION"])

    # Moving the start keeps the length.
    await coordinator.tap("✏️ Edit")
    await coordinator.tap("✏️ Date and time")
    await coordinator.send("30.11 10:00")
    await coordinator.tap("💾 Save the changes")
    changed = await app.services.events.get(event.id)
    assert changed.starts_at == datetime(2026, 11, 30, 10, 0, tzinfo=WARSAW)
    assert changed.duration == timedelta(hours=2) and changed.sequence == 2


async def test_cancelling_tells_everyone_with_the_reason(app, double, coordinator):
    event = await published_event(app, capacity=1)
    ola, jan = await volunteer(double, 5001), await volunteer(double, 5002, "Jan", "pl")
    for chat in (ola, jan):
        await chat.send(f"/start event_{event.id}")
        await chat.press(chat.last.message_id, f"ev:j:{event.id}")
    await coordinator.press(coordinator.last.message_id, f"em:cx:{event.id}")
    assert "2 people are signed up" in coordinator.last.text
    await coordinator.send("x")
    assert "3 to 500 characters" in coordinator.last.text
    await coordinator.send("Prowadząca zachorowała <przepraszamy>")
    assert "The event is cancelled." in coordinator.last.text
    assert (await app.services.events.get(event.id)).status == EventStatus.CANCELLED
    cancelled = [m for m in ola.messages if "Cancelled" in m.text][-1]
    assert "Prowadząca zachorowała <przepraszamy>" in cancelled.text
    entry = parse_ics(ola.last.document_bytes)
    assert str(entry["STATUS"]) == "CANCELLED"
    assert "Prowadząca zachorowała" in jan.messages[-1].text  # the waitlisted person too
    await ola.send(f"/start event_{event.id}")
    assert "✅ Sign me up" not in ola.last.buttons


async def test_new_event_alerts_by_county(app, double, coordinator):
    ola = await volunteer(double, 5001)
    await ola.tap("📅 Events and trainings")
    await ola.tap("🔔 Notifications")
    await ola.tap("🆕 New events: off")
    await ola.tap("Chełm")
    assert "✅ Chełm" in ola.last.buttons
    assert await app.services.preferences.event_counties(5001) == {"chelm"}
    jan = await volunteer(double, 5002, "Jan")  # asked for nothing
    await published_event(app, county="lublin", title="W Lublinie")
    chelm = await published_event(app, county="chelm", title="W Chełmie")
    await event_jobs.send_event_notices(app)
    alerts = [m for m in ola.messages if m.text.startswith("🆕 New event\n")]
    assert len(alerts) == 1 and "W Chełmie" in alerts[0].text
    assert not [m for m in jan.messages if "🆕" in m.text]
    await ola.tap("✅ Sign me up")
    assert (await app.services.events.registration(chelm.id, 5001)).status == Seat.REGISTERED


# ---- reminders -------------------------------------------------------------------------------------
async def test_reminders_24h_and_1h_once_each_and_not_after_cancelling(app, double, coordinator, clock):
    event = await published_event(app, starts_at=clock() + timedelta(days=2))
    ola, jan = await volunteer(double, 5001), await volunteer(double, 5002, "Jan")
    for chat in (ola, jan):
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
    await jan.tap("🙅 Give up my place")
    await jan.tap("Yes, give up my place")
    assert await event_jobs.send_event_reminders(app) == 0
    clock.now = event.starts_at - timedelta(hours=24)
    assert await event_jobs.send_event_reminders(app) == 1
    assert "starts in 24 hours" in ola.last.text
    assert await event_jobs.send_event_reminders(app) == 0
    clock.now = event.starts_at - timedelta(minutes=59)
    assert await event_jobs.send_event_reminders(app) == 1
    assert "starts in 1 hour" in ola.last.text
    assert not [m for m in jan.messages if "Reminder" in m.text]
    await ola.tap("👍 I'll be there")
    assert ola.alerts[-1] == "Thank you! See you there."


async def test_reminder_answer_cant_come_frees_the_seat_for_the_waitlist(app, double, coordinator, clock):
    event = await published_event(app, capacity=1, starts_at=clock() + timedelta(days=2))
    ola, jan = await volunteer(double, 5001), await volunteer(double, 5002, "Jan")
    for chat in (ola, jan):
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
    clock.now = event.starts_at - timedelta(hours=23)
    await event_jobs.send_event_reminders(app)
    await ola.tap("🙅 Give up my place")
    await ola.tap("Yes, give up my place")
    assert (await app.services.events.registration(event.id, 5002)).status == Seat.REGISTERED
    assert "A place has freed up" in jan.last.text


async def test_reminders_across_a_restart_late_but_before_the_start_and_never_after(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as app:
        soon = await published_event(app, starts_at=clock() + timedelta(days=2), title="Za dwa dni")
        later = await published_event(app, starts_at=clock() + timedelta(days=2, hours=12), title="Później")
        ola = await volunteer(double, 5001)
        for event in (soon, later):
            await ola.send(f"/start event_{event.id}")
            await ola.tap("✅ Sign me up")
        clock.now = soon.starts_at - timedelta(hours=24)
        assert await event_jobs.send_event_reminders(app) == 1
    # The bot is down from 24 h before "soon" until 30 minutes before it: both of its windows and
    # the 24 h one of "later" have passed.
    clock.now = soon.starts_at - timedelta(minutes=30)
    async with running(build_application(settings, double, clock=clock), double) as app:
        assert await event_jobs.send_event_reminders(app) == 2
        texts = [m.text for m in ola.messages if "Reminder" in m.text]
        assert sum("Za dwa dni starts in 30 minutes" in t for t in texts) == 1
        assert sum("Później starts in 12 hours" in t for t in texts) == 1  # late, and says so
        assert await event_jobs.send_event_reminders(app) == 0
    # Down again until after "soon" started: its last reminder is never sent late.
    clock.now = soon.starts_at + timedelta(minutes=5)
    async with running(build_application(settings, double, clock=clock), double) as app:
        assert await event_jobs.send_event_reminders(app) == 0
        clock.now = later.starts_at - timedelta(minutes=50)
        assert await event_jobs.send_event_reminders(app) == 1
    assert len([m for m in ola.messages if "Reminder" in m.text]) == 4


# ---- attendance and hours ------------------------------------------------------------------------------
async def test_attendance_question_coordinator_confirmation_hours_and_csv(app, double, coordinator, clock):
    event = await published_event(app, starts_at=clock() + timedelta(days=1))
    ola, jan = await volunteer(double, 5001), await volunteer(double, 5002, "Jan")
    for chat in (ola, jan):
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
    clock.now = event.ends_at + timedelta(hours=2)
    assert await event_jobs.ask_about_attendance(app) == 1
    assert await event_jobs.send_event_notices(app) == 2
    assert await event_jobs.ask_about_attendance(app) == 0
    await ola.tap("✅ Yes, I took part")
    await jan.tap("❌ No")
    assert (await app.services.events.registration(event.id, 5001)).self_attended is True

    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Manage")
    await coordinator.tap("✅ Attendance and hours")
    await coordinator.tap("🙋 Mark all who said they came")
    assert "Present: 1 of 2. Hours for each: 2." in coordinator.last.text
    assert await app.services.events.hours_of(5001) == 2
    await coordinator.tap("⏱ Set the hours")
    await coordinator.send("dużo")
    await coordinator.send("2,5")
    assert "2.5 h for each attendee (1 person so far)" in coordinator.last.text
    assert await app.services.events.hours_of(5001) == 2.5
    await coordinator.tap("✅ Attendance and hours")
    await coordinator.tap(next(b for b in coordinator.last.buttons if "Jan" in b))
    assert await app.services.events.hours_of(5002) == 2.5
    await coordinator.tap("« Back")
    await coordinator.tap("📊 CSV")
    rows = coordinator.last.document_bytes.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("No.;Name;E-mail;Phone;Name in Telegram;")
    assert rows[1].split(";")[1] == "Ola" and rows[1].split(";")[-1] == "2.5"


async def test_volunteer_cannot_manage_events(app, double, coordinator):
    event = await published_event(app)
    ola = await volunteer(double, 5001)
    await ola.send("/nowe_wydarzenie")
    assert "only available to coordinators" in ola.last.text
    await ola.press(ola.last.message_id, f"em:o:{event.id}")
    await ola.press(ola.last.message_id, f"em:dup:{event.id}")
    await ola.press(ola.last.message_id, f"em:rg:{event.id}:0")
    assert len(ola.alerts) == 3
    assert len(await app.services.events.for_coordinators(app.services.clock())) == 1


# ---- the catalogue, the coordinator's lists ----------------------------------------------------------
async def test_catalogue_pages_and_filters_by_type_and_county(app, double, coordinator, clock):
    for day in range(1, 9):
        await published_event(app, starts_at=clock() + timedelta(days=day), title=f"Szkolenie {day}")
    await published_event(
        app,
        type="volunteer_action",
        county="zamosc",
        title="Sprzątanie w Zamościu",
        starts_at=clock() + timedelta(days=20),
    )
    ola = await volunteer(double, 5001)
    await ola.send("/wydarzenia")
    assert "9 upcoming events" in ola.last.text
    assert sum("Szkolenie" in b for b in ola.last.buttons) == 6
    await ola.tap("Next »")
    assert any("Zamościu" in b for b in ola.last.buttons)
    await ola.tap("🏷 Type")
    await ola.tap("Volunteer action")
    assert "1 upcoming event" in ola.last.text and "Showing: Volunteer action" in ola.last.text
    await ola.tap("📍 County")
    await ola.tap("Next »")
    await ola.tap("Zamość")
    assert "Showing: Volunteer action, Zamość" in ola.last.text
    await ola.tap("✖️ Clear filters")
    await ola.tap("📍 County")
    await ola.tap("Chełm")
    assert "No upcoming events match these filters." in ola.last.text


async def test_duplicate_registrants_and_more_places_promote_the_waitlist(app, double, coordinator):
    event = await published_event(app, capacity=1, title="Debata o budżecie")
    ola, jan = await volunteer(double, 5001, "Ola"), await volunteer(double, 5002, "Jan")
    for chat in (ola, jan):
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Manage")
    await coordinator.tap("👥 Signed up")
    assert "Places taken: 1 of 1 · waitlist: 1" in coordinator.last.text
    assert "1. Ola" in coordinator.last.text and "2. Jan (waitlist: 1)" in coordinator.last.text
    await coordinator.tap("« Back")
    await coordinator.tap("✏️ Edit")
    await coordinator.tap("✏️ Places")
    await coordinator.tap("10")
    await coordinator.tap("💾 Save the changes")
    assert (await app.services.events.registration(event.id, 5002)).status == Seat.REGISTERED
    assert "A place has freed up" in jan.messages[-2].text or "A place has freed up" in jan.last.text
    await coordinator.tap("📄 Duplicate")
    assert "A copy is saved as a draft" in coordinator.last.text
    drafts = [e for e in await app.services.events.for_coordinators(app.services.clock()) if e.id != event.id]
    assert [(d.title, d.status, d.registered) for d in drafts] == [("Debata o budżecie", EventStatus.DRAFT, 0)]


async def test_polish_volunteer_sees_polish_dates_and_plural_forms(app, double, coordinator, clock):
    event = await published_event(app, capacity=1, starts_at=datetime(2026, 12, 3, 17, 0, tzinfo=WARSAW))
    for day in (4, 5, 6, 7):
        await published_event(app, starts_at=clock() + timedelta(days=day))
    ola = await volunteer(double, 5001, "Ola", "pl")
    await ola.send(f"/start event_{event.id}")
    assert "czwartek, 3 grudnia 2026, 17:00–19:00" in ola.last.text
    assert "Wolne miejsca: 1 z 1." in ola.last.text
    await ola.tap("✅ Zapisuję się")
    waiting = {1: "jest 1 osoba.", 2: "są 2 osoby.", 5: "jest 5 osób."}
    for number in range(1, 6):
        chat = await volunteer(double, 5100 + number, "Osoba", "pl")
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
        if number in waiting:
            assert "na liście rezerwowej " + waiting[number] in chat.last.text
    await ola.send("/wydarzenia")
    assert "5 nadchodzących wydarzeń" in ola.last.text


async def test_new_event_alerts_wait_for_the_end_of_quiet_hours_and_respect_a_muted_category(
    app, double, coordinator, clock
):
    from storage.preferences import Category, NewEvents

    ola, jan = await volunteer(double, 5001), await volunteer(double, 5002, "Jan")
    for user_id in (5001, 5002):
        await app.services.preferences.set_new_events(user_id, NewEvents.ALL)
    await app.services.preferences.toggle(5002, Category.TRAININGS)  # Jan mutes trainings afterwards
    clock.now = datetime(2026, 11, 21, 22, 30, tzinfo=WARSAW)
    await published_event(app, title="Wieczorem opublikowane")
    assert await event_jobs.send_event_notices(app) == 0
    assert not [m for m in ola.messages if "🆕" in m.text]
    clock.now = datetime(2026, 11, 22, 8, 0, tzinfo=WARSAW)
    assert await event_jobs.send_event_notices(app) == 1
    assert [m for m in ola.messages if "🆕" in m.text]
    assert not [m for m in jan.messages if "🆕" in m.text]
    assert await app.services.events.pending_notices() == 0


async def test_ids_too_large_for_the_database_are_refused_politely(app, double, coordinator):
    ola = await volunteer(double, 5001)
    await ola.send("/start event_" + "9" * 30)
    assert ola.last.text == "This link is not valid. Type /start for the menu."
    await ola.press(ola.last.message_id, "ev:j:" + "9" * 19)
    assert ola.alerts[-1] == "This button is no longer valid. Type /start for the menu."
    await ola.press(ola.last.message_id, f"ev:j:{2**63 - 1}")  # the largest id: merely unknown
    assert ola.alerts[-1] == "This button is no longer valid. Type /start for the menu."


# ---- the flows when people do something else in the middle ------------------------------------------
async def _polish_coordinator(app, double):
    await app.services.coordinators.add(COORDINATOR_ID)
    chat = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
    await chat.send("/start")
    return chat


async def test_a_cancellation_left_for_the_language_menu_cancels_nothing(app, double):
    event = await published_event(app)
    kasia = await _polish_coordinator(app, double)
    await kasia.send(f"/start event_{event.id}")
    await kasia.tap("🛠 Zarządzaj")
    await kasia.tap("❌ Odwołaj wydarzenie")
    assert "Odwołać" in kasia.last.text or "Cancel" in kasia.last.text
    await kasia.send("/jezyk")
    await kasia.tap(next(b for b in kasia.last.buttons if "English" in b))
    await kasia.send("Hello, what's new?")
    unchanged = await app.services.events.get(event.id)
    assert unchanged.status == EventStatus.PUBLISHED and unchanged.cancel_reason is None
    state = (await app.services.sessions.load(COORDINATOR_ID)).flow
    assert state is None or state.flow != "evx"


async def test_a_sticker_for_the_reason_is_asked_again_and_a_restart_keeps_the_question(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as first:
        event = await published_event(first)
        await first.services.coordinators.add(COORDINATOR_ID)
        chat = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="en")
        await chat.send(f"/start event_{event.id}")
        await chat.tap("🛠 Manage")
        await chat.tap("❌ Cancel the event")
        await chat.send_sticker()
        assert "typed answer" in chat.last.text and "Cancel <b>" not in chat.last.text
        assert (await first.services.events.get(event.id)).status == EventStatus.PUBLISHED
    async with running(build_application(settings, double, clock=clock), double) as second:
        await chat.send("The trainer is ill")
        cancelled = await second.services.events.get(event.id)
        assert cancelled.status == EventStatus.CANCELLED and cancelled.cancel_reason == "The trainer is ill"
        assert "The event is cancelled." in chat.last.text


async def test_the_hours_survive_a_restart_and_a_button_elsewhere_ends_the_question(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as first:
        event = await published_event(first, starts_at=clock() + timedelta(hours=1))
        await first.services.coordinators.add(COORDINATOR_ID)
        chat = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="en")
        clock.advance(hours=4)
        await chat.send(f"/start event_{event.id}")
        await chat.tap("🛠 Manage")
        await chat.tap("✅ Attendance and hours")
        await chat.tap("⏱ Set the hours")
    async with running(build_application(settings, double, clock=clock), double) as second:
        await chat.send("3")
        assert (await second.services.events.get(event.id)).default_hours == 3
        assert "3 h for each attendee" in chat.last.text
        # Asked again, then a button of an earlier message is pressed: the number typed after it is
        # not taken as the hours.
        await chat.tap("✅ Attendance and hours")
        await chat.tap("⏱ Set the hours")
        await chat.tap("« Back")
        await chat.send("7")
        assert (await second.services.events.get(event.id)).default_hours == 3


async def test_editing_an_answer_from_the_preview_returns_to_the_preview_also_with_back(app, double, coordinator):
    await coordinator.send("/new_event")
    await coordinator.tap("Training")
    await coordinator.send("Szkolenie z mediów")
    await coordinator.tap("Skip »")
    await coordinator.send("28.11 17:30")
    await coordinator.tap("2 h")
    await coordinator.send("Lublin, ul. Narutowicza 4")
    await coordinator.tap("Lublin")
    await coordinator.tap("10")
    await coordinator.tap("Everyone")
    await coordinator.tap("Until it starts")
    assert "💾 Save as a draft" in coordinator.last.buttons
    await coordinator.tap("✏️ Title")
    await coordinator.tap("« Back")
    assert "💾 Save as a draft" in coordinator.last.buttons  # the preview, not the previous step
    await coordinator.tap("✏️ Date and time")
    await coordinator.tap(next(b for b in coordinator.last.buttons if "." in b))  # a day: the time comes next
    await coordinator.tap("10:00")
    assert "💾 Save as a draft" in coordinator.last.buttons
    await coordinator.tap("✏️ Place")
    await coordinator.tap("💻 Online")  # online: the link is asked before the preview
    await coordinator.send("https://meet.example.org/media")
    assert "💾 Save as a draft" in coordinator.last.buttons and "10:00–12:00" in coordinator.last.text
    await coordinator.tap("📣 Publish now")  # straight from the preview
    assert "Published." in coordinator.last.text
    (event,) = await app.services.events.for_coordinators(app.services.clock())
    assert event.status == EventStatus.PUBLISHED
    assert (event.title, event.place, event.online_url) == (
        "Szkolenie z mediów",
        None,
        "https://meet.example.org/media",
    )
    assert event.starts_at == datetime(2026, 11, 22, 10, 0, tzinfo=WARSAW)
    # A button of the form pressed after it ended changes nothing.
    await coordinator.press(coordinator.last.message_id, "f:ev:summary:do:save")
    assert coordinator.alerts[-1] == "This button belongs to a conversation that has ended."
    assert await app.services.events.count_for_coordinators(app.services.clock()) == 1


async def test_presses_delivered_twice_change_nothing_the_second_time(app, double, coordinator, clock):
    event = await published_event(app, capacity=1, starts_at=clock() + timedelta(hours=1))
    ola = await volunteer(double, 5001)
    await ola.send(f"/start event_{event.id}")
    await ola.tap("✅ Sign me up")
    await ola.redeliver()
    await ola.press(ola.last.message_id, f"ev:j:{event.id}")
    assert ola.alerts[-1] == "You are already signed up."
    assert [(p.telegram_id, p.status) for p in await app.services.events.registrants(event.id)] == [
        (5001, Seat.REGISTERED)
    ]
    # Alerts: the button carries the state it sets.
    await ola.tap("« Events")
    await ola.tap("🔔 Notifications")
    await ola.tap("🆕 New events: off")
    pressed = ola.last.button("Chełm").callback_data
    await ola.press(ola.last.message_id, pressed)
    await ola.press(ola.last.message_id, pressed)
    assert await app.services.preferences.event_counties(5001) == {"chelm"}
    # Attendance: marking present twice records it once.
    clock.advance(hours=2)
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Manage")
    await coordinator.tap("✅ Attendance and hours")
    mark = coordinator.last.button(next(b for b in coordinator.last.buttons if "Ola" in b)).callback_data
    await coordinator.press(coordinator.last.message_id, mark)
    await coordinator.press(coordinator.last.message_id, mark)
    assert (await app.services.events.registration(event.id, 5001)).attendance == "attended"
    marks = [e for e in await app.services.audit.all() if e.action == "event.attendance"]
    assert len(marks) == 1


async def test_the_form_takes_no_file_and_a_command_ends_it(app, double, coordinator):
    await coordinator.send("/new_event")
    await coordinator.tap("Training")
    await coordinator.send_sticker()
    assert "Step 2 of 10" in coordinator.last.text
    await coordinator.send("/events")
    await coordinator.send("Title typed after leaving")
    assert (await app.services.sessions.load(COORDINATOR_ID)).flow is None
    assert await app.services.events.count_for_coordinators(app.services.clock()) == 0
