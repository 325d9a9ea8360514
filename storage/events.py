"""Events and trainings: publishing, sign-ups with capacity and a waitlist, reminders, attendance.

The rules live here so they hold whatever the interface:
- a seat is taken in one transaction that counts the seats taken, so a full event never
  overfills however many people press at once; the rest join the waitlist in arrival order;
- a seat given back goes to the first person on the waitlist in the same transaction, and a
  message telling them is queued in that transaction too (event_notices), so it is never lost;
- reminders and notices are claimed (marked) in the transaction that selects them, so a restart
  neither repeats nor loses them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.preferences import Category, category_of


class EventStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class Audience(StrEnum):
    EVERYONE = "everyone"
    EXPERTS = "experts"  # accepted members of the team
    COORDINATORS = "coordinators"


class Seat(StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Closed(StrEnum):
    """Why a sign-up is refused."""

    NOT_PUBLISHED = "not_published"
    CANCELLED = "cancelled"
    STARTED = "started"
    DEADLINE = "deadline"


def audience_allows(audience: Audience, *, is_coordinator: bool, is_expert: bool) -> bool:
    """Who may see and join an event: coordinators everything, experts what is for experts."""
    if is_coordinator:
        return True
    if audience == Audience.EVERYONE:
        return True
    return audience == Audience.EXPERTS and is_expert


def visible_audiences(*, is_coordinator: bool, is_expert: bool) -> tuple[Audience, ...]:
    return tuple(a for a in Audience if audience_allows(a, is_coordinator=is_coordinator, is_expert=is_expert))


# The fields a coordinator sets; `changes` of an update name them.
EDITABLE = (
    "type",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "online_url",
    "county",
    "capacity",
    "audience",
    "signup_deadline",
)
_TIMES = {"starts_at", "ends_at", "signup_deadline"}


@dataclass(frozen=True)
class Event:
    id: int
    type: str
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place: str | None
    online_url: str | None
    county: str | None
    capacity: int | None
    audience: Audience
    signup_deadline: datetime | None
    status: EventStatus
    cancel_reason: str | None
    default_hours: float | None
    sequence: int
    created_by: int
    created_at: datetime
    updated_at: datetime
    registered: int = 0
    waitlisted: int = 0

    @property
    def free_seats(self) -> int | None:
        return None if self.capacity is None else max(self.capacity - self.registered, 0)

    @property
    def hours(self) -> float:
        """The hours an attendee gets: set by the coordinator, else the event's length."""
        if self.default_hours is not None:
            return self.default_hours
        return round(self.duration.total_seconds() / 3600 * 4) / 4

    @property
    def closes_at(self) -> datetime:
        return self.signup_deadline or self.starts_at

    @property
    def duration(self) -> timedelta:
        return self.ends_at - self.starts_at

    def closed_reason(self, now: datetime) -> Closed | None:
        if self.status == EventStatus.CANCELLED:
            return Closed.CANCELLED
        if self.status != EventStatus.PUBLISHED:
            return Closed.NOT_PUBLISHED
        if now >= self.starts_at:
            return Closed.STARTED
        if now >= self.closes_at:
            return Closed.DEADLINE
        return None


@dataclass(frozen=True)
class Registration:
    event_id: int
    telegram_id: int
    status: Seat
    queued_at: int
    joined_at: datetime
    promoted_at: datetime | None
    self_attended: bool | None
    attendance: str | None
    hours: float | None
    position: int | None = None  # on the waitlist, 1 = next to get a seat
    name: str = ""  # the person's name, for coordinators' lists
    username: str | None = None


@dataclass(frozen=True)
class JoinOutcome:
    seat: Seat | None  # None when refused
    position: int | None = None
    already: bool = False
    refused: Closed | None = None


@dataclass(frozen=True)
class LeaveOutcome:
    previous: Seat | None  # None: was not signed up
    promoted: tuple[int, ...] = ()


NOT_KEPT = "\x00not kept"  # an earlier value a notice of an earlier release did not keep


@dataclass(frozen=True)
class Notice:
    id: int
    event_id: int
    telegram_id: int
    kind: str
    detail: str | None

    def was(self) -> dict[str, Any]:
        """A change notice: the fields changed and their earlier values (times as datetimes).
        Notices queued by earlier releases hold only the names ("starts_at,place"): values NOT_KEPT."""
        if not self.detail:
            return {}
        if not self.detail.startswith("{"):
            return dict.fromkeys((f for f in self.detail.split(",") if f in EDITABLE), NOT_KEPT)
        values = json.loads(self.detail).get("was", {})
        return {k: from_db_time(v) if k in _TIMES else v for k, v in values.items() if k in EDITABLE}


@dataclass(frozen=True)
class DueReminder:
    event_id: int
    telegram_id: int
    offset_minutes: int


_EVENT_COLUMNS = (
    "e.id, e.type, e.title, e.description, e.starts_at, e.ends_at, e.place, e.online_url, e.county, "
    "e.capacity, e.audience, e.signup_deadline, e.status, e.cancel_reason, e.default_hours, e.sequence, e.created_by, "
    "e.created_at, e.updated_at, "
    "(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'registered') "
    "AS registered, "
    "(SELECT COUNT(*) FROM event_registrations r WHERE r.event_id = e.id AND r.status = 'waitlisted') "
    "AS waitlisted"
)


def _event(row) -> Event:
    values = dict(row)
    for key in ("starts_at", "ends_at", "signup_deadline", "created_at", "updated_at"):
        values[key] = from_db_time(values[key])
    values["audience"] = Audience(values["audience"])
    values["status"] = EventStatus(values["status"])
    return Event(**values)


def new_event_recipients(event_id: int, category: Category, county_fields: tuple[str, ...]) -> tuple[str, list[Any]]:
    """FROM … WHERE of the people `u` to tell about the new event `e`:
    reachable, not its author, allowed to join it, with its category on, and wanting events from
    its county: everywhere, the counties they chose, or (not chosen) accepted team members whose
    application names that county; an event for the whole region (no county) counts everywhere."""
    if county_fields:
        marks = ", ".join("?" for _ in county_fields)
        own_county = (
            "EXISTS (SELECT 1 FROM applications ap JOIN application_answers aa ON aa.application_id = ap.id, "
            f"json_each(aa.value) je WHERE ap.telegram_id = u.telegram_id AND ap.status = 'accepted' "
            f"AND aa.field_id IN ({marks}) AND je.value = e.county)"
        )
    else:
        own_county = "0"
    accepted = "EXISTS (SELECT 1 FROM applications ap WHERE ap.telegram_id = u.telegram_id AND ap.status = 'accepted')"
    coordinator = "EXISTS (SELECT 1 FROM coordinators c WHERE c.telegram_id = u.telegram_id)"
    sql = (
        "FROM events e JOIN users u LEFT JOIN notification_preferences p ON p.telegram_id = u.telegram_id "
        "WHERE e.id = ? AND u.unreachable_at IS NULL AND u.telegram_id != e.created_by "
        f"AND COALESCE(p.{category.value}, 1) = 1 "
        "AND (e.audience = 'everyone' "
        f"  OR (e.audience = 'experts' AND ({accepted} OR {coordinator})) "
        f"  OR (e.audience = 'coordinators' AND {coordinator})) "
        "AND (p.new_events = 'all' "
        "  OR (p.new_events = 'counties' AND (e.county IS NULL OR EXISTS (SELECT 1 FROM new_event_counties n "
        "      WHERE n.telegram_id = u.telegram_id AND n.county = e.county))) "
        f"  OR (p.new_events IS NULL AND {accepted} AND (e.county IS NULL OR {own_county})))"
    )
    return sql, [event_id, *county_fields]


def _registration(row, position: int | None = None) -> Registration:
    keys = row.keys()
    return Registration(
        event_id=row["event_id"],
        telegram_id=row["telegram_id"],
        status=Seat(row["status"]),
        queued_at=row["queued_at"],
        joined_at=from_db_time(row["joined_at"]),
        promoted_at=from_db_time(row["promoted_at"]),
        self_attended=None if row["self_attended"] is None else bool(row["self_attended"]),
        attendance=row["attendance"],
        hours=row["hours"],
        position=position,
        name=" ".join(p for p in (row["first_name"], row["last_name"]) if p) if "first_name" in keys else "",
        username=row["username"] if "username" in keys else None,
    )


def _db_value(key: str, value: Any) -> Any:
    if key in _TIMES:
        return to_db_time(value)
    if isinstance(value, StrEnum):
        return str(value)
    return value


class EventRepository:
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
                f"VALUES ({', '.join('?' for _ in columns)}, 'draft', ?, ?, ?)",
                (*(_db_value(k, values[k]) for k in columns), created_by, to_db_time(now), to_db_time(now)),
            )
            event_id = cursor.lastrowid
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
            async with conn.execute("SELECT type FROM events WHERE id = ?", (event_id,)) as cur:
                (event_type,) = await cur.fetchone()
            recipients, params = new_event_recipients(event_id, category_of(event_type), county_fields)
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
        offset: int = 0,
        limit: int = 5,
    ) -> tuple[list[Event], int]:
        """Published events not yet ended that these audiences may see, soonest first; and the total."""
        where = [
            "e.status = 'published'",
            "e.ends_at > ?",
            f"e.audience IN ({', '.join('?' for _ in audiences)})",
        ]
        params: list[Any] = [to_db_time(now), *map(str, audiences)]
        if event_type is not None:
            where.append("e.type = ?")
            params.append(event_type)
        if county is not None:
            where.append("e.county = ?")
            params.append(county)
        condition = " AND ".join(where)
        total = await self._db.fetch_one(f"SELECT COUNT(*) FROM events e WHERE {condition}", params)
        rows = await self._db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} FROM events e WHERE {condition} ORDER BY e.starts_at, e.id LIMIT ? OFFSET ?",
            (*params, limit, offset),
        )
        return [_event(r) for r in rows], int(total[0])

    async def for_coordinators(self, now: datetime, *, offset: int = 0, limit: int = 8) -> tuple[list[Event], int]:
        """Drafts, then events not yet ended, then those that ended in the last 30 days (attendance)."""
        condition = "e.status = 'draft' OR (e.status = 'published' AND e.ends_at > ?)"
        params = [to_db_time(now - timedelta(days=30))]
        total = await self._db.fetch_one(f"SELECT COUNT(*) FROM events e WHERE {condition}", params)
        rows = await self._db.fetch_all(
            f"SELECT {_EVENT_COLUMNS} FROM events e WHERE {condition} "
            "ORDER BY e.status = 'published', e.ends_at < ?, "
            "CASE WHEN e.ends_at < ? THEN NULL ELSE e.starts_at END, e.starts_at DESC, e.id LIMIT ? OFFSET ?",
            (*params, to_db_time(now), to_db_time(now), limit, offset),
        )
        return [_event(r) for r in rows], int(total[0])

    # ---- sign-ups -----------------------------------------------------------------------
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
        limit = -1 if free is None else max(free, 0)
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

    async def hours_of(self, telegram_id: int) -> float:
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(hours), 0) FROM event_registrations WHERE telegram_id = ? AND attendance = 'attended'",
            (telegram_id,),
        )
        return float(row[0])

    # ---- attendance ---------------------------------------------------------------------
    async def answer_attendance(self, event_id: int, telegram_id: int, attended: bool) -> bool:
        """The volunteer's own answer; only for someone who had a seat."""
        changed = await self._db.execute(
            "UPDATE event_registrations SET self_attended = ? WHERE event_id = ? AND telegram_id = ? "
            "AND status = 'registered'",
            (int(attended), event_id, telegram_id),
        )
        return changed == 1

    async def record_attendance(
        self,
        event_id: int,
        telegram_id: int,
        attended: bool,
        hours: float | None,
        by: int,
        now: datetime | None = None,
    ) -> bool:
        """The coordinator's record, with the hours that count towards the attestation."""
        now = now or utcnow()
        changed = await self._db.execute(
            "UPDATE event_registrations SET attendance = ?, hours = ?, attendance_by = ?, attendance_at = ? "
            "WHERE event_id = ? AND telegram_id = ? AND status = 'registered'",
            (
                "attended" if attended else "absent",
                hours if attended else None,
                by,
                to_db_time(now),
                event_id,
                telegram_id,
            ),
        )
        return changed == 1

    async def set_hours(self, event_id: int, hours: float, by: int, now: datetime | None = None) -> int:
        """The hours every attendee of this event gets (now and when recorded later); returns how many
        attendees were updated."""
        now = now or utcnow()
        async with self._db.transaction() as conn:
            await conn.execute("UPDATE events SET default_hours = ? WHERE id = ?", (hours, event_id))
            cursor = await conn.execute(
                "UPDATE event_registrations SET hours = ?, attendance_by = ?, attendance_at = ? "
                "WHERE event_id = ? AND attendance = 'attended'",
                (hours, by, to_db_time(now), event_id),
            )
            return cursor.rowcount

    async def claim_attendance_questions(self, ended_before: datetime, now: datetime) -> list[int]:
        """Events that ended before `ended_before` and whose attendees were not asked yet: mark them and
        queue one question per attendee. Events that ended over a week ago are not asked any more."""
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM events WHERE status = 'published' AND attendance_asked_at IS NULL "
                "AND ends_at <= ? AND ends_at > ?",
                (to_db_time(ended_before), to_db_time(now - timedelta(days=7))),
            ) as cur:
                ids = [row[0] for row in await cur.fetchall()]
            for event_id in ids:
                await conn.execute(
                    "UPDATE events SET attendance_asked_at = ? WHERE id = ?", (to_db_time(now), event_id)
                )
                await conn.execute(
                    "INSERT INTO event_notices (event_id, telegram_id, kind, created_at) "
                    "SELECT event_id, telegram_id, 'attendance', ? FROM event_registrations "
                    "WHERE event_id = ? AND status = 'registered'",
                    (to_db_time(now), event_id),
                )
        return ids

    # ---- notices and reminders ----------------------------------------------------------
    async def claim_notices(self, now: datetime, limit: int = 100) -> list[Notice]:
        """Mark the next waiting notices as sent and return them (sending follows; a failed send
        is released with `release_notice`, so it is retried)."""
        async with (
            self._db.transaction() as conn,
            conn.execute(
                "UPDATE event_notices SET sent_at = ? WHERE id IN "
                "(SELECT id FROM event_notices WHERE sent_at IS NULL AND (not_before IS NULL OR not_before <= ?) "
                "ORDER BY id LIMIT ?) "
                "RETURNING id, event_id, telegram_id, kind, detail",
                (to_db_time(now), to_db_time(now), limit),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return sorted((Notice(**dict(r)) for r in rows), key=lambda n: n.id)

    async def release_notice(self, notice_id: int, not_before: datetime | None = None) -> None:
        """Put a claimed notice back: to retry it, or to wait until `not_before` (quiet hours)."""
        await self._db.execute(
            "UPDATE event_notices SET sent_at = NULL, not_before = ? WHERE id = ?", (to_db_time(not_before), notice_id)
        )

    async def pending_notices(self) -> int:
        row = await self._db.fetch_one("SELECT COUNT(*) FROM event_notices WHERE sent_at IS NULL")
        return int(row[0])

    async def claim_reminders(self, now: datetime, offsets_minutes: tuple[int, ...]) -> list[DueReminder]:
        """Reminders due now for people with a seat, each claimed once. If the bot was down and
        several offsets passed, only the nearest is sent (the others are recorded as skipped); an
        event that has started gets none; nobody is reminded of an offset that had passed when they
        took the seat (they have just seen the details)."""
        if not offsets_minutes:
            return []
        longest = max(offsets_minutes)
        async with self._db.transaction() as conn:
            async with conn.execute(
                "SELECT r.event_id, r.telegram_id, e.starts_at, r.joined_at, r.promoted_at FROM event_registrations r "
                "JOIN events e ON e.id = r.event_id WHERE e.status = 'published' AND r.status = 'registered' "
                "AND e.starts_at > ? AND e.starts_at <= ?",
                (to_db_time(now), to_db_time(now + timedelta(minutes=longest))),
            ) as cur:
                candidates = await cur.fetchall()
            due: list[DueReminder] = []
            for row in candidates:
                starts_at = from_db_time(row["starts_at"])
                seated_at = max(filter(None, (from_db_time(row["joined_at"]), from_db_time(row["promoted_at"]))))
                async with conn.execute(
                    "SELECT offset_minutes FROM event_reminders WHERE event_id = ? AND telegram_id = ?",
                    (row["event_id"], row["telegram_id"]),
                ) as cur:
                    done = {r[0] for r in await cur.fetchall()}
                passed = sorted(o for o in offsets_minutes if starts_at - timedelta(minutes=o) <= now and o not in done)
                if not passed:
                    continue
                nearest = passed[0]
                for offset in passed:
                    send = offset == nearest and starts_at - timedelta(minutes=offset) >= seated_at
                    await conn.execute(
                        "INSERT INTO event_reminders (event_id, telegram_id, offset_minutes, sent_at, skipped) "
                        "VALUES (?, ?, ?, ?, ?)",
                        (row["event_id"], row["telegram_id"], offset, to_db_time(now), int(not send)),
                    )
                    if send:
                        due.append(DueReminder(row["event_id"], row["telegram_id"], offset))
        return due
