"""Shared by the event tests: a controllable clock and events made straight through storage."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from storage.events import Audience

WARSAW = ZoneInfo("Europe/Warsaw")
# A Saturday morning in November, Warsaw time.
START = datetime(2026, 11, 21, 9, 0, tzinfo=WARSAW).astimezone(UTC)


class Clock:
    def __init__(self, now: datetime = START):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> datetime:
        self.now += timedelta(**delta)
        return self.now


async def published_event(app, *, coordinator_id: int = 9002, **values):
    """A published event starting in three days unless told otherwise."""
    now = app.services.clock()
    starts_at = values.pop("starts_at", now + timedelta(days=3))
    base = {
        "type": "training",
        "title": "Budżet obywatelski w praktyce",
        "description": "Jak napisać wniosek & zebrać podpisy <krok po kroku>.",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=2),
        "place": "Lublin, ul. Narutowicza 4",
        "county": "lublin",
        "capacity": 10,
        "audience": Audience.EVERYONE,
    }
    base.update(values)
    event = await app.services.events.create(base, coordinator_id, now)
    return await app.services.events.publish(event.id, now, county_fields=app.services.answer_fields().counties)


async def sign_up(chat) -> None:
    """Press the card's sign-up button, whichever it is: a place, or the waitlist of a full event."""
    for label in ("✅ Sign me up", "⏳ Join the waitlist", "✅ Zapisuję się", "⏳ Zapisuję się na listę rezerwową"):
        if label in chat.last.buttons:
            await chat.tap(label)
            return
    raise AssertionError(f"no sign-up button in {chat.last.buttons}")
