"""Who coordinates. Admins are not stored: they come from the BOT_ADMIN_IDS setting."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

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


@dataclass(frozen=True)
class Invite:
    token: str
    created_by: int
    created_at: datetime
    expires_at: datetime


class InviteRefused(Exception):
    """The invite link is unknown, used, revoked or expired (`reason` says which)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class InviteRepository:
    """One-time links that make a coordinator: 128 random bits, usable once, until they expire."""

    def __init__(self, db: Database):
        self._db = db

    async def create(self, created_by: int, valid_for: timedelta, now: datetime | None = None) -> Invite:
        now = now or utcnow()
        token = secrets.token_urlsafe(16)  # 22 characters of [A-Za-z0-9_-]: fits a deep link
        await self._db.execute(
            "INSERT INTO coordinator_invites (token, created_by, created_at, expires_at) VALUES (?, ?, ?, ?)",
            (token, created_by, to_db_time(now), to_db_time(now + valid_for)),
        )
        return Invite(token, created_by, now, now + valid_for)

    async def redeem(self, token: str, telegram_id: int, now: datetime | None = None) -> int:
        """Use the invite: the person becomes a coordinator, in one transaction. Returns who invited them."""
        now = now or utcnow()
        async with self._db.transaction() as conn:
            async with conn.execute("SELECT * FROM coordinator_invites WHERE token = ?", (token,)) as cur:
                row = await cur.fetchone()
            if row is None:
                raise InviteRefused("unknown")
            if row["revoked_at"] is not None:
                raise InviteRefused("revoked")
            if row["used_by"] is not None:
                raise InviteRefused("used")
            if from_db_time(row["expires_at"]) <= now:
                raise InviteRefused("expired")
            await conn.execute(
                "UPDATE coordinator_invites SET used_by = ?, used_at = ? WHERE token = ?",
                (telegram_id, to_db_time(now), token),
            )
            await conn.execute(
                "INSERT INTO coordinators (telegram_id, added_by, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (telegram_id) DO NOTHING",
                (telegram_id, row["created_by"], to_db_time(now)),
            )
        return row["created_by"]

    async def revoke_open(self, created_by: int | None = None, now: datetime | None = None) -> int:
        """Revoke every unused, unexpired invite (of one admin, or all); returns how many."""
        now = now or utcnow()
        condition = "used_by IS NULL AND revoked_at IS NULL AND expires_at > ?"
        params: list = [to_db_time(now)]
        if created_by is not None:
            condition += " AND created_by = ?"
            params.append(created_by)
        return await self._db.execute(
            f"UPDATE coordinator_invites SET revoked_at = ? WHERE {condition}", (to_db_time(now), *params)
        )

    async def open_count(self, now: datetime | None = None) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM coordinator_invites WHERE used_by IS NULL AND revoked_at IS NULL AND expires_at > ?",
            (to_db_time(now or utcnow()),),
        )
        return int(row[0])
