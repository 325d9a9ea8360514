"""After an event: the coordinator marks who was present and sets the hours each attendee gets
(the hours are typed: a one-step flow)."""

from __future__ import annotations

import logging

from telegram import Message, Update

from bot.buttons.events import MarkAttendance, admin
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem
from bot.i18n import N_
from bot.services import Role
from handlers.common import alert, audit, keyboard, page_row, show, stale_button
from storage.events import Event, Seat

log = logging.getLogger(__name__)

HOURS_FLOW = "evh"
ATTENDANCE_PAGE = 20
MAX_HOURS = 24 * 14


async def _record(context: BotContext, event: Event, person_id: int, attended: bool, actor: int) -> None:
    services = context.services
    await services.events.record_attendance(event.id, person_id, attended, event.hours, actor, services.clock())
    await audit(context, actor, "event.attendance", f"event:{event.id}", person=person_id, attended=attended)


async def attendance(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    await show_sheet(update, context, event, page or 0)


async def mark_all(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    """Everyone who said they came and is not marked yet is marked present."""
    if context.services.clock() >= event.starts_at:
        for person in await context.services.events.registrants(event.id):
            if person.status == Seat.REGISTERED and person.self_attended and person.attendance is None:
                await _record(context, event, person.telegram_id, True, update.effective_user.id)
    await show_sheet(update, context, event, page or 0)


async def mark(update: Update, context: BotContext, press: MarkAttendance) -> None:
    """Set one person present or absent (the button carries the state it sets)."""
    if context.role < Role.COORDINATOR:
        await alert(update, context.t.gettext("This is only available to coordinators."))
        return
    services = context.services
    event = await services.events.get(press.event_id)
    current = await services.events.registration(press.event_id, press.person) if event else None
    if event is None or current is None or current.status != Seat.REGISTERED:
        await stale_button(update, context)
        return
    if services.clock() >= event.starts_at and current.attendance != ("attended" if press.present else "absent"):
        await _record(context, event, press.person, press.present, update.effective_user.id)
    await show_sheet(update, context, event, press.page)


async def show_sheet(update: Update, context: BotContext, event: Event, page: int) -> None:
    """One button per person with a seat: present (✅) or absent (❌). Hours apply to attendees."""
    t = context.t
    services = context.services
    if services.clock() < event.starts_at:
        await alert(update, t.gettext("Attendance can be recorded once the event has started."))
        return
    page = max(page, 0)
    # Paged by number, not by key: one event's seated people (bounded by its places), read whole
    # for the count of those present anyway; a page is a slice of them in memory.
    seated = [p for p in await services.events.registrants(event.id) if p.status == Seat.REGISTERED]
    names = await services.people.named(p.telegram_id for p in seated)
    shown = seated[page * ATTENDANCE_PAGE : (page + 1) * ATTENDANCE_PAGE]
    present = sum(1 for p in seated if p.attendance == "attended")
    lines = [
        t._("<b>Attendance: %(title)s</b>", title=event.title),
        "",
        t._("Tap a person to mark them as present (✅) or absent (❌). 🙋 means they said they came."),
        t._(
            "Present: %(present)d of %(total)d. Hours for each: %(hours)s.",
            present=present,
            total=len(seated),
            hours=t.number(event.hours),
        ),
    ]
    rows = []
    for person in shown:
        mark_ = {"attended": "✅", "absent": "❌"}.get(person.attendance or "", "▫️")
        said = " 🙋" if person.self_attended else ""
        sets = person.attendance != "attended"  # the tap sets the other state
        data = MarkAttendance(event_id=event.id, person=person.telegram_id, present=sets, page=page).pack()
        rows.append([(f"{mark_} {names[person.telegram_id].label}{said}"[:60], data)])
    rows += page_row(t, page, len(seated), ATTENDANCE_PAGE, lambda p: admin("att", event.id, p))
    rows.append([(t.gettext("🙋 Mark all who said they came"), admin("tall", event.id, page))])
    rows.append([(t.gettext("⏱ Set the hours"), admin("hrs", event.id)), (t.gettext("« Back"), admin("o", event.id))])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


# ---- the hours: a one-step typed flow ---------------------------------------------------------------
async def start_hours(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    await update.callback_query.answer()
    await context.flows.start(update, context, HOURS_FLOW, {"event": event.id, "title": event.title})


async def _ask_hours(run: FlowRun) -> Prompt:
    t = run.t
    event = await run.services.events.get(run.data["event"])
    hours = event.hours if event is not None else 0
    return Prompt(
        t._(
            "How many hours should each attendee of <b>%(title)s</b> get? Now: %(hours)s. Type a number, "
            "e.g. <code>2,5</code> (or /anuluj).",
            title=run.data.get("title", ""),
            hours=t.number(hours),
        )
    )


async def _read_hours(run: FlowRun, message: Message) -> Accepted | Problem:
    text = (message.text or "").strip().replace(",", ".")
    try:
        hours = float(text)
    except ValueError:
        hours = 0.0
    if not 0 < hours <= MAX_HOURS:  # also refuses nan and inf
        return Problem(N_("Please type a number of hours, e.g. <code>2,5</code>."))
    return Accepted(round(hours * 4) / 4)


async def _hours_given(run: FlowRun, hours: float) -> End:
    t = run.t
    services = run.services
    event_id = run.data["event"]
    if run.context.role < Role.COORDINATOR:
        return End(t._("This is only available to coordinators."))
    if await services.events.get(event_id) is None:
        return End(t._("This event does not exist or is not open to you."))
    updated = await services.events.set_hours(event_id, hours, run.user_id, services.clock())
    log.info("coordinator %s set %s hours for event %s", run.user_id, hours, event_id)
    await services.audit.record(run.user_id, "event.hours", f"event:{event_id}", services.clock(), hours=hours)

    async def tell() -> None:
        await run.context.bot.send_message(
            run.update.effective_chat.id,
            t.ngettext(
                "Saved: %(hours)s h for each attendee (%(count)d person so far).",
                "Saved: %(hours)s h for each attendee (%(count)d people so far).",
                updated,
                hours=t.number(hours),
            ),
            reply_markup=keyboard([[(t.gettext("✅ Attendance and hours"), admin("att", event_id, 0))]]),
        )

    return End(after=tell)


HOURS = Flow(HOURS_FLOW, lambda run: [Step("hours", _ask_hours, read=_read_hours, done=_hours_given)])
