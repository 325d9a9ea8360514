"""Putting right what went wrong on a sent application: a coordinator corrects an answer ("rv_fix":
the list of answers, then the form's own question and validation for the one chosen), or undoes a
decision taken by mistake ("rv_undo": a typed reason). Each change goes into the application's
history and the audit log, and the volunteer is told what changed."""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from telegram import Update

from bot.buttons.review import ReviewButton
from bot.context import BotContext
from bot.flow import SUMMARY, TYPED, Choice, End, Flow, FlowRun, Prompt, Step, typed_step
from bot.forms import display
from bot.i18n import html_escape
from bot.organisation import FormField
from bot.services import Role
from handlers.application_text import status_name
from handlers.common import alert, audit, keyboard, send_safely, translator_for
from handlers.review_decisions import REASON_LIMIT, application_of
from storage.agreements import State
from storage.applications import Application, Status, TransitionRefused

log = logging.getLogger(__name__)

FIX_FLOW = "rv_fix"
UNDO_FLOW = "rv_undo"
DECIDED = (Status.ACCEPTED, Status.REJECTED)
# An agreement past its draft binds both sides: it is ended first, then the acceptance undone.
_BINDING = (State.OFFERED, State.ACCEPTED, State.SIGNED, State.ACTIVE)


def _card(t, application_id: int):
    return keyboard(
        [[(t.gettext("« Back to the application"), ReviewButton(act="o", application_id=application_id).pack())]]
    )


def _refused(run: FlowRun) -> End | None:
    """The role is checked again when the answer arrives (it may have been taken away meanwhile)."""
    if run.context.role >= Role.COORDINATOR:
        return None
    log.warning("user %s corrected an application without the coordinator role", run.user_id)
    return End(html_escape(run.t.gettext("This is only available to coordinators.")))


def _stopped(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been changed.")


# ---- correcting an answer ---------------------------------------------------------------------------
def _correctable(org) -> dict[str, FormField]:
    """Every field but a gate that must be "yes" (an application with "no" there could not be sent)."""
    return {f.id: f for f in org.form if not f.must_be_yes}


def shown(org, form_field: FormField, value: Any, t) -> str:
    return t.gettext("— (no answer)") if value is None else display(org, form_field, value, t)


async def start_fix(update: Update, context: BotContext, press: ReviewButton) -> None:
    application = await application_of(update, context, press)
    if application is None:
        return
    await update.callback_query.answer()
    answers = await context.services.applications.answers(application.id)
    data = {"app": application.id, "answers": answers}
    await context.flows.start(update, context, FIX_FLOW, data, step=SUMMARY)  # the list of answers first


def _fix_steps(run: FlowRun) -> list[Step]:
    """The form's own step for each field (its question, buttons and validation), asked of the
    coordinator: typed only (the phone button would share the coordinator's own number), unnumbered,
    and ending the flow with the correction."""
    from handlers import application_form  # it imports handlers.review, which imports this module

    fields = _correctable(run.services.org)
    return [
        replace(step, ask=_for_coordinator(step), takes=TYPED, next=None, done=_corrected, numbered=False, confirm=None)
        for step in application_form.FLOW.steps(run)
        if step.id in fields
    ]


def _for_coordinator(step: Step):
    async def ask(run: FlowRun) -> Prompt:
        prompt = await step.ask(run)
        form_field = _correctable(run.services.org)[step.id]
        header = run.t._(
            "✏️ <b>Application #%(id)d</b> · correcting: %(label)s",
            id=run.data.get("app", 0),
            label=form_field.label.get(run.t.locale),
        )
        return replace(prompt, text=f"{header}\n\n{prompt.text}", contact_button=None, numbered=False)

    return ask


async def _fix_summary(run: FlowRun) -> Prompt:
    t = run.t
    text = t._(
        "<b>Application #%(id)d</b>\nWhich answer would you like to correct? The volunteer will be told what changed.",
        id=run.data["app"],
    )
    return Prompt(text, actions=[Choice(t.gettext("« Back to the application"), "card")])


async def _fix_act(run: FlowRun, action: str) -> End:
    """The summary's one action: back to the card, nothing changed."""
    update, context, application_id = run.update, run.context, run.data["app"]

    async def card() -> None:
        from handlers.review import open_one  # the card's module registers this one

        await open_one(update, context, ReviewButton(act="o", application_id=application_id))

    return End(None, after=card)


async def _corrected(run: FlowRun, value: Any) -> End:
    """In the step's transaction: the answer, its history entry, the audit entry and the flow's end."""
    refused = _refused(run)
    if refused is not None:
        return refused
    t, services, context = run.t, run.services, run.context
    org = services.org
    application = await services.applications.get(run.data["app"])
    form_field = _correctable(org).get(run.state.step if run.state else "")
    if application is None or application.status == Status.DRAFT or form_field is None:
        return End(t._("This application does not exist any more."))
    chat_id = run.update.effective_chat.id
    was = (await services.applications.answers(application.id)).get(form_field.id)
    if was == value:

        async def unchanged() -> None:
            await context.bot.send_message(
                chat_id, t._("Nothing has changed: the answer is the same."), reply_markup=_card(t, application.id)
            )

        return End(None, after=unchanged)
    await services.applications.fix_answer(application.id, run.user_id, form_field.id, value, was, services.clock())
    await audit(context, run.user_id, "application.corrected", f"application:{application.id}", field=form_field.id)

    def change(tr) -> dict[str, str]:
        return {
            "label": form_field.label.get(tr.locale),
            "was": shown(org, form_field, was, tr),
            "now": shown(org, form_field, value, tr),
        }

    async def after() -> None:
        done = t._(
            "✏️ Corrected in application #%(id)d:\n<b>%(label)s</b>: %(was)s → %(now)s", id=application.id, **change(t)
        )
        await context.bot.send_message(chat_id, done, reply_markup=_card(t, application.id))
        vt = await translator_for(services, application.telegram_id)
        told = vt._(
            "✏️ A coordinator corrected an answer in your application:\n<b>%(label)s</b>: %(was)s → %(now)s",
            **change(vt),
        )
        await send_safely(context.bot, services, application.telegram_id, told)

    return End(None, after=after)


# ---- undoing a decision ---------------------------------------------------------------------------
async def _undo_refusal(context: BotContext, application: Application) -> str | None:
    """Why this decision cannot be undone now, or None."""
    t, services = context.t, context.services
    if application.status not in DECIDED:
        return t.gettext(
            "There is no decision to undo on application #%(id)d (now: %(status)s).",
            id=application.id,
            status=status_name(t, application.status),
        )
    if await services.applications.newer_in_progress(application):
        return t.gettext("This person has a newer application (sent or being filled in): deal with that one.")
    if application.status == Status.ACCEPTED:
        agreements = await services.agreements.for_volunteer(application.telegram_id)
        if any(a.state in _BINDING for a in agreements):
            return t.gettext(
                "An agreement has already been offered to this person: end it first (Agreements), "
                "then undo the decision."
            )
    return None


async def start_undo(update: Update, context: BotContext, press: ReviewButton) -> None:
    application = await application_of(update, context, press)
    if application is None:
        return
    refusal = await _undo_refusal(context, application)
    if refusal is not None:
        await alert(update, refusal)
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, UNDO_FLOW, {"app": application.id})


async def _undo_prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "Why should the decision on application #%(id)d be undone? It goes back to the new applications, "
            "and the volunteer gets your explanation. (/anuluj to stop)",
            id=run.data["app"],
        )
    )


async def _undone(run: FlowRun, reason: str) -> End:
    """In the step's transaction: the application back among the new ones, its history and audit entries."""
    refused = _refused(run)
    if refused is not None:
        return refused
    t, services, context = run.t, run.services, run.context
    application = await services.applications.get(run.data["app"])
    if application is None:
        return End(t._("This application does not exist any more."))
    refusal = await _undo_refusal(context, application)
    if refusal is not None:
        return End(html_escape(refusal))
    try:
        reopened = await services.applications.reopen(application.id, run.user_id, reason, now=services.clock())
    except TransitionRefused:  # decided or reopened by someone else a moment ago
        return End(t._("This application does not exist any more."))
    cancelled = 0
    if application.status == Status.ACCEPTED:  # the draft agreement made on acceptance goes with it
        now = services.clock()
        for agreement in await services.agreements.for_volunteer(application.telegram_id):
            if agreement.state == State.DRAFT:
                today = now.astimezone(services.settings.tz).date()
                await services.agreements.end(agreement.id, run.user_id, reason, today, (State.DRAFT,), now)
                cancelled += 1
    await audit(
        context,
        run.user_id,
        "application.decision_undone",
        f"application:{reopened.id}",
        was=str(application.status),
        drafts_cancelled=cancelled,
    )
    chat_id = run.update.effective_chat.id

    async def after() -> None:
        done = t._(
            "↩️ The decision on application #%(id)d has been undone: it is among the new ones again.", id=reopened.id
        )
        await context.bot.send_message(chat_id, done, reply_markup=_card(t, reopened.id))
        vt = await translator_for(services, reopened.telegram_id)
        told = vt._(
            "↩️ The decision on your application to %(programme)s has been withdrawn: it was taken by mistake. "
            "A coordinator will look at your application again.\n\nThe explanation: <i>%(reason)s</i>",
            programme=services.org.programme.name.get(vt.locale),
            reason=reason,
        )
        await send_safely(context.bot, services, reopened.telegram_id, told)

    return End(None, after=after)


FIX = Flow(FIX_FLOW, _fix_steps, summary=_fix_summary, act=_fix_act, cancelled=_stopped)
UNDO = Flow(UNDO_FLOW, lambda run: [typed_step("reason", _undo_prompt, REASON_LIMIT, _undone)], cancelled=_stopped)
