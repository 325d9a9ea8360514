"""The rows of the applications CSV, made in the export process (bot/export_worker.py): one row per
application with its status, the decision (who, when, why), the answers, the optional consents and
the questions asked with their answers; people by name, times local.

Made for 100 000 applications in a few seconds: an answer that many people share (a county, areas,
yes/no) is shown once and then looked up; a plain text answer is taken out of its JSON without
parsing it; a Polish phone number is not parsed again; times are formatted with a fixed numeric
pattern, not by Babel per cell.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable
from typing import Any

import phonenumbers

from bot.export_worker import ExportJob, local_time, spreadsheet_cell
from bot.forms import display
from bot.i18n import Translator
from bot.organisation import FieldType, FormField, Organisation
from handlers.application_text import questions_and_answers, status_name
from storage import application_export
from storage.application_model import Action, HistoryEntry, Status
from storage.db import from_db_time
from storage.people import PeopleDirectory

BUILDER = "handlers.application_csv:rows"
SHARED = (FieldType.CHOICE, FieldType.MULTI_CHOICE, FieldType.YES_NO, FieldType.DATE, FieldType.NUMBER)
REMEMBERED = 20_000  # distinct answers remembered per field (a county has a few dozen)


def _value(raw: str) -> Any:
    """The stored JSON; a string without escapes is taken out as it is (most answers)."""
    if raw[:1] == '"' and "\\" not in raw:
        return raw[1:-1]
    return json.loads(raw)


_POLISH = re.compile(r'"\+48([1-9][0-9]{8})"')


def _phone(raw: str) -> str | None:
    """A Polish number as stored (E.164) shown as display() shows it, without parsing it again
    (parsing was a fifth of the export); None for any other."""
    found = _POLISH.fullmatch(raw)
    if found is None:
        return None
    number = phonenumbers.PhoneNumber(country_code=48, national_number=int(found[1]))
    return spreadsheet_cell(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def _cell(org: Organisation, form_field: FormField, t: Translator) -> Callable[[str | None], str]:
    """How one field's stored answers become cells."""

    def shown(raw: str | None) -> str:
        if raw is None:
            return ""
        value = _value(raw)
        return "" if value is None else spreadsheet_cell(display(org, form_field, value, t))

    if form_field.type == FieldType.PHONE:
        return lambda raw: "" if raw is None else (_phone(raw) or shown(raw))
    if form_field.type not in SHARED:
        return shown
    seen: dict[str, str] = {}

    def shared(raw: str | None) -> str:
        if raw is None:
            return ""
        found = seen.get(raw)
        if found is None:
            found = shown(raw)
            if len(seen) < REMEMBERED:
                seen[raw] = found
        return found

    return shared


def header(t: Translator, org: Organisation) -> list[str]:
    return (
        [t.gettext("ID"), t.gettext("Status"), t.gettext("Sent"), t.gettext("Decided"), t.gettext("Telegram user id")]
        + [f.label.get(t.locale) for f in org.form]
        + [t.gettext("Decided by"), t.gettext("Reason for not accepting")]
        + [t.gettext("Consent: %(consent)s", consent=c.name(t.locale)) for c in org.consents]
        + [t.gettext("Questions and answers")]
    )


async def rows(job: ExportJob) -> AsyncIterator[list[str]]:
    t, org = job.t, job.org
    statuses = tuple(Status(s) for s in job.params["statuses"])
    job.total = application_export.count(job.cursor, statuses)
    named = await PeopleDirectory(job.db, None, None).named(application_export.people_named(job.cursor, statuses))
    names = {telegram_id: person.name for telegram_id, person in named.items()}
    yield header(t, org)
    when = local_time(job.timezone)
    statuses_shown = {s.value: status_name(t, s) for s in Status}
    cells = [(f.id, _cell(org, f, t)) for f in org.form]
    consents = [c.id for c in org.consents]
    yes, no = t.gettext("yes"), t.gettext("no")
    for row in application_export.rows(job.cursor, statuses, consents):
        answers = row.answers
        said = row.consents
        questions = ""
        if row.questions:
            entries = [
                HistoryEntry(from_db_time(at), actor, Action(action), note) for at, actor, action, note in row.questions
            ]
            questions = spreadsheet_cell(questions_and_answers(entries, t, names))
        yield (
            [
                str(row.id),
                statuses_shown[row.status],
                when(row.submitted_at),
                when(row.decided_at),
                str(row.telegram_id),
            ]
            + [shown(answers.get(field)) for field, shown in cells]
            + [
                spreadsheet_cell(names.get(row.decided_by, "") if row.decided_by else ""),
                spreadsheet_cell((row.decision_note or "") if row.status == Status.REJECTED else ""),
            ]
            + [(yes if said[c] else no) if c in said else "" for c in consents]
            + [questions]
        )
