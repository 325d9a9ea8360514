"""What an agreement is made of: its states and who may end which, the plain dataclasses the
repository returns (the agreement, its acceptance, signed files, history, attestations), the
exception of a refused change, and how a row becomes each of them (see storage/agreements.py)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from storage.db import from_db_time


class State(StrEnum):
    DRAFT = "draft"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    SIGNED = "signed"
    ACTIVE = "active"
    ENDED = "ended"
    EXPIRED = "expired"


STATE_ORDER = tuple(State)
PENDING = (State.DRAFT, State.OFFERED, State.ACCEPTED, State.SIGNED)  # at most one per person
CONCLUDED = (State.ACCEPTED, State.SIGNED, State.ACTIVE, State.ENDED, State.EXPIRED)
# Who may end what: a coordinator also cancels a draft or an offer; a volunteer ends what they accepted.
COORDINATOR_MAY_END = (State.DRAFT, State.OFFERED, State.ACCEPTED, State.SIGNED, State.ACTIVE)
VOLUNTEER_MAY_END = (State.ACCEPTED, State.SIGNED, State.ACTIVE)
# The reason recorded when an agreement ends because its volunteer deleted the account.
ACCOUNT_DELETED = "account deleted"


class TransitionRefused(Exception):
    """The agreement is not (or no longer) in a state that allows this."""

    def __init__(self, current: State | None, reason: str = "state"):
        super().__init__(f"not allowed from {current} ({reason})")
        self.current = current
        self.reason = reason


@dataclass(frozen=True)
class Agreement:
    id: int
    telegram_id: int
    application_id: int | None
    state: State
    start_date: date
    end_date: date
    scope: str | None
    template_version: str | None
    rendered_text: str | None
    text_sha256: str | None
    written_required: bool
    renewal_of: int | None
    created_by: int | None
    created_at: datetime
    offered_at: datetime | None
    accepted_at: datetime | None
    signed_at: datetime | None
    signed_by: int | None
    signed_how: str | None
    activated_at: datetime | None
    ended_at: datetime | None
    ended_on: date | None
    ended_by: int | None
    end_reason: str | None
    owner_deleted_at: datetime | None = None  # kept by law after the volunteer deleted the account

    @property
    def text_intact(self) -> bool:
        """The stored text still has the fingerprint it was offered with."""
        return self.rendered_text is not None and self.text_sha256 == sha256_text(self.rendered_text)


@dataclass(frozen=True)
class Acceptance:
    agreement_id: int
    telegram_id: int
    template_version: str
    text_sha256: str
    typed_name: str
    accepted_at: datetime


@dataclass(frozen=True)
class StoredFile:
    id: int
    agreement_id: int
    telegram_id: int
    file_name: str
    mime_type: str
    size: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor_id: int | None
    action: str
    note: str | None


@dataclass(frozen=True)
class Listed:
    id: int
    telegram_id: int
    state: State
    name: str | None
    start_date: date
    end_date: date
    owner_deleted: bool = False


@dataclass(frozen=True)
class Attestation:
    id: int
    telegram_id: int
    agreement_id: int
    requested_at: datetime
    rendered_text: str
    text_sha256: str
    opinion: str | None
    opinion_by: int | None
    opinion_at: datetime | None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _agreement(row) -> Agreement:
    return Agreement(
        id=row["id"],
        telegram_id=row["telegram_id"],
        application_id=row["application_id"],
        state=State(row["state"]),
        start_date=date.fromisoformat(row["start_date"]),
        end_date=date.fromisoformat(row["end_date"]),
        scope=row["scope"],
        template_version=row["template_version"],
        rendered_text=row["rendered_text"],
        text_sha256=row["text_sha256"],
        written_required=bool(row["written_required"]),
        renewal_of=row["renewal_of"],
        created_by=row["created_by"],
        created_at=from_db_time(row["created_at"]),
        offered_at=from_db_time(row["offered_at"]),
        accepted_at=from_db_time(row["accepted_at"]),
        signed_at=from_db_time(row["signed_at"]),
        signed_by=row["signed_by"],
        signed_how=row["signed_how"],
        activated_at=from_db_time(row["activated_at"]),
        ended_at=from_db_time(row["ended_at"]),
        ended_on=_day(row["ended_on"]),
        ended_by=row["ended_by"],
        end_reason=row["end_reason"],
        owner_deleted_at=from_db_time(row["owner_deleted_at"]),
    )


def _file(row) -> StoredFile:
    return StoredFile(
        row["id"],
        row["agreement_id"],
        row["telegram_id"],
        row["file_name"],
        row["mime_type"],
        row["size"],
        row["sha256"],
        from_db_time(row["uploaded_at"]),
    )


def _attestation(row) -> Attestation:
    return Attestation(
        id=row["id"],
        telegram_id=row["telegram_id"],
        agreement_id=row["agreement_id"],
        requested_at=from_db_time(row["requested_at"]),
        rendered_text=row["rendered_text"],
        text_sha256=row["text_sha256"],
        opinion=row["opinion"],
        opinion_by=row["opinion_by"],
        opinion_at=from_db_time(row["opinion_at"]),
    )
