"""What each volunteer wants to receive: categories (announcements and new events of that kind),
where new events should come from, and quiet hours.

`next_delivery()` is the one rule every sender of non-urgent messages can ask: may this person
get a message of this category now, and if not, when (or never)?
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from storage.db import Database, to_db_time, utcnow


class Category(StrEnum):
    TRAININGS = "trainings"
    EVENTS = "events"
    COALITION = "coalition"
    GENERAL = "general"


CATEGORIES = tuple(Category)


def category_of(event_type: str) -> Category:
    """The category (the volunteer's preferences) of an event type."""
    return {"training": Category.TRAININGS, "coalition_meeting": Category.COALITION}.get(event_type, Category.EVENTS)


class NewEvents(StrEnum):
    """Where new events are announced from. Not chosen (None): accepted team members hear about
    those in the county of their application (and the whole region), others about none."""

    ALL = "all"
    OFF = "off"
    COUNTIES = "counties"


@dataclass(frozen=True)
class QuietHours:
    """From `start` to `end` local time, in minutes after midnight; may wrap past midnight."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def label(self) -> str:
        return f"{_hhmm(self.start)}–{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


_QUIET = re.compile(r"^\s*(\d{1,2})(?::(\d{2}))?\s*[-–]\s*(\d{1,2})(?::(\d{2}))?\s*$")


def parse_quiet_hours(text: str) -> QuietHours | None:
    """ "21:00-08:00", "22-7" -> QuietHours; "off" -> None; anything else raises ValueError."""
    if text.strip().lower() in ("off", "none", "0", ""):
        return None
    match = _QUIET.match(text)
    if match is None:
        raise ValueError(f"not a time range like 21:00-08:00: {text!r}")
    sh, sm, eh, em = (int(g) if g else 0 for g in match.groups())
    if sh > 23 or eh > 23 or sm > 59 or em > 59:
        raise ValueError(f"not a time range like 21:00-08:00: {text!r}")
    start, end = sh * 60 + sm, eh * 60 + em
    if start == end:
        raise ValueError(f"the start and the end are the same: {text!r}")
    return QuietHours(start, end)


@dataclass(frozen=True)
class Preferences:
    telegram_id: int
    categories: frozenset[Category]
    quiet: QuietHours | None
    quiet_is_default: bool = True
    new_events: NewEvents | None = None

    def wants(self, category: Category | str) -> bool:
        return Category(category) in self.categories


def default_preferences(telegram_id: int, default_quiet: QuietHours | None) -> Preferences:
    return Preferences(telegram_id, frozenset(CATEGORIES), default_quiet, True)


def next_delivery(
    prefs: Preferences,
    category: Category | str,
    now: datetime,
    tz: ZoneInfo,
    *,
    urgent: bool = False,
) -> datetime | None:
    """When this person may receive a message of `category`: `now`, the end of their quiet
    hours, or None when they turned the category off. Urgent messages ignore quiet hours only:
    a category turned off stays off."""
    if not prefs.wants(category):
        return None
    if urgent or prefs.quiet is None:
        return now
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if not prefs.quiet.contains(minute):
        return now
    end = prefs.quiet.end
    day = local.date() if minute < end else local.date() + timedelta(days=1)
    wake = datetime.combine(day, time(end // 60, end % 60), tzinfo=tz)
    return max(now, wake.astimezone(now.tzinfo))


class PreferenceRepository:
    def __init__(self, db: Database, default_quiet: QuietHours | None):
        self._db = db
        self.default_quiet = default_quiet

    def _from_row(self, telegram_id: int, row) -> Preferences:
        if row is None:
            return default_preferences(telegram_id, self.default_quiet)
        categories = frozenset(c for c in CATEGORIES if row[c.value])
        new_events = NewEvents(row["new_events"]) if row["new_events"] else None
        if row["quiet_set"]:
            quiet = None if row["quiet_start"] is None else QuietHours(row["quiet_start"], row["quiet_end"])
            return Preferences(telegram_id, categories, quiet, False, new_events)
        return Preferences(telegram_id, categories, self.default_quiet, True, new_events)

    async def get(self, telegram_id: int) -> Preferences:
        row = await self._db.fetch_one("SELECT * FROM notification_preferences WHERE telegram_id = ?", (telegram_id,))
        return self._from_row(telegram_id, row)

    async def many(self, telegram_ids: list[int]) -> dict[int, Preferences]:
        """Everyone's preferences at once (people without a row get the defaults)."""
        rows = await self._db.fetch_all("SELECT * FROM notification_preferences")
        found = {r["telegram_id"]: r for r in rows}
        return {i: self._from_row(i, found.get(i)) for i in telegram_ids}

    async def save(self, prefs: Preferences, now: datetime | None = None) -> Preferences:
        quiet = None if prefs.quiet_is_default else prefs.quiet
        await self._db.execute(
            """
            INSERT INTO notification_preferences
                (telegram_id, trainings, events, coalition, general, quiet_start, quiet_end, quiet_set,
                 new_events, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (telegram_id) DO UPDATE SET
                trainings = excluded.trainings, events = excluded.events, coalition = excluded.coalition,
                general = excluded.general, quiet_start = excluded.quiet_start, quiet_end = excluded.quiet_end,
                quiet_set = excluded.quiet_set, new_events = excluded.new_events, updated_at = excluded.updated_at
            """,
            (
                prefs.telegram_id,
                *(int(c in prefs.categories) for c in CATEGORIES),
                quiet.start if quiet else None,
                quiet.end if quiet else None,
                int(not prefs.quiet_is_default),
                prefs.new_events.value if prefs.new_events else None,
                to_db_time(now or utcnow()),
            ),
        )
        return await self.get(prefs.telegram_id)

    async def event_counties(self, telegram_id: int) -> frozenset[str]:
        """The counties chosen for new events (with `NewEvents.COUNTIES`)."""
        rows = await self._db.fetch_all("SELECT county FROM new_event_counties WHERE telegram_id = ?", (telegram_id,))
        return frozenset(r[0] for r in rows)

    async def set_new_events(
        self, telegram_id: int, choice: NewEvents | None, counties: frozenset[str] = frozenset(), now=None
    ) -> Preferences:
        """Where new events come from; counties only with `NewEvents.COUNTIES` (none chosen: off)."""
        if choice == NewEvents.COUNTIES and not counties:
            choice = NewEvents.OFF
        async with self._db.transaction() as conn:
            prefs = await self.get(telegram_id)
            await conn.execute("DELETE FROM new_event_counties WHERE telegram_id = ?", (telegram_id,))
            if choice == NewEvents.COUNTIES:
                await conn.executemany(
                    "INSERT INTO new_event_counties (telegram_id, county) VALUES (?, ?)",
                    [(telegram_id, c) for c in sorted(counties)],
                )
            return await self.save(replace(prefs, new_events=choice), now)

    async def toggle(self, telegram_id: int, category: Category, now: datetime | None = None) -> Preferences:
        prefs = await self.get(telegram_id)
        categories = prefs.categories ^ {category}
        return await self.save(replace(prefs, categories=frozenset(categories)), now)

    async def set_quiet(self, telegram_id: int, quiet: QuietHours | None, now: datetime | None = None) -> Preferences:
        prefs = await self.get(telegram_id)
        return await self.save(replace(prefs, quiet=quiet, quiet_is_default=False), now)

    async def when_may_receive(
        self, telegram_id: int, category: Category | str, now: datetime, tz: ZoneInfo, *, urgent: bool = False
    ) -> datetime | None:
        """`next_delivery()` for one person, reading their preferences."""
        return next_delivery(await self.get(telegram_id), category, now, tz, urgent=urgent)
