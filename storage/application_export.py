"""What the applications export needs, read table by table (one query each, not one per
application) in a worker thread, so the bot keeps answering while it is read."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections import defaultdict
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
    """Read and group everything in a worker thread on a connection of its own (at 100 000
    applications, grouping a million answers on the loop held everyone up for seconds)."""
    return await asyncio.to_thread(_read, str(db.path), tuple(statuses), list(consent_ids))


def _read(path: str, statuses: tuple[Status, ...], consent_ids: list[str]) -> list[ExportRow]:
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    try:
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("BEGIN")  # one snapshot for all the tables
        marks = ",".join("?" for _ in statuses)
        chosen = f"SELECT id FROM applications WHERE status IN ({marks})"
        applications = conn.execute(
            f"SELECT * FROM applications WHERE status IN ({marks}) ORDER BY submitted_at, id", statuses
        ).fetchall()
        answers: dict[int, dict[str, Any]] = defaultdict(dict)
        for r in conn.execute(
            f"SELECT application_id, field_id, value FROM application_answers WHERE application_id IN ({chosen})",
            statuses,
        ):
            answers[r["application_id"]][r["field_id"]] = None if r["value"] is None else json.loads(r["value"])
        history: dict[int, list[HistoryEntry]] = defaultdict(list)
        for r in conn.execute(
            "SELECT application_id, at, actor_id, action, note FROM application_history "
            f"WHERE application_id IN ({chosen}) ORDER BY id",
            statuses,
        ):
            history[r["application_id"]].append(
                HistoryEntry(from_db_time(r["at"]), r["actor_id"], Action(r["action"]), r["note"])
            )
        consents: dict[int, dict[str, Consent]] = defaultdict(dict)
        if consent_ids:
            kinds = [f"optional:{c}" for c in consent_ids]
            kind_marks = ",".join("?" for _ in kinds)
            for r in conn.execute(  # each person's latest answer to each optional consent
                f"SELECT telegram_id, kind, version, granted, at FROM consents WHERE kind IN ({kind_marks})"
                " AND id IN (SELECT MAX(id) FROM consents GROUP BY telegram_id, kind)",
                kinds,
            ):
                consents[r["telegram_id"]][r["kind"].removeprefix("optional:")] = Consent(
                    r["kind"], r["version"], bool(r["granted"]), from_db_time(r["at"])
                )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return [
        ExportRow(
            application=_application(row),
            answers=answers.get(row["id"], {}),
            history=history.get(row["id"], []),
            consents=consents.get(row["telegram_id"], {}),
        )
        for row in applications
    ]
