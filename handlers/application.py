"""Applying to the team: opening the form (handlers/application_form.py), a draft found, the
status, withdrawing, and answering a coordinator's question."""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.application import AcceptNewRules, ApplicationButton
from bot.buttons.menu import MAIN_MENU
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, typed_step
from bot.flow_render import close_pressed
from bot.replies import confirm
from bot.routing import Routes
from handlers import application_form, review
from handlers.application_text import status_name
from handlers.common import alert, keyboard, show, stale_button
from handlers.menu import deep_link, menu_after
from storage.applications import OPEN, Application, Status, TransitionRefused
from storage.consents import RULES

log = logging.getLogger(__name__)

ANSWER_LIMIT = 3000
INFO_FLOW = "ai"


def _button(act: str, confirm: str | None = None) -> str:
    return ApplicationButton(act=act, confirm=confirm).pack()


# ---- entering --------------------------------------------------------------------------------
async def open_application(update: Update, context: BotContext, *, new: bool = False) -> None:
    """/zgloszenie, the menu button and t.me/<bot>?start=apply. After a rejection the decision
    and its reason come first, with "Send a new application" (`new`: that button was pressed)."""
    latest = await context.services.applications.latest(update.effective_user.id)
    shown_first = (*OPEN, Status.ACCEPTED) if new else (*OPEN, Status.ACCEPTED, Status.REJECTED)
    if latest is not None and latest.status in shown_first:
        await show_status(update, context, latest)
        return
    if latest is not None and latest.status == Status.DRAFT:
        answers = await context.services.applications.answers(latest.id)
        if answers:
            t = context.t
            await show(
                update,
                context,
                t.ngettext(
                    "You have started an application (%(count)d answer so far). Continue where you stopped, "
                    "or start over?",
                    "You have started an application (%(count)d answers so far). Continue where you "
                    "stopped, or start over?",
                    len(answers),
                ),
                keyboard(
                    [
                        [(t.gettext("▶️ Continue"), _button("cont"))],
                        [(t.gettext("🔄 Start over"), _button("restart"))],
                        [(t.gettext("🗑 Delete the draft"), _button("delete"))],
                    ]
                ),
            )
            return
    await _answer_press(update)
    await application_form.open_form(update, context, intro=True)


@deep_link("apply")
async def apply_link(update: Update, context: BotContext, argument: str) -> None:
    await open_application(update, context)


async def _answer_press(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


async def pressed(update: Update, context: BotContext, press: ApplicationButton) -> None:
    await _ACTIONS[press.act](update, context, press)


async def _continue(update: Update, context: BotContext, press: ApplicationButton) -> None:
    latest = await context.services.applications.latest(update.effective_user.id)
    if latest is None or latest.status != Status.DRAFT:
        await open_application(update, context)
        return
    await close_pressed(update, None)
    await application_form.open_form(update, context, intro=False)


async def _restart(update: Update, context: BotContext, press: ApplicationButton) -> None:
    services = context.services
    latest = await services.applications.latest(update.effective_user.id)
    if latest is not None and latest.status != Status.DRAFT:  # a button of a draft sent since
        await open_application(update, context)
        return
    if latest is not None:
        await services.applications.restart_draft(latest.id, services.org.form[0].id, now=services.clock())
    await close_pressed(update, None)
    await application_form.open_form(update, context, intro=False)


async def _delete(update: Update, context: BotContext, press: ApplicationButton) -> None:
    latest = await context.services.applications.latest(update.effective_user.id)
    if latest is None or latest.status != Status.DRAFT:  # nothing to delete (any more)
        await open_application(update, context)
        return
    await context.services.applications.delete_draft(latest.id, update.effective_user.id)
    await close_pressed(update, None)
    await menu_after(update, context, context.t._("The draft has been deleted with all its answers."))


async def _status(update: Update, context: BotContext, press: ApplicationButton) -> None:
    latest = await context.services.applications.latest(update.effective_user.id)
    if latest is None:
        await open_application(update, context)
        return
    await show_status(update, context, latest)


async def _open(update: Update, context: BotContext, press: ApplicationButton) -> None:
    await open_application(update, context, new=press.confirm == "yes")


# ---- status, withdrawing ----------------------------------------------------------------------
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
        rows.append([(t.gettext("✍️ Answer the coordinator"), _button("reply"))])
    if application.status == Status.REJECTED:
        if application.decision_note:
            lines += ["", t._("The coordinator's explanation: <i>%(reason)s</i>", reason=application.decision_note)]
        # "open" confirmed: a new form even though the latest application was decided
        rows.append([(t.gettext("📝 Send a new application"), _button("open", "yes"))])
    if application.status == Status.ACCEPTED:
        lines += [
            "",
            t._("Welcome to the team! 🎉 The coordinator will send you the volunteer agreement."),
        ]
    if application.status in OPEN:
        rows.append([(t.gettext("↩️ Withdraw the application"), _button("withdraw"))])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def _withdraw(update: Update, context: BotContext, press: ApplicationButton) -> None:
    t = context.t
    services = context.services
    latest = await services.applications.latest(update.effective_user.id)
    if latest is None or latest.status not in OPEN:
        await alert(update, t.gettext("There is no application to withdraw."))
        return
    if press.confirm != "yes":
        await confirm(
            update,
            context,
            t._("Do you really want to withdraw your application? You can apply again later."),
            (t.gettext("Yes, withdraw it"), _button("withdraw", "yes")),
            (t.gettext("No, keep it"), _button("status")),
        )
        return
    try:
        await services.applications.withdraw(latest.id, update.effective_user.id, now=services.clock())
    except TransitionRefused:
        await alert(update, t.gettext("There is no application to withdraw."))
        return
    await _answer_press(update)
    await menu_after(update, context, t._("Your application has been withdrawn."))


# ---- answering a coordinator's question ----------------------------------------------------------
async def _reply(update: Update, context: BotContext, press: ApplicationButton) -> None:
    latest = await context.services.applications.latest(update.effective_user.id)
    if latest is None or latest.status != Status.NEEDS_INFO:
        await alert(update, context.t.gettext("The coordinator is not waiting for an answer."))
        return
    await _answer_press(update)
    await context.flows.start(update, context, INFO_FLOW, {"app": latest.id})


async def _ask_info(run: FlowRun) -> Prompt:
    return Prompt(run.t._("Please type your answer for the coordinator:"))


async def _info_given(run: FlowRun, text: str) -> End:
    services = run.services
    try:
        updated = await services.applications.give_info(run.data["app"], run.user_id, text, now=services.clock())
    except TransitionRefused:
        return End(run.t._("The coordinator is not waiting for an answer."))

    async def notify() -> None:
        await review.notify_info_given(run.context, updated, text)

    return End(run.t._("Thank you! Your answer has been passed on to the coordinator."), after=notify)


INFO = Flow(INFO_FLOW, lambda run: [typed_step("answer", _ask_info, ANSWER_LIMIT, _info_given)])


# ---- new rules --------------------------------------------------------------------------------
async def accept_new_rules(update: Update, context: BotContext, press: AcceptNewRules) -> None:
    """The button under "the rules have changed": records the acceptance of that version."""
    t = context.t
    services = context.services
    if press.version != services.org.rules.version:
        await stale_button(update, context)
        return
    await services.consents.record(update.effective_user.id, RULES, press.version, True, services.clock())
    await close_pressed(update, t.gettext("✅ Rules accepted."))
    await menu_after(update, context, t._("Thank you! You have accepted the new rules."))


_ACTIONS = {
    "open": _open,
    "cont": _continue,
    "restart": _restart,
    "delete": _delete,
    "status": _status,
    "withdraw": _withdraw,
    "reply": _reply,
}


def register(routes: Routes) -> None:
    routes.flow(application_form.FLOW)
    routes.flow(INFO)
    routes.press(ApplicationButton, pressed)
    routes.press(AcceptNewRules, accept_new_rules)
    routes.command(["zgloszenie", "apply"], open_application)
