"""The audit log: who did what privileged thing, when. Append-only from the bot's side."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow

# A target "user:<telegram id>" and these details hold a person's Telegram id.
PERSON_TARGET = "user"
PERSON_DETAILS = frozenset({"person", "invited_by"})


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor_id: int | None
    action: str
    target: str | None
    details: dict[str, Any]

    @property
    def people(self) -> set[int]:
        """Everyone the entry names: who acted, a person it was done to, people in its details."""
        found = {self.actor_id} if self.actor_id is not None else set()
        kind, _, ref = (self.target or "").partition(":")
        if kind == PERSON_TARGET and ref.lstrip("-").isdigit():
            found.add(int(ref))
        found |= {v for k, v in self.details.items() if k in PERSON_DETAILS and isinstance(v, int)}
        return found


def _entry(row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        at=from_db_time(row["at"]),
        actor_id=row["actor_id"],
        action=row["action"],
        target=row["target"],
        details=json.loads(row["details"]) if row["details"] else {},
    )


class AuditLog:
    def __init__(self, db: Database):
        self._db = db

    async def record(
        self,
        actor_id: int | None,
        action: str,
        target: str | None = None,
        now: datetime | None = None,
        **details: Any,
    ) -> None:
        await self._db.execute(
            "INSERT INTO audit_log (at, actor_id, action, target, details) VALUES (?, ?, ?, ?, ?)",
            (
                to_db_time(now or utcnow()),
                actor_id,
                action,
                target,
                json.dumps(details, ensure_ascii=False, sort_keys=True) if details else None,
            ),
        )

    async def latest(self, limit: int, *, before: int | None = None, after: int | None = None) -> list[AuditEntry]:
        """Newest first, found by key, not by offset: the `limit` entries older than entry `before`,
        or newer than entry `after`, or the newest."""
        if after is not None:
            rows = await self._db.fetch_all("SELECT * FROM audit_log WHERE id > ? ORDER BY id LIMIT ?", (after, limit))
            rows = rows[::-1]
        else:
            rows = await self._db.fetch_all(
                "SELECT * FROM audit_log WHERE id < ? ORDER BY id DESC LIMIT ?",
                (before if before is not None else 2**63 - 1, limit),
            )
        return [_entry(r) for r in rows]

    async def all(self) -> list[AuditEntry]:
        """The whole log (the CSV): read off the loop, it may be long."""
        return [_entry(r) for r in await self._db.fetch_all_off_the_loop("SELECT * FROM audit_log ORDER BY id")]

    async def forget_actor(self, actor_id: int) -> None:
        """After an account is deleted, its own actions stay in the log without its id."""
        await self._db.execute("UPDATE audit_log SET actor_id = NULL WHERE actor_id = ?", (actor_id,))
