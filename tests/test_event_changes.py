"""What a volunteer is told about a changed event (was → is), and what the calendar file carries:
reminders (VALARM) at the organisation's offsets and a map link for a place (issue 12, item 13)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar

from bot.app import build_application
from bot.double import running
from bot.jobs import events as event_jobs
from storage.events import Notice
from tests.events_helpers import Clock, published_event


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double, clock=Clock()), double) as application:
        yield application


def _entry(data: bytes):
    (entry,) = [c for c in Calendar.from_ical(data).walk() if c.name == "VEVENT"]
    return entry


async def test_a_change_notice_says_what_it_was_and_what_it_is(app, double, kasia):
    event = await published_event(app, capacity=10)
    ola = double.user(user_id=5201, first_name="Ola", language_code="en")
    await ola.send(f"/start event_{event.id}")
    await ola.tap("✅ Sign me up")
    await kasia.send(f"/start event_{event.id}")
    await kasia.tap("🛠 Manage")
    await kasia.tap("✏️ Edit")
    await kasia.tap("✏️ Place")
    await kasia.send("Lublin, Centrum Spotkania Kultur")
    await kasia.tap("✏️ Places")
    await kasia.tap("20")
    await kasia.tap("💾 Save the changes")
    notice = [m for m in ola.messages if "Changed" in m.text][-1]
    assert "• place: Lublin, ul. Narutowicza 4 → Lublin, Centrum Spotkania Kultur" in notice.text
    assert "• number of places: 10 → 20" in notice.text


async def test_polish_change_notice_names_the_old_and_new_date(app, double, kasia):
    event = await published_event(app)
    jan = double.user(user_id=5202, first_name="Jan", language_code="pl")
    await jan.send(f"/start event_{event.id}")
    await jan.tap("✅ Zapisuję się")
    await app.services.events.update(event.id, {"starts_at": event.starts_at + timedelta(days=1)})
    await event_jobs.send_event_notices(app)
    notice = [m for m in jan.messages if "Zmiany" in m.text][-1]
    assert "wtorek, 24 listopada 2026, 09:00 → środa, 25 listopada 2026, 09:00" in notice.text


async def test_a_notice_queued_by_an_earlier_release_names_the_fields(app):
    notice = Notice(1, 1, 1, "changed", "starts_at,place")
    assert set(notice.was()) == {"starts_at", "place"}


async def test_the_calendar_file_rings_at_the_reminder_offsets_and_links_a_map(app, double):
    event = await published_event(app, place="Lublin, ul. Narutowicza 4")
    ola = double.user(user_id=5203, first_name="Ola", language_code="en")
    await ola.send(f"/start event_{event.id}")
    assert "openstreetmap.org/search?query=Lublin%2C%20ul.%20Narutowicza%204" in ola.last.html
    await ola.tap("✅ Sign me up")
    await ola.tap("📅 Add to calendar")
    entry = _entry(ola.last.document_bytes)
    triggers = sorted(alarm["TRIGGER"].dt for alarm in entry.subcomponents if alarm.name == "VALARM")
    assert triggers == [timedelta(hours=-24), timedelta(hours=-1)]
    assert "https://www.openstreetmap.org/search?query=Lublin" in str(entry["DESCRIPTION"])


async def test_an_event_without_a_limit_of_places_can_be_changed(app, double):
    """No capacity: every waitlisted person (none here) fits; on PostgreSQL that must not be the
    negative LIMIT SQLite reads as "no limit" (found by the fuzz test on PostgreSQL)."""
    event = await published_event(app, capacity=None)
    jan = double.user(user_id=5203, first_name="Jan", language_code="pl")
    await jan.send(f"/start event_{event.id}")
    await jan.tap("✅ Zapisuję się")
    now = app.services.clock()
    await app.services.events.update(event.id, {"place": "Lublin, Centrum Spotkania Kultur"}, now)
    changed = await app.services.events.get(event.id)
    assert changed.place == "Lublin, Centrum Spotkania Kultur" and changed.capacity is None
