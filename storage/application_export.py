"""What the applications export needs, read table by table (one query each, not one per
application) in a worker thread, so the bot keeps answering while it is read."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from storage.application_model import Action, Application, HistoryEntry, Status, _application
from storage.consents import Consent
from storage.db import BUSY_TIMEOUT_MS, Database, from_db_time


@dataclass(frozen=True)
class ExportRow:
    application: Application
    answers: dict[str, Any]
    history: list[HistoryEntry]
    consents: dict[str, Consent]  # optional consent id -> the person's current answer


async def export_rows(db: Database, statuses: tuple[Status, ...], consent_ids: list[str]) -> list[ExportRow]:
    """All of it at once (small exports and tests); the export itself streams `rows`."""
    return await asyncio.to_thread(lambda: list(rows(str(db.path), tuple(statuses), list(consent_ids))))


async def people_named(db: Database, statuses: tuple[Status, ...]) -> set[int]:
    """Everyone an export names: who decided, who asked and who answered (one query)."""
    marks = ",".join("?" for _ in statuses)
    found = await db.fetch_all_off_the_loop(
        f"SELECT decided_by FROM applications WHERE status IN ({marks}) AND decided_by IS NOT NULL "
        "UNION SELECT actor_id FROM application_history WHERE actor_id IS NOT NULL "
        f"AND application_id IN (SELECT id FROM applications WHERE status IN ({marks}))",
        (*statuses, *statuses),
    )
    return {r[0] for r in found}


def count(path: str, statuses: tuple[Status, ...]) -> int:
    conn = sqlite3.connect(path)
    try:
        marks = ",".join("?" for _ in statuses)
        return conn.execute(f"SELECT COUNT(*) FROM applications WHERE status IN ({marks})", statuses).fetchone()[0]
    finally:
        conn.close()


def rows(path: str, statuses: tuple[Status, ...], consent_ids: list[str]) -> Iterator[ExportRow]:
    """The applications in id order, each with its answers, history and the person's optional
    consents: one query per table, read side by side (a merge on the application id), one
    snapshot, in the calling (worker) thread. Nothing is held but the row being written."""
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN")  # one snapshot for all the tables
        marks = ",".join("?" for _ in statuses)
        chosen = f"SELECT id FROM applications WHERE status IN ({marks})"
        consents = _latest_consents(conn, consent_ids)
        answers = _Grouped(
            conn.execute(
                "SELECT application_id, field_id, value FROM application_answers "
                f"WHERE application_id IN ({chosen}) ORDER BY application_id",
                statuses,
            )
        )
        history = _Grouped(
            conn.execute(
                "SELECT application_id, at, actor_id, action, note FROM application_history "
                f"WHERE application_id IN ({chosen}) ORDER BY application_id, id",
                statuses,
            )
        )
        for row in conn.execute(f"SELECT * FROM applications WHERE status IN ({marks}) ORDER BY id", statuses):
            found = answers.take(row["id"])
            yield ExportRow(
                application=_application(row),
                answers={a["field_id"]: None if a["value"] is None else json.loads(a["value"]) for a in found},
                history=[
                    HistoryEntry(from_db_time(h["at"]), h["actor_id"], Action(h["action"]), h["note"])
                    for h in history.take(row["id"])
                ],
                consents=consents.get(row["telegram_id"], {}),
            )
        conn.execute("COMMIT")
    finally:
        conn.close()


class _Grouped:
    """Rows ordered by application id, handed out one application at a time."""

    def __init__(self, cursor) -> None:
        self._rows = iter(cursor)
        self._next = next(self._rows, None)

    def take(self, application_id: int) -> list[sqlite3.Row]:
        taken = []
        while self._next is not None and self._next["application_id"] <= application_id:
            if self._next["application_id"] == application_id:
                taken.append(self._next)
            self._next = next(self._rows, None)
        return taken


def _latest_consents(conn: sqlite3.Connection, consent_ids: list[str]) -> dict[int, dict[str, Consent]]:
    """Each person's latest answer to each optional consent."""
    latest: dict[int, dict[str, Consent]] = defaultdict(dict)
    if not consent_ids:
        return latest
    kinds = [f"optional:{c}" for c in consent_ids]
    for r in conn.execute(
        f"SELECT telegram_id, kind, version, granted, at FROM consents WHERE kind IN ({','.join('?' * len(kinds))})"
        " AND id IN (SELECT MAX(id) FROM consents GROUP BY telegram_id, kind)",
        kinds,
    ):
        latest[r["telegram_id"]][r["kind"].removeprefix("optional:")] = Consent(
            r["kind"], r["version"], bool(r["granted"]), from_db_time(r["at"])
        )
    return latest
