"""Signing in to the coordinators' panel: one-time links, sessions, and the Mini App's initData
seen once (migration 0022).

Only SHA-256 hashes of the secrets are stored. A link is used in the same conditional UPDATE that
marks it used, so of two requests with one link exactly one signs in. Who may use the panel is not
decided here: the role is read from the database on every request (bot/web/auth.py).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, from_db_time, to_db_time

VIA = ("link", "mini_app", "local")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """256 bits from the operating system's generator, URL-safe."""
    return secrets.token_urlsafe(32)


@dataclass(frozen=True)
class PanelSession:
    telegram_id: int
    via: str
    created_at: datetime
    expires_at: datetime


class PanelSessions:
    def __init__(self, db: Database):
        self._db = db

    # ---- one-time links ------------------------------------------------------------------
    async def new_link(self, telegram_id: int, now: datetime, valid: timedelta) -> str:
        token = new_secret()
        async with self._db.transaction() as conn:
            # Old links are of no use to anyone: cleared while we are writing anyway.
            await conn.execute("DELETE FROM panel_links WHERE expires_at < ?", (to_db_time(now - timedelta(days=1)),))
            await conn.execute(
                "INSERT INTO panel_links (token_hash, telegram_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                (digest(token), telegram_id, to_db_time(now), to_db_time(now + valid)),
            )
        return token

    async def use_link(self, token: str, now: datetime) -> int | None:
        """The person the link signs in, marking it used; None when unknown, used or expired."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE panel_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? "
                "RETURNING telegram_id",
                (to_db_time(now), digest(token), to_db_time(now)),
            )
            row = await cursor.fetchone()
        return row[0] if row else None

    # ---- the Mini App's initData -----------------------------------------------------------
    async def first_use_of_init_data(self, data_hash: str, now: datetime, keep: timedelta) -> bool:
        """True the first time this initData (its signed hash) is exchanged; False for a replay."""
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM panel_init_data WHERE used_at < ?", (to_db_time(now - keep),))
            cursor = await conn.execute(
                "INSERT INTO panel_init_data (data_hash, used_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
                (digest(data_hash), to_db_time(now)),
            )
            return cursor.rowcount == 1

    # ---- sessions ----------------------------------------------------------------------------
    async def start(self, telegram_id: int, via: str, now: datetime, valid: timedelta) -> str:
        assert via in VIA
        token = new_secret()
        async with self._db.transaction() as conn:
            await conn.execute(
                "DELETE FROM panel_sessions WHERE expires_at < ?", (to_db_time(now - timedelta(days=1)),)
            )
            await conn.execute(
                "INSERT INTO panel_sessions (token_hash, telegram_id, via, created_at, expires_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (digest(token), telegram_id, via, to_db_time(now), to_db_time(now + valid)),
            )
        return token

    async def get(self, token: str, now: datetime) -> PanelSession | None:
        """The session this cookie holds, if it is neither ended nor expired."""
        row = await self._db.fetch_one(
            "SELECT telegram_id, via, created_at, expires_at FROM panel_sessions "
            "WHERE token_hash = ? AND ended_at IS NULL AND expires_at > ?",
            (digest(token), to_db_time(now)),
        )
        if row is None:
            return None
        return PanelSession(row[0], row[1], from_db_time(row[2]), from_db_time(row[3]))

    async def end(self, token: str, now: datetime) -> bool:
        changed = await self._db.execute(
            "UPDATE panel_sessions SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
            (to_db_time(now), digest(token)),
        )
        return changed > 0

    async def end_all(self, telegram_id: int, now: datetime) -> int:
        """End every session of this person (from the chat); how many were open."""
        return await self._db.execute(
            "UPDATE panel_sessions SET ended_at = ? WHERE telegram_id = ? AND ended_at IS NULL AND expires_at > ?",
            (to_db_time(now), telegram_id, to_db_time(now)),
        )

    async def open_count(self, telegram_id: int, now: datetime) -> int:
        row = await self._db.fetch_one(
            "SELECT COUNT(*) FROM panel_sessions WHERE telegram_id = ? AND ended_at IS NULL AND expires_at > ?",
            (telegram_id, to_db_time(now)),
        )
        return row[0]
