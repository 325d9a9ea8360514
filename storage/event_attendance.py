"""Attendance: the volunteer's own answer, the coordinator's record with the hours, and the
question queued once an event has ended. A part of EventRepository (storage/events.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

from storage.db import Database, to_db_time, utcnow


class EventAttendance:
    _db: Database

    async def hours_of(self, telegram_id: int) -> float:
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(hours), 0) FROM event_registrations WHERE telegram_id = ? AND attendance = 'attended'",
            (telegram_id,),
        )
        return float(row[0])

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
