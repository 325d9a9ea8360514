"""Cancelling a published event: the coordinator types the reason everyone signed up will read
(a one-step flow: another command or button in between ends it, and nothing is cancelled)."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem
from bot.i18n import N_
from bot.services import Role
from handlers.common import alert
from handlers.event_manage import show_admin_card
from handlers.events import send_notices_now
from storage.events import Event, EventStatus

log = logging.getLogger(__name__)

CANCEL_FLOW = "evx"
REASON_MIN = 3
REASON_LIMIT = 500


async def start_cancel(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    if event.status != EventStatus.PUBLISHED:
        await alert(update, context.t.gettext("This event has been cancelled."))
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, CANCEL_FLOW, {"event": event.id})


async def _ask_reason(run: FlowRun) -> Prompt:
    t = run.t
    event = await run.services.events.get(run.data["event"])
    title = event.title if event is not None else ""
    people = event.registered + event.waitlisted if event is not None else 0
    text = t._("Cancel <b>%(title)s</b>?", title=title) + "\n\n"
    if people:
        text += t.ngettext(
            "%(count)d person is signed up and will be told. Type the reason they will read "
            "(or /anuluj to keep the event).",
            "%(count)d people are signed up and will be told. Type the reason they will read "
            "(or /anuluj to keep the event).",
            people,
        )
    else:
        text += t._("Nobody has signed up yet. Type the reason, for the record (or /anuluj to keep the event).")
    return Prompt(text)


async def _read_reason(run: FlowRun, message: Message) -> Accepted | Problem:
    reason = (message.text or "").strip()
    if not REASON_MIN <= len(reason) <= REASON_LIMIT:
        return Problem(
            N_("Please type a reason of 3 to %(limit)d characters, or /anuluj to keep the event."),
            params={"limit": REASON_LIMIT},
        )
    return Accepted(reason)


async def _cancel(run: FlowRun, reason: str) -> End:
    t = run.t
    services = run.services
    if run.context.role < Role.COORDINATOR:
        return End(t._("This is only available to coordinators."))
    cancelled = await services.events.cancel(run.data["event"], reason, services.clock())
    if cancelled is None:
        return End(t._("This event has been cancelled."))
    log.info("coordinator %s cancelled event %s", run.user_id, cancelled.id)
    await services.audit.record(run.user_id, "event.cancelled", f"event:{cancelled.id}", services.clock())

    async def tell() -> None:
        note = t._("❌ <b>The event is cancelled.</b> Everyone signed up is being told.")
        await show_admin_card(run.update, run.context, cancelled, note, new_message=True)
        await send_notices_now(run.context)

    return End(after=tell)


CANCEL = Flow(CANCEL_FLOW, lambda run: [Step("reason", _ask_reason, read=_read_reason, done=_cancel)])
