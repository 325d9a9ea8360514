"""The steps of the stage-two forms (an organisation, its contact person, a request for support),
made from the organisation file's fields as the application form's are: the same questions,
buttons and validation (bot/forms.py), plus the Polish register numbers (KRS, REGON, NIP) and
the rules a step may add (a request's dates). Shown back with the choices' labels."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from markupsafe import Markup
from stdnum.exceptions import ValidationError as NumberInvalid
from stdnum.pl import nip, regon
from telegram import Message

from bot.flow import CONTACT, TEXT, Choice, FlowRun, Prompt, Step
from bot.forms import YES, Accepted, Problem, check_choices, display, match_choice, parse_phone, parse_text
from bot.i18n import N_
from bot.organisation import OTHER, FieldType, FormField
from bot.partners import IDENTIFIERS

Check = Callable[[FlowRun, Any], Awaitable[Problem | None]]


def check_identifier(kind: str, text: str) -> Accepted | Problem:
    """A KRS, REGON or NIP number as typed (spaces and dashes allowed), kept as digits only."""
    digits = re.sub(r"[\s\-.]", "", text)
    if kind == "nip" and digits.upper().startswith("PL"):
        digits = digits[2:]
    if not digits.isdigit():
        return Problem(N_("Please type only digits."))
    if kind == "krs":  # stdnum has no KRS: ten digits, leading zeros included
        if len(digits) != 10 or not digits.strip("0"):
            return Problem(N_("A KRS number has 10 digits, e.g. 0000123456."))
        return Accepted(digits)
    module, length = (regon, N_("A REGON number has 9 or 14 digits.")) if kind == "regon" else (nip, None)
    try:
        return Accepted(module.validate(digits))
    except NumberInvalid:
        if kind == "nip" and len(digits) != 10:
            return Problem(N_("A NIP number has 10 digits."))
        if kind == "regon" and len(digits) not in (9, 14):
            return Problem(length)
        return Problem(N_("This number has a wrong check digit: please check it."))


def shown(org, form_field: FormField, value: Any, t) -> str:
    """An answer as people read it (plain text). Choices are labelled here, not through the
    application form's cache, which is keyed by field id (these forms reuse ids such as kind)."""
    if value is None:
        return t.gettext("— (skipped)")
    if form_field.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
        labels = {c.id: c.label.get(t.locale) for c in org.choices_of(form_field)}
        values = value if isinstance(value, list) else [value]
        return ", ".join(v[OTHER] if isinstance(v, dict) else labels.get(v, str(v)) for v in values)
    return display(org, form_field, value, t)


def answer_lines(org, fields: Sequence[FormField], answers: dict[str, Any], t, *, prefix: str = "", limit: int = 300):
    """ "<b>Label</b>: answer" for every field answered (HTML, escaped)."""
    lines = []
    for form_field in fields:
        value = answers.get(prefix + form_field.id)
        if value is None and not form_field.required:
            continue
        text = shown(org, form_field, value, t)
        text = text if len(text) <= limit else text[: limit - 1] + "…"
        lines.append(Markup("<b>%s</b>: %s") % (form_field.label.get(t.locale), text))
    return [str(line) for line in lines]


def field_step(form_field: FormField, *, prefix: str = "", check: Check | None = None, typed_only=False) -> Step:
    """The step asking one field; its id is `prefix` + the field's id. `check` adds a rule of the
    form's own (it sees the flow's other answers)."""
    kind = form_field.type
    takes = frozenset({TEXT, CONTACT}) if kind == FieldType.PHONE and not typed_only else frozenset({TEXT})
    identifier = form_field.id if form_field.id in IDENTIFIERS and not prefix else None

    async def ask(run: FlowRun) -> Prompt:
        t, org = run.t, run.services.org
        parts = [Markup("<b>%s</b>") % form_field.prompt.get(t.locale)]
        if form_field.hint:
            parts.append(Markup("<i>%s</i>") % form_field.hint.get(t.locale))
        value = run.answers.get(prefix + form_field.id)
        if value is not None and kind != FieldType.MULTI_CHOICE:
            parts.append(t._("Your answer so far: %(answer)s", answer=shown(org, form_field, value, t)[:300]))
        text = "\n".join(str(p) for p in parts)
        if kind == FieldType.PHONE and not typed_only:
            return Prompt(text, contact_button=t.gettext("📱 Share my phone number"))
        if kind == FieldType.YES_NO:
            return Prompt(text, choices=[Choice(t.gettext("Yes"), YES), Choice(t.gettext("No"), "no")], columns=2)
        if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            return Prompt(
                text,
                choices=[Choice(c.label.get(t.locale), c.id) for c in org.choices_of(form_field)],
                columns=form_field.columns,
                multi=kind == FieldType.MULTI_CHOICE,
                other=kind == FieldType.CHOICE and form_field.allow_other,
            )
        return Prompt(text)

    async def read(run: FlowRun, message: Message) -> Accepted | Problem:
        if message.contact is not None:
            contact = message.contact
            if contact.user_id is not None and contact.user_id != run.user_id:
                return Problem(N_("Please share your own phone number, or type it."))
            return parse_phone(contact.phone_number)
        text = message.text or ""
        if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            choice = (
                match_choice(run.services.org, form_field, text, run.t.locale) if kind == FieldType.CHOICE else None
            )
            return Accepted(choice) if choice is not None else Problem(N_("Please choose with the buttons below."))
        if identifier is not None and text.strip("-–—. "):
            result = check_identifier(identifier, text)
        else:
            result = parse_text(form_field, text)
        if isinstance(result, Accepted) and check is not None and result.value is not None:
            problem = await check(run, result.value)
            if problem is not None:
                return problem
        return result

    async def pick(run: FlowRun, selected: list[str]) -> Accepted | Problem:
        return check_choices(form_field, selected)

    return Step(
        prefix + form_field.id,
        ask,
        takes,
        read=read,
        pick=pick if kind == FieldType.MULTI_CHOICE else None,
        optional=not form_field.required,
        label=lambda run, f=form_field: f.label.get(run.t.locale),
    )
