"""The work an assigned expert logs on a request for support (migration 0024), its confirmation, the
request closed when the work is done, and both sides' feedback.

Rules held here whatever the interface: a log only on one's own ACTIVE assignment, not in the future,
no more than 24 hours in a day with what the person already logged that day (waiting or confirmed;
storage.hours_rules.check_logged_hours); a log is decided once (confirmed, corrected or rejected:
the second decision gets `Decided` with the state now); a confirmed log goes into the hours ledger
in the transaction that confirms it; the coordinators are asked about a log the organisation has
not answered by its `due_at`, claimed once by the transaction that marks it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from storage.db import Database, from_db_time, to_db_time
from storage.hours import HoursLedger, HoursRefused
from storage.hours_rules import HoursProblem, check_logged_hours

WAITING, CONFIRMED, REJECTED = "waiting", "confirmed", "rejected"
SUMMARY_LIMIT = 2000
COMMENT_LIMIT = 1000


class WorkRefused(ValueError):
    """Work that cannot be logged (storage.hours_rules.HoursProblem says why)."""

    def __init__(self, problem: HoursProblem):
        super().__init__(problem.value)
        self.problem = problem


class Decided(ValueError):
    """The log was decided already (or is gone): `state` is what it is now (None: no such log)."""

    def __init__(self, state: str | None):
        super().__init__(state or "gone")
        self.state = state


class OwnWork(ValueError):
    """Nobody confirms, corrects or rejects their own work (also not as a contact or coordinator)."""


class CloseRefused(ValueError):
    """closed: closed already · waiting: logs still wait for a decision · none: no assignment."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Assignment:
    id: int
    request_id: int
    telegram_id: int
    state: str
    organisation_id: int
    kind: str  # the request's kind of support (the ledger's kind of work)


@dataclass(frozen=True)
class WorkLog:
    id: int
    assignment_id: int
    request_id: int
    telegram_id: int
    day: date
    hours: float
    summary: str
    file_id: str | None
    file_kind: str | None
    state: str
    logged_at: datetime
    due_at: datetime
    escalated_at: datetime | None
    decided_by: int | None
    decided_as: str | None
    confirmed_hours: float | None
    note: str | None

    @property
    def counted(self) -> float:
        """The hours that count for the day limit: confirmed ones as confirmed, waiting as logged."""
        if self.state == CONFIRMED and self.confirmed_hours is not None:
            return self.confirmed_hours
        return self.hours if self.state == WAITING else 0.0


@dataclass(frozen=True)
class Feedback:
    telegram_id: int
    side: str
    score: int
    comment: str | None
    given_at: datetime


def _log(row) -> WorkLog:
    return WorkLog(
        row["id"],
        row["assignment_id"],
        row["request_id"],
        row["telegram_id"],
        date.fromisoformat(row["day"]),
        float(row["hours"]),
        row["summary"],
        row["file_id"],
        row["file_kind"],
        row["state"],
        from_db_time(row["logged_at"]),
        from_db_time(row["due_at"]),
        from_db_time(row["escalated_at"]) if row["escalated_at"] else None,
        row["decided_by"],
        row["decided_as"],
        float(row["confirmed_hours"]) if row["confirmed_hours"] is not None else None,
        row["note"],
    )


_ASSIGNMENT = (
    "SELECT a.id, a.request_id, a.telegram_id, a.state, r.organisation_id, r.support_kind "
    "FROM assignments a JOIN support_requests r ON r.id = a.request_id "
)


def _assignment(row) -> Assignment:
    return Assignment(row[0], row[1], row[2], row[3], row[4], row[5])


class WorkLogRepository:
    def __init__(self, db: Database, ledger: HoursLedger):
        self._db = db
        self._ledger = ledger

    # ---- assignments as the work log sees them --------------------------------------------------
    async def active_assignments(self, telegram_id: int) -> list[Assignment]:
        rows = await self._db.fetch_all(
            _ASSIGNMENT + "WHERE a.telegram_id = ? AND a.state = 'active' ORDER BY a.id", (telegram_id,)
        )
        return [_assignment(r) for r in rows]

    async def has_assignments(self, telegram_id: int) -> bool:
        row = await self._db.fetch_one("SELECT 1 FROM assignments WHERE telegram_id = ? LIMIT 1", (telegram_id,))
        return row is not None

    async def assignment(self, assignment_id: int) -> Assignment | None:
        row = await self._db.fetch_one(_ASSIGNMENT + "WHERE a.id = ?", (assignment_id,))
        return _assignment(row) if row else None

    async def assignments_of_request(self, request_id: int) -> list[Assignment]:
        rows = await self._db.fetch_all(_ASSIGNMENT + "WHERE a.request_id = ? ORDER BY a.id", (request_id,))
        return [_assignment(r) for r in rows]

    async def requests_with_work(self, limit: int = 30) -> list[tuple[int, bool]]:
        """Requests with an assignment, newest first: (request id, closed?)."""
        rows = await self._db.fetch_all(
            "SELECT DISTINCT a.request_id, c.request_id IS NOT NULL FROM assignments a "
            "LEFT JOIN support_closures c ON c.request_id = a.request_id ORDER BY a.request_id DESC LIMIT ?",
            (limit,),
        )
        return [(r[0], bool(r[1])) for r in rows]

    # ---- logging ---------------------------------------------------------------------------------
    async def day_total(self, telegram_id: int, day: date, *, except_id: int | None = None) -> float:
        """What the person logged on `day` on any assignment, waiting or confirmed."""
        row = await self._db.fetch_one(
            "SELECT COALESCE(SUM(CASE WHEN state = 'confirmed' THEN COALESCE(confirmed_hours, hours) "
            "ELSE hours END), 0) "
            "FROM work_logs WHERE telegram_id = ? AND day = ? AND state IN ('waiting', 'confirmed') AND id IS NOT ?",
            (telegram_id, day.isoformat(), except_id),
        )
        return float(row[0])

    async def check(self, telegram_id: int, assignment_id: int | None, day: date, hours: float, today: date):
        """Why this work cannot be logged, or None (the rules of storage.hours_rules)."""
        found = await self.assignment(assignment_id) if assignment_id is not None else None
        assigned = found is not None and found.telegram_id == telegram_id and found.state == "active"
        already = await self.day_total(telegram_id, day)
        return check_logged_hours(day, hours, today=today, already_that_day=already, assigned=assigned)

    async def log(
        self,
        telegram_id: int,
        assignment_id: int,
        day: date,
        hours: float,
        summary: str,
        attachment: tuple[str, str] | None,
        *,
        today: date,
        now: datetime,
        due_at: datetime,
    ) -> WorkLog:
        """Store the work as waiting for the organisation (WorkRefused when the rules say no)."""
        stamp = to_db_time(now)
        file_id, file_kind = attachment if attachment else (None, None)
        async with self._db.transaction() as conn:
            problem = await self.check(telegram_id, assignment_id, day, hours, today)
            if problem is not None:
                raise WorkRefused(problem)
            assignment = await self.assignment(assignment_id)
            cursor = await conn.execute(
                "INSERT INTO work_logs (assignment_id, request_id, telegram_id, day, hours, summary, file_id, "
                "file_kind, state, logged_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'waiting', ?, ?) RETURNING id",
                (
                    assignment_id,
                    assignment.request_id,
                    telegram_id,
                    day.isoformat(),
                    hours,
                    summary[:SUMMARY_LIMIT],
                    file_id,
                    file_kind,
                    stamp,
                    to_db_time(due_at),
                ),
            )
            log_id = (await cursor.fetchone())[0]
        found = await self.get(log_id)
        assert found is not None
        return found

    # ---- reading ---------------------------------------------------------------------------------
    async def get(self, log_id: int) -> WorkLog | None:
        row = await self._db.fetch_one("SELECT * FROM work_logs WHERE id = ?", (log_id,))
        return _log(row) if row else None

    async def of_person(self, telegram_id: int, limit: int = 20) -> list[WorkLog]:
        rows = await self._db.fetch_all(
            "SELECT * FROM work_logs WHERE telegram_id = ? ORDER BY day DESC, id DESC LIMIT ?", (telegram_id, limit)
        )
        return [_log(r) for r in rows]

    async def of_request(self, request_id: int) -> list[WorkLog]:
        rows = await self._db.fetch_all("SELECT * FROM work_logs WHERE request_id = ? ORDER BY id", (request_id,))
        return [_log(r) for r in rows]

    # ---- deciding --------------------------------------------------------------------------------
    async def decide(
        self,
        log_id: int,
        *,
        confirm: bool,
        by: int,
        as_: str,
        now: datetime,
        hours: float | None = None,
        note: str | None = None,
    ) -> WorkLog:
        """Confirm (with `hours` when corrected) or reject a waiting log, once. A confirmation goes
        into the hours ledger in the same transaction (HoursRefused from it undoes everything)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            current = await self.get(log_id)
            if current is None or current.state != WAITING:
                raise Decided(current.state if current else None)
            if by == current.telegram_id:
                raise OwnWork(log_id)
            counted = hours if hours is not None else current.hours
            if confirm:  # the ledger's rules, before anything is written (an outer transaction may go on)
                already = await self._ledger.day_hours(current.telegram_id, current.day, except_source_id=log_id)
                today = now.astimezone(self._ledger.tz).date()
                problem = check_logged_hours(current.day, counted, today=today, already_that_day=already, assigned=True)
                if problem is not None:
                    raise HoursRefused(problem)
            cursor = await conn.execute(
                "UPDATE work_logs SET state = ?, decided_by = ?, decided_as = ?, decided_at = ?, "
                "confirmed_hours = ?, note = ? WHERE id = ? AND state = 'waiting'",
                (CONFIRMED if confirm else REJECTED, by, as_, stamp, counted if confirm else None, note, log_id),
            )
            if cursor.rowcount != 1:
                raise Decided((await self.get(log_id)).state)
            if confirm:
                assignment = await self.assignment(current.assignment_id)
                kind = assignment.kind if assignment else "support"
                await self._ledger.record(log_id, current.telegram_id, kind, current.day, counted, by, now, note)
        found = await self.get(log_id)
        assert found is not None
        return found

    async def claim_due(self, now: datetime, limit: int = 50) -> list[WorkLog]:
        """Waiting logs past their time, marked as escalated in the same transaction (never twice)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE work_logs SET escalated_at = ? WHERE id IN (SELECT id FROM work_logs WHERE state = 'waiting' "
                "AND escalated_at IS NULL AND due_at <= ? ORDER BY due_at LIMIT ?) RETURNING id",
                (stamp, stamp, limit),
            )
            ids = [r[0] for r in await cursor.fetchall()]
        return [log for log in [await self.get(i) for i in ids] if log is not None]

    # ---- closing and feedback --------------------------------------------------------------------
    async def closure(self, request_id: int) -> tuple[int, datetime] | None:
        row = await self._db.fetch_one(
            "SELECT closed_by, closed_at FROM support_closures WHERE request_id = ?", (request_id,)
        )
        return (row[0], from_db_time(row[1])) if row else None

    async def close(self, request_id: int, by: int, now: datetime) -> list[int]:
        """Close a request whose work is done: its active assignments become done. Returns the
        experts assigned (CloseRefused: closed already, logs still waiting, or nobody assigned)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            if await self.closure(request_id) is not None:
                raise CloseRefused("closed")
            waiting = await self._db.fetch_one(
                "SELECT 1 FROM work_logs WHERE request_id = ? AND state = 'waiting' LIMIT 1", (request_id,)
            )
            if waiting is not None:
                raise CloseRefused("waiting")
            experts = [a.telegram_id for a in await self.assignments_of_request(request_id) if a.state != "cancelled"]
            if not experts:
                raise CloseRefused("none")
            await conn.execute(
                "INSERT INTO support_closures (request_id, closed_by, closed_at) VALUES (?, ?, ?)",
                (request_id, by, stamp),
            )
            await conn.execute(
                "UPDATE assignments SET state = 'done', ended_at = ? WHERE request_id = ? AND state = 'active'",
                (stamp, request_id),
            )
            # Done: no longer open to matching, in the lists and on the organisation's side.
            await conn.execute(
                "UPDATE support_requests SET status = 'done', updated_at = ? WHERE id = ?", (stamp, request_id)
            )
            await conn.execute(
                "INSERT INTO support_request_history (request_id, at, actor_id, action, note) "
                "VALUES (?, ?, ?, 'closed', NULL)",
                (request_id, stamp, by),
            )
        return experts

    async def give_feedback(
        self, request_id: int, telegram_id: int, side: str, score: int, comment: str | None, now: datetime
    ) -> bool:
        """Once per person and request: False when they gave it already (nothing changes)."""
        changed = await self._db.execute(
            "INSERT INTO support_feedback (request_id, telegram_id, side, score, comment, given_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, telegram_id) DO NOTHING",
            (request_id, telegram_id, side, score, comment, to_db_time(now)),
        )
        return changed == 1

    async def feedback(self, request_id: int) -> list[Feedback]:
        rows = await self._db.fetch_all(
            "SELECT telegram_id, side, score, comment, given_at FROM support_feedback WHERE request_id = ? ORDER BY id",
            (request_id,),
        )
        return [Feedback(r[0], r[1], r[2], r[3], from_db_time(r[4])) for r in rows]

    async def gave_feedback(self, request_id: int, telegram_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM support_feedback WHERE request_id = ? AND telegram_id = ?", (request_id, telegram_id)
        )
        return row is not None
