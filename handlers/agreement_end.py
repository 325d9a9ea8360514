"""The volunteer ends their agreement: a reason typed, then "Yes, end it" (a flow, "age")."""

from __future__ import annotations

from telegram import Update

from bot.agreement_facts import today
from bot.agreements import REASON_LIMIT
from bot.buttons.agreements import AgreementButton
from bot.context import BotContext
from bot.flow import BUTTONS_ONLY, Choice, End, Flow, FlowRun, Prompt, Step, question, typed_step
from bot.i18n import N_
from bot.routing import Routes
from handlers.agreement_read import my_agreement, own
from handlers.agreement_text import notify_staff
from storage.agreements import VOLUNTEER_MAY_END, TransitionRefused

NAME = "age"


async def start_ending(update: Update, context: BotContext, press: AgreementButton) -> None:
    agreement = await own(update, context, press, VOLUNTEER_MAY_END)
    if agreement is None:
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, NAME, {"id": agreement.id})


_ask_reason = question(
    N_(
        "You can end the agreement at any time. Please tell us briefly why (it helps us improve the "
        "programme). /anuluj to stop."
    )
)


async def _ask_confirm(run: FlowRun) -> Prompt:
    t = run.t
    return Prompt(
        t._("End the agreement today? Reason: <i>%(reason)s</i>", reason=run.answers.get("reason") or ""),
        choices=[Choice(t.gettext("⏹ Yes, end it"), "yes"), Choice(t.gettext("No, keep it"), "no")],
    )


async def _end(run: FlowRun, value: str) -> End:
    t = run.t
    services = run.services
    update, context = run.update, run.context

    async def show_again() -> None:
        await my_agreement(update, context, new_message=True)

    if value != "yes":
        return End(None, after=show_again)
    reason = run.answers["reason"]
    try:
        ended = await services.agreements.end(
            run.data["id"],
            run.user_id,
            reason,
            today(services),
            VOLUNTEER_MAY_END,
            services.clock(),
            owner_id=run.user_id,
        )
    except TransitionRefused:
        return End(None, after=show_again)

    async def tell_coordinators() -> None:
        await notify_staff(
            context,
            ended,
            N_("⏹ %(name)s ended agreement no. %(number)s."),
            extra_msgid=N_("Reason: %(reason)s"),
            extra={"reason": reason},
        )

    return End(
        t._(
            "The agreement has ended today. Thank you for your work! You can still download it and ask for an "
            "attestation under “My agreement”."
        ),
        after=tell_coordinators,
    )


async def _stale(update: Update, context: BotContext) -> None:
    await my_agreement(update, context)


FLOW = Flow(
    NAME,
    lambda run: [
        typed_step("reason", _ask_reason, REASON_LIMIT, numbered=False),
        Step("confirm", _ask_confirm, BUTTONS_ONLY, done=_end, numbered=False),
    ],
    stale=_stale,
)


def register(routes: Routes) -> None:
    routes.flow(FLOW)
