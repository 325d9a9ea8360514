"""The agreement's rules, without Telegram: filling the template, the text's fingerprint, the name
check, the period, when written form is needed, and what an uploaded signed copy may be.

The text a volunteer accepts is rendered once, when the agreement is offered, and stored. Its
SHA-256 is recorded with the acceptance, so any later change of the stored text shows.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from string import Template
from typing import Any

from babel.dates import format_date

from bot.dates import DateProblem, parse_calendar_date
from bot.forms import Problem, display, fold
from bot.i18n import N_, translator
from bot.organisation import FieldType, Organisation
from storage.agreements import sha256_text

# Art. 44 of the act: an agreement for more than 30 days must be in written form.
WRITTEN_FORM_OVER_DAYS = 30
MAX_PERIOD_DAYS = 5 * 366
SCOPE_LIMIT = 2000
REASON_LIMIT = 500
MISSING = "—"  # a value the application did not give

# Signed copies: a PDF (signed electronically or scanned) or a scan/photo as JPEG or PNG,
# recognised by their first bytes (a name or a declared type proves nothing).
FILE_TYPES = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
}


def polish_date(value: date) -> str:
    """21 listopada 2026: the legal texts are Polish whatever the reader's language."""
    return format_date(value, "d MMMM y", locale="pl")


def days_in(start: date, end: date) -> int:
    """Both days count: 1 to 31 December is 31 days."""
    return (end - start).days + 1


def needs_written_form(start: date, end: date) -> bool:
    return days_in(start, end) > WRITTEN_FORM_OVER_DAYS


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_period(today: date, months: int) -> tuple[date, date]:
    """From today, for `months` months (the last day is the day before the same date)."""
    return today, add_months(today, months) - timedelta(days=1)


# Between the two dates: a dash, "do"/"to"/"до", or only spaces; before them an optional "od".
_BETWEEN = re.compile(r"\s*(?:[-–—]|\b(?:do|to|до)\b)\s*|\s+", re.IGNORECASE)
_FROM = re.compile(r"^\s*(?:od|from|від)\s+", re.IGNORECASE)


def _two_dates(text: str) -> tuple[date, date] | str:
    """The first way of cutting `text` in two where both halves are dates (`parse_calendar_date`
    reads each); else why not: "no_such_date" when a half looked like a date that does not exist."""
    text = _FROM.sub("", text.strip())
    why = "unreadable"
    for cut in _BETWEEN.finditer(text):
        halves = (text[: cut.start()], text[cut.end() :])
        if not all(h.strip() for h in halves):
            continue
        found, codes = [], []
        for half in halves:
            try:
                found.append(parse_calendar_date(half))
            except DateProblem as problem:
                codes.append(problem.code)
        if len(found) == 2:
            return found[0], found[1]
        if "no_such_date" in codes and "unreadable" not in codes:
            why = "no_such_date"
    return why


def parse_period(text: str, today: date) -> tuple[date, date] | Problem:
    """Two dates as `bot.dates.parse_calendar_date` reads them: "1.12.2026 – 31.05.2027",
    "od 1 grudnia 2026 do 31 maja 2027", "2026-12-01 – 2027-05-31"."""
    period = _two_dates(text or "")
    if period == "no_such_date":
        return Problem(N_("One of these dates does not exist in the calendar."))
    if isinstance(period, str):
        return Problem(N_("Please type two dates, e.g. 1.12.2026 – 31.05.2027."))
    start, end = period
    if start < today:
        return Problem(N_("The agreement cannot start in the past."))
    if end < start:
        return Problem(N_("The end date must not be before the start date."))
    if days_in(start, end) > MAX_PERIOD_DAYS:
        return Problem(N_("An agreement can last at most five years."))
    return start, end


# ---- the volunteer's name ---------------------------------------------------------------------
def normalise_name(text: str) -> str:
    """Case, spacing and diacritics do not count (ł is l): "  ŁUCJA  Żak" == "lucja zak"."""
    return fold(text).replace(" ", "")


def names_match(typed: str, expected: str) -> bool:
    return bool(normalise_name(expected)) and normalise_name(typed) == normalise_name(expected)


# ---- the text ------------------------------------------------------------------------------
text_sha256 = sha256_text  # one definition: what is stored is what is checked


def _clean(text: str) -> str:
    """One canonical form of a rendered text: LF line ends, no trailing spaces, one final LF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip("\n") + "\n"


def _one_line(value: object) -> str:
    """A value from a person goes into the legal text as one line, without placeholders."""
    text = " ".join(str(value).split()) if value not in (None, "") else MISSING
    return text


def agreement_number(org: Organisation, agreement_id: int, year: int) -> str:
    return f"{org.organisation.short_name}/{year}/{agreement_id}"


@dataclass(frozen=True)
class Volunteer:
    """What the agreement says about the volunteer, from the accepted application."""

    name: str
    email: str
    phone: str
    county: str
    availability: str
    areas: list[str]  # competence area ids
    communities: str


def volunteer_from_answers(org: Organisation, answers: dict[str, Any], fallback_name: str) -> Volunteer:
    county = answers.get("county")
    if isinstance(county, dict):  # "other", typed
        county = next(iter(county.values()), None)
    elif isinstance(county, str):
        county = org.county_names.get(county, county)
    availability = answers.get("availability")
    field = next((f for f in org.form if f.id == "availability"), None)
    if field is not None and isinstance(availability, str):
        labels = {c.id: c.label.get("pl") for c in org.choices_of(field)}
        availability = labels.get(availability, availability)
    areas = answers.get("competences")
    name = answers.get("full_name")
    return Volunteer(
        name=name if isinstance(name, str) and name.strip() else fallback_name,
        email=str(answers.get("email") or MISSING),
        phone=_phone(org, answers.get("phone")),
        county=str(county or MISSING),
        availability=str(availability or ""),
        areas=[a for a in areas if isinstance(a, str)] if isinstance(areas, list) else [],
        communities=str(answers.get("communities") or ""),
    )


def _phone(org: Organisation, value: Any) -> str:
    """As the chat shows it: +48 600 100 200."""
    field = next((f for f in org.form if f.type == FieldType.PHONE), None)
    if not value or field is None or not isinstance(value, str):
        return str(value or MISSING)
    return display(org, field, value, translator("pl"))


def _lower_first(label: str) -> str:
    """ "Budżet obywatelski" inside a sentence is "budżet obywatelski"; "NGO" stays as it is."""
    return label[0].lower() + label[1:] if len(label) > 1 and label[1].islower() else label


def default_scope(org: Organisation, areas: list[str], communities: str) -> str:
    """The scope from the application (or the plan, when it says more)."""
    labels = {c.id: c.label.get("pl") for c in org.competence_areas}
    named = [_lower_first(labels[a]) for a in areas if a in labels]
    return Template(org.agreement.scope_default).substitute(
        areas=_one_line(", ".join(named)) if named else MISSING,
        communities=_one_line(communities),
    )


def render_agreement(
    org: Organisation,
    *,
    agreement_id: int,
    year: int,
    volunteer: Volunteer,
    scope: str,
    start: date,
    end: date,
) -> str:
    """The full Polish text; the same inputs always give the same text (and the same hash)."""
    settings = org.agreement
    info = org.organisation
    written = needs_written_form(start, end)
    values = {
        "agreement_number": agreement_number(org, agreement_id, year),
        "organisation_name": info.name,
        "organisation_address": info.address,
        "organisation_email": info.email,
        "organisation_phone": info.phone or MISSING,
        "organisation_representative": settings.representative,
        "organisation_representative_accusative": settings.representative_accusative or settings.representative,
        "place": settings.place,
        "programme_name": org.programme.name.get("pl"),
        "volunteer_name": _one_line(volunteer.name),
        "volunteer_email": _one_line(volunteer.email),
        "volunteer_phone": _one_line(volunteer.phone),
        "volunteer_county": _one_line(volunteer.county),
        "scope": scope.strip(),
        "manner": settings.manner,
        "availability": _one_line(
            Template(settings.availability_text).substitute(availability=volunteer.availability)
            if volunteer.availability
            else settings.availability_unknown
        ),
        "start_date": polish_date(start),
        "end_date": polish_date(end),
        "days": str(days_in(start, end)),
        "form_clause": settings.form_clause_written if written else settings.form_clause_documentary,
    }
    # safe_substitute: a "$" typed by a person (in the scope) is kept as it is.
    return _clean(Template(settings.template).safe_substitute(values))


def render_attestation(
    org: Organisation,
    *,
    number: str,
    volunteer_name: str,
    scope: str,
    start: date,
    end: date,
    issued: date,
    hours: float | None,
    opinion: str | None,
    work: tuple[str, ...] = (),
) -> str:
    settings = org.attestation
    info = org.organisation
    if hours:
        hours_text = format_decimal_pl(hours)
        # ${work}: the kinds of work, most hours first (a line written before it simply leaves it out)
        hours_line = Template(settings.hours_line).substitute(hours=hours_text, work=", ".join(work))
    else:
        hours_line = settings.no_hours_line
    opinion_line = Template(settings.opinion_line).substitute(opinion=opinion.strip()) if opinion else ""
    values = {
        "organisation_name": info.name,
        "organisation_address": info.address,
        "organisation_representative": org.agreement.representative,
        "place": org.agreement.place,
        "programme_name": org.programme.name.get("pl"),
        "agreement_number": number,
        "volunteer_name": _one_line(volunteer_name),
        "start_date": polish_date(start),
        "end_date": polish_date(end),
        "scope": scope.strip(),
        "issue_date": polish_date(issued),
        "hours_line": hours_line,
        "opinion_line": opinion_line,
    }
    text = Template(settings.template).safe_substitute(values)
    return _clean(re.sub(r"\n{3,}", "\n\n", text))  # no empty gap where there is no opinion


def format_decimal_pl(value: float) -> str:
    from babel.numbers import format_decimal

    return format_decimal(round(value, 2), locale="pl")


# ---- uploaded signed copies ----------------------------------------------------------------
def file_type(content: bytes) -> str | None:
    """The type the first bytes show, if it is one we accept."""
    for mime, signatures in FILE_TYPES.items():
        if any(content.startswith(s) for s in signatures):
            return mime
    return None


def file_problem(content: bytes | None, size: int | None, max_mb: int) -> Problem | None:
    """Size before downloading (Telegram tells it), then the type from the content."""
    limit = max_mb * 1024 * 1024
    if (size is not None and size > limit) or (content is not None and len(content) > limit):
        return Problem(N_("The file is too large: at most %(mb)d MB, please."), params={"mb": max_mb})
    if content is not None and (not content or file_type(content) is None):
        return Problem(N_("Please send a PDF file, or a scan as JPEG or PNG."))
    return None
