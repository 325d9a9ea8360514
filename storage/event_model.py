"""The events' records: an event, a sign-up, a notice, and the values they hold; how rows of
`events` and `event_registrations` become them and values become columns. Used by EventRepository
(storage/events.py) and its parts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from storage.db import from_db_time, to_db_time


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
