"""Deciding on an application: accept (after a confirmation), reject with a typed reason, or ask
the volunteer a typed question. The reason and the question are one-step flows ("rv_reason",
"rv_question"): the application id is in the flow's data, and the role and the application's
status are checked again when the text arrives."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.application import ApplicationButton
from bot.buttons.review import APPLICATIONS, ReviewButton
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, typed_step
from bot.i18n import html_escape
from bot.replies import confirm as confirm_screen
from bot.routing import Routes
from bot.services import Role
from handlers import agreement_admin
from handlers.application_text import status_name
from handlers.common import alert, audit, keyboard, send_safely, stale_button, translator_for
from storage.applications import OPEN, Application, Status, TransitionRefused

log = logging.getLogger(__name__)

REASON_FLOW = "rv_reason"
QUESTION_FLOW = "rv_question"
REASON_LIMIT = 1000


async def application_of(update: Update, context: BotContext, press: ReviewButton) -> Application | None:
    """The application a card's button names, re-read now; a stale-button answer when it is gone."""
    application = None
    if press.application_id is not None:
        application = await context.services.applications.get(press.application_id)
    if application is None or application.status == Status.DRAFT:
        await stale_button(update, context)
        return None
    return application


def _already_text(t, application: Application) -> str:
    return t.gettext(
        "Application #%(id)d has already been dealt with (now: %(status)s).",
        id=application.id,
        status=status_name(t, application.status),
    )


async def _already_decided(update: Update, context: BotContext, application: Application) -> None:
    text = _already_text(context.t, application)
    if update.callback_query:
        await alert(update, text)
    else:
        await context.bot.send_message(update.effective_chat.id, html_escape(text))


# ---- accepting ---------------------------------------------------------------------------------
async def confirm_accept(update: Update, context: BotContext, press: ReviewButton) -> None:
    t = context.t
    application = await application_of(update, context, press)
    if application is None:
        return
    if application.status not in OPEN:
        await _already_decided(update, context, application)
        return
    await confirm_screen(
        update,
        context,
        t._("Accept application #%(id)d? The volunteer will be told at once.", id=application.id),
        yes=(t.gettext("✅ Yes, accept"), ReviewButton(act="ay", application_id=application.id).pack()),
        no=(t.gettext("Cancel"), ReviewButton(act="o", application_id=application.id).pack()),
    )


async def accept(update: Update, context: BotContext, press: ReviewButton) -> None:
    t = context.t
    services = context.services
    application = await application_of(update, context, press)
    if application is None:
        return
    coordinator_id = update.effective_user.id
    try:
        async with services.db.transaction():
            decided = await services.applications.decide(
                application.id, coordinator_id, True, None, now=services.clock()
            )
            await audit(context, coordinator_id, "application.accepted", f"application:{decided.id}")
    except TransitionRefused:
        await _already_decided(update, context, await services.applications.get(application.id) or application)
        return
    await update.callback_query.answer()
    rows = [[(t.gettext("« Applications"), APPLICATIONS)]]
    prepare = await agreement_admin.on_application_accepted(context, decided, coordinator_id)
    if prepare is not None:  # the agreement starts here: a draft is ready for the coordinator
        rows.insert(0, [prepare])
    done = t._("✅ Application #%(id)d accepted.", id=decided.id)
    await context.bot.send_message(update.effective_chat.id, done, reply_markup=keyboard(rows))
    await tell_volunteer(context, decided, accepted=True, reason=None)


async def tell_volunteer(context: BotContext, application: Application, *, accepted: bool, reason: str | None) -> None:
    t = await translator_for(context.services, application.telegram_id)
    programme = context.services.org.programme.name.get(t.locale)
    if accepted:
        text = t._(
            "🎉 <b>Congratulations!</b> Your application to %(programme)s has been accepted. "
            "The coordinator will send you the volunteer agreement soon.",
            programme=programme,
        )
    else:
        text = t._(
            "Thank you for applying to %(programme)s. Unfortunately we cannot accept your application this time.",
            programme=programme,
        )
        if reason:
            text += "\n\n" + t._("The coordinator's explanation: <i>%(reason)s</i>", reason=reason)
    markup = keyboard([[(t.gettext("📝 My application"), ApplicationButton(act="status").pack())]])
    await send_safely(context.bot, context.services, application.telegram_id, text, markup)


# ---- a typed reason or question ------------------------------------------------------------------
async def _start_typing(update: Update, context: BotContext, press: ReviewButton, flow: str, allowed) -> None:
    application = await application_of(update, context, press)
    if application is None:
        return
    if application.status not in allowed:
        await _already_decided(update, context, application)
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, flow, {"app": application.id})


async def ask_reason(update: Update, context: BotContext, press: ReviewButton) -> None:
    await _start_typing(update, context, press, REASON_FLOW, OPEN)


async def ask_question(update: Update, context: BotContext, press: ReviewButton) -> None:
    await _start_typing(update, context, press, QUESTION_FLOW, (Status.SUBMITTED,))


async def _reason_prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "Why is application #%(id)d not accepted? Your explanation will be sent to "
            "the volunteer. (/anuluj to stop)",
            id=run.data["app"],
        )
    )


async def _question_prompt(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "What would you like to ask the author of application #%(id)d? (/anuluj to stop)",
            id=run.data["app"],
        )
    )


def _refused(run: FlowRun) -> End | None:
    """The role is checked again when the text arrives (it may have been taken away meanwhile)."""
    if run.context.role >= Role.COORDINATOR:
        return None
    log.warning("user %s typed a review text without the coordinator role", run.user_id)
    return End(html_escape(run.t.gettext("This is only available to coordinators.")))


async def _not_any_more(run: FlowRun) -> End:
    application = await run.services.applications.get(run.data["app"])
    if application is None:
        return End(run.t._("This application does not exist any more."))
    return End(html_escape(_already_text(run.t, application)))


async def _rejected(run: FlowRun, reason: str) -> End:
    """In the step's transaction: the decision, its audit entry and the flow's end, together."""
    refused = _refused(run)
    if refused is not None:
        return refused
    services, context = run.services, run.context
    try:
        decided = await services.applications.decide(run.data["app"], run.user_id, False, reason, now=services.clock())
    except TransitionRefused:
        return await _not_any_more(run)
    await audit(context, run.user_id, "application.rejected", f"application:{decided.id}")
    chat_id = run.update.effective_chat.id
    done = run.t._("❌ Application #%(id)d not accepted.", id=decided.id)
    back = keyboard([[(run.t.gettext("« Applications"), APPLICATIONS)]])

    async def after() -> None:
        await context.bot.send_message(chat_id, done, reply_markup=back)
        await tell_volunteer(context, decided, accepted=False, reason=reason)

    return End(None, after=after)


async def _asked(run: FlowRun, question: str) -> End:
    refused = _refused(run)
    if refused is not None:
        return refused
    services, context = run.services, run.context
    try:
        asked = await services.applications.request_info(run.data["app"], run.user_id, question, now=services.clock())
    except TransitionRefused:
        return await _not_any_more(run)
    await audit(context, run.user_id, "application.info_requested", f"application:{asked.id}")
    chat_id = run.update.effective_chat.id
    sent = run.t._("❓ Your question has been sent. You will get the answer here.")
    back = keyboard([[(run.t.gettext("« Applications"), APPLICATIONS)]])

    async def after() -> None:
        await context.bot.send_message(chat_id, sent, reply_markup=back)
        vt = await translator_for(services, asked.telegram_id)
        await send_safely(
            context.bot,
            services,
            asked.telegram_id,
            vt._(
                "A coordinator asks for more information about your application:\n\n<i>%(question)s</i>",
                question=question,
            ),
            keyboard([[(vt.gettext("✍️ Answer the coordinator"), ApplicationButton(act="reply").pack())]]),
        )

    return End(None, after=after)


def _stopped(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been changed.")


REASON = Flow(
    REASON_FLOW,
    lambda run: [typed_step("reason", _reason_prompt, REASON_LIMIT, _rejected)],
    cancelled=_stopped,
)
QUESTION = Flow(
    QUESTION_FLOW,
    lambda run: [typed_step("question", _question_prompt, REASON_LIMIT, _asked)],
    cancelled=_stopped,
)


def register(routes: Routes) -> None:
    routes.flow(REASON)
    routes.flow(QUESTION)
