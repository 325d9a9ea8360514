"""Consents with the version of the text and the time, kept as an append-only record.

The current state of a consent is its latest row; withdrawing adds a row with granted = 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time, to_db_time, utcnow

RULES = "rules"
PRIVACY = "privacy"


def optional(consent_id: str) -> str:
    return f"optional:{consent_id}"


@dataclass(frozen=True)
class Consent:
    kind: str
    version: str
    granted: bool
    at: datetime


class ConsentRepository:
    def __init__(self, db: Database):
        self._db = db

    async def record(
        self, telegram_id: int, kind: str, version: str, granted: bool, now: datetime | None = None
    ) -> None:
        await self._db.execute(
            "INSERT INTO consents (telegram_id, kind, version, granted, at) VALUES (?, ?, ?, ?, ?)",
            (telegram_id, kind, version, int(granted), to_db_time(now or utcnow())),
        )

    async def current(self, telegram_id: int, kind: str) -> Consent | None:
        row = await self._db.fetch_one(
            "SELECT kind, version, granted, at FROM consents WHERE telegram_id = ? AND kind = ? "
            "ORDER BY id DESC LIMIT 1",
            (telegram_id, kind),
        )
        if row is None:
            return None
        return Consent(row["kind"], row["version"], bool(row["granted"]), from_db_time(row["at"]))

    async def has_current(self, telegram_id: int, kind: str, version: str) -> bool:
        consent = await self.current(telegram_id, kind)
        return consent is not None and consent.granted and consent.version == version

    async def all_for(self, telegram_id: int) -> list[Consent]:
        rows = await self._db.fetch_all(
            "SELECT kind, version, granted, at FROM consents WHERE telegram_id = ? ORDER BY id",
            (telegram_id,),
        )
        return [Consent(r["kind"], r["version"], bool(r["granted"]), from_db_time(r["at"])) for r in rows]

    async def outdated_rules(self, version: str) -> list[int]:
        """People with an open or accepted application whose latest accepted rules are older."""
        rows = await self._db.fetch_all(
            """
            SELECT DISTINCT a.telegram_id FROM applications a
            WHERE a.status IN ('draft', 'submitted', 'needs_info', 'accepted')
              AND NOT EXISTS (
                SELECT 1 FROM consents c
                WHERE c.telegram_id = a.telegram_id AND c.kind = 'rules' AND c.granted = 1
                  AND c.version = ?
                  AND c.id = (SELECT MAX(id) FROM consents c2
                              WHERE c2.telegram_id = a.telegram_id AND c2.kind = 'rules'))
            """,
            (version,),
        )
        return [r[0] for r in rows]


class NoticeRepository:
    """One-off messages already sent, so they are never sent twice."""

    def __init__(self, db: Database):
        self._db = db

    async def claim(self, telegram_id: int, kind: str, key: str, now: datetime | None = None) -> bool:
        """True the first time for (user, kind, key); False ever after."""
        changed = await self._db.execute(
            "INSERT INTO notices (telegram_id, kind, key, sent_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (telegram_id, kind, key, to_db_time(now or utcnow())),
        )
        return changed > 0
