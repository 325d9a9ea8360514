"""Coordinator broadcasts: scheduling, cancelling and the history, with BroadcastRepository made
of its parts: drafts and their content (storage/broadcast_drafts.py), the outbox, its deliveries
and progress (storage/broadcast_outbox.py), who receives one (storage/broadcast_audience.py) and
from when (storage/broadcast_recipients.py).

    draft ──send now──▶ sending ──all rows settled──▶ done
      └──schedule──▶ scheduled ──due (job)──▶ sending
    scheduled, sending ──cancel──▶ cancelled   (pending outbox rows are cancelled with it)
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime

from storage.broadcast_audience import AnswerFields, Audience, Group
from storage.broadcast_drafts import BroadcastDrafts, EventChoice
from storage.broadcast_model import Broadcast, BroadcastStatus, Refused, _broadcast
from storage.broadcast_outbox import BroadcastOutbox, Claimed, DeliveryState, Outcome, Plan, Progress, Result
from storage.broadcast_recipients import BroadcastRecipients, Headcount
from storage.db import Database, to_db_time, utcnow
from storage.paging import Section, keyed_page
from storage.preferences import PreferenceRepository

__all__ = [  # callers import these from here
    "AnswerFields",
    "Audience",
    "Broadcast",
    "BroadcastRepository",
    "BroadcastStatus",
    "Claimed",
    "DeliveryState",
    "EventChoice",
    "Group",
    "Headcount",
    "Outcome",
    "Plan",
    "Progress",
    "Refused",
    "Result",
]


class BroadcastRepository(BroadcastDrafts, BroadcastOutbox, BroadcastRecipients):
    def __init__(self, db: Database, preferences: PreferenceRepository):
        self._db = db
        self._preferences = preferences
        self._headcounts = OrderedDict()

    # ---- scheduling, cancelling (starting: the outbox) ---------------------------------------
    async def schedule(self, broadcast_id: int, at: datetime, now: datetime | None = None) -> Broadcast:
        changed = await self._db.execute(
            "UPDATE broadcasts SET status = 'scheduled', scheduled_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'draft' AND body_html IS NOT NULL",
            (to_db_time(at), to_db_time(now or utcnow()), broadcast_id),
        )
        if changed != 1:
            raise Refused(broadcast_id)
        return await self._reread(broadcast_id)

    async def due_scheduled(self, now: datetime) -> list[Broadcast]:
        rows = await self._db.fetch_all(
            "SELECT * FROM broadcasts WHERE status = 'scheduled' AND scheduled_at <= ? ORDER BY scheduled_at, id",
            (to_db_time(now),),
        )
        return [_broadcast(r) for r in rows]

    async def cancel(self, broadcast_id: int, by: int, now: datetime | None = None) -> Broadcast:
        """Stop a scheduled or running broadcast; rows not yet claimed are never sent."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'cancelled', cancelled_at = ?, cancelled_by = ?, updated_at = ? "
                "WHERE id = ? AND status IN ('scheduled', 'sending')",
                (stamp, by, stamp, broadcast_id),
            )
            if cursor.rowcount != 1:
                raise Refused(broadcast_id)
            await conn.execute(
                "UPDATE broadcast_deliveries SET state = 'cancelled' WHERE broadcast_id = ? AND state = 'pending'",
                (broadcast_id,),
            )
        return await self._reread(broadcast_id)

    async def set_status_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET status_chat_id = ?, status_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

    # ---- reports and the history ----------------------------------------------------------------
    async def unreported(self) -> list[Broadcast]:
        """Finished or cancelled broadcasts whose final report has not been sent yet."""
        rows = await self._db.fetch_all(
            "SELECT * FROM broadcasts WHERE status IN ('done', 'cancelled') AND started_at IS NOT NULL "
            "AND reported_at IS NULL AND NOT EXISTS (SELECT 1 FROM broadcast_deliveries d "
            "WHERE d.broadcast_id = broadcasts.id AND d.state = 'sending') ORDER BY id"
        )
        return [_broadcast(r) for r in rows]

    async def claim_report(self, broadcast_id: int, now: datetime | None = None) -> bool:
        changed = await self._db.execute(
            "UPDATE broadcasts SET reported_at = ? WHERE id = ? AND reported_at IS NULL",
            (to_db_time(now or utcnow()), broadcast_id),
        )
        return changed > 0

    async def running(self) -> list[Broadcast]:
        rows = await self._db.fetch_all("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
        return [_broadcast(r) for r in rows]

    async def recent(
        self, limit: int, drafts_of: int | None = None, *, after: int | None = None, before: int | None = None
    ) -> list[Broadcast]:
        """The drafts of `drafts_of` (newest first), then scheduled ones (soonest first), then the
        rest, newest first; nobody else's drafts. The `limit` after announcement `after` (before
        `before`), or the first ones: each part paged by key on an index of its own (migration
        0016), so every page is an index lookup. An announcement not in the list gives none."""
        sections = [
            Section("status = 'draft' AND created_by = ?", (drafts_of,), (("id", False),)),
            Section("status = 'scheduled'", (), (("scheduled_at", True), ("id", False))),
            Section("status NOT IN ('draft', 'scheduled')", (), (("id", False),)),  # the partial index broadcasts_sent
        ]
        start = None
        if after is not None or before is not None:
            key = after if after is not None else before
            row = await self._db.fetch_one(
                "SELECT status, created_by, scheduled_at FROM broadcasts WHERE id = ?", (key,)
            )
            if row is None or (row["status"] == "draft" and row["created_by"] != drafts_of):
                return []
            part = {"draft": 0, "scheduled": 1}.get(row["status"], 2)
            start = (part, (row["scheduled_at"], key) if part == 1 else (key,))
        rows = await keyed_page(
            self._db.fetch_all,
            "SELECT * FROM broadcasts",
            sections,
            limit,
            start=start,
            backward=after is None and before is not None,
        )
        return [_broadcast(r) for r in rows]
