"""Reminders the jobs send: each claimed in the UPDATE that finds it, so it is sent exactly once.
A part of AgreementRepository (storage/agreements.py)."""

from __future__ import annotations

from datetime import date, datetime

from storage.agreement_model import Agreement, _agreement
from storage.agreement_records import AgreementRecords
from storage.db import to_db_time


class AgreementReminders(AgreementRecords):
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
