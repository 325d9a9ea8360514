"""What the applications export reads: one query per table (not one per application), read side by
side in application id order (a merge on the id), in the export process (bot/export_worker.py) on
a read-only snapshot of its own. Nothing is held but the application being written.

`read(sql, params)` is the export's cursor: rows as plain tuples, fetched as they are iterated.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby
from operator import itemgetter
from typing import Any

from storage.application_model import Action, Status

Read = Callable[[str, Sequence[Any]], Iterable[tuple]]
INFO = (Action.INFO_REQUESTED.value, Action.INFO_GIVEN.value)  # the questions asked and answered


@dataclass(frozen=True, slots=True)
class ExportRow:
    id: int
    telegram_id: int
    status: str
    submitted_at: str | None  # stored UTC times, as stored
    decided_at: str | None
    decided_by: int | None
    decision_note: str | None
    answers: dict[str, str | None]  # field id -> the answer as stored (JSON)
    questions: list[tuple[str, int | None, str, str | None]]  # at, actor, action, note
    consents: dict[str, bool]  # optional consent id -> the person's latest answer


def _chosen(statuses: Sequence[Status]) -> str:
    return f"SELECT id FROM applications WHERE status IN ({','.join('?' * len(statuses))})"


def count(read: Read, statuses: Sequence[Status]) -> int:
    marks = ",".join("?" * len(statuses))
    return next(iter(read(f"SELECT COUNT(*) FROM applications WHERE status IN ({marks})", tuple(statuses))))[0]


def people_named(read: Read, statuses: Sequence[Status]) -> set[int]:
    """Everyone the export names: who decided, who asked and who answered (one query)."""
    return {
        r[0]
        for r in read(
            f"SELECT decided_by FROM applications WHERE id IN ({_chosen(statuses)}) AND decided_by IS NOT NULL "
            "UNION SELECT actor_id FROM application_history WHERE actor_id IS NOT NULL "
            f"AND action IN (?, ?) AND application_id IN ({_chosen(statuses)})",
            (*statuses, *INFO, *statuses),
        )
    }


def rows(read: Read, statuses: Sequence[Status], consent_ids: Sequence[str]) -> Iterator[ExportRow]:
    """The applications in id order, each with its answers, questions and the person's optional
    consents."""
    chosen = _chosen(statuses)
    consents = _latest_consents(read, consent_ids)
    answers = groupby(
        read(
            "SELECT application_id, field_id, value FROM application_answers "
            f"WHERE application_id IN ({chosen}) ORDER BY application_id",
            tuple(statuses),
        ),
        key=itemgetter(0),
    )
    questions = groupby(
        read(
            "SELECT application_id, at, actor_id, action, note FROM application_history "
            f"WHERE action IN (?, ?) AND application_id IN ({chosen}) ORDER BY application_id, id",
            (*INFO, *statuses),
        ),
        key=itemgetter(0),
    )
    next_answers = next(answers, None)
    next_questions = next(questions, None)
    for row in read(
        "SELECT id, telegram_id, status, submitted_at, decided_at, decided_by, decision_note "
        f"FROM applications WHERE status IN ({','.join('?' * len(statuses))}) ORDER BY id",
        tuple(statuses),
    ):
        application_id = row[0]
        given: dict[str, str | None] = {}
        while next_answers is not None and next_answers[0] <= application_id:
            if next_answers[0] == application_id:
                given = {field: value for _, field, value in next_answers[1]}
            next_answers = next(answers, None)
        asked: list[tuple[str, int | None, str, str | None]] = []
        while next_questions is not None and next_questions[0] <= application_id:
            if next_questions[0] == application_id:
                asked = [r[1:] for r in next_questions[1]]
            next_questions = next(questions, None)
        yield ExportRow(*row, answers=given, questions=asked, consents=consents.get(row[1], {}))


def _latest_consents(read: Read, consent_ids: Sequence[str]) -> dict[int, dict[str, bool]]:
    """Each person's latest answer to each optional consent."""
    latest: dict[int, dict[str, bool]] = {}
    if not consent_ids:
        return latest
    kinds = [f"optional:{c}" for c in consent_ids]
    for telegram_id, kind, granted in read(
        f"SELECT telegram_id, kind, granted FROM consents c WHERE kind IN ({','.join('?' * len(kinds))}) "
        "AND id = (SELECT MAX(id) FROM consents d WHERE d.telegram_id = c.telegram_id AND d.kind = c.kind)",
        kinds,
    ):
        latest.setdefault(telegram_id, {})[kind.removeprefix("optional:")] = bool(granted)
    return latest
