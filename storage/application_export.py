"""What the applications export needs, read table by table (one query each, not one per
application) in aiosqlite's worker thread, so the bot keeps answering while it is read."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from storage.application_model import Action, Application, HistoryEntry, Status, _application
from storage.consents import Consent
from storage.db import Database, from_db_time


@dataclass(frozen=True)
class ExportRow:
    application: Application
    answers: dict[str, Any]
    history: list[HistoryEntry]
    consents: dict[str, Consent]  # optional consent id -> the person's current answer


async def export_rows(db: Database, statuses: tuple[Status, ...], consent_ids: list[str]) -> list[ExportRow]:
    marks = ",".join("?" for _ in statuses)
    chosen = f"SELECT id FROM applications WHERE status IN ({marks})"
    applications = await db.fetch_all_off_the_loop(
        f"SELECT * FROM applications WHERE status IN ({marks}) ORDER BY submitted_at, id", statuses
    )
    answers: dict[int, dict[str, Any]] = defaultdict(dict)
    for r in await db.fetch_all_off_the_loop(
        f"SELECT application_id, field_id, value FROM application_answers WHERE application_id IN ({chosen})", statuses
    ):
        answers[r["application_id"]][r["field_id"]] = None if r["value"] is None else json.loads(r["value"])
    history: dict[int, list[HistoryEntry]] = defaultdict(list)
    for r in await db.fetch_all_off_the_loop(
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
        rows = await db.fetch_all_off_the_loop(  # each person's latest answer to each optional consent
            f"SELECT telegram_id, kind, version, granted, at FROM consents WHERE kind IN ({kind_marks})"
            " AND id IN (SELECT MAX(id) FROM consents GROUP BY telegram_id, kind)",
            kinds,
        )
        for r in rows:
            consents[r["telegram_id"]][r["kind"].removeprefix("optional:")] = Consent(
                r["kind"], r["version"], bool(r["granted"]), from_db_time(r["at"])
            )
    return [
        ExportRow(
            application=application,
            answers=answers.get(row["id"], {}),
            history=history.get(row["id"], []),
            consents=consents.get(row["telegram_id"], {}),
        )
        for row in applications
        for application in (_application(row),)
    ]
