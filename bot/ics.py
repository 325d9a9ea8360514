"""iCalendar files for events, made with the icalendar library.

The UID is stable per event, so a calendar updates the entry it already has; SEQUENCE is the
event's change counter, so a changed or cancelled event replaces the older copy. Times are given
in the bot's time zone with its VTIMEZONE, so the entry stays right across DST changes. Alarms
(VALARM) ring at the organisation's reminder offsets; a place comes with a map link.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from storage.events import Event, EventStatus


def event_uid(event_id: int, domain: str) -> str:
    return f"event-{event_id}@{domain}"


def event_ics(
    event: Event,
    *,
    tz: ZoneInfo,
    domain: str,
    organiser_name: str,
    organiser_email: str,
    url: str | None = None,
    map_url: str | None = None,
    alarms_minutes: tuple[int, ...] = (),
    now: datetime,
) -> bytes:
    from icalendar import Alarm, Calendar, vCalAddress  # imported when first needed (~4 MiB)
    from icalendar import Event as CalendarEvent

    calendar = Calendar()
    calendar.add("prodid", "-//volunteer-bot//events//PL")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if event.status == EventStatus.CANCELLED else "PUBLISH")
    entry = CalendarEvent()
    entry.add("uid", event_uid(event.id, domain))
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", now)
    entry.add("dtstart", event.starts_at.astimezone(tz))
    entry.add("dtend", event.ends_at.astimezone(tz))
    entry.add("summary", event.title)
    description = event.description
    for link in (map_url, url):
        if link:
            description = f"{description}\n\n{link}".strip()
    if description:
        entry.add("description", description)
    location = ", ".join(part for part in (event.place, event.online_url) if part)
    if location:
        entry.add("location", location)
    if event.online_url or map_url:
        entry.add("url", event.online_url or map_url)
    organiser = vCalAddress(f"mailto:{organiser_email}")
    organiser.params["cn"] = organiser_name
    entry.add("organizer", organiser)
    entry.add("status", "CANCELLED" if event.status == EventStatus.CANCELLED else "CONFIRMED")
    if event.status != EventStatus.CANCELLED:
        for minutes in alarms_minutes:  # the same moments as the bot's own reminders
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", event.title)
            alarm.add("trigger", timedelta(minutes=-minutes))
            entry.add_component(alarm)
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()
