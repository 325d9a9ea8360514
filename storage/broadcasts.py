"""Coordinator broadcasts: drafts, the outbox and its figures (who receives one: storage/broadcast_audience.py).

    draft ──send now──▶ sending ──all rows settled──▶ done
      └──schedule──▶ scheduled ──due (job)──▶ sending
    scheduled, sending ──cancel──▶ cancelled   (pending outbox rows are cancelled with it)

The outbox has one row per recipient, written in the same transaction that moves the broadcast
to `sending`. A row is `pending` until the sender claims it (`sending`), then `sent`, `failed`
or `blocked`. A claimed row whose result was not recorded (a crash) goes back to `pending` when
the sender starts again, so a crash re-sends at most the rows claimed at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from storage.broadcast_audience import AnswerFields, Audience, audience_sql
from storage.broadcast_audience import Group as Group  # re-exported: callers import it from here
from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.preferences import Category, PreferenceRepository, next_delivery

_MONTH = timedelta(days=30)


class BroadcastStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class DeliveryState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    BLOCKED = "blocked"
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


@dataclass(frozen=True)
class EventChoice:
    id: int
    title: str
    starts_at: datetime
    registered: int


class BroadcastRepository:
    def __init__(self, db: Database, preferences: PreferenceRepository):
        self._db = db
        self._preferences = preferences

    # ---- drafts -------------------------------------------------------------------------
    async def create_draft(self, created_by: int, now: datetime | None = None) -> Broadcast:
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO broadcasts (created_by, status, audience, created_at, updated_at) "
                "VALUES (?, 'draft', ?, ?, ?)",
                (created_by, Audience().to_json(), stamp, stamp),
            )
            new_id = cursor.lastrowid
        found = await self.get(new_id)
        assert found is not None
        return found

    async def get(self, broadcast_id: int) -> Broadcast | None:
        row = await self._db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return _broadcast(row) if row else None

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
        found = await self.get(broadcast_id)
        assert found is not None
        return found

    async def discard_draft(self, broadcast_id: int) -> bool:
        return await self._db.execute("DELETE FROM broadcasts WHERE id = ? AND status = 'draft'", (broadcast_id,)) > 0

    # ---- audiences ------------------------------------------------------------------------
    async def audience_ids(self, audience: Audience, fields: AnswerFields) -> list[int]:
        sql, params = audience_sql(audience, fields)
        return [r[0] for r in await self._db.fetch_all(sql, params)]

    async def plan(
        self,
        audience: Audience,
        fields: AnswerFields,
        category: Category,
        urgent: bool,
        now: datetime,
        tz: ZoneInfo,
    ) -> Plan:
        """Who receives it and from when, after each person's preferences."""
        ids = await self.audience_ids(audience, fields)
        prefs = await self._preferences.many(ids)
        rows, muted = [], 0
        for telegram_id in ids:
            when = next_delivery(prefs[telegram_id], category, now, tz, urgent=urgent)
            if when is None:
                muted += 1
            else:
                rows.append((telegram_id, when, when > now))
        return Plan(rows, muted)

    # ---- starting, scheduling, cancelling ---------------------------------------------------
    async def start(
        self,
        broadcast_id: int,
        plan: Plan,
        *,
        expected: BroadcastStatus,
        now: datetime | None = None,
        status_chat_id: int | None = None,
    ) -> Broadcast:
        """Write the outbox and move the broadcast to `sending`, in one transaction."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'sending', started_at = ?, updated_at = ?, recipients = ?, "
                "muted = ?, status_chat_id = COALESCE(?, status_chat_id) "
                "WHERE id = ? AND status = ? AND body_html IS NOT NULL",
                (stamp, stamp, plan.recipients, plan.muted, status_chat_id, broadcast_id, expected),
            )
            if cursor.rowcount != 1:
                raise Refused(broadcast_id)
            await conn.executemany(
                "INSERT INTO broadcast_deliveries (broadcast_id, telegram_id, state, not_before, quiet) "
                "VALUES (?, ?, 'pending', ?, ?)",
                [(broadcast_id, tid, to_db_time(when), int(quiet)) for tid, when, quiet in plan.rows],
            )
        found = await self.get(broadcast_id)
        assert found is not None
        return found

    async def schedule(self, broadcast_id: int, at: datetime, now: datetime | None = None) -> Broadcast:
        changed = await self._db.execute(
            "UPDATE broadcasts SET status = 'scheduled', scheduled_at = ?, updated_at = ? "
            "WHERE id = ? AND status = 'draft' AND body_html IS NOT NULL",
            (to_db_time(at), to_db_time(now or utcnow()), broadcast_id),
        )
        if changed != 1:
            raise Refused(broadcast_id)
        found = await self.get(broadcast_id)
        assert found is not None
        return found

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
        found = await self.get(broadcast_id)
        assert found is not None
        return found

    async def set_status_message(self, broadcast_id: int, chat_id: int, message_id: int) -> None:
        await self._db.execute(
            "UPDATE broadcasts SET status_chat_id = ?, status_message_id = ? WHERE id = ?",
            (chat_id, message_id, broadcast_id),
        )

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
                "UPDATE broadcast_deliveries SET state = 'sent', sent_at = ?, message_id = ? "
                "WHERE broadcast_id = ? AND telegram_id = ? AND state = 'sending'",
                sent,
            )
            await conn.executemany(
                "UPDATE broadcast_deliveries SET state = ?, error = ?, attempts = attempts + 1 "
                "WHERE broadcast_id = ? AND telegram_id = ? AND state = 'sending'",
                final,
            )
            # A row of a broadcast cancelled meanwhile is not put back in the queue.
            await conn.executemany(
                "UPDATE broadcast_deliveries SET state = CASE WHEN (SELECT status FROM broadcasts "
                "WHERE id = broadcast_id) = 'cancelled' THEN 'cancelled' ELSE 'pending' END, "
                "not_before = ?, error = ?, attempts = attempts + 1 "
                "WHERE broadcast_id = ? AND telegram_id = ? AND state = 'sending'",
                retry,
            )
            await conn.executemany(
                "UPDATE broadcast_deliveries SET state = CASE WHEN (SELECT status FROM broadcasts "
                "WHERE id = broadcast_id) = 'cancelled' THEN 'cancelled' ELSE 'pending' END "
                "WHERE broadcast_id = ? AND telegram_id = ? AND state = 'sending'",
                requeue,
            )
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
                "WHERE status = 'sending' AND NOT EXISTS (SELECT 1 FROM broadcast_deliveries d "
                "WHERE d.broadcast_id = broadcasts.id AND d.state IN ('pending', 'sending')) RETURNING *",
                (stamp, stamp),
            )
            rows = await cursor.fetchall()
        return [_broadcast(r) for r in rows]

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

    # ---- figures and lists ------------------------------------------------------------------
    async def progress(self, broadcast_id: int, now: datetime) -> Progress:
        rows = await self._db.fetch_all(
            "SELECT CASE WHEN state = 'blocked' AND error LIKE '%deactivated%' THEN 'deleted' ELSE state END "
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

    async def running(self) -> list[Broadcast]:
        rows = await self._db.fetch_all("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
        return [_broadcast(r) for r in rows]

    async def recent(self, offset: int, limit: int, drafts_of: int | None = None) -> list[Broadcast]:
        """The drafts of `drafts_of` (newest first), then scheduled ones (soonest first), then the
        rest, newest first; nobody else's drafts."""
        rows = await self._db.fetch_all(
            "SELECT * FROM broadcasts WHERE status != 'draft' OR created_by = ? "
            "ORDER BY status = 'draft' DESC, status = 'scheduled' DESC, "
            "CASE WHEN status = 'scheduled' THEN scheduled_at END, id DESC LIMIT ? OFFSET ?",
            (drafts_of, limit, offset),
        )
        return [_broadcast(r) for r in rows]

    async def deliveries(self, broadcast_id: int) -> dict[int, DeliveryState]:
        rows = await self._db.fetch_all(
            "SELECT telegram_id, state FROM broadcast_deliveries WHERE broadcast_id = ?", (broadcast_id,)
        )
        return {r[0]: DeliveryState(r[1]) for r in rows}

    async def events_to_choose(self, now: datetime, limit: int = 10) -> list[EventChoice]:
        """Published events starting from a month ago, soonest first, with their sign-ups."""
        rows = await self._db.fetch_all(
            """
            SELECT e.id, e.title, e.starts_at,
                   (SELECT COUNT(*) FROM event_registrations r
                    WHERE r.event_id = e.id AND r.status = 'registered') AS registered
            FROM events e
            WHERE e.status = 'published' AND e.ends_at >= ?
            ORDER BY e.starts_at, e.id
            LIMIT ?
            """,
            (to_db_time(now.replace(microsecond=0) - _MONTH), limit),
        )
        return [EventChoice(r["id"], r["title"], from_db_time(r["starts_at"]), r["registered"]) for r in rows]

    async def event(self, event_id: int) -> EventChoice | None:
        row = await self._db.fetch_one(
            "SELECT e.id, e.title, e.starts_at, (SELECT COUNT(*) FROM event_registrations r "
            "WHERE r.event_id = e.id AND r.status = 'registered') AS registered FROM events e WHERE e.id = ?",
            (event_id,),
        )
        return EventChoice(row["id"], row["title"], from_db_time(row["starts_at"]), row["registered"]) if row else None
