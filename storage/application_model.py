"""What an application is made of: its status and the history's actions, the plain dataclasses the
repository returns, and the exception of a refused change (see storage/applications.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.db import from_db_time


class Status(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


OPEN = (Status.SUBMITTED, Status.NEEDS_INFO)  # waiting for a coordinator or the volunteer
IN_PROGRESS = (Status.DRAFT, *OPEN)  # at most one per person
REVIEW_ORDER = (
    Status.SUBMITTED,
    Status.NEEDS_INFO,
    Status.ACCEPTED,
    Status.REJECTED,
    Status.WITHDRAWN,
)


class Action(StrEnum):
    SUBMITTED = "submitted"
    INFO_REQUESTED = "info_requested"
    INFO_GIVEN = "info_given"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    CORRECTED = "corrected"  # the volunteer corrected an answer after sending ("Moje dane")
    FIXED = "fixed"  # a coordinator corrected an answer; the note is JSON {field, was, now}
    REOPENED = "reopened"  # a decision taken by mistake undone; the note is the reason


class TransitionRefused(Exception):
    """The application is no longer in a state that allows this (e.g. already decided)."""

    def __init__(self, current: Status | None):
        super().__init__(f"not allowed from {current}")
        self.current = current


@dataclass(frozen=True)
class Application:
    id: int
    telegram_id: int
    status: Status
    cursor: str | None
    back_to_summary: bool
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    decided_by: int | None
    decision_note: str | None
    reminded_at: datetime | None


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor_id: int | None
    action: Action
    note: str | None


@dataclass(frozen=True)
class Listed:
    id: int
    telegram_id: int
    status: Status
    name: str | None
    submitted_at: datetime | None


def _application(row) -> Application:
    return Application(
        id=row["id"],
        telegram_id=row["telegram_id"],
        status=Status(row["status"]),
        cursor=row["cursor"],
        back_to_summary=bool(row["back_to_summary"]),
        created_at=from_db_time(row["created_at"]),
        updated_at=from_db_time(row["updated_at"]),
        submitted_at=from_db_time(row["submitted_at"]),
        decided_at=from_db_time(row["decided_at"]),
        decided_by=row["decided_by"],
        decision_note=row["decision_note"],
        reminded_at=from_db_time(row["reminded_at"]),
    )
