"""Events and trainings: publishing, sign-ups with capacity and a waitlist, reminders, attendance.

The rules live here so they hold whatever the interface:
- a seat is taken in one transaction that counts the seats taken, so a full event never
  overfills however many people press at once; the rest join the waitlist in arrival order;
- a seat given back goes to the first person on the waitlist in the same transaction, and a
  message telling them is queued in that transaction too (event_notices), so it is never lost;
- reminders and notices are claimed (marked) in the transaction that selects them, so a restart
  neither repeats nor loses them.

This module creates, edits, publishes and lists events, and the rest of the code imports it all
from here. Its parts: the records (storage/event_model.py), sign-ups and the waitlist
(storage/event_signups.py), attendance (storage/event_attendance.py), notices and reminders
(storage/event_notices.py).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database, to_db_time, utcnow
from storage.event_attendance import EventAttendance
from storage.event_audience import new_event_recipients
from storage.event_model import (
    _EVENT_COLUMNS,
    EDITABLE,
    NOT_KEPT,
    Audience,
    Closed,
    DueReminder,
    Event,
    EventStatus,
    JoinOutcome,
    LeaveOutcome,
    Notice,
    Registration,
    Seat,
    _db_value,
    _event,
    audience_allows,
    visible_audiences,
)
from storage.event_notices import EventNotices
from storage.event_signups import EventSignups
from storage.paging import Section, keyed_page
from storage.preferences import category_of

__all__ = [
    "EDITABLE",
    "NOT_KEPT",
    "Audience",
    "Closed",
    "DueReminder",
    "Event",
    "EventRepository",
    "EventStatus",
    "JoinOutcome",
    "LeaveOutcome",
    "Notice",
    "Registration",
    "Seat",
    "audience_allows",
    "new_event_recipients",
    "visible_audiences",
]


class EventRepository(EventSignups, EventAttendance, EventNotices):
    def __init__(self, db: Database):
        self._db = db

    # ---- events -------------------------------------------------------------------------
    async def get(self, event_id: int) -> Event | None:
        row = await self._db.fetch_one(f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.id = ?", (event_id,))
        return _event(row) if row else None

    async def create(self, values: dict[str, Any], created_by: int, now: datetime | None = None) -> Event:
        """A new event as a draft; `values` holds the EDITABLE fields."""
        now = now or utcnow()
        columns = [key for key in EDITABLE if key in values]
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"INSERT INTO events ({', '.join(columns)}, status, created_by, created_at, updated_at) "
                f"VALUES ({', '.join('?' for _ in columns)}, 'draft', ?, ?, ?) RETURNING id",
                (*(_db_value(k, values[k]) for k in columns), created_by, to_db_time(now), to_db_time(now)),
            )
            event_id = (await cursor.fetchone())[0]
        event = await self.get(event_id)
        assert event is not None
        return event

    async def duplicate(self, event_id: int, created_by: int, now: datetime | None = None) -> Event | None:
        """A draft copy (same details, nobody signed up) for the coordinator to adjust and publish."""
        original = await self.get(event_id)
        if original is None:
            return None
        return await self.create({k: getattr(original, k) for k in EDITABLE}, created_by, now)

    async def update(
        self, event_id: int, changes: dict[str, Any], now: datetime | None = None
    ) -> tuple[Event, tuple[int, ...]] | None:
        """Change fields of a draft or published event. A published event's SEQUENCE goes up and
        everyone signed up gets a notice naming what changed; more seats promote the waitlist.
        Returns the event and who was promoted, or None if the event is gone or cancelled."""
        now = now or utcnow()
        event = await self.get(event_id)
        if event is None:
            return None
        changed = [k for k in EDITABLE if k in changes and getattr(event, k) != changes[k]]
        async with self._db.transaction() as conn:
            if changed:
                assignments = ", ".join(f"{k} = ?" for k in changed)
                cursor = await conn.execute(
                    f"UPDATE events SET {assignments}, updated_at = ?, "
                    "sequence = sequence + (status = 'published') "
                    "WHERE id = ? AND status != 'cancelled'",
                    (*(_db_value(k, changes[k]) for k in changed), to_db_time(now), event_id),
                )
                if cursor.rowcount == 0:
                    return None
            elif event.status == EventStatus.CANCELLED:
                return None
            promoted: tuple[int, ...] = ()
            if event.status == EventStatus.PUBLISHED and changed:
                # The notice keeps what each field was, so it can say "was → is".
                was = {k: _db_value(k, getattr(event, k)) for k in changed}
                await conn.execute(
                    "INSERT INTO event_notices (event_id, telegram_id, kind, detail, created_at) "
                    "SELECT event_id, telegram_id, 'changed', ?, ? FROM event_registrations "
                    "WHERE event_id = ? AND status IN ('registered', 'waitlisted')",
                    (json.dumps({"was": was}, ensure_ascii=False), to_db_time(now), event_id),
                )
                promoted = await self._fill_free_seats(conn, event_id, now)
        updated = await self.get(event_id)
        assert updated is not None
        return updated, promoted

    async def publish(
        self, event_id: int, now: datetime | None = None, *, county_fields: tuple[str, ...] = ()
    ) -> Event | None:
        """Draft → published; queues the announcement for everyone who may join it and wants it
        (new_event_recipients). `county_fields`: the form fields holding a person's county.
        None if it was not a draft."""
        now = now or utcnow()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE events SET status = 'published', published_at = ?, announced_at = ?, updated_at = ? "
                "WHERE id = ? AND status = 'draft'",
                (to_db_time(now), to_db_time(now), to_db_time(now), event_id),
            )
            if cursor.rowcount == 0:
                return None
            async with conn.execute("SELECT type, county FROM events WHERE id = ?", (event_id,)) as cur:
                (event_type, county) = await cur.fetchone()
            recipients, params = new_event_recipients(event_id, county, category_of(event_type), county_fields)
            await conn.execute(
                f"INSERT INTO event_notices (event_id, telegram_id, kind, created_at) "
                f"SELECT e.id, u.telegram_id, 'new', ? {recipients}",
                (to_db_time(now), *params),
            )
        return await self.get(event_id)

    async def cancel(self, event_id: int, reason: str, now: datetime | None = None) -> Event | None:
        """Cancel a draft or published event; everyone signed up is told, with the reason."""
        now = now or utcnow()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE events SET status = 'cancelled', cancel_reason = ?, sequence = sequence + 1, "
                "updated_at = ? WHERE id = ? AND status != 'cancelled'",
                (reason, to_db_time(now), event_id),
            )
            if cursor.rowcount == 0:
                return None
            await conn.execute(
                "INSERT INTO event_notices (event_id, telegram_id, kind, created_at) "
                "SELECT event_id, telegram_id, 'cancelled', ? FROM event_registrations "
                "WHERE event_id = ? AND status IN ('registered', 'waitlisted')",
                (to_db_time(now), event_id),
            )
        return await self.get(event_id)

    async def upcoming(
        self,
        now: datetime,
        audiences: tuple[Audience, ...],
        *,
        event_type: str | None = None,
        county: str | None = None,
        limit: int = 5,
        after: int | None = None,
        before: int | None = None,
    ) -> list[Event]:
        """Published events not yet ended that these audiences may see, soonest first: the `limit`
        after event `after` (before event `before`), or the first ones; found by key, so every page
        is an index lookup (storage/paging.py). An unknown event to continue from gives none."""
        stamp = to_db_time(now)
        # `+` keeps the planner on events_by_start (the order); the floor skips events long past.
        where = ["e.status = 'published'", "+e.ends_at > ?", f"e.audience IN ({', '.join('?' for _ in audiences)})"]
        params: list[Any] = [stamp, *map(str, audiences)]
        if event_type is not None:
            where.append("e.type = ?")
            params.append(event_type)
        if county is not None:
            where.append("e.county = ?")
            params.append(county)
        section = Section(" AND ".join(where), tuple(params), _BY_START, (_floor("'published'", ">"), (stamp,)))
        start = None
        if after is not None or before is not None:
            row = await self._anchor(after, before)
            if row is None:
                return []
            start = (0, (row["starts_at"], row["id"]))
        rows = await keyed_page(
            self._db.fetch_all, _LISTED, [section], limit, start=start, backward=after is None and before is not None
        )
        return [_event(r) for r in rows]

    async def count_upcoming(
        self,
        now: datetime,
        audiences: tuple[Audience, ...],
        *,
        event_type: str | None = None,
        county: str | None = None,
    ) -> int:
        """How many events `upcoming` lists (events_by_end: only events not yet ended are read)."""
        where = ["e.status = 'published'", "e.ends_at > ?", f"e.audience IN ({', '.join('?' for _ in audiences)})"]
        params: list[Any] = [to_db_time(now), *map(str, audiences)]
        for column, value in (("e.type", event_type), ("e.county", county)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        row = await self._db.fetch_one(f"SELECT COUNT(*) FROM events e WHERE {' AND '.join(where)}", params)
        return int(row[0])

    async def for_coordinators(
        self, now: datetime, *, limit: int = 8, after: int | None = None, before: int | None = None
    ) -> list[Event]:
        """Drafts, then events not yet ended, then those that ended in the last 30 days (attendance):
        the `limit` after event `after` (before event `before`), or the first ones. Each part is
        paged by key on its own order (drafts and current events soonest first, ended ones latest
        first); an event that is in none of them to continue from gives none."""
        stamp, month_ago = to_db_time(now), to_db_time(now - timedelta(days=30))
        sections = [
            Section("e.status = 'draft' AND +e.ends_at >= ?", (stamp,), _BY_START, (_floor("'draft'", ">="), (stamp,))),
            Section("e.status = 'draft' AND +e.ends_at < ?", (stamp,), _LATEST_FIRST),
            Section(
                "e.status = 'published' AND +e.ends_at >= ?",
                (stamp,),
                _BY_START,
                (_floor("'published'", ">="), (stamp,)),
            ),
            Section(
                "e.status = 'published' AND +e.ends_at < ? AND +e.ends_at > ?",
                (stamp, month_ago),
                _LATEST_FIRST,
                (_floor("'published'", ">"), (month_ago,)),
            ),
        ]
        start = None
        if after is not None or before is not None:
            row = await self._anchor(after, before)
            if row is None or row["status"] not in ("draft", "published"):
                return []
            part = (0 if row["status"] == "draft" else 2) + (row["ends_at"] < stamp)
            start = (part, (row["starts_at"], row["id"]))
        rows = await keyed_page(
            self._db.fetch_all, _LISTED, sections, limit, start=start, backward=after is None and before is not None
        )
        return [_event(r) for r in rows]

    async def _anchor(self, after: int | None, before: int | None):
        """The event a page continues from (`after`, else `before`): what places it in a list."""
        key = after if after is not None else before
        return await self._db.fetch_one("SELECT status, starts_at, ends_at, id FROM events WHERE id = ?", (key,))

    async def count_for_coordinators(self, now: datetime) -> int:
        """How many events `for_coordinators` lists."""
        row = await self._db.fetch_one(
            "SELECT (SELECT COUNT(*) FROM events WHERE status = 'draft') "
            "+ (SELECT COUNT(*) FROM events WHERE status = 'published' AND ends_at > ?)",
            (to_db_time(now - timedelta(days=30)),),
        )
        return int(row[0])


_LISTED = f"SELECT {_EVENT_COLUMNS} FROM events e"
_BY_START = (("e.starts_at", True), ("e.id", True))
_LATEST_FIRST = (("e.starts_at", False), ("e.id", True))


def _floor(status: str, ends: str) -> str:
    """The earliest start among events of `status` ending `ends` a time: where their list begins
    in events_by_start (read from events_by_end, which holds only the events from that time on)."""
    return f"(SELECT MIN(starts_at) FROM events WHERE status = {status} AND ends_at {ends} ?)"
