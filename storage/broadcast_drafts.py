"""A coordinator's draft broadcast and its content: made, changed (text, media, category,
audience) and discarded while it is a draft, and the events it can be addressed to. A part of
BroadcastRepository (storage/broadcasts.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.broadcast_audience import Audience
from storage.broadcast_model import Broadcast, BroadcastRows, Refused
from storage.db import from_db_time, to_db_time, utcnow

_MONTH = timedelta(days=30)
# An event with how many people are signed up to it; callers add WHERE, ORDER BY, LIMIT.
_EVENT_CHOICE_SQL = (
    "SELECT e.id, e.title, e.starts_at, (SELECT COUNT(*) FROM event_registrations r "
    "WHERE r.event_id = e.id AND r.status = 'registered') AS registered FROM events e "
)


@dataclass(frozen=True)
class EventChoice:
    id: int
    title: str
    starts_at: datetime
    registered: int


def _event_choice(row) -> EventChoice:
    return EventChoice(row["id"], row["title"], from_db_time(row["starts_at"]), row["registered"])


class BroadcastDrafts(BroadcastRows):
    async def create_draft(self, created_by: int, now: datetime | None = None) -> Broadcast:
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO broadcasts (created_by, status, audience, created_at, updated_at) "
                "VALUES (?, 'draft', ?, ?, ?) RETURNING id",
                (created_by, Audience().to_json(), stamp, stamp),
            )
            new_id = (await cursor.fetchone())[0]
        return await self._reread(new_id)

    async def update_draft(self, broadcast_id: int, now: datetime | None = None, **changes: object) -> Broadcast:
        """Change a draft; refused once it has been scheduled, sent or cancelled."""
        allowed = {"category", "urgent", "body_html", "media_kind", "media_file_id", "audience"}
        if not changes or set(changes) - allowed:
            raise ValueError(f"cannot change {sorted(set(changes) - allowed)}")
        values = {
            k: (v.to_json() if isinstance(v, Audience) else int(v) if isinstance(v, bool) else v)
            for k, v in changes.items()
        }
        assignments = ", ".join(f"{k} = ?" for k in values)
        changed = await self._db.execute(
            f"UPDATE broadcasts SET {assignments}, updated_at = ? WHERE id = ? AND status = 'draft'",
            (*values.values(), to_db_time(now or utcnow()), broadcast_id),
        )
        if changed != 1:
            raise Refused(broadcast_id)
        return await self._reread(broadcast_id)

    async def discard_draft(self, broadcast_id: int) -> bool:
        return await self._db.execute("DELETE FROM broadcasts WHERE id = ? AND status = 'draft'", (broadcast_id,)) > 0

    async def events_to_choose(self, now: datetime, limit: int = 10) -> list[EventChoice]:
        """Published events starting from a month ago, soonest first, with their sign-ups."""
        rows = await self._db.fetch_all(
            _EVENT_CHOICE_SQL + "WHERE e.status = 'published' AND e.ends_at >= ? ORDER BY e.starts_at, e.id LIMIT ?",
            (to_db_time(now.replace(microsecond=0) - _MONTH), limit),
        )
        return [_event_choice(r) for r in rows]

    async def event(self, event_id: int) -> EventChoice | None:
        row = await self._db.fetch_one(_EVENT_CHOICE_SQL + "WHERE e.id = ?", (event_id,))
        return _event_choice(row) if row else None
