"""Each coordinator's alerts about stage two: a new organisation to verify, a new request for support
(columns of `coordinator_settings`, migration 0017). On unless the coordinator turns them off, as
the alerts about new applications (storage.applications.CoordinatorSettingsRepository)."""

from __future__ import annotations

from typing import Literal

from storage.db import Database

Kind = Literal["organisations", "requests"]
_COLUMN = {"organisations": "notify_organisations", "requests": "notify_requests"}


class CoordinatorAlerts:
    def __init__(self, db: Database):
        self._db = db

    async def wants(self, telegram_id: int, kind: Kind) -> bool:
        column = _COLUMN[kind]
        row = await self._db.fetch_one(
            f"SELECT {column} FROM coordinator_settings WHERE telegram_id = ?", (telegram_id,)
        )
        return True if row is None else bool(row[0])

    async def set(self, telegram_id: int, kind: Kind, enabled: bool) -> None:
        column = _COLUMN[kind]
        await self._db.execute(
            f"INSERT INTO coordinator_settings (telegram_id, {column}) VALUES (?, ?) "
            f"ON CONFLICT (telegram_id) DO UPDATE SET {column} = excluded.{column}",
            (telegram_id, int(enabled)),
        )

    # For tell_coordinators(wants=...): one argument, the coordinator.
    async def wants_organisations(self, telegram_id: int) -> bool:
        return await self.wants(telegram_id, "organisations")

    async def wants_requests(self, telegram_id: int) -> bool:
        return await self.wants(telegram_id, "requests")
