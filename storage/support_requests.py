"""Requests for support (prośby o wsparcie) from verified organisations: sent by a contact, then
approved, declined with a reason, or asked about by a coordinator (the contact answers), edited by
a coordinator, or withdrawn by a contact. Every change names the statuses it may start from, so
two people acting at once cannot both succeed: the second gets `Refused` with the status now.

Only what an organisation may see is read for a contact: `of_organisation` pages one
organisation's requests, and a contact's press checks `request.organisation_id` against theirs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.organisations import HistoryEntry, Refused
from storage.paging import Section, keyed_page
from storage.status_moves import move_status


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    NEEDS_INFO = "needs_info"
    APPROVED = "approved"  # open for matching: experts invited (storage/assignments.py)
    ASSIGNED = "assigned"  # an expert assigned (more may be, while it is)
    DONE = "done"  # closed by a coordinator when the work was done (storage/work_logs.py)
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


OPEN = (RequestStatus.SUBMITTED, RequestStatus.NEEDS_INFO)
EDITABLE = (RequestStatus.SUBMITTED, RequestStatus.NEEDS_INFO, RequestStatus.APPROVED)
WITHDRAWABLE = EDITABLE
REVIEW_ORDER = (
    RequestStatus.SUBMITTED,
    RequestStatus.NEEDS_INFO,
    RequestStatus.APPROVED,
    RequestStatus.ASSIGNED,
    RequestStatus.DONE,
    RequestStatus.DECLINED,
    RequestStatus.WITHDRAWN,
)
_KNOWN = {s.value for s in RequestStatus}
# The columns a request form's answer is also kept in (lists and the matching read them).
COLUMNS = ("kind", "competences", "county", "mode", "date_from", "date_to", "hours", "description")
_COLUMN_OF = {"kind": "support_kind"}


class RequestAction(StrEnum):
    SENT = "sent"
    INFO_REQUESTED = "info_requested"
    INFO_GIVEN = "info_given"
    APPROVED = "approved"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"
    EDITED = "edited"
    CLOSED = "closed"


@dataclass(frozen=True)
class SupportRequest:
    id: int
    organisation_id: int
    contact_id: int | None
    answers: dict[str, Any]
    status: RequestStatus
    created_at: datetime
    decided_by: int | None
    decision_note: str | None

    @property
    def date_from(self) -> date:
        return date.fromisoformat(self.answers["date_from"])

    @property
    def date_to(self) -> date:
        return date.fromisoformat(self.answers["date_to"])


def _request(row) -> SupportRequest:
    return SupportRequest(
        row["id"],
        row["organisation_id"],
        row["contact_id"],
        json.loads(row["answers"]),
        RequestStatus(row["status"]),
        from_db_time(row["created_at"]),
        row["decided_by"],
        row["decision_note"],
    )


def _stored(field_id: str, value: Any) -> Any:
    """A column's value: lists and "other" answers as JSON, the rest as they are."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


class SupportRequestRepository:
    def __init__(self, db: Database):
        self._db = db

    async def send(
        self, organisation_id: int, contact_id: int, actor_id: int, answers: dict[str, Any], now: datetime | None = None
    ) -> SupportRequest:
        stamp = to_db_time(now or utcnow())
        columns = [_COLUMN_OF.get(c, c) for c in COLUMNS]
        values = [_stored(c, answers[c]) for c in COLUMNS]
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"INSERT INTO support_requests (organisation_id, contact_id, {', '.join(columns)}, answers, status, "
                f"created_at, updated_at) VALUES (?, ?, {', '.join('?' for _ in columns)}, ?, 'submitted', ?, ?) "
                "RETURNING id",
                (organisation_id, contact_id, *values, json.dumps(answers, ensure_ascii=False), stamp, stamp),
            )
            request_id = (await cursor.fetchone())["id"]
            await self._history(conn, request_id, stamp, actor_id, RequestAction.SENT, None)
        found = await self.get(request_id)
        assert found is not None
        return found

    @staticmethod
    async def _history(conn, request_id, stamp, actor_id, action, note) -> None:
        await conn.execute(
            "INSERT INTO support_request_history (request_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
            (request_id, stamp, actor_id, action, note),
        )

    # ---- reading ----------------------------------------------------------------------------------
    async def get(self, request_id: int) -> SupportRequest | None:
        row = await self._db.fetch_one("SELECT * FROM support_requests WHERE id = ?", (request_id,))
        return _request(row) if row else None

    async def counts(self) -> dict[RequestStatus, int]:
        rows = await self._db.fetch_all("SELECT status, COUNT(*) AS n FROM support_requests GROUP BY status")
        counts = dict.fromkeys(RequestStatus, 0)
        counts.update({RequestStatus(r["status"]): r["n"] for r in rows if r["status"] in _KNOWN})  # and later states
        return counts

    async def _page(self, section: Section, limit: int, after: int | None, before: int | None) -> list[SupportRequest]:
        anchor = after if after is not None else before
        rows = await keyed_page(
            self._db.fetch_all,
            "SELECT * FROM support_requests",
            [section],
            limit,
            start=(0, (anchor,)) if anchor is not None else None,
            backward=before is not None and after is None,
        )
        return [_request(r) for r in rows]

    async def list_by_status(
        self, status: RequestStatus, limit: int, *, after: int | None = None, before: int | None = None
    ) -> list[SupportRequest]:
        """The coordinators' list of one status, oldest first, paged by key."""
        return await self._page(Section("status = ?", (status,)), limit, after, before)

    async def of_organisation(
        self, organisation_id: int, limit: int, *, after: int | None = None, before: int | None = None
    ) -> list[SupportRequest]:
        """One organisation's requests, newest first, paged by key: all a contact is ever shown."""
        section = Section("organisation_id = ?", (organisation_id,), order=(("id", False),))
        return await self._page(section, limit, after, before)

    async def history(self, request_id: int) -> list[HistoryEntry]:
        rows = await self._db.fetch_all(
            "SELECT at, actor_id, action, note FROM support_request_history WHERE request_id = ? ORDER BY id",
            (request_id,),
        )
        return [HistoryEntry(from_db_time(r["at"]), r["actor_id"], r["action"], r["note"]) for r in rows]

    async def last_question(self, request_id: int) -> HistoryEntry | None:
        asked = [h for h in await self.history(request_id) if h.action == RequestAction.INFO_REQUESTED]
        return asked[-1] if asked else None

    # ---- changes ----------------------------------------------------------------------------------
    async def _transition(
        self,
        request_id: int,
        allowed: tuple[RequestStatus, ...],
        to: RequestStatus,
        actor_id: int,
        action: RequestAction,
        note: str | None,
        now: datetime | None,
        decided: bool = False,
    ) -> SupportRequest:
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            decision = (actor_id, note) if decided else None
            await move_status(conn, "support_requests", request_id, allowed, to, stamp, decision)
            await self._history(conn, request_id, stamp, actor_id, action, note)
        found = await self.get(request_id)
        assert found is not None
        return found

    async def approve(self, request_id: int, coordinator_id: int, now: datetime | None = None) -> SupportRequest:
        return await self._transition(
            request_id, OPEN, RequestStatus.APPROVED, coordinator_id, RequestAction.APPROVED, None, now, decided=True
        )

    async def decline(self, request_id: int, coordinator_id: int, reason: str, now: datetime | None = None):
        return await self._transition(
            request_id, OPEN, RequestStatus.DECLINED, coordinator_id, RequestAction.DECLINED, reason, now, decided=True
        )

    async def ask(self, request_id: int, coordinator_id: int, question: str, now: datetime | None = None):
        return await self._transition(
            request_id,
            (RequestStatus.SUBMITTED,),
            RequestStatus.NEEDS_INFO,
            coordinator_id,
            RequestAction.INFO_REQUESTED,
            question,
            now,
        )

    async def answer(self, request_id: int, telegram_id: int, answer: str, now: datetime | None = None):
        return await self._transition(
            request_id,
            (RequestStatus.NEEDS_INFO,),
            RequestStatus.SUBMITTED,
            telegram_id,
            RequestAction.INFO_GIVEN,
            answer,
            now,
        )

    async def withdraw(self, request_id: int, telegram_id: int, now: datetime | None = None) -> SupportRequest:
        return await self._transition(
            request_id, WITHDRAWABLE, RequestStatus.WITHDRAWN, telegram_id, RequestAction.WITHDRAWN, None, now
        )

    async def edit(
        self, request_id: int, coordinator_id: int, field_id: str, value: Any, was: Any, now: datetime | None = None
    ) -> SupportRequest:
        """A coordinator corrects one answer (and its column) while the request is open or approved;
        the history keeps what it was. Refused when the request has been closed meanwhile."""
        stamp = to_db_time(now or utcnow())
        marks = ", ".join("?" for _ in EDITABLE)
        column = ""
        params: tuple = ()
        if field_id in COLUMNS:
            column, params = f", {_COLUMN_OF.get(field_id, field_id)} = ?", (_stored(field_id, value),)
        note = json.dumps({"field": field_id, "was": was, "now": value}, ensure_ascii=False)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE support_requests SET answers = json_set(answers, ?, json(?)), updated_at = ?{column} "
                f"WHERE id = ? AND status IN ({marks})",
                (f'$."{field_id}"', json.dumps(value, ensure_ascii=False), stamp, *params, request_id, *EDITABLE),
            )
            if cursor.rowcount != 1:
                current = await (
                    await conn.execute("SELECT status FROM support_requests WHERE id = ?", (request_id,))
                ).fetchone()
                raise Refused(current["status"] if current else None)
            await self._history(conn, request_id, stamp, coordinator_id, RequestAction.EDITED, note)
        found = await self.get(request_id)
        assert found is not None
        return found
