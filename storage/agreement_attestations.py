"""Attestations of the volunteering (with the hours recorded at events) and the coordinator's
opinion on one. A part of AgreementRepository (storage/agreements.py)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from storage.agreement_model import Attestation, _attestation, sha256_text
from storage.agreement_records import AgreementRecords
from storage.db import to_db_time


class AgreementAttestations(AgreementRecords):
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
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (telegram_id, agreement_id, to_db_time(now), text, sha256_text(text)),
            )
            new_id = (await cursor.fetchone())[0]
        attestation = await self.attestation(new_id)
        assert attestation is not None
        return attestation

    async def attestation(self, attestation_id: int) -> Attestation | None:
        return await self._one(_attestation, "SELECT * FROM attestations WHERE id = ?", (attestation_id,))

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
