"""Volunteer agreements: states, the acceptance in chat, signed copies, reminders, attestations.

States: draft → offered → accepted → (signed, when written form is required) → active → ended or
expired. Every change is one conditional UPDATE: a change the current state does not allow (a
stale button, two coordinators at once) changes nothing and raises TransitionRefused.

The entry point: AgreementRepository (the life cycle, here) is made of the parts in
storage/agreement_records.py (reading, the conditional change), agreement_signatures.py (acceptances,
signed copies), agreement_attestations.py and agreement_reminders.py; the states and records are in
storage/agreement_model.py. Every name importers use is re-exported here.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime

from storage.agreement_attestations import AgreementAttestations
from storage.agreement_model import (
    ACCOUNT_DELETED,
    CONCLUDED,
    COORDINATOR_MAY_END,
    PENDING,
    STATE_ORDER,
    VOLUNTEER_MAY_END,
    Acceptance,
    Agreement,
    Attestation,
    HistoryEntry,
    Listed,
    State,
    StoredFile,
    TransitionRefused,
    _agreement,
    sha256_text,
)
from storage.agreement_reminders import AgreementReminders
from storage.agreement_signatures import AgreementSignatures
from storage.db import to_db_time, utcnow

__all__ = [
    "ACCOUNT_DELETED",
    "CONCLUDED",
    "COORDINATOR_MAY_END",
    "PENDING",
    "STATE_ORDER",
    "VOLUNTEER_MAY_END",
    "Acceptance",
    "Agreement",
    "AgreementRepository",
    "Attestation",
    "HistoryEntry",
    "Listed",
    "State",
    "StoredFile",
    "TransitionRefused",
    "end_for_deleted_account",
    "sha256_text",
]


class AgreementRepository(AgreementSignatures, AgreementAttestations, AgreementReminders):
    """The life cycle: draft, offer, acceptance, coming into force, end or expiry, renewal (a new
    draft naming the one it renews); the other parts come from the classes it is made of."""

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
                    "renewal_of, created_by, created_at, updated_at) VALUES (?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?) "
                    "RETURNING id",
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
                new_id = (await cursor.fetchone())[0]
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
        return await self._one(
            _agreement,
            f"SELECT * FROM agreements WHERE telegram_id = ? AND state IN ({marks})",
            (telegram_id, *PENDING),
        )

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
