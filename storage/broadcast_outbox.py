"""The outbox of a broadcast: its deliveries (one row per recipient), how the sender claims and
records them, and the progress they add up to. A part of BroadcastRepository (storage/broadcasts.py).

The broadcast moves to `sending` first; its outbox is then written in batches of QUEUE_BATCH
people (in telegram id order, each batch its own short transaction: 100 000 rows in one held the
database 0.8 s), and the sender may start on the first ones meanwhile. Until the last batch is in,
`queued_through` says how far it got; a broadcast is not `done` before that, and one whose writing
stopped (the bot stopped) is taken up again where it was (`stalled_queues`, by the broadcasts job).
A row is `pending` until the sender claims it (`sending`), then `sent`, `failed` or `blocked`. A
claimed row whose result was not recorded (a crash) goes back to `pending` when the sender starts
again, so a crash re-sends at most the rows claimed at that moment.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.broadcast_model import Broadcast, BroadcastRows, BroadcastStatus, Refused, _broadcast
from storage.db import from_db_time, to_db_time, utcnow

# A row claimed again (a retry, a requeue) goes back to the queue, unless its broadcast was
# cancelled meanwhile.
_BACK_TO_QUEUE = (
    "state = CASE WHEN (SELECT status FROM broadcasts WHERE id = broadcast_id) = 'cancelled' "
    "THEN 'cancelled' ELSE 'pending' END"
)
_CLAIMED_ROW = "WHERE broadcast_id = ? AND telegram_id = ? AND state = 'sending'"
QUEUE_BATCH = 1000  # outbox rows written per transaction (~10 ms each)


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Plan:
    """Who gets a broadcast and from when: (telegram_id, not_before, waits for quiet hours)."""

    rows: list[tuple[int, datetime, bool]]
    muted: int

    @property
    def recipients(self) -> int:
        return len(self.rows)

    @property
    def waiting(self) -> int:
        return sum(1 for _, _, quiet in self.rows if quiet)


@dataclass(frozen=True)
class Progress:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    deleted: int = 0  # 403 "user is deactivated": the account no longer exists
    due: int = 0  # pending and due now, or being sent
    later: int = 0  # pending until quiet hours end or a retry's backoff
    cancelled: int = 0
    next_at: datetime | None = None  # when the earliest waiting row is due

    @property
    def total(self) -> int:
        return self.sent + self.failed + self.blocked + self.deleted + self.due + self.later + self.cancelled

    @property
    def remaining(self) -> int:
        return self.due + self.later

    @property
    def undelivered(self) -> int:
        return self.failed + self.blocked + self.deleted


@dataclass(frozen=True)
class Claimed:
    broadcast_id: int
    telegram_id: int
    attempts: int
    chosen_locale: str | None
    telegram_locale: str | None


class Outcome(StrEnum):
    SENT = "sent"
    BLOCKED = "blocked"  # 403: the person blocked the bot or deleted their account (told apart by the error)
    FAILED = "failed"  # a permanent error, or transient ones beyond the retry bound
    RETRY = "retry"  # a transient error: try again after `retry_at`, counted as an attempt
    REQUEUE = "requeue"  # flood control (429) or cancelled in flight: again, not an attempt


@dataclass
class Result:
    claimed: Claimed
    outcome: Outcome
    message_id: int | None = None
    error: str | None = None
    retry_at: datetime | None = None


class BroadcastOutbox(BroadcastRows):
    async def start(
        self,
        broadcast_id: int,
        plan: Plan,
        *,
        expected: BroadcastStatus,
        now: datetime | None = None,
        status_chat_id: int | None = None,
    ) -> Broadcast:
        """Move the broadcast to `sending` and write its outbox (see the module's docstring)."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'sending', started_at = ?, updated_at = ?, recipients = ?, "
                "muted = ?, status_chat_id = COALESCE(?, status_chat_id), queued_through = 0, queued_at = ? "
                "WHERE id = ? AND status = ? AND body_html IS NOT NULL",
                (stamp, stamp, plan.recipients, plan.muted, status_chat_id, stamp, broadcast_id, expected),
            )
            if cursor.rowcount != 1:
                raise Refused(broadcast_id)
        await self.queue(broadcast_id, plan.rows, now)
        return await self._reread(broadcast_id)

    async def queue(self, broadcast_id: int, rows: Sequence[tuple[int, datetime, bool]], now: datetime | None) -> bool:
        """Write outbox rows (in telegram id order) in batches, then mark the outbox complete; rows
        already written stay as they are. Stops (False) when the broadcast is cancelled meanwhile."""
        for first in range(0, len(rows), QUEUE_BATCH):
            batch = rows[first : first + QUEUE_BATCH]
            async with self._db.transaction() as conn:
                cursor = await conn.execute(
                    "UPDATE broadcasts SET queued_through = ?, queued_at = ? WHERE id = ? AND status = 'sending'",
                    (batch[-1][0], to_db_time(now or utcnow()), broadcast_id),
                )
                if cursor.rowcount != 1:
                    return False
                await conn.executemany(
                    "INSERT OR IGNORE INTO broadcast_deliveries (broadcast_id, telegram_id, state, not_before, quiet) "
                    "VALUES (?, ?, 'pending', ?, ?)",
                    [(broadcast_id, tid, to_db_time(when), int(quiet)) for tid, when, quiet in batch],
                )
            await asyncio.sleep(0)  # everyone else's work between two batches
        changed = await self._db.execute(
            "UPDATE broadcasts SET queued_through = NULL, queued_at = NULL WHERE id = ? AND status = 'sending'",
            (broadcast_id,),
        )
        return changed == 1

    async def stalled_queues(self, now: datetime, quiet_for: timedelta) -> list[tuple[Broadcast, int]]:
        """Broadcasts whose outbox writing stopped (no batch for `quiet_for`), each claimed for the
        caller (so a second process does not take it up too), with the last person queued."""
        cutoff = to_db_time(now - quiet_for)
        taken = []
        for row in await self._db.fetch_all(
            "SELECT id, queued_at FROM broadcasts WHERE queued_at IS NOT NULL AND queued_at < ? AND status = 'sending'",
            (cutoff,),
        ):
            async with self._db.transaction() as conn:
                cursor = await conn.execute(
                    "UPDATE broadcasts SET queued_at = ? WHERE id = ? AND queued_at = ? RETURNING *",
                    (to_db_time(now), row["id"], row["queued_at"]),
                )
                claimed = await cursor.fetchone()
            if claimed is not None:
                taken.append((_broadcast(claimed), claimed["queued_through"]))
        return taken

    # ---- the sender ---------------------------------------------------------------------------
    async def recover(self) -> int:
        """After a crash: rows claimed but never recorded go back to the queue (they may be sent
        twice; see the module's docstring for the bound)."""
        return await self._db.execute("UPDATE broadcast_deliveries SET state = 'pending' WHERE state = 'sending'")

    async def claim(self, now: datetime, limit: int) -> list[Claimed]:
        """Up to `limit` due rows of running broadcasts, urgent ones first, marked `sending`."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                """
                SELECT d.broadcast_id, d.telegram_id, d.attempts, u.chosen_locale, u.telegram_locale
                FROM broadcast_deliveries d
                JOIN broadcasts b ON b.id = d.broadcast_id
                LEFT JOIN users u ON u.telegram_id = d.telegram_id
                WHERE d.state = 'pending' AND d.not_before <= ? AND b.status = 'sending'
                ORDER BY b.urgent DESC, d.broadcast_id, d.not_before, d.telegram_id
                LIMIT ?
                """,
                (to_db_time(now), limit),
            )
            rows = await cursor.fetchall()
            await conn.executemany(
                "UPDATE broadcast_deliveries SET state = 'sending' WHERE broadcast_id = ? AND telegram_id = ?",
                [(r["broadcast_id"], r["telegram_id"]) for r in rows],
            )
        return [Claimed(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def record(self, results: list[Result], now: datetime | None = None) -> None:
        """The outcomes of claimed rows, in one transaction; users who blocked the bot are
        marked unreachable in the same transaction."""
        if not results:
            return
        stamp = to_db_time(now or utcnow())
        sent, final, retry, requeue, blocked = [], [], [], [], []
        for r in results:
            key = (r.claimed.broadcast_id, r.claimed.telegram_id)
            if r.outcome == Outcome.SENT:
                sent.append((stamp, r.message_id, *key))
            elif r.outcome in (Outcome.FAILED, Outcome.BLOCKED):
                final.append((r.outcome.value, (r.error or "")[:300], *key))
                if r.outcome == Outcome.BLOCKED:
                    blocked.append((stamp, r.claimed.telegram_id))
            elif r.outcome == Outcome.RETRY:
                retry.append((to_db_time(r.retry_at or now or utcnow()), (r.error or "")[:300], *key))
            else:
                requeue.append(key)
        async with self._db.transaction() as conn:
            await conn.executemany(
                f"UPDATE broadcast_deliveries SET state = 'sent', sent_at = ?, message_id = ? {_CLAIMED_ROW}", sent
            )
            await conn.executemany(
                f"UPDATE broadcast_deliveries SET state = ?, error = ?, attempts = attempts + 1 {_CLAIMED_ROW}", final
            )
            await conn.executemany(
                f"UPDATE broadcast_deliveries SET {_BACK_TO_QUEUE}, not_before = ?, error = ?, "
                f"attempts = attempts + 1 {_CLAIMED_ROW}",
                retry,
            )
            await conn.executemany(f"UPDATE broadcast_deliveries SET {_BACK_TO_QUEUE} {_CLAIMED_ROW}", requeue)
            await conn.executemany(
                "UPDATE users SET unreachable_at = ? WHERE telegram_id = ? AND unreachable_at IS NULL",
                blocked,
            )

    async def next_due_at(self) -> datetime | None:
        """When the earliest waiting row of a running broadcast becomes due."""
        row = await self._db.fetch_one(
            "SELECT MIN(d.not_before) FROM broadcast_deliveries d JOIN broadcasts b ON b.id = d.broadcast_id "
            "WHERE d.state = 'pending' AND b.status = 'sending'"
        )
        return from_db_time(row[0]) if row and row[0] else None

    async def finish_completed(self, now: datetime | None = None) -> list[Broadcast]:
        """Running broadcasts with nothing left to send become `done`."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'done', finished_at = ?, updated_at = ? "
                "WHERE status = 'sending' AND queued_through IS NULL AND NOT EXISTS (SELECT 1 "
                "FROM broadcast_deliveries d WHERE d.broadcast_id = broadcasts.id "
                "AND d.state IN ('pending', 'sending')) RETURNING *",
                (stamp, stamp),
            )
            rows = await cursor.fetchall()
        return [_broadcast(r) for r in rows]

    # ---- figures ------------------------------------------------------------------------------
    async def progress(self, broadcast_id: int, now: datetime) -> Progress:
        rows = await self._db.fetch_all(
            "SELECT CASE WHEN state = 'blocked' AND lower(error) LIKE '%deactivated%' THEN 'deleted' ELSE state END "
            "AS state, not_before > ? AS later, COUNT(*) AS n, MIN(not_before) AS first "
            "FROM broadcast_deliveries WHERE broadcast_id = ? GROUP BY 1, later",
            (to_db_time(now), broadcast_id),
        )
        counts: dict[str, int] = {}
        next_at = None
        for r in rows:
            state = r["state"]
            if state == DeliveryState.PENDING and r["later"]:
                counts["later"] = counts.get("later", 0) + r["n"]
                next_at = from_db_time(r["first"])
            elif state in (DeliveryState.PENDING, DeliveryState.SENDING):
                counts["due"] = counts.get("due", 0) + r["n"]
            else:
                counts[state] = counts.get(state, 0) + r["n"]
        return Progress(
            sent=counts.get("sent", 0),
            failed=counts.get("failed", 0),
            blocked=counts.get("blocked", 0),
            deleted=counts.get("deleted", 0),
            due=counts.get("due", 0),
            later=counts.get("later", 0),
            cancelled=counts.get("cancelled", 0),
            next_at=next_at,
        )

    async def deliveries(self, broadcast_id: int) -> dict[int, DeliveryState]:
        rows = await self._db.fetch_all(
            "SELECT telegram_id, state FROM broadcast_deliveries WHERE broadcast_id = ?", (broadcast_id,)
        )
        return {r[0]: DeliveryState(r[1]) for r in rows}
