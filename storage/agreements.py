"""Volunteer agreements: states, the acceptance in chat, signed copies, reminders, attestations.

States: draft → offered → accepted → (signed, when written form is required) → active → ended or
expired. Every change is one conditional UPDATE: a change the current state does not allow (a
stale button, two coordinators at once) changes nothing and raises TransitionRefused.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from storage.db import Database, from_db_time, to_db_time, utcnow


class State(StrEnum):
    DRAFT = "draft"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    SIGNED = "signed"
    ACTIVE = "active"
    ENDED = "ended"
    EXPIRED = "expired"


STATE_ORDER = tuple(State)
PENDING = (State.DRAFT, State.OFFERED, State.ACCEPTED, State.SIGNED)  # at most one per person
CONCLUDED = (State.ACCEPTED, State.SIGNED, State.ACTIVE, State.ENDED, State.EXPIRED)
# Who may end what: a coordinator also cancels a draft or an offer; a volunteer ends what they accepted.
COORDINATOR_MAY_END = (State.DRAFT, State.OFFERED, State.ACCEPTED, State.SIGNED, State.ACTIVE)
VOLUNTEER_MAY_END = (State.ACCEPTED, State.SIGNED, State.ACTIVE)
# The reason recorded when an agreement ends because its volunteer deleted the account.
ACCOUNT_DELETED = "account deleted"


class TransitionRefused(Exception):
    """The agreement is not (or no longer) in a state that allows this."""

    def __init__(self, current: State | None, reason: str = "state"):
        super().__init__(f"not allowed from {current} ({reason})")
        self.current = current
        self.reason = reason


@dataclass(frozen=True)
class Agreement:
    id: int
    telegram_id: int
    application_id: int | None
    state: State
    start_date: date
    end_date: date
    scope: str | None
    template_version: str | None
    rendered_text: str | None
    text_sha256: str | None
    written_required: bool
    renewal_of: int | None
    created_by: int | None
    created_at: datetime
    offered_at: datetime | None
    accepted_at: datetime | None
    signed_at: datetime | None
    signed_by: int | None
    signed_how: str | None
    activated_at: datetime | None
    ended_at: datetime | None
    ended_on: date | None
    ended_by: int | None
    end_reason: str | None
    owner_deleted_at: datetime | None = None  # kept by law after the volunteer deleted the account

    @property
    def text_intact(self) -> bool:
        """The stored text still has the fingerprint it was offered with."""
        return self.rendered_text is not None and self.text_sha256 == sha256_text(self.rendered_text)


@dataclass(frozen=True)
class Acceptance:
    agreement_id: int
    telegram_id: int
    template_version: str
    text_sha256: str
    typed_name: str
    accepted_at: datetime


@dataclass(frozen=True)
class StoredFile:
    id: int
    agreement_id: int
    telegram_id: int
    file_name: str
    mime_type: str
    size: int
    sha256: str
    uploaded_at: datetime


@dataclass(frozen=True)
class HistoryEntry:
    at: datetime
    actor_id: int | None
    action: str
    note: str | None


@dataclass(frozen=True)
class Listed:
    id: int
    telegram_id: int
    state: State
    name: str | None
    start_date: date
    end_date: date
    owner_deleted: bool = False


@dataclass(frozen=True)
class Attestation:
    id: int
    telegram_id: int
    agreement_id: int
    requested_at: datetime
    rendered_text: str
    text_sha256: str
    opinion: str | None
    opinion_by: int | None
    opinion_at: datetime | None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _agreement(row) -> Agreement:
    return Agreement(
        id=row["id"],
        telegram_id=row["telegram_id"],
        application_id=row["application_id"],
        state=State(row["state"]),
        start_date=date.fromisoformat(row["start_date"]),
        end_date=date.fromisoformat(row["end_date"]),
        scope=row["scope"],
        template_version=row["template_version"],
        rendered_text=row["rendered_text"],
        text_sha256=row["text_sha256"],
        written_required=bool(row["written_required"]),
        renewal_of=row["renewal_of"],
        created_by=row["created_by"],
        created_at=from_db_time(row["created_at"]),
        offered_at=from_db_time(row["offered_at"]),
        accepted_at=from_db_time(row["accepted_at"]),
        signed_at=from_db_time(row["signed_at"]),
        signed_by=row["signed_by"],
        signed_how=row["signed_how"],
        activated_at=from_db_time(row["activated_at"]),
        ended_at=from_db_time(row["ended_at"]),
        ended_on=_day(row["ended_on"]),
        ended_by=row["ended_by"],
        end_reason=row["end_reason"],
        owner_deleted_at=from_db_time(row["owner_deleted_at"]),
    )


def _file(row) -> StoredFile:
    return StoredFile(
        row["id"],
        row["agreement_id"],
        row["telegram_id"],
        row["file_name"],
        row["mime_type"],
        row["size"],
        row["sha256"],
        from_db_time(row["uploaded_at"]),
    )


def _attestation(row) -> Attestation:
    return Attestation(
        id=row["id"],
        telegram_id=row["telegram_id"],
        agreement_id=row["agreement_id"],
        requested_at=from_db_time(row["requested_at"]),
        rendered_text=row["rendered_text"],
        text_sha256=row["text_sha256"],
        opinion=row["opinion"],
        opinion_by=row["opinion_by"],
        opinion_at=from_db_time(row["opinion_at"]),
    )


_FILE_COLUMNS = "id, agreement_id, telegram_id, file_name, mime_type, size, sha256, uploaded_at"


class AgreementRepository:
    def __init__(self, db: Database):
        self._db = db

    # ---- reading ------------------------------------------------------------------------
    async def get(self, agreement_id: int) -> Agreement | None:
        row = await self._db.fetch_one("SELECT * FROM agreements WHERE id = ?", (agreement_id,))
        return _agreement(row) if row else None

    async def for_volunteer(self, telegram_id: int) -> list[Agreement]:
        """Newest first; not those kept from an account deleted earlier under the same Telegram id."""
        rows = await self._db.fetch_all(
            "SELECT * FROM agreements WHERE telegram_id = ? AND owner_deleted_at IS NULL ORDER BY id DESC",
            (telegram_id,),
        )
        return [_agreement(r) for r in rows]

    async def counts(self) -> dict[State, int]:
        rows = await self._db.fetch_all("SELECT state, COUNT(*) AS n FROM agreements GROUP BY state")
        found = {State(r["state"]): r["n"] for r in rows}
        return {state: found.get(state, 0) for state in STATE_ORDER}

    async def list_by_state(self, state: State, offset: int, limit: int) -> list[Listed]:
        rows = await self._db.fetch_all(
            """
            SELECT a.id, a.telegram_id, a.state, a.start_date, a.end_date, a.owner_deleted_at,
                   json_extract(ans.value, '$') AS name, u.first_name, u.last_name
            FROM agreements a
            LEFT JOIN application_answers ans ON ans.application_id = a.application_id AND ans.field_id = 'full_name'
            LEFT JOIN users u ON u.telegram_id = a.telegram_id
            WHERE a.state = ?
            ORDER BY a.end_date, a.id
            LIMIT ? OFFSET ?
            """,
            (state, limit, offset),
        )
        return [
            Listed(
                r["id"],
                r["telegram_id"],
                State(r["state"]),
                r["name"] if isinstance(r["name"], str) else " ".join(filter(None, [r["first_name"], r["last_name"]])),
                date.fromisoformat(r["start_date"]),
                date.fromisoformat(r["end_date"]),
                r["owner_deleted_at"] is not None,
            )
            for r in rows
        ]

    async def accepted_without_agreement(self, limit: int = 50) -> list[tuple[int, int, str | None]]:
        """(application id, telegram id, name) of accepted volunteers who have no agreement yet."""
        rows = await self._db.fetch_all(
            """
            SELECT ap.id, ap.telegram_id, json_extract(ans.value, '$') AS name
            FROM applications ap
            LEFT JOIN application_answers ans ON ans.application_id = ap.id AND ans.field_id = 'full_name'
            WHERE ap.status = 'accepted'
              AND NOT EXISTS (SELECT 1 FROM agreements a WHERE a.telegram_id = ap.telegram_id
                              AND a.owner_deleted_at IS NULL)
            ORDER BY ap.decided_at, ap.id
            LIMIT ?
            """,
            (limit,),
        )
        return [(r["id"], r["telegram_id"], r["name"] if isinstance(r["name"], str) else None) for r in rows]

    async def acceptance(self, agreement_id: int) -> Acceptance | None:
        row = await self._db.fetch_one("SELECT * FROM agreement_acceptances WHERE agreement_id = ?", (agreement_id,))
        if row is None:
            return None
        return Acceptance(
            row["agreement_id"],
            row["telegram_id"],
            row["template_version"],
            row["text_sha256"],
            row["typed_name"],
            from_db_time(row["accepted_at"]),
        )

    async def history(self, agreement_id: int) -> list[HistoryEntry]:
        rows = await self._db.fetch_all(
            "SELECT at, actor_id, action, note FROM agreement_history WHERE agreement_id = ? ORDER BY id",
            (agreement_id,),
        )
        return [HistoryEntry(from_db_time(r["at"]), r["actor_id"], r["action"], r["note"]) for r in rows]

    # ---- creating and preparing ----------------------------------------------------------
    async def create_draft(
        self,
        telegram_id: int,
        application_id: int | None,
        start: date,
        end: date,
        created_by: int | None,
        now: datetime | None = None,
        renewal_of: int | None = None,
        scope: str | None = None,
    ) -> Agreement:
        """Refused (TransitionRefused) while the person has another agreement in preparation."""
        stamp = to_db_time(now or utcnow())
        try:
            async with self._db.transaction() as conn:
                cursor = await conn.execute(
                    "INSERT INTO agreements (telegram_id, application_id, state, start_date, end_date, scope, "
                    "renewal_of, created_by, created_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?)",
                    (
                        telegram_id,
                        application_id,
                        start.isoformat(),
                        end.isoformat(),
                        scope,
                        renewal_of,
                        created_by,
                        stamp,
                        stamp,
                    ),
                )
                new_id = cursor.lastrowid
                await self._log(
                    conn, new_id, stamp, created_by, "created", f"renewal of {renewal_of}" if renewal_of else None
                )
        except sqlite3.IntegrityError:
            raise TransitionRefused(None, "pending") from None
        created = await self.get(new_id)
        assert created is not None
        return created

    async def pending_for(self, telegram_id: int) -> Agreement | None:
        marks = ",".join("?" for _ in PENDING)
        row = await self._db.fetch_one(
            f"SELECT * FROM agreements WHERE telegram_id = ? AND state IN ({marks})", (telegram_id, *PENDING)
        )
        return _agreement(row) if row else None

    async def set_period(self, agreement_id: int, start: date, end: date, actor_id: int, now: datetime) -> Agreement:
        return await self._change(
            agreement_id,
            (State.DRAFT,),
            "start_date = ?, end_date = ?",
            (start.isoformat(), end.isoformat()),
            actor_id,
            "period",
            f"{start.isoformat()}..{end.isoformat()}",
            now,
        )

    async def set_scope(self, agreement_id: int, scope: str | None, actor_id: int, now: datetime) -> Agreement:
        return await self._change(agreement_id, (State.DRAFT,), "scope = ?", (scope,), actor_id, "scope", scope, now)

    async def offer(
        self,
        agreement_id: int,
        actor_id: int,
        text: str,
        template_version: str,
        written_required: bool,
        now: datetime,
        scope: str | None = None,
    ) -> Agreement:
        """Freeze the rendered text (and the scope in it); from now on it is what the volunteer
        reads and accepts."""
        stamp = to_db_time(now)
        return await self._change(
            agreement_id,
            (State.DRAFT,),
            "state = 'offered', rendered_text = ?, text_sha256 = ?, template_version = ?, written_required = ?, "
            "offered_at = ?, offer_reminded_at = NULL, scope = COALESCE(scope, ?)",
            (text, sha256_text(text), template_version, int(written_required), stamp, scope),
            actor_id,
            "offered",
            None,
            now,
        )

    async def withdraw_offer(self, agreement_id: int, actor_id: int, now: datetime) -> Agreement:
        """Back to the draft, to change it; the old text is dropped and cannot be accepted."""
        return await self._change(
            agreement_id,
            (State.OFFERED,),
            "state = 'draft', rendered_text = NULL, text_sha256 = NULL, offered_at = NULL",
            (),
            actor_id,
            "offer_withdrawn",
            None,
            now,
        )

    # ---- the volunteer accepts -----------------------------------------------------------
    async def accept(
        self, agreement_id: int, telegram_id: int, typed_name: str, shown_sha256_prefix: str, now: datetime
    ) -> Agreement:
        """Record the acceptance of exactly the text the volunteer was shown (its hash prefix
        travels in the button), by the volunteer themself, only while offered."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute("SELECT * FROM agreements WHERE id = ?", (agreement_id,))
            row = await cursor.fetchone()
            if row is None or row["telegram_id"] != telegram_id:
                raise TransitionRefused(None, "owner")
            current = _agreement(row)
            if current.state != State.OFFERED or current.rendered_text is None:
                raise TransitionRefused(current.state)
            digest = sha256_text(current.rendered_text)
            if digest != current.text_sha256 or not digest.startswith(shown_sha256_prefix) or not shown_sha256_prefix:
                raise TransitionRefused(current.state, "text")
            await conn.execute(
                "UPDATE agreements SET state = 'accepted', accepted_at = ?, updated_at = ? "
                "WHERE id = ? AND state = 'offered'",
                (stamp, stamp, agreement_id),
            )
            await conn.execute(
                "INSERT INTO agreement_acceptances (agreement_id, telegram_id, template_version, text_sha256, "
                "typed_name, accepted_at) VALUES (?, ?, ?, ?, ?, ?)",
                (agreement_id, telegram_id, current.template_version or "", digest, typed_name, stamp),
            )
            await self._log(conn, agreement_id, stamp, telegram_id, "accepted", typed_name)
        accepted = await self.get(agreement_id)
        assert accepted is not None
        return accepted

    async def verify(self, agreement_id: int) -> bool | None:
        """Does the stored text still hash to what was accepted? None: nothing accepted yet."""
        agreement = await self.get(agreement_id)
        acceptance = await self.acceptance(agreement_id)
        if agreement is None or acceptance is None:
            return None
        return agreement.rendered_text is not None and sha256_text(agreement.rendered_text) == acceptance.text_sha256

    # ---- written form ----------------------------------------------------------------------
    async def add_file(
        self,
        agreement_id: int,
        telegram_id: int,
        file_name: str,
        mime_type: str,
        content: bytes,
        now: datetime,
    ) -> StoredFile:
        """A signed copy from the volunteer, only while the written copy is awaited."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT state, written_required, telegram_id FROM agreements WHERE id = ?", (agreement_id,)
            )
            row = await cursor.fetchone()
            if row is None or row["telegram_id"] != telegram_id:
                raise TransitionRefused(None, "owner")
            if row["state"] != State.ACCEPTED or not row["written_required"]:
                raise TransitionRefused(State(row["state"]))
            cursor = await conn.execute(
                "INSERT INTO agreement_files (agreement_id, telegram_id, file_name, mime_type, size, sha256, content, "
                "uploaded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    agreement_id,
                    telegram_id,
                    file_name,
                    mime_type,
                    len(content),
                    hashlib.sha256(content).hexdigest(),
                    content,
                    stamp,
                ),
            )
            file_id = cursor.lastrowid
            await self._log(conn, agreement_id, stamp, telegram_id, "file_uploaded", file_name)
        stored = await self.get_file(file_id)
        assert stored is not None
        return stored[0]

    async def files(self, agreement_id: int) -> list[StoredFile]:
        rows = await self._db.fetch_all(
            f"SELECT {_FILE_COLUMNS} FROM agreement_files WHERE agreement_id = ? ORDER BY id", (agreement_id,)
        )
        return [_file(r) for r in rows]

    async def get_file(self, file_id: int) -> tuple[StoredFile, bytes] | None:
        row = await self._db.fetch_one(f"SELECT {_FILE_COLUMNS}, content FROM agreement_files WHERE id = ?", (file_id,))
        return (_file(row), bytes(row["content"])) if row else None

    async def confirm_signed(self, agreement_id: int, actor_id: int, how: str, now: datetime) -> Agreement:
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE agreements SET state = 'signed', signed_at = ?, signed_by = ?, signed_how = ?, updated_at = ? "
                "WHERE id = ? AND state = 'accepted' AND written_required = 1",
                (stamp, actor_id, how, stamp, agreement_id),
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(await self._state(conn, agreement_id))
            await self._log(conn, agreement_id, stamp, actor_id, "signed", how)
        signed = await self.get(agreement_id)
        assert signed is not None
        return signed

    # ---- in force, ended, expired ----------------------------------------------------------
    async def activate_due(self, today: date, now: datetime, agreement_id: int | None = None) -> list[Agreement]:
        """Concluded agreements whose period has begun come into force (a renewal waits while the
        previous agreement is still active). `agreement_id`: only that one."""
        stamp = to_db_time(now)
        only = "" if agreement_id is None else f" AND id = {int(agreement_id)}"
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"""
                UPDATE agreements SET state = 'active', activated_at = ?, updated_at = ?
                WHERE (state = 'signed' OR (state = 'accepted' AND written_required = 0))
                  AND start_date <= ? AND end_date >= ?
                  AND NOT EXISTS (SELECT 1 FROM agreements o WHERE o.telegram_id = agreements.telegram_id
                                  AND o.state = 'active')
                {only}
                RETURNING *
                """,
                (stamp, stamp, today.isoformat(), today.isoformat()),
            )
            rows = await cursor.fetchall()
            for row in rows:
                await self._log(conn, row["id"], stamp, None, "activated", None)
        return [_agreement(r) for r in rows]

    async def expire_due(self, today: date, now: datetime) -> list[Agreement]:
        """Agreements whose last day has passed (offers too: their period is gone)."""
        stamp = to_db_time(now)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE agreements SET state = 'expired', updated_at = ? "
                "WHERE state IN ('offered', 'accepted', 'signed', 'active') AND end_date < ? RETURNING *",
                (stamp, today.isoformat()),
            )
            rows = await cursor.fetchall()
            for row in rows:
                await self._log(conn, row["id"], stamp, None, "expired", None)
        return [_agreement(r) for r in rows]

    async def end(
        self,
        agreement_id: int,
        actor_id: int,
        reason: str,
        ended_on: date,
        allowed_from: tuple[State, ...],
        now: datetime,
        owner_id: int | None = None,
    ) -> Agreement:
        """End by either side, with the date and the reason. `owner_id`: only the volunteer's own."""
        stamp = to_db_time(now)
        marks = ",".join("?" for _ in allowed_from)
        owner_sql = " AND telegram_id = ?" if owner_id is not None else ""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE agreements SET state = 'ended', ended_at = ?, ended_on = ?, ended_by = ?, end_reason = ?, "
                f"updated_at = ? WHERE id = ? AND state IN ({marks}){owner_sql}",
                (
                    stamp,
                    ended_on.isoformat(),
                    actor_id,
                    reason,
                    stamp,
                    agreement_id,
                    *allowed_from,
                    *((owner_id,) if owner_id is not None else ()),
                ),
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(await self._state(conn, agreement_id))
            await self._log(conn, agreement_id, stamp, actor_id, "ended", reason)
        ended = await self.get(agreement_id)
        assert ended is not None
        return ended

    # ---- reminders: each claimed in the UPDATE that finds it, so it is sent exactly once -------
    async def claim_offer_reminders(self, offered_before: datetime, now: datetime) -> list[Agreement]:
        return await self._claim(
            "offer_reminded_at", "state = 'offered' AND offered_at <= ?", (to_db_time(offered_before),), now
        )

    async def claim_copy_reminders(self, accepted_before: datetime, now: datetime) -> list[Agreement]:
        return await self._claim(
            "copy_reminded_at",
            "state = 'accepted' AND written_required = 1 AND accepted_at <= ?",
            (to_db_time(accepted_before),),
            now,
        )

    async def claim_ending_notices(self, ending_by: date, now: datetime) -> list[Agreement]:
        return await self._claim(
            "ending_reminded_at", "state = 'active' AND end_date <= ?", (ending_by.isoformat(),), now
        )

    async def _claim(self, column: str, condition: str, params: tuple, now: datetime) -> list[Agreement]:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE agreements SET {column} = ? WHERE {column} IS NULL AND {condition} RETURNING *",
                (to_db_time(now), *params),
            )
            rows = await cursor.fetchall()
        return [_agreement(r) for r in rows]

    # ---- hours from events -------------------------------------------------------------------
    async def recorded_hours(self, telegram_id: int, start: date, end: date) -> float:
        """Hours a coordinator recorded for events attended within the period."""
        row = await self._db.fetch_one(
            """
            SELECT COALESCE(SUM(r.hours), 0) FROM event_registrations r JOIN events e ON e.id = r.event_id
            WHERE r.telegram_id = ? AND r.attendance = 'attended' AND r.hours IS NOT NULL
              AND e.starts_at >= ? AND e.starts_at < ?
            """,
            (telegram_id, start.isoformat(), (end + timedelta(days=1)).isoformat()),
        )
        return float(row[0]) if row else 0.0

    # ---- attestations ------------------------------------------------------------------------
    async def add_attestation(self, telegram_id: int, agreement_id: int, text: str, now: datetime) -> Attestation:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO attestations (telegram_id, agreement_id, requested_at, rendered_text, text_sha256) "
                "VALUES (?, ?, ?, ?, ?)",
                (telegram_id, agreement_id, to_db_time(now), text, sha256_text(text)),
            )
            new_id = cursor.lastrowid
        attestation = await self.attestation(new_id)
        assert attestation is not None
        return attestation

    async def attestation(self, attestation_id: int) -> Attestation | None:
        row = await self._db.fetch_one("SELECT * FROM attestations WHERE id = ?", (attestation_id,))
        return _attestation(row) if row else None

    async def attestations_of(self, telegram_id: int) -> list[Attestation]:
        rows = await self._db.fetch_all("SELECT * FROM attestations WHERE telegram_id = ? ORDER BY id", (telegram_id,))
        return [_attestation(r) for r in rows]

    async def add_opinion(
        self, attestation_id: int, opinion: str, text: str, actor_id: int, now: datetime
    ) -> Attestation | None:
        """The coordinator's opinion, once per attestation; the text is issued again with it."""
        changed = await self._db.execute(
            "UPDATE attestations SET opinion = ?, opinion_by = ?, opinion_at = ?, rendered_text = ?, text_sha256 = ? "
            "WHERE id = ? AND opinion IS NULL",
            (opinion, actor_id, to_db_time(now), text, sha256_text(text), attestation_id),
        )
        return await self.attestation(attestation_id) if changed else None

    # ---- helpers -------------------------------------------------------------------------------
    async def _change(
        self,
        agreement_id: int,
        allowed_from: tuple[State, ...],
        assignments: str,
        params: tuple,
        actor_id: int | None,
        action: str,
        note: str | None,
        now: datetime,
    ) -> Agreement:
        stamp = to_db_time(now)
        marks = ",".join("?" for _ in allowed_from)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE agreements SET {assignments}, updated_at = ? WHERE id = ? AND state IN ({marks})",
                (*params, stamp, agreement_id, *allowed_from),
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(await self._state(conn, agreement_id))
            await self._log(conn, agreement_id, stamp, actor_id, action, note)
        changed = await self.get(agreement_id)
        assert changed is not None
        return changed

    @staticmethod
    async def _state(conn, agreement_id: int) -> State | None:
        cursor = await conn.execute("SELECT state FROM agreements WHERE id = ?", (agreement_id,))
        row = await cursor.fetchone()
        return State(row["state"]) if row else None

    @staticmethod
    async def _log(conn, agreement_id: int, stamp: str, actor_id: int | None, action: str, note: str | None) -> None:
        await conn.execute(
            "INSERT INTO agreement_history (agreement_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
            (agreement_id, stamp, actor_id, action, note),
        )


async def end_for_deleted_account(conn, telegram_id: int, now: datetime, ended_on: date) -> None:
    """In the deletion's transaction: what the volunteer accepted ends (reason ACCOUNT_DELETED),
    and every agreement kept is marked as belonging to the deleted account."""
    stamp = to_db_time(now)
    marks = ",".join("?" for _ in VOLUNTEER_MAY_END)
    cursor = await conn.execute(
        f"UPDATE agreements SET state = 'ended', ended_at = ?, ended_on = ?, ended_by = ?, end_reason = ?, "
        f"updated_at = ? WHERE telegram_id = ? AND owner_deleted_at IS NULL AND state IN ({marks}) RETURNING id",
        (stamp, ended_on.isoformat(), telegram_id, ACCOUNT_DELETED, stamp, telegram_id, *VOLUNTEER_MAY_END),
    )
    for row in await cursor.fetchall():
        await AgreementRepository._log(conn, row["id"], stamp, telegram_id, "ended", ACCOUNT_DELETED)
    await conn.execute(
        "UPDATE agreements SET owner_deleted_at = ? WHERE telegram_id = ? AND owner_deleted_at IS NULL",
        (stamp, telegram_id),
    )
