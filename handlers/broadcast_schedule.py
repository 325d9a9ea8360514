"""When an announcement goes out: now (after a confirmation), or at a date and time typed as a
flow step and then confirmed. Both re-check the draft and the role at the moment of the press."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from telegram import Message, Update

from bot.broadcast_status import log_start, post_status_message
from bot.buttons.broadcasts import LIST, BroadcastButton, button
from bot.context import BotContext
from bot.dates import DateProblem, parse_upcoming
from bot.flow import End, Flow, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem
from bot.i18n import N_
from bot.replies import confirm
from bot.services import Role
from bot.zone_names import zone_name
from handlers.broadcast_drafts import coordinators_only, headcount_of, own_draft, plan_of
from handlers.common import alert, audit, keyboard, show, stale_button
from storage.broadcasts import Broadcast, BroadcastStatus, Headcount, Plan, Refused

log = logging.getLogger(__name__)

WHEN_FLOW = "bcwhen"
SCHEDULE_HORIZON = timedelta(days=366)


async def audience_chosen(update: Update, context: BotContext, draft: Broadcast) -> bool:
    """An announcement goes to the people the coordinator chose; with none chosen it cannot go."""
    if draft.audience.chosen:
        return True
    await alert(update, context.t.gettext("Choose the recipients first (👥 Recipients)."))
    return False


# ---- sending now ---------------------------------------------------------------------------------
async def _sendable(
    update: Update, context: BotContext, press: BroadcastButton, count: Callable[..., Awaitable[Headcount | Plan]]
) -> tuple[Broadcast, Any] | None:
    """The coordinator's own draft and who would get it now, as `count` says it (headcount_of for
    the question, plan_of to send); None (the person told why) if it is not theirs or a draft any
    more, or nobody would get it."""
    draft = await own_draft(update, context, press.id)
    if draft is None or not await audience_chosen(update, context, draft):
        return None
    plan = await count(context, draft)
    if plan.recipients == 0:
        await alert(update, context.t.gettext("Nobody would get this announcement. Choose other recipients."))
        return None
    return draft, plan


@coordinators_only
async def confirm_now(update: Update, context: BotContext, press: BroadcastButton) -> None:
    sendable = await _sendable(update, context, press, headcount_of)
    if sendable is None:
        return
    draft, plan = sendable
    t = context.t
    text = t.ngettext(
        "Send announcement #%(id)d now to %(count)d person?",
        "Send announcement #%(id)d now to %(count)d people?",
        plan.recipients,
        id=draft.id,
    )
    if draft.urgent:
        text += "\n" + t._("⚡ It is marked urgent: it goes out also during quiet hours.")
    await confirm(
        update,
        context,
        text,
        (t.gettext("✅ Yes, send"), button("go", draft.id)),
        (t.gettext("« Back"), button("d", draft.id)),
    )


@coordinators_only
async def send_now(update: Update, context: BotContext, press: BroadcastButton) -> None:
    sendable = await _sendable(update, context, press, plan_of)
    if sendable is None:
        return
    draft, plan = sendable
    services = context.services
    try:  # only from a draft: a confirmation pressed twice starts it once
        running = await services.broadcasts.start(
            draft.id,
            plan,
            expected=BroadcastStatus.DRAFT,
            now=services.clock(),
            status_chat_id=update.effective_chat.id,
        )
    except Refused:
        await stale_button(update, context)
        return
    await update.callback_query.answer()
    log_start(running, update.effective_user.id)
    await audit(
        context,
        update.effective_user.id,
        "broadcast.sent",
        f"broadcast:{running.id}",
        recipients=running.recipients,
        urgent=running.urgent,
    )
    await post_status_message(context.application, running)


# ---- scheduling: the date and time, as a flow ------------------------------------------------------
@coordinators_only
async def ask_when(update: Update, context: BotContext, press: BroadcastButton) -> None:
    draft = await own_draft(update, context, press.id)
    if draft is None or not await audience_chosen(update, context, draft):
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, WHEN_FLOW, {"draft": draft.id})


def _example(now: datetime, tz) -> str:
    """A day a week ahead at 17:00, as people type it: always in the future."""
    day = now.astimezone(tz).date() + timedelta(days=7)
    return f"{day.day}.{day.month:02d} 17:00"


async def _ask(run: FlowRun) -> Prompt:
    t = run.t
    settings = run.services.settings
    return Prompt(
        t._(
            "🕒 When should announcement #%(id)d go out? Type the day and time (%(zone)s time), e.g. "
            "<code>%(example)s</code>, <code>tomorrow 9:00</code>, <code>Saturday 17:00</code>, or just the "
            "time, <code>17:00</code> (today, or tomorrow if that time has passed). /anuluj to stop.",
            id=run.data["draft"],
            zone=zone_name(t),
            example=_example(run.services.clock(), settings.tz),
        )
    )


# The event form's texts for the same problems (one parser, one way of saying what is wrong).
_DATE_PROBLEMS = {
    "bad_time": N_("There is no such time. Please type the hour as <code>18:00</code>."),
    "no_such_date": N_("There is no such day in the calendar. Please check the date."),
    "skipped_hour": N_("This time does not exist that night: the clocks go forward. Please choose another."),
    "time_missing": N_("Please add the time too, e.g. <code>12.03 18:00</code>."),
}


def _problem(moment: datetime, now: datetime) -> Problem | None:
    if moment <= now + timedelta(minutes=1):
        return Problem(N_("This time has already passed. Please give a time in the future."))
    if moment > now + SCHEDULE_HORIZON:
        return Problem(N_("That is more than a year ahead. Please choose an earlier date."))
    return None


async def _read_when(run: FlowRun, message: Message) -> Accepted | Problem:
    services = run.services
    now = services.clock()
    try:
        moment = parse_upcoming((message.text or "")[:100], now, services.settings.tz)
    except DateProblem as problem:
        if problem.code in _DATE_PROBLEMS:
            return Problem(_DATE_PROBLEMS[problem.code])
        return Problem(
            N_(
                "I can't read this as a day and time. Please type it like <code>%(example)s</code>, "
                "<code>tomorrow 9:00</code> or <code>Saturday 17:00</code>."
            ),
            params={"example": _example(now, services.settings.tz)},
        )
    return _problem(moment, now) or Accepted(int(moment.timestamp()))


def when_words(t, moment: datetime, now: datetime) -> str:
    """`dziś, 30 listopada 2026, 13:06`, `5 grudnia 2026 (sobota), 17:00`: the day said in words,
    so a time or a weekday typed alone is confirmed as the day it was taken for."""
    days = (t.local(moment).date() - t.local(now).date()).days
    if days == 0:
        return t.gettext("today, %(when)s", when=t.datetime(moment))
    if days == 1:
        return t.gettext("tomorrow, %(when)s", when=t.datetime(moment))
    return t.datetime(moment, "d MMMM y (EEEE), HH:mm")


async def _when_given(run: FlowRun, stamp: int) -> End:
    """Nothing is stored yet: the coordinator confirms the time with a button."""
    t = run.t
    services = run.services
    draft = await services.broadcasts.get(run.data["draft"])
    if run.context.role < Role.COORDINATOR:
        return End(t._("This is only available to coordinators."))
    if draft is None or draft.status != BroadcastStatus.DRAFT or draft.created_by != run.user_id:
        return End(t._("This announcement is no longer a draft."))
    moment = datetime.fromtimestamp(stamp, UTC)
    plan = await headcount_of(run.context, draft)
    text = "\n".join(
        [
            str(
                t._(
                    "Schedule announcement #%(id)d for %(when)s?",
                    id=draft.id,
                    when=when_words(t, moment, services.clock()),
                )
            ),
            str(
                t.ngettext(
                    "The recipients are chosen at that time; now it would be %(count)d person.",
                    "The recipients are chosen at that time; now it would be %(count)d people.",
                    plan.recipients,
                )
            ),
        ]
    )

    async def ask_to_confirm() -> None:
        await confirm(
            run.update,
            run.context,
            text,
            (t.gettext("✅ Yes, schedule"), button("sgo", draft.id, stamp)),
            (t.gettext("« Back"), button("d", draft.id)),
        )

    return End(after=ask_to_confirm)


WHEN = Flow(WHEN_FLOW, lambda run: [Step("when", _ask, read=_read_when, done=_when_given)])


@coordinators_only
async def schedule(update: Update, context: BotContext, press: BroadcastButton) -> None:
    draft = await own_draft(update, context, press.id)
    if draft is None or not await audience_chosen(update, context, draft):
        return
    if press.value is None or not press.value.isdecimal() or len(press.value) > 12:
        await stale_button(update, context)
        return
    t = context.t
    services = context.services
    moment = datetime.fromtimestamp(int(press.value), UTC)
    now = services.clock()
    if moment <= now or moment > now + SCHEDULE_HORIZON:
        await alert(update, t.gettext("This time has already passed. Please give a time in the future."))
        return
    try:
        scheduled = await services.broadcasts.schedule(draft.id, moment, now)
    except Refused:
        await stale_button(update, context)
        return
    log.info("broadcast %d scheduled for %s by %s", scheduled.id, moment.isoformat(), update.effective_user.id)
    await audit(
        context, update.effective_user.id, "broadcast.scheduled", f"broadcast:{scheduled.id}", at=moment.isoformat()
    )
    await show(
        update,
        context,
        t._(
            "🕒 Announcement #%(id)d will go out on %(when)s. You can cancel it in /announcements until then.",
            id=scheduled.id,
            when=when_words(t, moment, now),
        ),
        keyboard([[(t.gettext("📋 Announcements"), LIST)]]),
    )
