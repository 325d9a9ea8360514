"""Claims on exports, so that one coordinator's export of one thing is made once at a time, however
many times it is pressed and however many bot processes share the database (migration 0015).

A claim lasts a lease and is renewed while the file is being made; one left by a bot that crashed
or was restarted runs out and the next press claims it again. Once the file is sent the claim is
kept a little longer, so that presses made while it was being made (a person's updates are
handled in order) do not make it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.db import Database, to_db_time


class Busy(StrEnum):
    RUNNING = "running"  # being made now
    SENT = "sent"  # sent a moment ago


@dataclass(frozen=True)
class Claim:
    coordinator_id: int
    what: str
    token: str  # when it was claimed: only the holder of this claim renews, completes or releases it


class ExportClaims:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, coordinator_id: int, what: str, now: datetime, lease: timedelta) -> Claim | Busy:
        """The claim, or why there is none: this export is being made, or was just sent."""
        token = to_db_time(now)
        async with self._db.transaction() as conn:
            await conn.execute("DELETE FROM exports WHERE expires_at <= ?", (token,))
            taken = (
                await conn.execute(
                    "INSERT INTO exports (coordinator_id, what, claimed_at, expires_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (coordinator_id, what) DO NOTHING",
                    (coordinator_id, what, token, to_db_time(now + lease)),
                )
            ).rowcount
            if taken:
                return Claim(coordinator_id, what, token)
            held = (
                await conn.execute(
                    "SELECT sent_at FROM exports WHERE coordinator_id = ? AND what = ?", (coordinator_id, what)
                )
            )._rows
        return Busy.SENT if held and held[0]["sent_at"] is not None else Busy.RUNNING

    async def renew(self, claim: Claim, now: datetime, lease: timedelta) -> None:
        await self._update(claim, "expires_at = ?", (to_db_time(now + lease),))

    async def sent(self, claim: Claim, now: datetime, keep: timedelta) -> None:
        """The file is sent: the claim stays `keep` longer, answering presses with 'it is above'."""
        await self._update(claim, "sent_at = ?, expires_at = ?", (to_db_time(now), to_db_time(now + keep)))

    async def release(self, claim: Claim) -> None:
        """No file (it failed): the export may be asked for again at once."""
        await self._db.execute(
            "DELETE FROM exports WHERE coordinator_id = ? AND what = ? AND claimed_at = ?",
            (claim.coordinator_id, claim.what, claim.token),
        )

    async def _update(self, claim: Claim, assignments: str, values: tuple) -> None:
        await self._db.execute(
            f"UPDATE exports SET {assignments} WHERE coordinator_id = ? AND what = ? AND claimed_at = ?",
            (*values, claim.coordinator_id, claim.what, claim.token),
        )
