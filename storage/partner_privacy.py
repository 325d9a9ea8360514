"""What "Moje dane" says about a person's stage-two data: their work logs in short, and for the
deletion's confirmation the requests for support they sent (kept with the organisation, their
contact row set to NULL) and the attestation documents whose codes stop answering with the account.
Counts only; the rows themselves are in storage.privacy's export."""

from __future__ import annotations

from dataclasses import dataclass

from storage.db import Database


@dataclass(frozen=True)
class WorkSummary:
    logs: int
    confirmed: int
    confirmed_hours: float


async def work_summary(db: Database, telegram_id: int) -> WorkSummary:
    row = await db.fetch_one(
        "SELECT COUNT(*), COALESCE(SUM(state = 'confirmed'), 0), "
        "COALESCE(SUM(CASE WHEN state = 'confirmed' THEN confirmed_hours END), 0) "
        "FROM work_logs WHERE telegram_id = ?",
        (telegram_id,),
    )
    return WorkSummary(int(row[0]), int(row[1]), float(row[2]))


async def requests_sent(db: Database, telegram_id: int) -> int:
    """Requests for support sent by the person as a contact of any organisation."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM support_requests WHERE contact_id IN "
        "(SELECT id FROM organisation_contacts WHERE telegram_id = ?)",
        (telegram_id,),
    )
    return int(row[0])


async def attestation_codes(db: Database, telegram_id: int) -> int:
    """The person's attestations with a verification code (not those of an account deleted before)."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM documents WHERE telegram_id = ? AND kind = 'attestation' "
        "AND agreement_id IN (SELECT id FROM agreements WHERE owner_deleted_at IS NULL)",
        (telegram_id,),
    )
    return int(row[0])
