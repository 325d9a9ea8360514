"""The application form as a flow: the rules, the consents, the organisation file's fields and
the summary. The draft's answers are kept in the database as they are given (so an abandoned
form resumes where it stopped) and in the flow's payload (so a step reads nothing more)."""

from __future__ import annotations

from typing import Any

from markupsafe import Markup
from telegram import Message

from bot.flow import (
    BUTTONS_ONLY,
    CONTACT,
    TEXT,
    Choice,
    End,
    Flow,
    FlowRun,
    Goto,
    Prompt,
    Refuse,
    Step,
)
from bot.forms import YES, Accepted, Problem, check_choices, display, match_choice, parse_phone, parse_text
from bot.hour_ranges import match_range_choice
from bot.i18n import N_, html_escape
from bot.organisation import FieldType, FormField
from handlers import review
from handlers.application_text import answer_lines, shorten
from storage.applications import TransitionRefused
from storage.consents import PRIVACY, RULES, optional

NAME = "ap"
SUMMARY_ANSWER_LIMIT = 200
_CONSENT_PREFIX = "opt."


async def open_form(update, context, *, intro: bool) -> None:
    """Start (or resume) the form: consents still needed first, then the first unanswered field."""
    services = context.services
    org = services.org
    user_id = update.effective_user.id
    need = []
    if not await services.consents.has_current(user_id, RULES, org.rules.version):
        need.append("rules")
    if not await services.consents.has_current(user_id, PRIVACY, org.data_protection.version):
        need.append("privacy")
    for consent in org.consents:
        answered = await services.consents.current(user_id, optional(consent.id))
        if answered is None or answered.version != consent.version:
            need.append(_CONSENT_PREFIX + consent.id)
    draft = await services.applications.latest(user_id)
    if draft is None or draft.status != "draft":
        draft = await services.applications.start_draft(user_id, org.form[0].id, now=services.clock())
    answers = await services.applications.answers(draft.id)
    known = {f.id for f in org.form}
    data = {"app": draft.id, "need": need, "intro": intro, "answers": {k: v for k, v in answers.items() if k in known}}
    await context.flows.start(update, context, NAME, data)


# ---- the steps ------------------------------------------------------------------------------------
def _steps(run: FlowRun) -> list[Step]:
    org = run.services.org
    steps = []
    for need in run.data.get("need", []):
        if need == "rules":
            steps.append(Step("rules", ask_rules, BUTTONS_ONLY, numbered=False))
        elif need == "privacy":
            steps.append(Step("privacy", ask_privacy, BUTTONS_ONLY, next=_privacy_next, numbered=False))
        else:
            steps.append(Step(need, _optional_asker(need), BUTTONS_ONLY, numbered=False))
    steps += _field_steps(org.form)
    return steps


# A step depends only on its field, and the organisation file is read once: the form's steps are
# built once, not on every update (they are rebuilt whenever a flow's steps are asked for).
_FIELD_STEPS: dict[int, tuple[list[FormField], tuple[Step, ...]]] = {}


def _field_steps(form: list[FormField]) -> tuple[Step, ...]:
    cached = _FIELD_STEPS.get(id(form))
    if cached is None or cached[0] is not form:
        cached = _FIELD_STEPS[id(form)] = (form, tuple(_field_step(f) for f in form))
    return cached[1]


def _field_step(form_field: FormField) -> Step:
    kind = form_field.type
    takes = frozenset({TEXT, CONTACT}) if kind == FieldType.PHONE else frozenset({TEXT})
    return Step(
        form_field.id,
        _asker(form_field),
        takes,
        read=_reader(form_field),
        pick=_picker(form_field),
        next=_must_be_yes(form_field) if kind == FieldType.YES_NO and form_field.must_be_yes else None,
        optional=not form_field.required,
        label=lambda run, f=form_field: f.label.get(run.t.locale),
        confirm=_phone_saved(form_field) if kind == FieldType.PHONE else None,
    )


async def ask_rules(run: FlowRun) -> Prompt:
    t, org = run.t, run.services.org
    parts = []
    if run.data.get("intro"):
        parts += [
            Markup("<b>%s</b>") % org.programme.name.get(t.locale),
            html_escape(org.application.intro.get(t.locale)),
            "",
        ]
    parts += [
        t._("<b>Recruitment rules — the most important points</b>"),
        html_escape(org.rules.summary.get(t.locale)),
        "",
        t._("Please read the rules and accept them to go on."),
    ]
    return Prompt(
        "\n".join(str(p) for p in parts),
        choices=[Choice(t.gettext("✅ I accept the rules"), "yes")],
        links=[(t.gettext("📄 Full text of the rules"), str(org.rules.url))],
    )


async def ask_privacy(run: FlowRun) -> Prompt:
    t, org = run.t, run.services.org
    text = "\n".join(
        [
            t._("<b>Your personal data</b>"),
            html_escape(org.data_protection.notice.get(t.locale)),
            "",
            t._("Do you consent to the processing of your personal data for recruitment to the team?"),
        ]
    )
    return Prompt(text, choices=[Choice(t.gettext("✅ I consent"), YES), Choice(t.gettext("I do not consent"), "no")])


async def _privacy_next(run: FlowRun, value: str):
    if value == YES:
        return None
    return End(  # the refusal is recorded (it is a decision), then the flow ends
        run.t._(
            "Without this consent we cannot process your application. You can come back "
            "to it at any time from the menu."
        )
    )


def _consent(run: FlowRun, step_id: str):
    consent_id = step_id.removeprefix(_CONSENT_PREFIX)
    return next(c for c in run.services.org.consents if c.id == consent_id)


def _optional_asker(step_id: str):
    async def ask(run: FlowRun) -> Prompt:
        t = run.t
        consent = _consent(run, step_id)
        text = (
            html_escape(consent.text.get(t.locale))
            + "\n\n"
            + t._("<i>This consent is optional and you can withdraw it at any time.</i>")
        )
        return Prompt(text, choices=[Choice(t.gettext("Yes"), YES), Choice(t.gettext("No"), "no")], columns=2)

    return ask


def _asker(form_field: FormField):
    async def ask(run: FlowRun) -> Prompt:
        t, org = run.t, run.services.org
        parts = [Markup("<b>%s</b>") % form_field.prompt.get(t.locale)]
        if form_field.hint:
            parts.append(Markup("<i>%s</i>") % form_field.hint.get(t.locale))
        value = run.answers.get(form_field.id)
        kind = form_field.type
        if value is not None and kind != FieldType.MULTI_CHOICE:
            current = display(org, form_field, value, t)
            parts.append(t._("Your answer so far: %(answer)s", answer=shorten(current, 300)))
        text = "\n".join(str(p) for p in parts)
        if kind == FieldType.PHONE:
            return Prompt(text, contact_button=t.gettext("📱 Share my phone number"))
        if kind == FieldType.YES_NO:
            return Prompt(text, choices=[Choice(t.gettext("Yes"), YES), Choice(t.gettext("No"), "no")], columns=2)
        if kind in (FieldType.CHOICE, FieldType.MULTI_CHOICE):
            choices = [Choice(c.label.get(t.locale), c.id) for c in org.choices_of(form_field)]
            return Prompt(
                text,
                choices=choices,
                columns=form_field.columns,
                multi=kind == FieldType.MULTI_CHOICE,
                other=kind == FieldType.CHOICE and form_field.allow_other,
            )
        return Prompt(text)

    return ask


def _reader(form_field: FormField):
    async def read(run: FlowRun, message: Message) -> Accepted | Problem:
        kind = form_field.type
        if message.contact is not None:
            contact = message.contact
            if contact.user_id is not None and contact.user_id != run.user_id:
                return Problem(N_("Please share your own phone number, or type it."))
            return parse_phone(contact.phone_number)
        text = message.text or ""
        if kind == FieldType.CHOICE:
            choice = match_choice(run.services.org, form_field, text, run.t.locale)
            choice = choice or match_range_choice(run.services.org, form_field, text, run.t.locale)
            return Accepted(choice) if choice is not None else Problem(N_("Please choose with the buttons below."))
        if kind == FieldType.MULTI_CHOICE:
            return Problem(N_("Please choose with the buttons below."))
        return parse_text(form_field, text)

    return read


def _picker(form_field: FormField):
    if form_field.type != FieldType.MULTI_CHOICE:
        return None

    async def pick(run: FlowRun, selected: list[str]) -> Accepted | Problem:
        return check_choices(form_field, selected)

    return pick


def _must_be_yes(form_field: FormField):
    async def decide(run: FlowRun, value: str):
        if value == YES:
            return None
        refusal = form_field.refusal.get(run.t.locale) if form_field.refusal else None
        return Refuse(html_escape(refusal) if refusal else run.t._("Unfortunately you cannot apply with this answer."))

    return decide


def _phone_saved(form_field: FormField):
    def confirm(run: FlowRun, value: str) -> str:
        return run.t._("Saved: %(phone)s", phone=display(run.services.org, form_field, value, run.t))

    return confirm


# ---- keeping answers, the summary, sending ----------------------------------------------------------
async def _save(run: FlowRun, step: Step, value: Any) -> None:
    services = run.services
    org = services.org
    now = services.clock()
    if step.id == "rules":
        await services.consents.record(run.user_id, RULES, org.rules.version, True, now)
    elif step.id == "privacy":
        await services.consents.record(run.user_id, PRIVACY, org.data_protection.version, value == YES, now)
    elif step.id.startswith(_CONSENT_PREFIX):
        consent = _consent(run, step.id)
        await services.consents.record(run.user_id, optional(consent.id), consent.version, value == YES, now)
    else:
        form_field = next(f for f in org.form if f.id == step.id)
        if form_field.must_be_yes and value != YES:
            value = None  # neither the refused answer nor an earlier "yes": asked again before sending
        await services.applications.keep_answer(run.data["app"], step.id, value, now=now)


async def _summary(run: FlowRun) -> Prompt:
    t = run.t
    org = run.services.org
    text = "\n".join(
        [
            t._("<b>Please check your application</b>"),
            "",
            *answer_lines(org, run.answers, t, limit=SUMMARY_ANSWER_LIMIT),
            "",
            t._("You can correct any answer, then send the application."),
        ]
    )
    return Prompt(text, actions=[Choice(t.gettext("📨 Send the application"), "send")])


async def _act(run: FlowRun, action: str):
    services = run.services
    org = services.org
    missing = [f for f in org.form if f.required and run.answers.get(f.id) is None]
    if missing:  # e.g. the organisation added a required field since the draft began
        return Goto(missing[0].id)
    try:
        submitted = await services.applications.submit(run.data["app"], run.user_id, now=services.clock())
    except TransitionRefused:
        return End(run.t._("This application has already been sent."))
    answers = dict(run.answers)

    async def notify() -> None:
        await review.notify_new_application(run.context, submitted, answers)

    return End(
        run.t._(
            "📨 <b>Application sent!</b> Thank you. A coordinator will look at it and you will get "
            "the answer in this chat. You can check its status in the menu at any time."
        ),
        after=notify,
    )


async def _stale(update, context) -> None:
    """A button of a form left earlier: the form again where it stands, or the sent application."""
    from handlers.application import open_application  # the module that opens the form imports this one

    await open_application(update, context)


FLOW = Flow(NAME, _steps, save=_save, summary=_summary, act=_act, stale=_stale)
