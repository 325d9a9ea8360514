"""Leases (migration 0025): one holder at a time for a named role, e.g. "poller" (the one process
that polls Telegram) or "scheduler" (the one that runs the scheduled jobs and the broadcast sender).

A holder is a text naming a process ("pid@host"). It renews its lease well before `expires_at`;
a lease not renewed by then may be taken by anyone, so a holder that died loses it by itself.
The caller may also say that a holder is known to be dead (a process of this machine that no
longer runs): its lease is taken at once. Read-then-write in one write transaction, which both
engines serialize, so two processes never both get it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.db import Database, from_db_time, to_db_time


@dataclass(frozen=True)
class Lease:
    name: str
    holder: str
    acquired_at: datetime
    expires_at: datetime


class LeaseRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def acquire(
        self,
        name: str,
        holder: str,
        now: datetime,
        ttl: timedelta,
        *,
        is_dead: Callable[[str], bool] | None = None,
    ) -> tuple[bool, Lease]:
        """Take or renew the lease. Returns (whether `holder` holds it now, the lease as it is)."""
        stamp, until = to_db_time(now), to_db_time(now + ttl)
        async with self._db.transaction() as conn:
            cur = await conn.execute(
                "SELECT holder, acquired_at, expires_at FROM leases WHERE name = ?",
                (name,),
            )
            rows = await cur.fetchall()
            if not rows:
                await conn.execute(
                    "INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                    (name, holder, stamp, stamp, until),
                )
                return True, Lease(name, holder, now, now + ttl)
            current, acquired, expires = rows[0]["holder"], rows[0]["acquired_at"], rows[0]["expires_at"]
            if current == holder:
                await conn.execute(
                    "UPDATE leases SET renewed_at = ?, expires_at = ? WHERE name = ?", (stamp, until, name)
                )
                return True, Lease(name, holder, from_db_time(acquired), now + ttl)
            if expires <= stamp or (is_dead is not None and is_dead(current)):
                await conn.execute(
                    "UPDATE leases SET holder = ?, acquired_at = ?, renewed_at = ?, expires_at = ? WHERE name = ?",
                    (holder, stamp, stamp, until, name),
                )
                return True, Lease(name, holder, now, now + ttl)
        return False, Lease(name, current, from_db_time(acquired), from_db_time(expires))

    async def release(self, name: str, holder: str) -> bool:
        """Give the lease up (stopping cleanly): another process may take it at once."""
        return bool(await self._db.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder)))

    async def get(self, name: str) -> Lease | None:
        row = await self._db.fetch_one("SELECT holder, acquired_at, expires_at FROM leases WHERE name = ?", (name,))
        if row is None:
            return None
        return Lease(name, row["holder"], from_db_time(row["acquired_at"]), from_db_time(row["expires_at"]))
