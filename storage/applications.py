"""Applications to the team: drafts answered field by field, then review and a decision.

Status rules live here, so they hold whatever the interface:
    draft ──submit──▶ submitted ◀──info given── needs_info
                        │  ├──ask for info──▶ needs_info
                        │  └──accept / reject──▶ accepted / rejected   (also from needs_info)
    submitted, needs_info ──withdraw──▶ withdrawn
    accepted, rejected ──undone by mistake──▶ submitted   (when no other application is in progress)
Every change is one conditional UPDATE, so of two coordinators deciding at once exactly one wins.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from storage.application_model import (
    IN_PROGRESS,
    OPEN,
    REVIEW_ORDER,
    Action,
    Application,
    HistoryEntry,
    Listed,
    Status,
    TransitionRefused,
    _application,
)
from storage.application_review import ReviewChanges
from storage.db import Database, from_db_time, to_db_time, utcnow

__all__ = [
    "IN_PROGRESS",
    "OPEN",
    "REVIEW_ORDER",
    "Action",
    "Application",
    "ApplicationRepository",
    "CoordinatorSettingsRepository",
    "HistoryEntry",
    "Listed",
    "Status",
    "TransitionRefused",
]


class ApplicationRepository(ReviewChanges):
    def __init__(self, db: Database):
        self._db = db

    # ---- reading ------------------------------------------------------------------------
    async def get(self, application_id: int) -> Application | None:
        row = await self._db.fetch_one("SELECT * FROM applications WHERE id = ?", (application_id,))
        return _application(row) if row else None

    async def latest(self, telegram_id: int) -> Application | None:
        row = await self._db.fetch_one(
            "SELECT * FROM applications WHERE telegram_id = ? ORDER BY id DESC LIMIT 1",
            (telegram_id,),
        )
        return _application(row) if row else None

    async def answers(self, application_id: int) -> dict[str, Any]:
        """field id -> value (None for a skipped optional field)."""
        rows = await self._db.fetch_all(
            "SELECT field_id, value FROM application_answers WHERE application_id = ?",
            (application_id,),
        )
        return {r["field_id"]: None if r["value"] is None else json.loads(r["value"]) for r in rows}

    async def history(self, application_id: int) -> list[HistoryEntry]:
        rows = await self._db.fetch_all(
            "SELECT at, actor_id, action, note FROM application_history WHERE application_id = ? ORDER BY id",
            (application_id,),
        )
        return [HistoryEntry(from_db_time(r["at"]), r["actor_id"], Action(r["action"]), r["note"]) for r in rows]

    async def counts(self) -> dict[Status, int]:
        rows = await self._db.fetch_all(
            "SELECT status, COUNT(*) AS n FROM applications WHERE status != 'draft' GROUP BY status"
        )
        found = {Status(r["status"]): r["n"] for r in rows}
        return {status: found.get(status, 0) for status in REVIEW_ORDER}

    async def list_by_status(
        self, status: Status, limit: int, *, after: int | None = None, before: int | None = None
    ) -> list[Listed]:
        """A page in the order sent, found by key, not by offset: the `limit` applications sent
        after (or before) application `after` (`before`); the first ones without either. Every page
        is an index lookup, however deep in the list."""
        anchor, order = "", "ASC"
        params: list = [status]
        if after is not None or before is not None:
            anchor = f"AND (a.submitted_at, a.id) {'>' if after is not None else '<'} " + (
                "(SELECT submitted_at, id FROM applications WHERE id = ?)"
            )
            params.append(after if after is not None else before)
            order = "ASC" if after is not None else "DESC"
        rows = await self._db.fetch_all(
            f"""
            SELECT a.id, a.telegram_id, a.status, a.submitted_at, ans.value AS name
            FROM applications a
            LEFT JOIN application_answers ans
                   ON ans.application_id = a.id AND ans.field_id = 'full_name'
            WHERE a.status = ? {anchor}
            ORDER BY a.submitted_at {order}, a.id {order}
            LIMIT ?
            """,
            (*params, limit),
        )
        found = [
            Listed(
                r["id"],
                r["telegram_id"],
                Status(r["status"]),
                json.loads(r["name"]) if r["name"] else None,
                from_db_time(r["submitted_at"]),
            )
            for r in rows
        ]
        return found if order == "ASC" else found[::-1]

    async def for_export(self, statuses: tuple[Status, ...]) -> list[tuple[Application, dict]]:
        marks = ",".join("?" for _ in statuses)
        rows = await self._db.fetch_all(
            f"SELECT * FROM applications WHERE status IN ({marks}) ORDER BY submitted_at, id",
            statuses,
        )
        return [(_application(r), await self.answers(r["id"])) for r in rows]

    # ---- a volunteer filling in a draft ---------------------------------------------------
    async def start_draft(self, telegram_id: int, first_field: str, now: datetime | None = None) -> Application:
        """A new draft; refused while another application is in progress."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT status FROM applications WHERE telegram_id = ? AND status IN (?, ?, ?)",
                (telegram_id, *IN_PROGRESS),
            )
            existing = await cursor.fetchone()
            if existing is not None:
                raise TransitionRefused(Status(existing["status"]))
            cursor = await conn.execute(
                "INSERT INTO applications (telegram_id, status, cursor, created_at, updated_at) "
                "VALUES (?, 'draft', ?, ?, ?) RETURNING id",
                (telegram_id, first_field, stamp, stamp),
            )
            new_id = (await cursor.fetchone())[0]
        application = await self.get(new_id)
        assert application is not None
        return application

    async def save_answer(
        self,
        application_id: int,
        field_id: str,
        value: Any,
        next_cursor: str | None,
        back_to_summary: bool = False,
        now: datetime | None = None,
    ) -> None:
        """Store one answer (None = skipped) and move on, in one transaction, on a draft only."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE applications SET cursor = ?, back_to_summary = ?, updated_at = ? "
                "WHERE id = ? AND status = 'draft'",
                (next_cursor, int(back_to_summary), stamp, application_id),
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(None)
            await conn.execute(
                "INSERT INTO application_answers (application_id, field_id, value, answered_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (application_id, field_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at",
                (
                    application_id,
                    field_id,
                    None if value is None else json.dumps(value, ensure_ascii=False),
                    stamp,
                ),
            )

    async def keep_answer(self, application_id: int, field_id: str, value: Any, now: datetime | None = None) -> None:
        """Store one answer of a draft (None = skipped); refused once the application was sent."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE applications SET updated_at = ? WHERE id = ? AND status = 'draft'", (stamp, application_id)
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(None)
            await conn.execute(
                "INSERT INTO application_answers (application_id, field_id, value, answered_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (application_id, field_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at",
                (application_id, field_id, None if value is None else json.dumps(value, ensure_ascii=False), stamp),
            )

    async def correct_answer(
        self, application_id: int, telegram_id: int, field_id: str, value: Any, now: datetime | None = None
    ) -> bool:
        """The volunteer corrects their data ("Moje dane") after sending: the answer changes and the
        history says so, for the coordinators. Only the owner's sent application."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE applications SET updated_at = ? WHERE id = ? AND telegram_id = ? AND status != 'draft'",
                (stamp, application_id, telegram_id),
            )
            if cursor.rowcount != 1:
                return False
            await conn.execute(
                "INSERT INTO application_answers (application_id, field_id, value, answered_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (application_id, field_id) DO UPDATE SET "
                "value = excluded.value, answered_at = excluded.answered_at",
                (application_id, field_id, json.dumps(value, ensure_ascii=False), stamp),
            )
            await conn.execute(
                "INSERT INTO application_history (application_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
                (application_id, stamp, telegram_id, Action.CORRECTED, field_id),
            )
        return True

    async def move_cursor(
        self,
        application_id: int,
        field_id: str | None,
        back_to_summary: bool = False,
        now: datetime | None = None,
    ) -> None:
        await self._db.execute(
            "UPDATE applications SET cursor = ?, back_to_summary = ?, updated_at = ? WHERE id = ? AND status = 'draft'",
            (field_id, int(back_to_summary), to_db_time(now or utcnow()), application_id),
        )

    async def restart_draft(self, application_id: int, first_field: str, now: datetime | None = None) -> None:
        """Start over: forget the answers of a draft."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE applications SET cursor = ?, back_to_summary = 0, updated_at = ?, "
                "reminded_at = NULL WHERE id = ? AND status = 'draft'",
                (first_field, to_db_time(now or utcnow()), application_id),
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(None)
            await conn.execute("DELETE FROM application_answers WHERE application_id = ?", (application_id,))

    async def delete_draft(self, application_id: int, telegram_id: int) -> bool:
        """Throw a draft away with its answers (nothing was sent, so nothing needs keeping)."""
        changed = await self._db.execute(
            "DELETE FROM applications WHERE id = ? AND telegram_id = ? AND status = 'draft'",
            (application_id, telegram_id),
        )
        return changed > 0

    # ---- status changes -------------------------------------------------------------------
    async def _transition(
        self,
        application_id: int,
        allowed_from: tuple[Status, ...],
        to: Status,
        actor_id: int | None,
        action: Action,
        note: str | None = None,
        now: datetime | None = None,
        extra_sql: str = "",
        extra_params: tuple = (),
    ) -> Application:
        stamp = to_db_time(now or utcnow())
        marks = ",".join("?" for _ in allowed_from)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE applications SET status = ?, updated_at = ?{extra_sql} WHERE id = ? AND status IN ({marks})",
                (to, stamp, *extra_params, application_id, *allowed_from),
            )
            if cursor.rowcount != 1:
                current = await conn.execute("SELECT status FROM applications WHERE id = ?", (application_id,))
                row = await current.fetchone()
                raise TransitionRefused(Status(row["status"]) if row else None)
            await conn.execute(
                "INSERT INTO application_history (application_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
                (application_id, stamp, actor_id, action, note),
            )
        application = await self.get(application_id)
        assert application is not None
        return application

    async def submit(self, application_id: int, telegram_id: int, now: datetime | None = None) -> Application:
        stamp = to_db_time(now or utcnow())
        return await self._transition(
            application_id,
            (Status.DRAFT,),
            Status.SUBMITTED,
            telegram_id,
            Action.SUBMITTED,
            now=now,
            extra_sql=", submitted_at = ?, cursor = NULL",
            extra_params=(stamp,),
        )

    async def withdraw(self, application_id: int, telegram_id: int, now: datetime | None = None) -> Application:
        return await self._transition(application_id, OPEN, Status.WITHDRAWN, telegram_id, Action.WITHDRAWN, now=now)

    async def request_info(
        self, application_id: int, coordinator_id: int, question: str, now: datetime | None = None
    ) -> Application:
        return await self._transition(
            application_id,
            (Status.SUBMITTED,),
            Status.NEEDS_INFO,
            coordinator_id,
            Action.INFO_REQUESTED,
            question,
            now=now,
        )

    async def give_info(
        self, application_id: int, telegram_id: int, answer: str, now: datetime | None = None
    ) -> Application:
        return await self._transition(
            application_id,
            (Status.NEEDS_INFO,),
            Status.SUBMITTED,
            telegram_id,
            Action.INFO_GIVEN,
            answer,
            now=now,
        )

    async def decide(
        self,
        application_id: int,
        coordinator_id: int,
        accepted: bool,
        reason: str | None = None,
        now: datetime | None = None,
    ) -> Application:
        stamp = to_db_time(now or utcnow())
        return await self._transition(
            application_id,
            OPEN,
            Status.ACCEPTED if accepted else Status.REJECTED,
            coordinator_id,
            Action.ACCEPTED if accepted else Action.REJECTED,
            reason,
            now=now,
            extra_sql=", decided_at = ?, decided_by = ?, decision_note = ?",
            extra_params=(stamp, coordinator_id, reason),
        )

    async def last_question(self, application_id: int) -> HistoryEntry | None:
        for entry in reversed(await self.history(application_id)):
            if entry.action == Action.INFO_REQUESTED:
                return entry
        return None

    # ---- reminders -------------------------------------------------------------------------
    async def claim_stale_drafts(self, untouched_since: datetime, now: datetime | None = None) -> list[Application]:
        """Drafts untouched since then and never reminded, marked reminded in the same
        transaction: each gets exactly one reminder, even across restarts."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE applications SET reminded_at = ? "
                "WHERE status = 'draft' AND reminded_at IS NULL AND updated_at <= ? "
                "RETURNING *",
                (stamp, to_db_time(untouched_since)),
            )
            rows = await cursor.fetchall()
        return [_application(r) for r in rows]


class CoordinatorSettingsRepository:
    def __init__(self, db: Database):
        self._db = db

    async def notify_applications(self, telegram_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT notify_applications FROM coordinator_settings WHERE telegram_id = ?",
            (telegram_id,),
        )
        return True if row is None else bool(row[0])

    async def set_notify_applications(self, telegram_id: int, enabled: bool) -> None:
        await self._db.execute(
            "INSERT INTO coordinator_settings (telegram_id, notify_applications) VALUES (?, ?) "
            "ON CONFLICT (telegram_id) DO UPDATE SET notify_applications = excluded.notify_applications",
            (telegram_id, int(enabled)),
        )
