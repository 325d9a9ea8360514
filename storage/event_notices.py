"""Notices and reminders waiting to be sent, each claimed in the transaction that selects it, so
a restart neither repeats nor loses one. A part of EventRepository (storage/events.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database, from_db_time, to_db_time
from storage.event_model import DueReminder, Notice


class EventNotices:
    _db: Database

    async def claim_notices(self, now: datetime, limit: int = 100) -> list[Notice]:
        """Mark the next waiting notices as sent and return them (sending follows; a failed send
        is released with `release_notice`, so it is retried)."""
        async with (
            self._db.transaction() as conn,
            await conn.execute(
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

    async def notices_queued(self, event_id: int, kind: str) -> int:
        """How many people a notice of this kind about the event was queued for (sent or not yet)."""
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM event_notices WHERE event_id = ? AND kind = ?", (event_id, kind)
        )
        return int(row[0])

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
