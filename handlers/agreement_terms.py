"""The terms a coordinator types for an agreement, each a flow: the period ("gap", typed or one
of the usual lengths), the scope of work ("gas"), and ending it with a reason ("gae", then
confirmed). Each flow keeps only the agreement's id; the agreement is re-read, and the role
re-checked, in the transaction that applies the answer."""

from __future__ import annotations

from datetime import date

from telegram import Message, Update

from bot.agreement_facts import number, today
from bot.agreements import REASON_LIMIT, SCOPE_LIMIT, default_period, parse_period
from bot.buttons.agreements import MY_AGREEMENT, AgreementAdmin
from bot.context import BotContext
from bot.flow import BUTTONS_ONLY, Accepted, Choice, End, Flow, FlowRun, Problem, Prompt, Step, question, typed_step
from bot.i18n import N_
from bot.routing import Routes
from bot.services import Role
from handlers.agreement_admin_card import agreement_from, refused, show_card
from handlers.agreement_text import state_name
from handlers.common import audit, keyboard, send_safely, translator_for
from storage.agreements import COORDINATOR_MAY_END, Agreement, State, TransitionRefused

PERIOD, SCOPE, ENDING = "gap", "gas", "gae"
PRESET_MONTHS = (1, 3, 6, 12)


async def _start(update: Update, context: BotContext, press: AgreementAdmin, flow: str, allowed) -> None:
    agreement = await agreement_from(update, context, press)
    if agreement is None:
        return
    if agreement.state not in allowed:
        await refused(update, context, agreement.id)
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, flow, {"id": agreement.id})


async def start_period(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    await _start(update, context, press, PERIOD, (State.DRAFT,))


async def start_scope(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    await _start(update, context, press, SCOPE, (State.DRAFT,))


async def start_ending(update: Update, context: BotContext, press: AgreementAdmin) -> None:
    await _start(update, context, press, ENDING, COORDINATOR_MAY_END)


def _not_coordinator(run: FlowRun) -> End | None:
    """The role again, when the answer is applied (it may have been taken away meanwhile)."""
    return None if run.context.role >= Role.COORDINATOR else End(run.t._("This is only available to coordinators."))


def _show_after(run: FlowRun, agreement: Agreement, *, new_message: bool = True):
    async def show() -> None:
        await show_card(run.update, run.context, agreement, new_message=new_message)

    return show


# ---- the period ----------------------------------------------------------------------------------
async def _ask_period(run: FlowRun) -> Prompt:
    t = run.t
    months = sorted({*PRESET_MONTHS, run.services.org.agreement.default_months})
    return Prompt(
        t._(
            "Type the period, e.g. 1.12.2026 – 31.05.2027, or choose below. Over 30 days the "
            "agreement needs written form. (/anuluj to stop)"
        ),
        choices=[Choice(t.ungettext("%(count)d month", "%(count)d months", n), str(n)) for n in months],
        columns=len(months),
    )


async def _read_period(run: FlowRun, message: Message) -> Accepted | Problem:
    result = parse_period(message.text or "", today(run.services))
    return Accepted([d.isoformat() for d in result]) if isinstance(result, tuple) else result


async def _pick_months(run: FlowRun, value: str) -> Accepted | Problem:
    agreement = await run.services.agreements.get(run.data.get("id", 0))
    if agreement is None:
        return Problem(N_("This button is no longer valid. Type /start for the menu."))
    start = max(agreement.start_date, today(run.services))
    _, end = default_period(start, int(value))
    return Accepted([start.isoformat(), end.isoformat()])


async def _set_period(run: FlowRun, value: list[str]) -> End:
    services = run.services
    refusal = _not_coordinator(run)
    if refusal is not None:
        return refusal
    start, end = (date.fromisoformat(v) for v in value)
    try:
        changed = await services.agreements.set_period(run.data["id"], start, end, run.user_id, services.clock())
    except TransitionRefused:
        return End(run.t._("This agreement can no longer be changed."))
    return End(None, after=_show_after(run, changed))


# ---- the scope -----------------------------------------------------------------------------------
_ask_scope = question(N_("Type the scope of work as it should appear in the agreement (in Polish). (/anuluj to stop)"))


async def _set_scope(run: FlowRun, scope: str) -> End:
    services = run.services
    refusal = _not_coordinator(run)
    if refusal is not None:
        return refusal
    try:
        changed = await services.agreements.set_scope(run.data["id"], scope, run.user_id, services.clock())
    except TransitionRefused:
        return End(run.t._("This agreement can no longer be changed."))
    return End(None, after=_show_after(run, changed))


# ---- ending ----------------------------------------------------------------------------------------
async def _ask_reason(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "Why does agreement #%(id)d end? The volunteer will see the reason. (/anuluj to stop)",
            id=run.data.get("id", 0),
        )
    )


async def _ask_confirm(run: FlowRun) -> Prompt:
    t = run.t
    return Prompt(
        t._(
            "End agreement #%(id)d today? Reason: <i>%(reason)s</i>",
            id=run.data.get("id", 0),
            reason=run.answers.get("reason") or "",
        ),
        choices=[Choice(t.gettext("⏹ Yes, end it"), "yes"), Choice(t.gettext("Cancel"), "no")],
        columns=2,
    )


async def _end(run: FlowRun, value: str) -> End:
    t = run.t
    services = run.services
    refusal = _not_coordinator(run)
    if refusal is not None:
        return refusal
    before = await services.agreements.get(run.data["id"])
    if before is None:
        return End(t._("This agreement can no longer be changed."))
    if value != "yes":
        return End(None, after=_show_after(run, before, new_message=False))
    reason = run.answers["reason"]
    try:
        ended = await services.agreements.end(
            before.id, run.user_id, reason, today(services), COORDINATOR_MAY_END, services.clock()
        )
    except TransitionRefused:
        return End(
            t._(
                "Agreement #%(id)d is now: %(state)s. This is not possible any more.",
                id=before.id,
                state=state_name(t, before.state),
            )
        )
    await audit(run.context, run.user_id, "agreement.ended", f"agreement:{ended.id}")
    show = _show_after(run, ended)

    async def tell_volunteer() -> None:
        await show()
        if before.state == State.DRAFT:
            return  # the volunteer never saw a draft
        vt = await translator_for(services, ended.telegram_id)
        await send_safely(
            run.context.bot,
            services,
            ended.telegram_id,
            vt._(
                "Your volunteer agreement no. %(number)s has been ended by the coordinator as of %(date)s.\n"
                "Reason: <i>%(reason)s</i>",
                number=number(services, ended),
                date=vt.date(ended.ended_on),
                reason=reason,
            ),
            keyboard([[(vt.gettext("📄 My agreement"), MY_AGREEMENT)]]),
        )

    return End(None, after=tell_volunteer)


PERIOD_FLOW = Flow(
    PERIOD,
    lambda run: [Step("period", _ask_period, read=_read_period, pick=_pick_months, done=_set_period, numbered=False)],
)
SCOPE_FLOW = Flow(SCOPE, lambda run: [typed_step("scope", _ask_scope, SCOPE_LIMIT, _set_scope, numbered=False)])
ENDING_FLOW = Flow(
    ENDING,
    lambda run: [
        typed_step("reason", _ask_reason, REASON_LIMIT, numbered=False),
        Step("confirm", _ask_confirm, BUTTONS_ONLY, done=_end, numbered=False),
    ],
)


def register(routes: Routes) -> None:
    routes.flow(PERIOD_FLOW)
    routes.flow(SCOPE_FLOW)
    routes.flow(ENDING_FLOW)
