"""A broadcast as stored (one row of `broadcasts`), its statuses, and reading it back: shared by
the parts of BroadcastRepository (storage/broadcasts.py, broadcast_drafts.py, broadcast_outbox.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage.broadcast_audience import Audience
from storage.db import Database, from_db_time
from storage.preferences import Category


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Refused(Exception):
    """The broadcast is no longer in a state that allows this (e.g. already sent or cancelled)."""


@dataclass(frozen=True)
class Broadcast:
    id: int
    created_by: int
    status: BroadcastStatus
    category: Category
    urgent: bool
    body_html: str | None
    media_kind: str | None
    media_file_id: str | None
    audience: Audience
    scheduled_at: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    cancelled_at: datetime | None
    cancelled_by: int | None
    recipients: int
    muted: int
    status_chat_id: int | None
    status_message_id: int | None
    reported_at: datetime | None


def _broadcast(row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        status=BroadcastStatus(row["status"]),
        category=Category(row["category"]),
        urgent=bool(row["urgent"]),
        body_html=row["body_html"],
        media_kind=row["media_kind"],
        media_file_id=row["media_file_id"],
        audience=Audience.from_json(row["audience"]),
        scheduled_at=from_db_time(row["scheduled_at"]),
        created_at=from_db_time(row["created_at"]),
        started_at=from_db_time(row["started_at"]),
        finished_at=from_db_time(row["finished_at"]),
        cancelled_at=from_db_time(row["cancelled_at"]),
        cancelled_by=row["cancelled_by"],
        recipients=row["recipients"],
        muted=row["muted"],
        status_chat_id=row["status_chat_id"],
        status_message_id=row["status_message_id"],
        reported_at=from_db_time(row["reported_at"]),
    )


class BroadcastRows:
    """Reading broadcasts back, for every part of the repository."""

    _db: Database

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

    async def _reread(self, broadcast_id: int) -> Broadcast:
        """The broadcast just written (it exists: the change was made in this process)."""
        found = await self.get(broadcast_id)
        assert found is not None
        return found
