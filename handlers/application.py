"""Applying to the team: rules, consents, the form field by field, the summary, the status.

What to ask next is always worked out from the database (consents given, the draft's cursor),
never kept only in memory: a restart, /anuluj or a stale button cannot lose an answer, and the
user resumes at the question they were on.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass

from markupsafe import Markup
from telegram import (
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
    Update,
)
from telegram.error import TelegramError
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.context import BotContext
from bot.forms import (
    YES,
    Accepted,
    Problem,
    check_choices,
    display,
    match_choice,
    parse_other,
    parse_phone,
    parse_text,
)
from bot.i18n import N_, html_escape
from bot.organisation import OTHER, FieldType, FormField, OptionalConsent
from handlers import review
from handlers.application_text import answer_lines, shorten, status_name
from handlers.common import cb, flow, keyboard, show, stale_button
from handlers.menu import MAIN_MENU, cancel, menu_after
from storage.applications import OPEN, Application, Status, TransitionRefused
from storage.consents import PRIVACY, RULES, optional

log = logging.getLogger(__name__)

END = ConversationHandler.END
ACTIVE = "active"
OTHER_TEXT = "other_text"
INFO_ANSWER = "info_answer"

_RESUMING = "application_resuming"  # user_data: a draft was found, continue or start over?
_QUESTION = "application_question"  # user_data: the message with the current question's buttons
SUMMARY_ANSWER_LIMIT = 200


@dataclass(frozen=True)
class Step:
    kind: str  # rules | privacy | optional | field | summary | closed
    application: Application | None = None
    consent: OptionalConsent | None = None
    field: FormField | None = None


async def current_step(context: BotContext, user_id: int) -> Step:
    services = context.services
    org = services.org
    if not await services.consents.has_current(user_id, RULES, org.rules.version):
        return Step("rules")
    if not await services.consents.has_current(user_id, PRIVACY, org.data_protection.version):
        return Step("privacy")
    for consent in org.consents:
        answered = await services.consents.current(user_id, optional(consent.id))
        if answered is None or answered.version != consent.version:
            return Step("optional", consent=consent)
    application = await services.applications.latest(user_id)
    if application is not None and application.status in (*OPEN, Status.ACCEPTED):
        return Step("closed", application)  # sent already: only its status can be shown
    if application is None or application.status != Status.DRAFT:
        application = await services.applications.start_draft(user_id, org.form[0].id, now=services.clock())
    form_field = _field(context, application.cursor)
    if form_field is None:
        return Step("summary", application)
    return Step("field", application, field=form_field)


def _field(context: BotContext, field_id: str | None) -> FormField | None:
    return next((f for f in context.services.org.form if f.id == field_id), None)


# ---- entering --------------------------------------------------------------------------------
async def open_application(update: Update, context: BotContext) -> str | int:
    """/zgloszenie, the menu button and t.me/<bot>?start=apply."""
    user_id = update.effective_user.id
    latest = await context.services.applications.latest(user_id)
    if latest is not None and latest.status in (*OPEN, Status.ACCEPTED):
        await show_status(update, context, latest)
        return END
    if latest is not None and latest.status == Status.DRAFT and latest.cursor != _first(context):
        answers = await context.services.applications.answers(latest.id)
        t = context.t
        context.user_data[_RESUMING] = True
        await show(
            update,
            context,
            t.ngettext(
                "You have started an application (%(count)d answer so far). Continue where you stopped, or start over?",
                "You have started an application (%(count)d answers so far). Continue where you "
                "stopped, or start over?",
                len(answers),
            ),
            keyboard(
                [
                    [(t.gettext("▶️ Continue"), cb("ap", "cont"))],
                    [(t.gettext("🔄 Start over"), cb("ap", "restart"))],
                    [(t.gettext("🗑 Delete the draft"), cb("ap", "delete"))],
                ]
            ),
        )
        return ACTIVE
    return await ask_next(update, context, intro=True)


def _first(context: BotContext) -> str:
    return context.services.org.form[0].id


async def ask_next(update: Update, context: BotContext, *, intro: bool = False) -> str:
    context.user_data.pop(_RESUMING, None)
    step = await current_step(context, update.effective_user.id)
    t = context.t
    org = context.services.org
    if step.kind == "rules":
        parts = []
        if intro:
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
        markup = keyboard(
            [
                [(t.gettext("📄 Full text of the rules"), str(org.rules.url))],
                [(t.gettext("✅ I accept the rules"), cb("ap", "rules", org.rules.version))],
            ]
        )
        await show(update, context, "\n".join(parts), markup, new_message=True)
    elif step.kind == "privacy":
        text = "\n".join(
            [
                t._("<b>Your personal data</b>"),
                html_escape(org.data_protection.notice.get(t.locale)),
                "",
                t._("Do you consent to the processing of your personal data for recruitment to the team?"),
            ]
        )
        markup = keyboard(
            [
                [(t.gettext("✅ I consent"), cb("ap", "privacy", "yes"))],
                [(t.gettext("I do not consent"), cb("ap", "privacy", "no"))],
            ]
        )
        await show(update, context, text, markup, new_message=True)
    elif step.kind == "optional":
        consent = step.consent
        text = (
            html_escape(consent.text.get(t.locale))
            + "\n\n"
            + t._("<i>This consent is optional and you can withdraw it at any time.</i>")
        )
        markup = keyboard(
            [
                [
                    (t.gettext("Yes"), cb("ap", "opt", consent.id, "yes")),
                    (t.gettext("No"), cb("ap", "opt", consent.id, "no")),
                ]
            ]
        )
        await show(update, context, text, markup, new_message=True)
    elif step.kind == "field":
        await ask_field(update, context, step.application, step.field)
    elif step.kind == "closed":
        await show_status(update, context, step.application)
        return END
    else:
        await show_summary(update, context, step.application)
    return ACTIVE


# ---- one question ------------------------------------------------------------------------------
async def ask_field(
    update: Update,
    context: BotContext,
    application: Application,
    form_field: FormField,
    problem: Problem | None = None,
) -> None:
    t = context.t
    org = context.services.org
    position = next(i for i, f in enumerate(org.form) if f.id == form_field.id) + 1
    answers = await context.services.applications.answers(application.id)
    parts = []
    if problem is not None:
        parts += ["⚠️ " + problem.text(t), ""]
    parts.append(t._("Step %(step)d of %(total)d", step=position, total=len(org.form)))
    parts.append(Markup("<b>%s</b>") % form_field.prompt.get(t.locale))
    if form_field.hint:
        parts.append(Markup("<i>%s</i>") % form_field.hint.get(t.locale))
    if not form_field.required:
        parts.append(t._("<i>This question is optional.</i>"))
    if form_field.id in answers and answers[form_field.id] is not None and form_field.type != FieldType.MULTI_CHOICE:
        current = display(org, form_field, answers[form_field.id], t)
        parts.append(t._("Your answer so far: %(answer)s", answer=shorten(current, 300)))
    text = "\n".join(parts)
    markup = _field_markup(context, application, form_field, answers, position)
    await _retire_question(update, context)
    sent = await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)
    if isinstance(markup, InlineKeyboardMarkup):
        context.user_data[_QUESTION] = sent.message_id


async def _retire_question(update: Update, context: BotContext) -> None:
    """Take the buttons off the previous question, so only the current one can be pressed."""
    message_id = context.user_data.pop(_QUESTION, None)
    query = update.callback_query
    if message_id is None or (
        query is not None and query.message is not None and query.message.message_id == message_id
    ):
        return  # none, or the pressed message: its buttons were closed with the press
    with contextlib.suppress(TelegramError):  # already without buttons, or deleted by the user
        await context.bot.edit_message_reply_markup(update.effective_chat.id, message_id, reply_markup=None)


def _nav_row(context: BotContext, form_field: FormField, position: int, answered: bool) -> list[tuple[str, str]]:
    t = context.t
    row = []
    if position > 1:
        row.append((t.gettext("« Back"), cb("ap", "back", form_field.id)))
    if answered:
        row.append((t.gettext("Keep this answer »"), cb("ap", "keep", form_field.id)))
    elif not form_field.required:
        row.append((t.gettext("Skip »"), cb("ap", "skip", form_field.id)))
    return row


def _field_markup(context, application, form_field, answers, position):
    t = context.t
    org = context.services.org
    rows: list[list[tuple[str, str]]] = []
    if form_field.type == FieldType.PHONE:
        buttons = [[KeyboardButton(t.gettext("📱 Share my phone number"), request_contact=True)]]
        nav = [label for label, _ in _nav_row(context, form_field, position, form_field.id in answers)]
        if nav:
            buttons.append([KeyboardButton(label) for label in nav])
        return ReplyKeyboardMarkup(buttons, resize_keyboard=True, one_time_keyboard=True)
    if form_field.type == FieldType.CHOICE:
        options = [(c.label.get(t.locale), cb("ap", "c", form_field.id, c.id)) for c in org.choices_of(form_field)]
        if form_field.allow_other:
            options.append((t.gettext("Other…"), cb("ap", "other", form_field.id)))
        rows += _grid(options, form_field.columns)
    elif form_field.type == FieldType.MULTI_CHOICE:
        selected = answers.get(form_field.id) or []
        options = [
            (
                ("✅ " if c.id in selected else "▫️ ") + c.label.get(t.locale),
                cb("ap", "t", form_field.id, c.id),
            )
            for c in org.choices_of(form_field)
        ]
        rows += _grid(options, form_field.columns)
        rows.append([(t.gettext("Done ✔"), cb("ap", "done", form_field.id))])
    elif form_field.type == FieldType.YES_NO:
        rows.append(
            [
                (t.gettext("Yes"), cb("ap", "yn", form_field.id, "yes")),
                (t.gettext("No"), cb("ap", "yn", form_field.id, "no")),
            ]
        )
    answered = form_field.id in answers and form_field.type != FieldType.MULTI_CHOICE
    nav = _nav_row(context, form_field, position, answered)
    if nav:
        rows.append(nav)
    return keyboard(rows) if rows else None


def _grid(options: list[tuple[str, str]], columns: int) -> list[list[tuple[str, str]]]:
    return [options[i : i + columns] for i in range(0, len(options), columns)]


# ---- answers ---------------------------------------------------------------------------------
async def _store(update: Update, context: BotContext, application: Application, form_field: FormField, value) -> str:
    """Save an answer and ask what comes next: the following field, or the summary."""
    next_id = None if application.back_to_summary else _following(context, form_field)
    await context.services.applications.save_answer(
        application.id, form_field.id, value, next_id, now=context.services.clock()
    )
    return await ask_next(update, context)


def _following(context: BotContext, form_field: FormField) -> str | None:
    form = context.services.org.form
    index = next(i for i, f in enumerate(form) if f.id == form_field.id)
    return form[index + 1].id if index + 1 < len(form) else None


async def _current_field(update: Update, context: BotContext) -> Step | None:
    step = await current_step(context, update.effective_user.id)
    return step if step.kind == "field" else None


async def typed(update: Update, context: BotContext) -> str:
    """Text while applying: the answer to the current question, or a nudge to the buttons."""
    if context.user_data.get(_RESUMING):
        return await open_application(update, context)
    step = await current_step(context, update.effective_user.id)
    if step.kind != "field":
        await context.bot.send_message(update.effective_chat.id, context.t._("Please use the buttons below."))
        return await ask_next(update, context)
    form_field = step.field
    text = update.effective_message.text or ""
    t = context.t
    position = next(i for i, f in enumerate(context.services.org.form) if f.id == form_field.id) + 1
    answers = await context.services.applications.answers(step.application.id)
    nav = dict(_nav_row(context, form_field, position, form_field.id in answers))
    if form_field.type == FieldType.PHONE and text in nav:  # reply-keyboard navigation
        action = nav[text].split(":")[1]
        return await _navigate(update, context, step.application, form_field, action)
    if form_field.type == FieldType.CHOICE:
        choice = match_choice(context.services.org, form_field, text, t.locale)
        if choice is not None:
            return await _store(update, context, step.application, form_field, choice)
        result: Accepted | Problem = Problem(N_("Please choose with the buttons below."))
    elif form_field.type == FieldType.MULTI_CHOICE:
        result = Problem(N_("Please choose with the buttons below."))
    else:
        result = parse_text(form_field, text)
    if isinstance(result, Problem):
        await ask_field(update, context, step.application, form_field, result)
        return ACTIVE
    if form_field.must_be_yes and result.value != YES:
        return await _refuse(update, context, form_field)
    if form_field.type == FieldType.PHONE:
        await _phone_saved(update, context, form_field, result.value)
    return await _store(update, context, step.application, form_field, result.value)


async def shared_contact(update: Update, context: BotContext) -> str:
    step = await _current_field(update, context)
    if step is None or step.field.type != FieldType.PHONE:
        await context.bot.send_message(update.effective_chat.id, context.t._("Please use the buttons below."))
        return await ask_next(update, context)
    contact = update.effective_message.contact
    if contact.user_id is not None and contact.user_id != update.effective_user.id:
        problem = Problem(N_("Please share your own phone number, or type it."))
        await ask_field(update, context, step.application, step.field, problem)
        return ACTIVE
    result = parse_phone(contact.phone_number)
    if isinstance(result, Problem):
        await ask_field(update, context, step.application, step.field, result)
        return ACTIVE
    await _phone_saved(update, context, step.field, result.value)
    return await _store(update, context, step.application, step.field, result.value)


async def _phone_saved(update: Update, context: BotContext, form_field: FormField, phone: str) -> None:
    t = context.t
    await context.bot.send_message(
        update.effective_chat.id,
        t._("Saved: %(phone)s", phone=display(context.services.org, form_field, phone, t)),
        reply_markup=ReplyKeyboardRemove(),
    )


async def not_text(update: Update, context: BotContext) -> str:
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._("I can only take a typed answer or a button here."),
    )
    return await ask_next(update, context)


async def _refuse(update: Update, context: BotContext, form_field: FormField) -> str:
    t = context.t
    refusal = form_field.refusal.get(t.locale) if form_field.refusal else None
    text = html_escape(refusal) if refusal else t._("Unfortunately you cannot apply with this answer.")
    await context.bot.send_message(update.effective_chat.id, text)
    return END


async def _navigate(update, context, application, form_field, action: str) -> str:
    org = context.services.org
    index = next(i for i, f in enumerate(org.form) if f.id == form_field.id)
    if action == "back" and index > 0:
        await context.services.applications.move_cursor(
            application.id, org.form[index - 1].id, now=context.services.clock()
        )
        if form_field.type == FieldType.PHONE:
            await context.bot.send_message(update.effective_chat.id, "↩️", reply_markup=ReplyKeyboardRemove())
        return await ask_next(update, context)
    if action == "skip" and not form_field.required:
        return await _store(update, context, application, form_field, None)
    if action == "keep":
        following = None if application.back_to_summary else _following(context, form_field)
        await context.services.applications.move_cursor(application.id, following, now=context.services.clock())
        if form_field.type == FieldType.PHONE:
            await context.bot.send_message(update.effective_chat.id, "👍", reply_markup=ReplyKeyboardRemove())
        return await ask_next(update, context)
    return await ask_next(update, context)


# ---- buttons ------------------------------------------------------------------------------------
async def pressed(update: Update, context: BotContext) -> str | int:
    """Every ap:* button, checked against the current state in the database."""
    query = update.callback_query
    parts = query.data.split(":")
    action = parts[1] if len(parts) > 1 else ""
    user_id = update.effective_user.id
    services = context.services
    org = services.org
    t = context.t
    now = services.clock()

    if action == "open":
        await query.answer()
        return await open_application(update, context)
    if action == "status":
        await query.answer()
        latest = await services.applications.latest(user_id)
        if latest is None:
            return await open_application(update, context)
        await show_status(update, context, latest)
        return END
    if action == "withdraw":
        return await _withdraw(update, context, confirmed=parts[2:] == ["yes"])
    if action == "reply":
        return await _start_info_answer(update, context)
    if action == "cont":
        await _close_buttons(update)
        return await ask_next(update, context)
    if action == "delete":
        latest = await services.applications.latest(user_id)
        if latest is not None and latest.status == Status.DRAFT:
            await services.applications.delete_draft(latest.id, user_id)
        await _close_buttons(update)
        await menu_after(update, context, t._("The draft has been deleted with all its answers."))
        return END
    if action == "restart":
        latest = await services.applications.latest(user_id)
        if latest is not None and latest.status == Status.DRAFT:
            await services.applications.restart_draft(latest.id, org.form[0].id, now=now)
        await _close_buttons(update)
        return await ask_next(update, context)

    step = await current_step(context, user_id)
    if action == "rules" and step.kind == "rules" and parts[2:] == [org.rules.version]:
        await services.consents.record(user_id, RULES, org.rules.version, True, now)
        await _close_buttons(update, t._("✅ Rules accepted."))
        return await ask_next(update, context)
    if action == "privacy" and step.kind == "privacy" and len(parts) == 3:
        granted = parts[2] == "yes"
        await services.consents.record(user_id, PRIVACY, org.data_protection.version, granted, now)
        if not granted:
            await _close_buttons(update)
            await menu_after(
                update,
                context,
                t._(
                    "Without this consent we cannot process your application. You can come back "
                    "to it at any time from the menu."
                ),
            )
            return END
        await _close_buttons(update, t._("✅ Consent given."))
        return await ask_next(update, context)
    if action == "opt" and step.kind == "optional" and parts[2:3] == [step.consent.id] and len(parts) == 4:
        granted = parts[3] == "yes"
        await services.consents.record(user_id, optional(step.consent.id), step.consent.version, granted, now)
        await _close_buttons(update, t._("Yes") if granted else t._("No"))
        return await ask_next(update, context)
    if action == "send" and step.kind == "summary":
        return await _submit(update, context, step.application)
    if action == "edit" and step.kind in ("summary", "field") and len(parts) == 3:
        target = _field(context, parts[2])
        if target is not None and step.application is not None:
            await services.applications.move_cursor(step.application.id, target.id, back_to_summary=True, now=now)
            await _close_buttons(update)
            return await ask_next(update, context)

    # The rest act on one question: the one the button belongs to must be the current one.
    if step.kind != "field" or len(parts) < 3 or parts[2] != step.field.id:
        await query.answer(t.gettext("This button belongs to an earlier question."), show_alert=False)
        return await ask_next(update, context)
    form_field, application = step.field, step.application
    value = parts[3] if len(parts) > 3 else None
    if action == "c" and form_field.type == FieldType.CHOICE:
        if value not in {c.id for c in org.choices_of(form_field)}:
            await stale_button(update, context)
            return ACTIVE
        await _close_buttons(update, display(org, form_field, value, t))
        return await _store(update, context, application, form_field, value)
    if action == "other" and form_field.allow_other:
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, t._("Please type the name:"))
        return OTHER_TEXT
    if action == "t" and form_field.type == FieldType.MULTI_CHOICE:
        if value not in {c.id for c in org.choices_of(form_field)}:
            await stale_button(update, context)
            return ACTIVE
        answers = await services.applications.answers(application.id)
        selected = list(answers.get(form_field.id) or [])
        selected = [s for s in selected if s != value] if value in selected else [*selected, value]
        await services.applications.save_answer(
            application.id,
            form_field.id,
            selected,
            form_field.id,
            back_to_summary=application.back_to_summary,
            now=now,
        )
        await query.answer()
        answers[form_field.id] = selected
        position = next(i for i, f in enumerate(org.form) if f.id == form_field.id) + 1
        await query.edit_message_reply_markup(_field_markup(context, application, form_field, answers, position))
        return ACTIVE
    if action == "done" and form_field.type == FieldType.MULTI_CHOICE:
        answers = await services.applications.answers(application.id)
        result = check_choices(form_field, list(answers.get(form_field.id) or []))
        if isinstance(result, Problem):
            await query.answer(Markup(result.text(t)).striptags(), show_alert=True)
            return ACTIVE
        await _close_buttons(update, display(org, form_field, result.value, t) or t.gettext("— (skipped)"))
        return await _store(update, context, application, form_field, result.value)
    if action == "yn" and form_field.type == FieldType.YES_NO and value in ("yes", "no"):
        await _close_buttons(update, t.gettext("Yes") if value == YES else t.gettext("No"))
        if form_field.must_be_yes and value != YES:
            return await _refuse(update, context, form_field)
        return await _store(update, context, application, form_field, value)
    if action in ("back", "skip", "keep"):
        await _close_buttons(update)
        return await _navigate(update, context, application, form_field, action)
    await stale_button(update, context)
    return ACTIVE


async def _close_buttons(update: Update, chosen: str | None = None) -> None:
    """After a button press: remove the buttons, noting the choice under the question."""
    query = update.callback_query
    if query is None:
        return
    await query.answer()
    message = query.message
    if message is None or not getattr(message, "text_html", None):
        return
    text = Markup(message.text_html)  # already HTML: PTB rebuilds it from the entities
    if chosen:
        text += Markup("\n\n➡️ <b>%s</b>") % chosen
    try:
        await query.edit_message_text(text, reply_markup=None)
    except Exception:
        log.debug("could not close the buttons of message %s", message.message_id)


async def other_typed(update: Update, context: BotContext) -> str:
    step = await _current_field(update, context)
    if step is None or not step.field.allow_other:
        return await ask_next(update, context)
    result = parse_other(update.effective_message.text or "")
    if isinstance(result, Problem):
        await context.bot.send_message(update.effective_chat.id, result.text(context.t))
        return OTHER_TEXT
    return await _store(update, context, step.application, step.field, {OTHER: result.value})


# ---- summary, sending, status ---------------------------------------------------------------
async def show_summary(update: Update, context: BotContext, application: Application) -> None:
    t = context.t
    org = context.services.org
    answers = await context.services.applications.answers(application.id)
    text = "\n".join(
        [
            t._("<b>Please check your application</b>"),
            "",
            *answer_lines(org, answers, t, limit=SUMMARY_ANSWER_LIMIT),
            "",
            t._("You can correct any answer, then send the application."),
        ]
    )
    edits = [(t.gettext("✏️ %(label)s", label=f.label.get(t.locale)), cb("ap", "edit", f.id)) for f in org.form]
    rows = [[(t.gettext("📨 Send the application"), cb("ap", "send"))], *_grid(edits, 2)]
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard(rows))


async def _submit(update: Update, context: BotContext, application: Application) -> int:
    services = context.services
    t = context.t
    org = services.org
    answers = await services.applications.answers(application.id)
    missing = [f for f in org.form if f.required and answers.get(f.id) is None]
    if missing:  # e.g. the organisation added a required field since the draft began
        await services.applications.move_cursor(application.id, missing[0].id, now=services.clock())
        await update.callback_query.answer()
        return await ask_next(update, context)
    try:
        submitted = await services.applications.submit(application.id, update.effective_user.id, now=services.clock())
    except TransitionRefused:
        await update.callback_query.answer(t.gettext("This application has already been sent."))
        return END
    await _close_buttons(update)
    await menu_after(
        update,
        context,
        t._(
            "📨 <b>Application sent!</b> Thank you. A coordinator will look at it and you will get "
            "the answer in this chat. You can check its status in the menu at any time."
        ),
    )
    await review.notify_new_application(context, submitted, answers)
    return END


async def show_status(update: Update, context: BotContext, application: Application) -> None:
    t = context.t
    lines = [
        t._("<b>Your application</b>"),
        t._("Status: %(status)s", status=status_name(t, application.status)),
    ]
    if application.submitted_at:
        lines.append(t._("Sent: %(when)s", when=t.datetime(application.submitted_at)))
    rows = []
    if application.status == Status.NEEDS_INFO:
        question = await context.services.applications.last_question(application.id)
        if question is not None:
            lines += ["", t._("The coordinator asks: <i>%(question)s</i>", question=question.note)]
        rows.append([(t.gettext("✍️ Answer the coordinator"), cb("ap", "reply"))])
    if application.status == Status.ACCEPTED:
        lines += [
            "",
            t._("Welcome to the team! 🎉 The coordinator will send you the volunteer agreement."),
        ]
    if application.status in OPEN:
        rows.append([(t.gettext("↩️ Withdraw the application"), cb("ap", "withdraw"))])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def _withdraw(update: Update, context: BotContext, confirmed: bool) -> int:
    t = context.t
    services = context.services
    latest = await services.applications.latest(update.effective_user.id)
    if latest is None or latest.status not in OPEN:
        await update.callback_query.answer(t.gettext("There is no application to withdraw."), show_alert=True)
        return END
    if not confirmed:
        await show(
            update,
            context,
            t._("Do you really want to withdraw your application? You can apply again later."),
            keyboard(
                [
                    [(t.gettext("Yes, withdraw it"), cb("ap", "withdraw", "yes"))],
                    [(t.gettext("No, keep it"), cb("ap", "status"))],
                ]
            ),
        )
        return END
    try:
        await services.applications.withdraw(latest.id, update.effective_user.id, now=services.clock())
    except TransitionRefused:
        await update.callback_query.answer(t.gettext("There is no application to withdraw."), show_alert=True)
        return END
    await update.callback_query.answer()
    await menu_after(update, context, t._("Your application has been withdrawn."))
    return END


async def _start_info_answer(update: Update, context: BotContext) -> str | int:
    t = context.t
    latest = await context.services.applications.latest(update.effective_user.id)
    if latest is None or latest.status != Status.NEEDS_INFO:
        await update.callback_query.answer(t.gettext("The coordinator is not waiting for an answer."), show_alert=True)
        return END
    await update.callback_query.answer()
    await context.bot.send_message(update.effective_chat.id, t._("Please type your answer for the coordinator:"))
    return INFO_ANSWER


async def info_typed(update: Update, context: BotContext) -> int | str:
    t = context.t
    services = context.services
    text = (update.effective_message.text or "").strip()
    if not text:
        await context.bot.send_message(update.effective_chat.id, t._("Please type an answer."))
        return INFO_ANSWER
    if len(text) > 3000:
        await context.bot.send_message(
            update.effective_chat.id,
            t.ngettext(
                "That is too long: please shorten it to %(count)d character (now %(length)d).",
                "That is too long: please shorten it to %(count)d characters (now %(length)d).",
                3000,
                length=len(text),
            ),
        )
        return INFO_ANSWER
    latest = await services.applications.latest(update.effective_user.id)
    try:
        updated = await services.applications.give_info(latest.id, update.effective_user.id, text, now=services.clock())
    except (TransitionRefused, AttributeError):
        await menu_after(update, context, t._("The coordinator is not waiting for an answer."))
        return END
    await menu_after(update, context, t._("Thank you! Your answer has been passed on to the coordinator."))
    await review.notify_info_given(context, updated, text)
    return END


def conversation():
    buttons = CallbackQueryHandler(pressed, pattern=r"^ap:")
    return flow(
        "application",
        entry_points=[
            CommandHandler(["zgloszenie", "apply"], open_application),
            CommandHandler("start", open_application, filters.Regex(r"^/start apply$")),
            CallbackQueryHandler(pressed, pattern=r"^ap:"),
        ],
        states={
            ACTIVE: [
                buttons,
                MessageHandler(filters.CONTACT, shared_contact),
                MessageHandler(filters.TEXT & ~filters.COMMAND, typed),
                MessageHandler(~filters.COMMAND, not_text),
            ],
            OTHER_TEXT: [
                buttons,
                MessageHandler(filters.TEXT & ~filters.COMMAND, other_typed),
                MessageHandler(~filters.COMMAND, not_text),
            ],
            INFO_ANSWER: [
                buttons,
                MessageHandler(filters.TEXT & ~filters.COMMAND, info_typed),
                MessageHandler(~filters.COMMAND, not_text),
            ],
        },
        cancel=cancel,
    )


async def accept_new_rules(update: Update, context: BotContext) -> None:
    """The button under "the rules have changed": records the acceptance of that version."""
    t = context.t
    services = context.services
    version = update.callback_query.data.split(":", 2)[2]
    if version != services.org.rules.version:
        await stale_button(update, context)
        return
    await services.consents.record(update.effective_user.id, RULES, version, True, services.clock())
    await _close_buttons(update, t.gettext("✅ Rules accepted."))
    await menu_after(update, context, t._("Thank you! You have accepted the new rules."))


def rules_handler() -> CallbackQueryHandler:
    return CallbackQueryHandler(accept_new_rules, pattern=r"^rules:accept:")
