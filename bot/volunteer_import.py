"""Reading a spreadsheet of volunteers an organisation already has (a CSV saved from Excel or
LibreOffice): the columns matched to the form's questions by id or label, each row checked as the
form checks an answer (bot/forms.py), duplicates found in the file and against the bot.

Plain functions, no Telegram and no database: the panel shows the preview, storage writes it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from bot.forms import NAME_FIELD, Accepted, fold, match_choice, parse_text
from bot.i18n import N_, Translator
from bot.organisation import FieldType, Organisation

MAX_ROWS = 5000
_CHOICES = (FieldType.CHOICE, FieldType.MULTI_CHOICE)


class NotASpreadsheet(ValueError):
    """The file cannot be read as a CSV of volunteers; the message is a msgid."""


@dataclass
class Row:
    number: int  # as the spreadsheet numbers it (the header is row 1)
    cells: dict[str, str]
    answers: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # already translated

    @property
    def ok(self) -> bool:
        return not self.problems


def _decode(data: bytes) -> str:
    if data[:4] == b"PK\x03\x04":
        raise NotASpreadsheet(N_("This is an Excel file (XLSX): save it as CSV (UTF-8) and send that."))
    for encoding in ("utf-8-sig", "cp1250"):  # Excel's Polish CSV without UTF-8 is Windows-1250
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" not in text:
            return text
    raise NotASpreadsheet(N_("This file is not a CSV text file."))


def columns_of(org: Organisation) -> dict[str, str]:
    """What a column may be called (folded) -> the form field it fills: its id or its label."""
    names = {}
    for form_field in org.form:
        if form_field.must_be_yes:
            continue
        names[fold(form_field.id)] = form_field.id
        for locale in ("pl", "en", "uk"):
            names[fold(form_field.label.get(locale))] = form_field.id
    return names


def read(data: bytes, org: Organisation, t: Translator) -> tuple[list[str], list[Row]]:
    """The form fields the columns fill, and every row checked (nothing is written here)."""
    try:
        return _read(data, org, t)
    except csv.Error:  # a cell over the csv module's limit (128 KiB), a stray NUL: not a spreadsheet of people
        raise NotASpreadsheet(N_("This file is not a CSV text file.")) from None


def _read(data: bytes, org: Organisation, t: Translator) -> tuple[list[str], list[Row]]:
    text = _decode(data)
    first = text.split("\n", 1)[0]
    delimiter = max(";,\t", key=first.count)  # Polish Excel writes ";", others ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    names = columns_of(org)
    fields = [names.get(fold(cell)) for cell in header or []]
    email = next((f.id for f in org.form if f.type == FieldType.EMAIL), None)
    phone = next((f.id for f in org.form if f.type == FieldType.PHONE), None)
    if NAME_FIELD not in fields or not ({email, phone} & set(fields)):
        raise NotASpreadsheet(
            N_("The first row must name the columns: at least the full name and the e-mail or the phone.")
        )
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) >= MAX_ROWS:
            raise NotASpreadsheet(N_("The file has more than 5000 people: split it into smaller files."))
        row = Row(number, {f: c for f, c in zip(fields, cells, strict=False) if f})
        _check(row, org, t, email, phone)
        rows.append(row)
    _duplicates_in_file(rows, t, email, phone)
    return [f for f in fields if f], rows


def _check(row: Row, org: Organisation, t: Translator, email: str | None, phone: str | None) -> None:
    form = {f.id: f for f in org.form}
    for field_id, cell in row.cells.items():
        form_field = form[field_id]
        value = cell.strip()
        if not value:
            continue
        label = form_field.label.get(t.locale)
        if form_field.type in _CHOICES:
            parts = [p for p in (value.split(",") if form_field.type == FieldType.MULTI_CHOICE else [value]) if p]
            chosen = [match_choice(org, form_field, p.strip(), t.locale) for p in parts]
            if None in chosen:
                row.problems.append(
                    t.gettext("%(label)s: “%(value)s” is not one of the options.", label=label, value=value[:60])
                )
                continue
            row.answers[field_id] = chosen if form_field.type == FieldType.MULTI_CHOICE else chosen[0]
            continue
        parsed = parse_text(form_field, value)
        if isinstance(parsed, Accepted):
            if parsed.value is not None:
                row.answers[field_id] = parsed.value
        else:
            row.problems.append(f"{label}: {parsed.text(t)}")
    if NAME_FIELD not in row.answers and not row.cells.get(NAME_FIELD, "").strip():
        row.problems.append(t.gettext("The full name is missing."))
    if not ({email, phone} & set(row.answers)):
        row.problems.append(t.gettext("An e-mail address or a phone number is needed to tell duplicates apart."))


def _duplicates_in_file(rows: list[Row], t: Translator, email: str | None, phone: str | None) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        for field_id in (email, phone):
            value = row.answers.get(field_id) if field_id else None
            if not isinstance(value, str):
                continue
            key = (field_id, value.lower())
            if key in seen:
                row.problems.append(t.gettext("The same as row %(row)d.", row=seen[key]))
                break
            seen[key] = row.number


def mark_known(rows: list[Row], t: Translator, email: str | None, phone: str | None, emails, phones) -> None:
    """Rows whose e-mail or phone the bot already has are not imported again."""
    for row in rows:
        mail = row.answers.get(email) if email else None
        number = row.answers.get(phone) if phone else None
        if (isinstance(mail, str) and mail.lower() in emails) or (isinstance(number, str) and number in phones):
            row.problems.append(t.gettext("Already in the bot (the same e-mail or phone)."))
