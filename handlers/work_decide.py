"""Confirming logged work: the organisation's contact (or a coordinator, asked when the organisation
has not answered in time: bot/jobs/work_logs.py) presses "✅ I confirm", "✏️ Correct" (new hours
and a reason, flow "wl_fix") or "❌ Reject" (a reason, flow "wl_rej"). Each press is checked on the
server: the log exists, the person is a contact of THAT organisation now or a coordinator, and the
log still waits (a second decision gets a clear answer and changes nothing). Confirmed hours go into
the hours ledger in the transaction of the decision; the expert is told."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot import hours_text, work_text
from bot.buttons.work_logs import MY_WORK, WorkDecide
from bot.context import BotContext
from bot.flow import Accepted, End, Flow, FlowRun, Problem, Prompt, Step, typed_step
from bot.i18n import N_
from bot.replies import keyboard, show
from bot.sending import tell
from bot.services import Role
from handlers.common import alert, audit
from handlers.work_log import PROBLEMS, read_hours
from storage.hours import HoursRefused
from storage.work_logs import CONFIRMED, Decided, WorkLog

log_ = logging.getLogger(__name__)
FIX, REJECT = "wl_fix", "wl_rej"
REASON_LIMIT = 1000


async def decider(context: BotContext, log: WorkLog, user_id: int) -> str | None:
    """'organisation' for a contact of the log's organisation, 'coordinator' for a coordinator, else None."""
    services = context.services
    assignment = await services.work_logs.assignment(log.assignment_id)
    if assignment is not None and await services.organisations.contact(assignment.organisation_id, user_id):
        return "organisation"
    if await services.role_of(user_id) >= Role.COORDINATOR:
        return "coordinator"
    return None


def _already(t, log: WorkLog | None) -> str:
    if log is None:
        return t.gettext("This button is no longer valid. Type /start for the menu.")
    return t.gettext(
        "This work has already been decided: %(state)s. Nothing was changed.", state=work_text.state_text(t, log)
    )


async def _checked(update: Update, context: BotContext, log_id: int) -> tuple[WorkLog, str] | None:
    t = context.t
    log = await context.services.work_logs.get(log_id)
    if log is None:
        await alert(update, _already(t, None))
        return None
    if update.effective_user.id == log.telegram_id:  # also a contact or a coordinator: still their own work
        await alert(update, t.gettext("You cannot confirm your own work: the organisation or a coordinator will."))
        return None
    who = await decider(context, log, update.effective_user.id)
    if who is None:
        log_.warning("user %s pressed a decision on work log %s", update.effective_user.id, log_id)
        await alert(update, t.gettext("Only the organisation's contact person or a coordinator can confirm this work."))
        return None
    if log.state != "waiting":
        await alert(update, _already(t, log))
        return None
    return log, who


async def pressed(update: Update, context: BotContext, press: WorkDecide) -> None:
    checked = await _checked(update, context, press.log)
    if checked is None:
        return
    log, who = checked
    if press.act == "fix":
        await update.callback_query.answer()
        await context.flows.start(update, context, FIX, {"log": log.id})
        return
    if press.act == "no":
        await update.callback_query.answer()
        await context.flows.start(update, context, REJECT, {"log": log.id})
        return
    outcome = await decide(context, update.effective_user.id, log, who, confirm=True)
    if isinstance(outcome, str):
        await alert(update, outcome)
        return
    t = context.t
    text = t._(
        "✅ <b>Confirmed: %(hours)s</b> on %(day)s. Thank you!",
        hours=hours_text.hours(t, outcome.hours),
        day=t.date(outcome.day, "dd.MM.y"),
    )
    await show(update, context, text, None)
    await tell_expert(context, outcome)


async def decide(
    context: BotContext, user_id: int, log: WorkLog, who: str, *, confirm: bool, hours=None, note=None
) -> WorkLog | str:
    """The decision, audit-logged in its transaction; a text (for the person) when it cannot be made."""
    services, t = context.services, context.t
    try:
        async with services.db.transaction():
            decided = await services.work_logs.decide(
                log.id, confirm=confirm, by=user_id, as_=who, now=services.clock(), hours=hours, note=note
            )
            action = "work_log.confirmed" if confirm else "work_log.rejected"
            await audit(context, user_id, action, f"work_log:{log.id}", by=who, hours=decided.confirmed_hours)
    except Decided as changed:
        return _already(t, await services.work_logs.get(log.id) if changed.state else None)
    except HoursRefused as refused:
        return t.gettext(PROBLEMS[refused.problem])
    return decided


async def tell_expert(context: BotContext, log: WorkLog) -> None:
    def compose(et):
        day = et.date(log.day, "dd.MM.y")
        if log.state == CONFIRMED and log.confirmed_hours is not None and abs(log.confirmed_hours - log.hours) > 1e-9:
            text = et._(
                "✏️ Your work of %(day)s was confirmed with corrected hours: %(hours)s (you logged %(logged)s).\n"
                "Reason: <i>%(note)s</i>",
                day=day,
                hours=hours_text.hours(et, log.confirmed_hours),
                logged=hours_text.hours(et, log.hours),
                note=log.note or "—",
            )
        elif log.state == CONFIRMED:
            text = et._(
                "✅ Your work of %(day)s was confirmed: %(hours)s.", day=day, hours=hours_text.hours(et, log.hours)
            )
        else:
            text = et._(
                "❌ Your work of %(day)s was not confirmed.\nReason: <i>%(note)s</i>", day=day, note=log.note or "—"
            )
        return text, keyboard([[(et.gettext("🧾 My support work"), MY_WORK)]])

    await tell(context.bot, context.services, log.telegram_id, compose)


# ---- correcting and rejecting -------------------------------------------------------------------
async def _ask_hours(run: FlowRun) -> Prompt:
    log = await run.services.work_logs.get(run.data["log"])
    logged = hours_text.hours(run.t, log.hours) if log else "—"
    return Prompt(run.t._("The expert logged %(hours)s. How many hours should count?", hours=logged))


async def _read_hours(run: FlowRun, message: Message) -> Accepted | Problem:
    hours = read_hours(message.text or "")
    if hours is None or hours <= 0:
        return Problem(N_("Please type the hours as a number greater than zero, e.g. 2 or 1,5."))
    if hours > 24:
        return Problem(N_("That is more than 24 hours in one day, counting what you already logged that day."))
    return Accepted(hours)


async def _ask_reason(run: FlowRun) -> Prompt:
    if run.flow.name == FIX:
        return Prompt(run.t._("Why are you correcting the hours? The expert will read it."))
    return Prompt(run.t._("Why is this work not confirmed? The expert will read it."))


async def _done(run: FlowRun, reason: str) -> End:
    context, t = run.context, run.t
    log = await run.services.work_logs.get(run.data["log"])
    who = await decider(context, log, run.user_id) if log else None
    if log is None or who is None or log.state != "waiting":
        return End(
            _already(t, log)
            if who or log is None
            else t._("Only the organisation's contact person or a coordinator can confirm this work.")
        )
    fixing = run.flow.name == FIX
    hours = run.answers.get("hours") if fixing else None
    outcome = await decide(context, run.user_id, log, who, confirm=fixing, hours=hours, note=reason)
    if isinstance(outcome, str):
        return End(outcome)

    async def after() -> None:
        await tell_expert(context, outcome)

    if fixing:
        return End(
            t._(
                "✏️ Confirmed with corrected hours: %(hours)s. The expert has been told.",
                hours=hours_text.hours(t, outcome.confirmed_hours),
            ),
            after=after,
        )
    return End(t._("❌ Not confirmed. The expert has been told the reason."), after=after)


def _cancelled(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing was changed.")


FIX_FLOW = Flow(
    FIX,
    lambda run: [
        Step("hours", _ask_hours, frozenset({"text"}), read=_read_hours),
        typed_step("reason", _ask_reason, REASON_LIMIT, _done),
    ],
    cancelled=_cancelled,
)
REJECT_FLOW = Flow(REJECT, lambda run: [typed_step("reason", _ask_reason, REASON_LIMIT, _done)], cancelled=_cancelled)
