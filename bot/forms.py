"""The application form as data: parsing and checking answers, and showing them back.

No Telegram here. A refused answer is a `Problem`: a catalog text (marked with N_) and its
parameters, translated by whoever shows it, so the explanation is specific and in the
user's language ("this doesn't look like an email address: the @ sign is missing").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from bot.dates import DateProblem, parse_calendar_date
from bot.i18n import N_, NN_, Translator
from bot.organisation import OTHER, FieldType, FormField, Organisation


@dataclass(frozen=True)
class Problem:
    msgid: str
    plural: str | None = None  # with `count`, for texts that need plural forms
    count: int = 0
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, t: Translator) -> str:
        if self.plural is not None:
            return t.ngettext(self.msgid, self.plural, self.count, **self.params)
        return t._(self.msgid, **self.params)


@dataclass(frozen=True)
class Accepted:
    value: Any  # JSON-serialisable, stored as the answer


YES, NO = "yes", "no"
_YES_WORDS = {"tak", "t", "yes", "y", "так", "ok", "jasne", "oczywiscie"}
_NO_WORDS = {"nie", "n", "no", "ні", "нi", "ni"}


def fold(text: str) -> str:
    """Compare texts people type: no case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("ł", "l").split())


# The form field holding the person's full name (the id every part of the bot reads it by).
NAME_FIELD = "full_name"
# Never meant by anyone, and harmful when shown again: bidirectional overrides and isolates (an RTL
# override in a name reverses the rest of a coordinator's button label), zero-width spaces, fillers.
_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = re.compile(f"[{_BIDI}\u00ad\u115f\u1160\u180e\u200b\u2060-\u2064\u2800\u3164\ufeff\uffa0]")


def visible(text: str) -> str:
    """The text without invisible and bidirectional-control characters (kept in free text: joiners)."""
    return _INVISIBLE.sub("", text)


def _meaningful(text: str) -> bool:
    return any(unicodedata.category(ch)[0] in "LN" for ch in text)


def parse_text(form_field: FormField, text: str) -> Accepted | Problem:
    """An answer typed as a message, for any field type."""
    text = visible(text).strip()
    if not text:
        return Problem(N_("Please type an answer."))
    kind = form_field.type
    if kind == FieldType.TEXT and form_field.id == NAME_FIELD:
        return _name(form_field, text)
    if kind == FieldType.TEXT and not form_field.required and not text.strip("-–—. "):
        return Accepted(None)  # "-" for an optional question: nothing to say, as if skipped
    if kind == FieldType.TEXT:
        return _text(form_field, text)
    if kind == FieldType.EMAIL:
        return _email(text)
    if kind == FieldType.PHONE:
        return parse_phone(text)
    if kind == FieldType.DATE:
        return _date(text)
    if kind == FieldType.NUMBER:
        return _number(form_field, text)
    if kind == FieldType.YES_NO:
        word = fold(text).rstrip(".!")
        if word in _YES_WORDS:
            return Accepted(YES)
        if word in _NO_WORDS:
            return Accepted(NO)
        return Problem(N_("Please answer with the “Yes” or “No” button."))
    return Problem(N_("Please choose with the buttons below."))


def _text(form_field: FormField, text: str) -> Accepted | Problem:
    if not _meaningful(text):
        return _NO_WORDS_PROBLEM
    return _within(text, form_field.min_length, form_field.max_length or 3500)


_NO_WORDS_PROBLEM = Problem(N_("Please answer in words: this answer has no letters or digits."))


def _name(form_field: FormField, text: str) -> Accepted | Problem:
    """A person's full name: at least two parts with letters (of any script)."""
    text = " ".join("".join(ch for ch in text if unicodedata.category(ch) != "Cf").split())
    checked = _within(text, form_field.min_length, form_field.max_length or 3500)
    if isinstance(checked, Accepted) and sum(1 for part in text.split() if any(ch.isalpha() for ch in part)) < 2:
        return Problem(N_("Please give your first name and surname, e.g. Anna Kowalska."))
    return checked


OTHER_LIMIT = 100


def typed_text(text: str | None, limit: int, minimum: int = 1) -> Accepted | Problem:
    """The one reader of free text typed in a flow: 1 (or `minimum`) to `limit` characters, with
    letters or digits, without invisible characters."""
    text = visible(text or "").strip()
    if not text:
        return Problem(N_("Please type an answer."))
    if not _meaningful(text):
        return _NO_WORDS_PROBLEM
    return _within(text, minimum if minimum > 1 else None, limit)


def parse_other(text: str) -> Accepted | Problem:
    """The free-text answer after choosing "other" in a choice."""
    text = " ".join(visible(text).split())
    if not text:
        return Problem(N_("Please type an answer."))
    if not _meaningful(text):
        return _NO_WORDS_PROBLEM
    return _within(text, None, OTHER_LIMIT)


def _within(text: str, minimum: int | None, limit: int) -> Accepted | Problem:
    length = len(text)
    if minimum and length < minimum:
        return Problem(
            *NN_(
                "That is a bit short: please write at least %(count)d character.",
                "That is a bit short: please write at least %(count)d characters.",
            ),
            minimum,
        )
    if length > limit:
        return Problem(
            *NN_(
                "That is too long: please shorten it to %(count)d character (now %(length)d).",
                "That is too long: please shorten it to %(count)d characters (now %(length)d).",
            ),
            limit,
            {"length": length},
        )
    return Accepted(text)


def _email(text: str) -> Accepted | Problem:
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        return _email_problem(text, str(error))
    return Accepted(result.normalized)


def _email_problem(text: str, reason: str) -> Problem:
    if "@" not in text:
        return Problem(N_("This doesn't look like an email address: the @ sign is missing."))
    if text.count("@") > 1:
        return Problem(N_("This doesn't look like an email address: it has more than one @ sign."))
    local, _, domain = text.partition("@")
    if not local:
        return Problem(N_("This doesn't look like an email address: there is nothing before the @ sign."))
    if not domain:
        return Problem(N_("This doesn't look like an email address: there is nothing after the @ sign."))
    if " " in text:
        return Problem(N_("An email address can't contain spaces."))
    if "." not in domain:
        return Problem(N_("This doesn't look like an email address: the part after @ needs a dot, like gmail.com."))
    return Problem(N_("This doesn't look like an email address. Please check it, e.g. anna.kowalska@gmail.com."))


def parse_phone(text: str) -> Accepted | Problem:
    """A phone number typed or shared from Telegram, stored in E.164 (+48600100200)."""
    cleaned = text.strip()
    digits = re.sub(r"\D", "", cleaned)
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    elif not cleaned.startswith("+") and len(digits) > 9:
        cleaned = "+" + digits  # Telegram shares contacts as 48600100200, without the plus
    if not digits or re.search(r"[^\d\s()+./-]", cleaned):
        return Problem(
            N_("This doesn't look like a phone number. Type only digits, e.g. 600 100 200 or +48 600 100 200.")
        )
    try:
        number = phonenumbers.parse(cleaned, "PL")
    except phonenumbers.NumberParseException:
        return Problem(
            N_("This doesn't look like a phone number. Type only digits, e.g. 600 100 200 or +48 600 100 200.")
        )
    reason = phonenumbers.is_possible_number_with_reason(number)
    if reason == phonenumbers.ValidationResult.TOO_SHORT:
        return Problem(N_("This phone number is too short. Please check it."))
    if reason in (
        phonenumbers.ValidationResult.TOO_LONG,
        phonenumbers.ValidationResult.INVALID_LENGTH,
    ):
        return Problem(N_("This phone number has too many digits. Please check it."))
    if not phonenumbers.is_valid_number(number):
        return Problem(N_("There is no such phone number. Please check it and type it again."))
    return Accepted(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _date(text: str) -> Accepted | Problem:
    try:  # the one reader of dates people type (also `1 grudnia 1990 r.`)
        value = parse_calendar_date(text)
    except DateProblem as problem:
        if problem.code == "no_such_date":
            return Problem(N_("There is no such date. Please check the day and the month."))
        return Problem(N_("Please type a date like 12.03.1990."))
    return Accepted(value.isoformat())


def _number(form_field: FormField, text: str) -> Accepted | Problem:
    compact = text.replace(" ", "").replace("\u00a0", "")
    if not re.fullmatch(r"-?\d+", compact):
        return Problem(N_("Please type a whole number, e.g. 12."))
    value = int(compact)
    low, high = form_field.min_value, form_field.max_value
    if (low is not None and value < low) or (high is not None and value > high):
        return Problem(
            N_("Please type a number from %(low)s to %(high)s."),
            params={
                "low": low if low is not None else "…",
                "high": high if high is not None else "…",
            },
        )
    return Accepted(value)


def match_choice(org: Organisation, form_field: FormField, text: str, locale: str) -> str | None:
    """A choice typed instead of pressed: its id, when the text names exactly one option."""
    wanted = fold(text)
    for choice in org.choices_of(form_field):
        if wanted in (fold(choice.label.get(locale)), fold(choice.label.get("pl")), choice.id):
            return choice.id
    return None


def check_choices(form_field: FormField, selected: list[str]) -> Accepted | Problem:
    least = form_field.least_choices
    if len(selected) < least:
        return Problem(
            *NN_(
                "Please choose at least %(count)d option.",
                "Please choose at least %(count)d options.",
            ),
            least,
        )
    if form_field.max_choices and len(selected) > form_field.max_choices:
        return Problem(
            *NN_(
                "Please choose at most %(count)d option.",
                "Please choose at most %(count)d options.",
            ),
            form_field.max_choices,
        )
    return Accepted(list(selected))


def display(org: Organisation, form_field: FormField, value: Any, t: Translator) -> str:
    """An answer as people read it (plain text: escape it before it goes into HTML)."""
    if value is None:
        return t.gettext("— (skipped)")
    kind = form_field.type
    if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        labels = org.choice_labels(form_field, t.locale)
        values = value if isinstance(value, list) else [value]
        shown = []
        for item in values:
            if isinstance(item, dict) and OTHER in item:
                shown.append(item[OTHER])
            else:
                shown.append(labels.get(item, str(item)))
        return ", ".join(shown)
    if kind == FieldType.YES_NO:
        return t.gettext("Yes") if value == YES else t.gettext("No")
    if kind == FieldType.PHONE:
        try:
            number = phonenumbers.parse(value)
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        except phonenumbers.NumberParseException:
            return str(value)
    if kind == FieldType.DATE:
        return t.date(date.fromisoformat(value), "d.MM.y")
    return str(value)
