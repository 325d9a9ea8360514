"""Reading agreements (one, a person's, the lists and counts for coordinators, the history) and
the conditional change and history entry every step of the life cycle uses. The base of
AgreementRepository (storage/agreements.py)."""

from __future__ import annotations

from datetime import date, datetime

from storage.agreement_model import STATE_ORDER, Agreement, HistoryEntry, Listed, State, TransitionRefused, _agreement
from storage.db import from_db_time, to_db_time
from storage.paging import Section, keyed_page
from storage.repository import Repository

_LISTED = """
    SELECT a.id, a.telegram_id, a.state, a.start_date, a.end_date, a.owner_deleted_at,
           json_extract(ans.value, '$') AS name, u.first_name, u.last_name
    FROM agreements a
    LEFT JOIN application_answers ans ON ans.application_id = a.application_id AND ans.field_id = 'full_name'
    LEFT JOIN users u ON u.telegram_id = a.telegram_id
"""


class AgreementRecords(Repository):
    # ---- reading ------------------------------------------------------------------------
    async def get(self, agreement_id: int) -> Agreement | None:
        return await self._one(_agreement, "SELECT * FROM agreements WHERE id = ?", (agreement_id,))

    async def for_volunteer(self, telegram_id: int) -> list[Agreement]:
        """Newest first; not those kept from an account deleted earlier under the same Telegram id."""
        rows = await self._db.fetch_all(
            "SELECT * FROM agreements WHERE telegram_id = ? AND owner_deleted_at IS NULL ORDER BY id DESC",
            (telegram_id,),
        )
        return [_agreement(r) for r in rows]

    async def counts(self) -> dict[State, int]:
        rows = await self._db.fetch_all("SELECT state, COUNT(*) AS n FROM agreements GROUP BY state")
        found = {State(r["state"]): r["n"] for r in rows}
        return {state: found.get(state, 0) for state in STATE_ORDER}

    async def list_by_state(
        self, state: State, limit: int, *, after: int | None = None, before: int | None = None
    ) -> list[Listed]:
        """Soonest ending first: the `limit` agreements after agreement `after` (before `before`),
        or the first ones; found by key on agreements_by_state (state, end_date, id), so every page
        is an index lookup. An unknown agreement to continue from gives none."""
        start = None
        if after is not None or before is not None:
            key = after if after is not None else before
            anchor = await self._db.fetch_one("SELECT end_date, id FROM agreements WHERE id = ?", (key,))
            if anchor is None:
                return []
            start = (0, (anchor["end_date"], anchor["id"]))
        section = Section("a.state = ?", (state,), (("a.end_date", True), ("a.id", True)))
        rows = await keyed_page(
            self._db.fetch_all, _LISTED, [section], limit, start=start, backward=after is None and before is not None
        )
        return [
            Listed(
                r["id"],
                r["telegram_id"],
                State(r["state"]),
                r["name"] if isinstance(r["name"], str) else " ".join(filter(None, [r["first_name"], r["last_name"]])),
                date.fromisoformat(r["start_date"]),
                date.fromisoformat(r["end_date"]),
                r["owner_deleted_at"] is not None,
            )
            for r in rows
        ]

    async def accepted_without_agreement(self, limit: int = 50) -> list[tuple[int, int, str | None]]:
        """(application id, telegram id, name) of accepted volunteers who have no agreement yet."""
        rows = await self._db.fetch_all(
            """
            SELECT ap.id, ap.telegram_id, json_extract(ans.value, '$') AS name
            FROM applications ap
            LEFT JOIN application_answers ans ON ans.application_id = ap.id AND ans.field_id = 'full_name'
            WHERE ap.status = 'accepted'
              AND NOT EXISTS (SELECT 1 FROM agreements a WHERE a.telegram_id = ap.telegram_id
                              AND a.owner_deleted_at IS NULL)
            ORDER BY ap.decided_at, ap.id
            LIMIT ?
            """,
            (limit,),
        )
        return [(r["id"], r["telegram_id"], r["name"] if isinstance(r["name"], str) else None) for r in rows]

    async def history(self, agreement_id: int) -> list[HistoryEntry]:
        rows = await self._db.fetch_all(
            "SELECT at, actor_id, action, note FROM agreement_history WHERE agreement_id = ? ORDER BY id",
            (agreement_id,),
        )
        return [HistoryEntry(from_db_time(r["at"]), r["actor_id"], r["action"], r["note"]) for r in rows]

    # ---- helpers -------------------------------------------------------------------------------
    async def _change(
        self,
        agreement_id: int,
        allowed_from: tuple[State, ...],
        assignments: str,
        params: tuple,
        actor_id: int | None,
        action: str,
        note: str | None,
        now: datetime,
    ) -> Agreement:
        stamp = to_db_time(now)
        marks = ",".join("?" for _ in allowed_from)
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                f"UPDATE agreements SET {assignments}, updated_at = ? WHERE id = ? AND state IN ({marks})",
                (*params, stamp, agreement_id, *allowed_from),
            )
            if cursor.rowcount != 1:
                raise TransitionRefused(await self._state(conn, agreement_id))
            await self._log(conn, agreement_id, stamp, actor_id, action, note)
        changed = await self.get(agreement_id)
        assert changed is not None
        return changed

    @staticmethod
    async def _state(conn, agreement_id: int) -> State | None:
        cursor = await conn.execute("SELECT state FROM agreements WHERE id = ?", (agreement_id,))
        row = await cursor.fetchone()
        return State(row["state"]) if row else None

    @staticmethod
    async def _log(conn, agreement_id: int, stamp: str, actor_id: int | None, action: str, note: str | None) -> None:
        await conn.execute(
            "INSERT INTO agreement_history (agreement_id, at, actor_id, action, note) VALUES (?, ?, ?, ?, ?)",
            (agreement_id, stamp, actor_id, action, note),
        )
