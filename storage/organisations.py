"""Organisations that ask the programme for support, their contact people and the one-time links
that add a contact. An organisation is registered with its first contact in one transaction, then
verified by a coordinator (accepted, asked for more, or rejected), each step in its history. A
status change names the statuses it may start from, so of two coordinators deciding at once one
wins and the other gets `Refused` with the status now."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.paging import Section, keyed_page
from storage.status_moves import Refused as Refused  # callers import it from here
from storage.status_moves import move_status


class OrgStatus(StrEnum):
    PENDING = "pending"  # registered, waiting for a coordinator
    NEEDS_INFO = "needs_info"  # a coordinator asked the contacts for more
    VERIFIED = "verified"
    REJECTED = "rejected"


OPEN = (OrgStatus.PENDING, OrgStatus.NEEDS_INFO)
REVIEW_ORDER = (OrgStatus.PENDING, OrgStatus.NEEDS_INFO, OrgStatus.VERIFIED, OrgStatus.REJECTED)


class OrgAction(StrEnum):
    REGISTERED = "registered"
    INFO_REQUESTED = "info_requested"
    INFO_GIVEN = "info_given"
    VERIFIED = "verified"
    REJECTED = "rejected"
    CONTACT_ADDED = "contact_added"
    CONTACT_LEFT = "contact_left"


class InviteRefused(Exception):
    def __init__(self, reason: str):  # unknown · used · expired · closed (the organisation is not verified)
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    kind: str
    county: Any  # a county id, or {"other": name}
    answers: dict[str, Any]
    status: OrgStatus
    created_at: datetime
    decided_at: datetime | None
    decided_by: int | None
    decision_note: str | None


@dataclass(frozen=True)
class Contact:
    id: int
    organisation_id: int
    telegram_id: int
    name: str
    email: str | None
    phone: str | None
    added_how: str
    added_by: int | None
    created_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor_id: int | None
    action: str
    note: str | None


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _county(text: str | None) -> Any:
    if text is not None and text.startswith("{"):
        return json.loads(text)
    return text


def _organisation(row) -> Organisation:
    return Organisation(
        row["id"],
        row["name"],
        row["kind"],
        _county(row["county"]),
        json.loads(row["answers"]),
        OrgStatus(row["status"]),
        from_db_time(row["created_at"]),
        from_db_time(row["decided_at"]),
        row["decided_by"],
        row["decision_note"],
    )


def _contact(row) -> Contact:
    return Contact(
        row["id"],
        row["organisation_id"],
        row["telegram_id"],
        row["name"],
        row["email"],
        row["phone"],
        row["added_how"],
        row["added_by"],
        from_db_time(row["created_at"]),
    )


def _county_column(value: Any) -> str | None:
    return _json(value) if isinstance(value, dict) else value


class OrganisationRepository:
    def __init__(self, db: Database):
        self._db = db

    # ---- registering ------------------------------------------------------------------------------
    async def register(
        self, telegram_id: int, answers: dict[str, Any], contact: dict[str, Any], now: datetime | None = None
    ) -> Organisation:
        """The organisation, its first contact (who registers it) and its history, together."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO organisations (name, kind, county, answers, status, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, 'pending', ?, ?) RETURNING id",
                (answers["name"], answers["kind"], _county_column(answers.get("county")), _json(answers), stamp, stamp),
            )
            organisation_id = (await cursor.fetchone())["id"]
            await self._add_contact(conn, organisation_id, telegram_id, contact, "registered", None, stamp)
            await self._history(conn, organisation_id, stamp, telegram_id, OrgAction.REGISTERED, None)
        found = await self.get(organisation_id)
        assert found is not None
        return found

    @staticmethod
    async def _add_contact(conn, organisation_id, telegram_id, contact, how, added_by, stamp) -> None:
        await conn.execute(
            "INSERT INTO organisation_contacts (organisation_id, telegram_id, name, email, phone, added_how, "
            "added_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                organisation_id,
                telegram_id,
                contact["full_name"],
                contact.get("email"),
                contact.get("phone"),
                how,
                added_by,
                stamp,
            ),
        )

    @staticmethod
    async def _history(conn, organisation_id, stamp, actor_id, action, note) -> None:
        await conn.execute(
            "INSERT INTO organisation_history (organisation_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
            (organisation_id, stamp, actor_id, action, note),
        )

    # ---- reading ----------------------------------------------------------------------------------
    async def get(self, organisation_id: int) -> Organisation | None:
        row = await self._db.fetch_one("SELECT * FROM organisations WHERE id = ?", (organisation_id,))
        return _organisation(row) if row else None

    async def contacts(self, organisation_id: int) -> list[Contact]:
        rows = await self._db.fetch_all(
            "SELECT * FROM organisation_contacts WHERE organisation_id = ? ORDER BY id", (organisation_id,)
        )
        return [_contact(r) for r in rows]

    async def contact(self, organisation_id: int, telegram_id: int) -> Contact | None:
        """The person as a contact of this organisation, or None: every contact's press asks this."""
        row = await self._db.fetch_one(
            "SELECT * FROM organisation_contacts WHERE telegram_id = ? AND organisation_id = ?",
            (telegram_id, organisation_id),
        )
        return _contact(row) if row else None

    async def of_person(self, telegram_id: int) -> list[tuple[Organisation, Contact]]:
        rows = await self._db.fetch_all(
            "SELECT c.*, o.id AS o_id FROM organisation_contacts c JOIN organisations o ON o.id = c.organisation_id "
            "WHERE c.telegram_id = ? ORDER BY c.organisation_id",
            (telegram_id,),
        )
        found = []
        for row in rows:
            organisation = await self.get(row["o_id"])
            if organisation is not None:
                found.append((organisation, _contact(row)))
        return found

    async def names(self, organisation_ids) -> dict[int, str]:
        """id -> name of the organisations given, in one query (a list of requests names them)."""
        rows = await self._db.fetch_all(
            "SELECT id, name FROM organisations WHERE id IN (SELECT CAST(value AS INTEGER) FROM json_each(?))",
            (json.dumps(sorted(set(organisation_ids))),),
        )
        return {r["id"]: r["name"] for r in rows}

    async def same_numbers(self, organisation: Organisation, keys) -> list[tuple[int, str, str]]:
        """Other organisations registered with one of this one's register numbers (KRS, REGON, NIP):
        (id, name, which number), for a coordinator to spot one registered twice. Organisations
        are few: read without an index."""
        found = []
        for key in keys:
            value = organisation.answers.get(key)
            if not value:
                continue
            rows = await self._db.fetch_all(
                "SELECT id, name FROM organisations WHERE id != ? AND json_extract(answers, ?) = ? ORDER BY id",
                (organisation.id, f"$.{key}", value),
            )
            found += [(r["id"], r["name"], key) for r in rows]
        return found

    async def is_contact(self, telegram_id: int) -> bool:
        row = await self._db.fetch_one(
            "SELECT 1 FROM organisation_contacts WHERE telegram_id = ? LIMIT 1", (telegram_id,)
        )
        return row is not None

    async def counts(self) -> dict[OrgStatus, int]:
        rows = await self._db.fetch_all("SELECT status, COUNT(*) AS n FROM organisations GROUP BY status")
        counts = dict.fromkeys(OrgStatus, 0)
        counts.update({OrgStatus(r["status"]): r["n"] for r in rows})
        return counts

    async def list_by_status(
        self, status: OrgStatus, limit: int, *, after: int | None = None, before: int | None = None
    ) -> list[Organisation]:
        """A page in the order registered, found by key (storage/paging.py)."""
        anchor = after if after is not None else before
        rows = await keyed_page(
            self._db.fetch_all,
            "SELECT * FROM organisations",
            [Section("status = ?", (status,))],
            limit,
            start=(0, (anchor,)) if anchor is not None else None,
            backward=before is not None and after is None,
        )
        return [_organisation(r) for r in rows]

    async def history(self, organisation_id: int) -> list[HistoryEntry]:
        rows = await self._db.fetch_all(
            "SELECT at, actor_id, action, note FROM organisation_history WHERE organisation_id = ? ORDER BY id",
            (organisation_id,),
        )
        return [HistoryEntry(from_db_time(r["at"]), r["actor_id"], r["action"], r["note"]) for r in rows]

    async def last_question(self, organisation_id: int) -> HistoryEntry | None:
        asked = [h for h in await self.history(organisation_id) if h.action == OrgAction.INFO_REQUESTED]
        return asked[-1] if asked else None

    # ---- verification -----------------------------------------------------------------------------
    async def _transition(
        self,
        organisation_id: int,
        allowed: tuple[OrgStatus, ...],
        to: OrgStatus,
        actor_id: int,
        action: OrgAction,
        note: str | None,
        now: datetime | None,
        decided: bool = False,
    ) -> Organisation:
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            decision = (actor_id, note) if decided else None
            await move_status(conn, "organisations", organisation_id, allowed, to, stamp, decision)
            await self._history(conn, organisation_id, stamp, actor_id, action, note)
        found = await self.get(organisation_id)
        assert found is not None
        return found

    async def verify(self, organisation_id: int, coordinator_id: int, now: datetime | None = None) -> Organisation:
        return await self._transition(
            organisation_id, OPEN, OrgStatus.VERIFIED, coordinator_id, OrgAction.VERIFIED, None, now, decided=True
        )

    async def reject(
        self, organisation_id: int, coordinator_id: int, reason: str, now: datetime | None = None
    ) -> Organisation:
        return await self._transition(
            organisation_id, OPEN, OrgStatus.REJECTED, coordinator_id, OrgAction.REJECTED, reason, now, decided=True
        )

    async def ask(self, organisation_id: int, coordinator_id: int, question: str, now: datetime | None = None):
        return await self._transition(
            organisation_id,
            (OrgStatus.PENDING,),
            OrgStatus.NEEDS_INFO,
            coordinator_id,
            OrgAction.INFO_REQUESTED,
            question,
            now,
        )

    async def answer(self, organisation_id: int, telegram_id: int, answer: str, now: datetime | None = None):
        return await self._transition(
            organisation_id,
            (OrgStatus.NEEDS_INFO,),
            OrgStatus.PENDING,
            telegram_id,
            OrgAction.INFO_GIVEN,
            answer,
            now,
        )

    # ---- more contacts ----------------------------------------------------------------------------
    async def invite(self, organisation_id: int, created_by: int, valid_for: timedelta, now: datetime) -> str:
        """A one-time link's token (128 random bits) that makes whoever opens it a contact."""
        token = secrets.token_urlsafe(16)
        await self._db.execute(
            "INSERT INTO organisation_invites (token, organisation_id, created_by, created_at, expires_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (token, organisation_id, created_by, to_db_time(now), to_db_time(now + valid_for)),
        )
        return token

    async def invitation(self, token: str, now: datetime) -> Organisation:
        """The verified organisation an unused, unexpired invitation is for; InviteRefused otherwise."""
        row = await self._db.fetch_one("SELECT * FROM organisation_invites WHERE token = ?", (token,))
        if row is None:
            raise InviteRefused("unknown")
        if row["used_by"] is not None:
            raise InviteRefused("used")
        if from_db_time(row["expires_at"]) <= now:
            raise InviteRefused("expired")
        organisation = await self.get(row["organisation_id"])
        if organisation is None or organisation.status != OrgStatus.VERIFIED:
            raise InviteRefused("closed")
        return organisation

    async def redeem(self, token: str, telegram_id: int, contact: dict[str, Any], now: datetime) -> Contact:
        """Use the invitation: the person becomes a contact, once, in one transaction."""
        organisation = await self.invitation(token, now)
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE organisation_invites SET used_by = ?, used_at = ? WHERE token = ? AND used_by IS NULL",
                (telegram_id, stamp, token),
            )
            if cursor.rowcount != 1:
                raise InviteRefused("used")
            row = await (
                await conn.execute("SELECT created_by FROM organisation_invites WHERE token = ?", (token,))
            ).fetchone()
            await self._add_contact(conn, organisation.id, telegram_id, contact, "invited", row["created_by"], stamp)
            await self._history(conn, organisation.id, stamp, row["created_by"], OrgAction.CONTACT_ADDED, None)
        found = await self.contact(organisation.id, telegram_id)
        assert found is not None
        return found

    async def remove_contact(self, organisation_id: int, telegram_id: int, now: datetime | None = None) -> bool:
        """The person stops being a contact: their row goes (their requests stay, without them). An
        organisation never verified goes with its last contact (the schema's trigger)."""
        stamp = to_db_time(now or utcnow())
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM organisation_contacts WHERE organisation_id = ? AND telegram_id = ?",
                (organisation_id, telegram_id),
            )
            if cursor.rowcount != 1:
                return False
            left = await (await conn.execute("SELECT 1 FROM organisations WHERE id = ?", (organisation_id,))).fetchone()
            if left is not None:
                await self._history(conn, organisation_id, stamp, telegram_id, OrgAction.CONTACT_LEFT, None)
        return True
