"""Sign-ups: a seat or a place on the waitlist, given back, the waitlist promoted into free seats,
and the lists of who is signed up and what a person signed up for. A part of EventRepository
(storage/events.py)."""

from __future__ import annotations

from datetime import datetime

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.event_model import (
    _EVENT_COLUMNS,
    Closed,
    Event,
    EventStatus,
    JoinOutcome,
    LeaveOutcome,
    Registration,
    Seat,
    _event,
    _registration,
)

EVERYONE = 2**62  # a LIMIT larger than any waitlist


class EventSignups:
    _db: Database

    async def join(self, event_id: int, telegram_id: int, now: datetime | None = None) -> JoinOutcome:
        """Take a seat, or a place on the waitlist when the event is full, in one transaction.
        The caller has checked the audience (roles are not storage's business)."""
        now = now or utcnow()
        async with self._db.transaction() as conn:
            async with conn.execute(f"SELECT {_EVENT_COLUMNS} FROM events e WHERE e.id = ?", (event_id,)) as cur:
                row = await cur.fetchone()
            if row is None:
                return JoinOutcome(None, refused=Closed.NOT_PUBLISHED)
            event = _event(row)
            closed = event.closed_reason(now)
            if closed is not None:
                return JoinOutcome(None, refused=closed)
            existing = await self._registration(conn, event_id, telegram_id)
            if existing is not None and existing.status != Seat.CANCELLED:
                return JoinOutcome(existing.status, existing.position, already=True)
            seat = Seat.REGISTERED if event.capacity is None or event.registered < event.capacity else Seat.WAITLISTED
            await conn.execute(
                "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at) "
                "VALUES (?, ?, ?, (SELECT COALESCE(MAX(queued_at), 0) + 1 FROM event_registrations "
                "WHERE event_id = ?), ?, ?) "
                "ON CONFLICT (event_id, telegram_id) DO UPDATE SET status = excluded.status, "
                "queued_at = excluded.queued_at, joined_at = excluded.joined_at, updated_at = excluded.updated_at, "
                "promoted_at = NULL, self_attended = NULL",
                (event_id, telegram_id, str(seat), event_id, to_db_time(now), to_db_time(now)),
            )
            mine = await self._registration(conn, event_id, telegram_id)
        assert mine is not None
        return JoinOutcome(seat, mine.position)

    async def leave(self, event_id: int, telegram_id: int, now: datetime | None = None) -> LeaveOutcome:
        """Give the seat (or the waitlist place) back; the first on the waitlist gets the seat."""
        now = now or utcnow()
        async with self._db.transaction() as conn:
            existing = await self._registration(conn, event_id, telegram_id)
            if existing is None or existing.status == Seat.CANCELLED:
                return LeaveOutcome(None)
            await conn.execute(
                "UPDATE event_registrations SET status = 'cancelled', updated_at = ? "
                "WHERE event_id = ? AND telegram_id = ?",
                (to_db_time(now), event_id, telegram_id),
            )
            promoted = await self._fill_free_seats(conn, event_id, now) if existing.status == Seat.REGISTERED else ()
        return LeaveOutcome(existing.status, promoted)

    async def _fill_free_seats(self, conn, event_id: int, now: datetime) -> tuple[int, ...]:
        """Move people from the waitlist to free seats, first come first served; queue their notice."""
        async with conn.execute(
            "SELECT e.capacity, e.status, e.starts_at, (SELECT COUNT(*) FROM event_registrations r "
            "WHERE r.event_id = e.id AND r.status = 'registered') FROM events e WHERE e.id = ?",
            (event_id,),
        ) as cur:
            capacity, status, starts_at, registered = await cur.fetchone()
        if status != EventStatus.PUBLISHED or from_db_time(starts_at) <= now:
            return ()
        free = None if capacity is None else capacity - registered
        # No capacity: no limit. (SQLite reads LIMIT -1 so; PostgreSQL refuses a negative one.)
        limit = EVERYONE if free is None else max(free, 0)
        async with conn.execute(
            "SELECT telegram_id FROM event_registrations WHERE event_id = ? AND status = 'waitlisted' "
            "ORDER BY queued_at LIMIT ?",
            (event_id, limit),
        ) as cur:
            promoted = tuple(row[0] for row in await cur.fetchall())
        for telegram_id in promoted:
            await conn.execute(
                "UPDATE event_registrations SET status = 'registered', promoted_at = ?, updated_at = ? "
                "WHERE event_id = ? AND telegram_id = ?",
                (to_db_time(now), to_db_time(now), event_id, telegram_id),
            )
            await conn.execute(
                "INSERT INTO event_notices (event_id, telegram_id, kind, created_at) VALUES (?, ?, 'promoted', ?)",
                (event_id, telegram_id, to_db_time(now)),
            )
        return promoted

    async def _registration(self, conn, event_id: int, telegram_id: int) -> Registration | None:
        async with conn.execute(
            "SELECT r.*, (SELECT COUNT(*) FROM event_registrations w WHERE w.event_id = r.event_id "
            "AND w.status = 'waitlisted' AND w.queued_at <= r.queued_at) AS position "
            "FROM event_registrations r WHERE r.event_id = ? AND r.telegram_id = ?",
            (event_id, telegram_id),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return _registration(row, row["position"] if row["status"] == Seat.WAITLISTED else None)

    async def registration(self, event_id: int, telegram_id: int) -> Registration | None:
        async with self._db.transaction() as conn:
            return await self._registration(conn, event_id, telegram_id)

    async def registrants(self, event_id: int) -> list[Registration]:
        """Seats first, then the waitlist in order; with names for the coordinator."""
        rows = await self._db.fetch_all(
            "SELECT r.*, u.first_name, u.last_name, u.username FROM event_registrations r "
            "LEFT JOIN users u ON u.telegram_id = r.telegram_id "
            "WHERE r.event_id = ? AND r.status != 'cancelled' ORDER BY r.status != 'registered', r.queued_at",
            (event_id,),
        )
        result, position = [], 0
        for row in rows:
            if row["status"] == Seat.WAITLISTED:
                position += 1
            result.append(_registration(row, position if row["status"] == Seat.WAITLISTED else None))
        return result

    async def mine(self, telegram_id: int, now: datetime) -> list[tuple[Event, Registration]]:
        """A person's sign-ups for events not yet ended, soonest first."""
        rows = await self._db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} FROM events e JOIN event_registrations r "
            "ON r.event_id = e.id WHERE r.telegram_id = ? AND r.status != 'cancelled' "
            "AND e.status != 'draft' AND e.ends_at > ? ORDER BY e.starts_at",
            (telegram_id, to_db_time(now)),
        )
        result = []
        for row in rows:
            event = _event(row)
            registration = await self.registration(event.id, telegram_id)
            if registration is not None:
                result.append((event, registration))
        return result

    async def attended(self, telegram_id: int) -> list[tuple[Event, Registration]]:
        """Events a coordinator recorded this person attending, most recent first (with hours)."""
        rows = await self._db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} FROM events e JOIN event_registrations r ON r.event_id = e.id "
            "WHERE r.telegram_id = ? AND r.attendance = 'attended' ORDER BY e.starts_at DESC",
            (telegram_id,),
        )
        result = []
        for row in rows:
            event = _event(row)
            registration = await self.registration(event.id, telegram_id)
            assert registration is not None
            result.append((event, registration))
        return result
