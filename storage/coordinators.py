"""Who coordinates. Admins are not stored: they come from the BOT_ADMIN_IDS setting."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time, to_db_time, utcnow


@dataclass(frozen=True)
class Coordinator:
    telegram_id: int
    added_by: int | None
    added_at: datetime
    first_name: str | None
    last_name: str | None
    username: str | None

    @property
    def display_name(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p)
        return name or str(self.telegram_id)


class CoordinatorRepository:
    def __init__(self, db: Database):
        self._db = db

    async def add(self, telegram_id: int, added_by: int | None = None) -> bool:
        """Returns False when the user already was a coordinator."""
        changed = await self._db.execute(
            "INSERT INTO coordinators (telegram_id, added_by, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT (telegram_id) DO NOTHING",
            (telegram_id, added_by, to_db_time(utcnow())),
        )
        return changed > 0

    async def remove(self, telegram_id: int) -> bool:
        changed = await self._db.execute("DELETE FROM coordinators WHERE telegram_id = ?", (telegram_id,))
        return changed > 0

    async def is_coordinator(self, telegram_id: int) -> bool:
        row = await self._db.fetch_one("SELECT 1 FROM coordinators WHERE telegram_id = ?", (telegram_id,))
        return row is not None

    async def list(self) -> list[Coordinator]:
        rows = await self._db.fetch_all(
            """
            SELECT c.telegram_id, c.added_by, c.added_at, u.first_name, u.last_name, u.username
            FROM coordinators c LEFT JOIN users u ON u.telegram_id = c.telegram_id
            ORDER BY c.added_at, c.telegram_id
            """
        )
        return [
            Coordinator(
                telegram_id=r["telegram_id"],
                added_by=r["added_by"],
                added_at=from_db_time(r["added_at"]),
                first_name=r["first_name"],
                last_name=r["last_name"],
                username=r["username"],
            )
            for r in rows
        ]
