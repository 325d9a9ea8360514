"""What concerns coordinators on a sent application besides deciding: an answer corrected, a
decision taken by mistake undone, and which applications an alert has named. A part of
ApplicationRepository (storage/applications.py)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from storage.application_model import IN_PROGRESS, Action, Application, Status, TransitionRefused, _application
from storage.db import Database, to_db_time, utcnow


class ReviewChanges:
    _db: Database

    async def fix_answer(
        self, application_id: int, coordinator_id: int, field_id: str, value: Any, was: Any, now: datetime | None = None
    ) -> bool:
        """A coordinator corrects an answer of a sent application: the answer and the history entry
        (which field, what it was, what it is now) together."""
        stamp = to_db_time(now or utcnow())
        note = json.dumps({"field": field_id, "was": was, "now": value}, ensure_ascii=False)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE applications SET updated_at = ? WHERE id = ? AND status != 'draft'", (stamp, application_id)
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "INSERT INTO application_answers (application_id, field_id, value, answered_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (application_id, field_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at",
                (application_id, field_id, None if value is None else json.dumps(value, ensure_ascii=False), stamp),
            )
            await conn.execute(
                "INSERT INTO application_history (application_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
                (application_id, stamp, coordinator_id, Action.FIXED, note),
            )
        return True

    async def reopen(
        self, application_id: int, coordinator_id: int, reason: str, now: datetime | None = None
    ) -> Application:
        """Undo a decision taken by mistake: back to the new applications, the decision cleared.
        Refused (TransitionRefused with the status now) when it is not decided, or when the
        person has another application in progress (only one may be)."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE applications SET status = 'submitted', updated_at = ?, decided_at = NULL, "
                "decided_by = NULL, decision_note = NULL WHERE id = ? AND status IN ('accepted', 'rejected') "
                "AND NOT EXISTS (SELECT 1 FROM applications other WHERE other.telegram_id = applications.telegram_id "
                "AND other.id != applications.id AND other.status IN ('draft', 'submitted', 'needs_info'))",
                (stamp, application_id),
            )
            if cursor.rowcount != 1:
                current = await conn.execute("SELECT status FROM applications WHERE id = ?", (application_id,))
                row = await current.fetchone()
                raise TransitionRefused(Status(row["status"]) if row else None)
            await conn.execute(
                "INSERT INTO application_history (application_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
                (application_id, stamp, coordinator_id, Action.REOPENED, reason),
            )
        row = await self._db.fetch_one("SELECT * FROM applications WHERE id = ?", (application_id,))
        return _application(row)

    async def newer_in_progress(self, application: Application) -> bool:
        """Whether the person has another application in progress (a new draft after a rejection)."""
        row = await self._db.fetch_one(
            "SELECT 1 FROM applications WHERE telegram_id = ? AND id != ? AND status IN (?, ?, ?)",
            (application.telegram_id, application.id, *IN_PROGRESS),
        )
        return row is not None

    async def claim_alerts(self, now: datetime, quiet: timedelta) -> list[int]:
        """The sent applications no alert has named yet, marked named now; none while an alert went
        out less than `quiet` ago (they wait for the next claim, and then go together). Claimed in
        one transaction, so a restart or a second process neither loses nor repeats one."""
        waiting = await self._db.fetch_one(
            "SELECT 1 FROM applications WHERE alerted_at IS NULL AND submitted_at IS NOT NULL LIMIT 1"
        )
        if waiting is None:  # the usual case of the job's every run: no write lock taken
            return []
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute("SELECT MAX(alerted_at) AS last FROM applications")
            last = (await cursor.fetchone())["last"]
            if last is not None and last > to_db_time(now - quiet):
                return []
            cursor = await conn.execute(
                "UPDATE applications SET alerted_at = ? WHERE alerted_at IS NULL AND submitted_at IS NOT NULL "
                "RETURNING id",
                (stamp,),
            )
            rows = await cursor.fetchall()
        return sorted(r["id"] for r in rows)
