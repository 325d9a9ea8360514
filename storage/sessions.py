"""What every update needs about the person, read in one query, and the one flow they are in.

The flow state is a row per person: which flow, which step, a small JSON payload and a version.
It is written with a conditional UPDATE on the version read at the start of the update, so of two
processes handling the same person only the first write wins and the second sees `StaleFlow`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from storage.db import Database, to_db_time, utcnow
from storage.users import UserRecord, user_record


class StaleFlow(Exception):
    """The flow changed since it was read (another update or process got there first)."""


@dataclass(frozen=True)
class FlowState:
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    message_id: int | None = None
    last_update_id: int | None = None


@dataclass(frozen=True)
class SessionRecord:
    user: UserRecord
    is_coordinator: bool
    application_status: str | None  # the latest application's, for the menu
    flow: FlowState | None


_SESSION_SQL = """
SELECT u.*,
       EXISTS (SELECT 1 FROM coordinators c WHERE c.telegram_id = u.telegram_id) AS is_coordinator,
       (SELECT a.status FROM applications a WHERE a.telegram_id = u.telegram_id
        ORDER BY a.id DESC LIMIT 1) AS application_status,
       f.flow, f.step, f.data, f.version, f.message_id, f.last_update_id
FROM users u LEFT JOIN flow_state f ON f.telegram_id = u.telegram_id
WHERE u.telegram_id = ?
"""


def _session(row) -> SessionRecord:
    flow = None
    if row["flow"] is not None:
        flow = FlowState(
            flow=row["flow"],
            step=row["step"],
            data=json.loads(row["data"]),
            version=row["version"],
            message_id=row["message_id"],
            last_update_id=row["last_update_id"],
        )
    return SessionRecord(
        user=user_record(row),
        is_coordinator=bool(row["is_coordinator"]),
        application_status=row["application_status"],
        flow=flow,
    )


def _dump(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class SessionStore:
    def __init__(self, db: Database):
        self._db = db

    async def load(self, telegram_id: int) -> SessionRecord | None:
        row = await self._db.fetch_one(_SESSION_SQL, (telegram_id,))
        return _session(row) if row else None

    async def save_flow(
        self,
        telegram_id: int,
        state: FlowState,
        *,
        expected_version: int | None,
        now: datetime | None = None,
    ) -> FlowState:
        """Write the person's flow. `expected_version` is the version read (None: no flow was
        active); a different one in the database raises StaleFlow. Returns the state as stored."""
        stamp = to_db_time(now or utcnow())
        new_version = (expected_version or 0) + 1
        params = (
            state.flow,
            state.step,
            _dump(state.data),
            new_version,
            state.message_id,
            state.last_update_id,
            stamp,
        )
        if expected_version is None:
            changed = await self._db.execute(
                "INSERT INTO flow_state (flow, step, data, version, message_id, last_update_id, updated_at, "
                "telegram_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (telegram_id) DO UPDATE SET "
                "flow = excluded.flow, step = excluded.step, data = excluded.data, "
                "version = flow_state.version + 1, message_id = excluded.message_id, "
                "last_update_id = MAX(COALESCE(flow_state.last_update_id, 0), COALESCE(excluded.last_update_id, 0)), "
                "updated_at = excluded.updated_at",
                (*params, telegram_id),
            )
        else:
            changed = await self._db.execute(
                "UPDATE flow_state SET flow = ?, step = ?, data = ?, version = ?, message_id = ?, "
                "last_update_id = ?, updated_at = ? WHERE telegram_id = ? AND version = ?",
                (*params, telegram_id, expected_version),
            )
        if not changed:
            raise StaleFlow(telegram_id)
        return FlowState(state.flow, state.step, state.data, new_version, state.message_id, state.last_update_id)

    async def end_flow(self, telegram_id: int, *, flow: str | None = None) -> bool:
        """End the person's flow (only `flow`, when given). Returns whether one was ended."""
        if flow is None:
            changed = await self._db.execute("DELETE FROM flow_state WHERE telegram_id = ?", (telegram_id,))
        else:
            changed = await self._db.execute(
                "DELETE FROM flow_state WHERE telegram_id = ? AND flow = ?", (telegram_id, flow)
            )
        return changed > 0

    async def people_in(self, flow: str) -> list[int]:
        rows = await self._db.fetch_all("SELECT telegram_id FROM flow_state WHERE flow = ?", (flow,))
        return [r["telegram_id"] for r in rows]

    async def held(self, key: str) -> list[tuple[int, Any]]:
        """(person, payload[key]) of every flow whose payload has `key` (a text held across a restart)."""
        rows = await self._db.fetch_all(
            "SELECT telegram_id, json_extract(data, '$.' || ?) AS held FROM flow_state "
            "WHERE json_extract(data, '$.' || ?) IS NOT NULL",
            (key, key),
        )
        return [(r["telegram_id"], json.loads(r["held"])) for r in rows]
