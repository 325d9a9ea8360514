"""Events and trainings for volunteers: the catalogue with filters, the card, signing up and
giving a place back, the waitlist, the calendar file, and the answers to reminders and
attendance questions. "My events" and new-event alerts are in handlers/event_mine.py.

Buttons carry ids and list positions only (bot/buttons/events.py); every press is checked again
here: does the event exist, may this person see it, is sign-up still open.
"""

from __future__ import annotations

import logging

from telegram import InputFile, Update

from bot.buttons.events import EVENTS, MY_EVENTS, EventButton, EventFilter, EventList, admin, card
from bot.buttons.menu import MAIN_MENU
from bot.buttons.preferences import MENU as NOTIFICATIONS
from bot.context import BotContext
from bot.event_text import GIVE_UP, calendar_bytes, list_label, sign_up_label, type_label
from bot.event_text import card as card_text
from bot.i18n import N_
from bot.replies import confirm
from bot.routing import Routes
from bot.services import Services
from handlers import event_mine
from handlers.common import alert, keyboard, page_row, show, stale_button
from handlers.menu import deep_link, menu_after
from storage.applications import Status
from storage.events import Closed, Event, EventStatus, Seat, audience_allows, visible_audiences
from storage.paging import page_of

log = logging.getLogger(__name__)

PAGE_SIZE = 6
COUNTY_PAGE = 12


# ---- who may see what --------------------------------------------------------------------------
async def is_expert(services: Services, telegram_id: int) -> bool:
    application = await services.applications.latest(telegram_id)
    return application is not None and application.status == Status.ACCEPTED


async def may_see(context: BotContext, event: Event) -> bool:
    user_id = context.profile.telegram_id if context.profile else 0
    return audience_allows(
        event.audience,
        is_coordinator=context.is_coordinator,
        is_expert=await is_expert(context.services, user_id),
    )


async def event_for(update: Update, context: BotContext, event_id: int) -> Event | None:
    """The event a button names, if it exists and this person may see it; else a polite alert."""
    event = await context.services.events.get(event_id)
    if (
        event is None
        or (event.status == EventStatus.DRAFT and not context.is_coordinator)
        or not await may_see(context, event)
    ):
        await stale_button(update, context)
        return None
    return event


def _within(index: int | None, size: int) -> bool:
    return index is None or 0 <= index < size


# ---- the catalogue -----------------------------------------------------------------------------
async def catalogue_command(update: Update, context: BotContext) -> None:
    await catalogue(update, context, EventList())


async def catalogue(update: Update, context: BotContext, press: EventList) -> None:
    """Upcoming events this person may join, a page at a time, filtered by type and county."""
    t = context.t
    services = context.services
    org = services.org
    ti, ci = press.type_index, press.county_index
    if not _within(ti, len(org.event_types)) or not _within(ci, len(org.counties)):
        await stale_button(update, context)
        return
    user_id = update.effective_user.id
    audiences = visible_audiences(is_coordinator=context.is_coordinator, is_expert=await is_expert(services, user_id))
    event_type = org.event_types[ti].id if ti is not None else None
    county = org.counties[ci].id if ci is not None else None
    now = services.clock()

    async def read(limit: int, **at):
        return await services.events.upcoming(now, audiences, event_type=event_type, county=county, limit=limit, **at)

    # By key (a button of an earlier release, with a page number, opens the first page).
    page = await page_of(read, PAGE_SIZE, after=press.after, before=press.before)
    events = page.items
    filters = []
    if event_type:
        filters.append(type_label(org, event_type, t))
    if county:
        filters.append(org.county_names[county])
    lines = [t._("<b>📅 Events and trainings</b>")]
    if filters:
        lines.append(t._("Showing: %(filters)s", filters=", ".join(filters)))
    if not page.earlier:  # how many: on the first page only (a count per page would read them all)
        total = await services.events.count_upcoming(now, audiences, event_type=event_type, county=county)
        lines.append("")
        if total:
            lines.append(
                t.ngettext("%(count)d upcoming event. Choose one:", "%(count)d upcoming events. Choose one:", total)
            )
        elif filters:
            lines.append(t._("No upcoming events match these filters."))
        else:
            lines.append(t._("There are no upcoming events right now. We will add new ones soon."))
    seats = {e.id: r.status for e, r in await services.events.mine(user_id, now)} if events else {}
    rows = [[(list_label(e, t, seats.get(e.id)), card("o", e.id))] for e in events]
    paging = []
    if page.earlier:
        paging.append((t.gettext("« Previous"), EventList(type_index=ti, county_index=ci, before=events[0].id).pack()))
    if page.later:
        paging.append((t.gettext("Next »"), EventList(type_index=ti, county_index=ci, after=events[-1].id).pack()))
    rows += [paging] if paging else []
    rows.append(
        [
            (t.gettext("🏷 Type"), EventFilter(what="t", type_index=ti, county_index=ci).pack()),
            (t.gettext("📍 County"), EventFilter(what="c", type_index=ti, county_index=ci).pack()),
        ]
    )
    if filters:
        rows.append([(t.gettext("✖️ Clear filters"), EVENTS)])
    rows.append([(t.gettext("🎟 My events"), MY_EVENTS), (t.gettext("🔔 Notifications"), NOTIFICATIONS)])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def choose_filter(update: Update, context: BotContext, press: EventFilter) -> None:
    t = context.t
    org = context.services.org
    ti, ci = press.type_index, press.county_index
    if not _within(ti, len(org.event_types)) or not _within(ci, len(org.counties)) or press.page < 0:
        await stale_button(update, context)
        return
    if press.what == "t":
        rows = [[(t.gettext("All types"), EventList(county_index=ci).pack())]]
        rows += [
            [(c.label.get(t.locale), EventList(type_index=i, county_index=ci).pack())]
            for i, c in enumerate(org.event_types)
        ]
        await show(update, context, t._("Which kind of events would you like to see?"), keyboard(rows))
        return
    rows = [[(t.gettext("All counties"), EventList(type_index=ti).pack())]]
    start = press.page * COUNTY_PAGE
    shown = list(enumerate(org.counties))[start : start + COUNTY_PAGE]
    buttons = [(county.name, EventList(type_index=ti, county_index=i).pack()) for i, county in shown]
    rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows += page_row(
        t, press.page, len(org.counties), COUNTY_PAGE, lambda p: EventFilter(what="c", type_index=ti, page=p).pack()
    )
    await show(update, context, t._("Events in which county?"), keyboard(rows))


# ---- the card ----------------------------------------------------------------------------------
def card_buttons(context: BotContext, event: Event, seat: Seat | None) -> list[list[tuple[str, str]]]:
    t = context.t
    now = context.services.clock()
    rows = []
    if seat in (Seat.REGISTERED, Seat.WAITLISTED) and now < event.starts_at:
        label = t.gettext(GIVE_UP) if seat == Seat.REGISTERED else t.gettext("🙅 Leave the waitlist")
        rows.append([(label, card("l", event.id))])
    elif event.closed_reason(now) is None:
        rows.append([(sign_up_label(event, t), card("j", event.id))])
    if seat == Seat.REGISTERED and now < event.ends_at:
        rows.append([(t.gettext("📅 Add to calendar"), card("ics", event.id))])
    if context.is_coordinator:
        rows.append([(t.gettext("🛠 Manage"), admin("o", event.id))])
    rows.append([(t.gettext("« Events"), EVENTS), (t.gettext("🎟 My events"), MY_EVENTS)])
    return rows


async def show_card(update: Update, context: BotContext, event: Event, *, new_message: bool = False) -> None:
    services = context.services
    mine = await services.events.registration(event.id, update.effective_user.id)
    seat = mine.status if mine else None
    text = card_text(event, services.org, context.t, services.clock(), mine)
    await show(update, context, text, keyboard(card_buttons(context, event, seat)), new_message=new_message)


@deep_link("event")
async def event_link(update: Update, context: BotContext, argument: str) -> None:
    """t.me/<bot>?start=event_42 opens the card; coordinators share it anywhere."""
    event = await context.services.events.get(int(argument)) if argument.isdecimal() else None
    if event is None or event.status == EventStatus.DRAFT or not await may_see(context, event):
        await menu_after(update, context, context.t._("This event does not exist or is not open to you."))
        return
    await show_card(update, context, event, new_message=True)


# ---- presses about one event ---------------------------------------------------------------------
_REFUSALS = {
    Closed.NOT_PUBLISHED: N_("This event is not open for sign-up."),
    Closed.CANCELLED: N_("This event has been cancelled."),
    Closed.STARTED: N_("This event has already started."),
    Closed.DEADLINE: N_("Sign-up for this event has closed."),
}


async def pressed(update: Update, context: BotContext, press: EventButton) -> None:
    event = await event_for(update, context, press.event_id)
    if event is not None:
        await _ACTIONS[press.act](update, context, event, press)


async def _open(update: Update, context: BotContext, event: Event, press: EventButton) -> None:
    await show_card(update, context, event)


async def _join(update: Update, context: BotContext, event: Event, press: EventButton) -> None:
    t = context.t
    services = context.services
    outcome = await services.events.join(event.id, update.effective_user.id, services.clock())
    if outcome.refused is not None:
        await alert(update, t.gettext(_REFUSALS[outcome.refused]))
    elif outcome.already:
        await alert(update, t.gettext("You are already signed up."))
    elif outcome.seat == Seat.REGISTERED:
        await alert(update, t.gettext("✅ You have a place. See you there!"))
    else:
        await alert(
            update,
            t.gettext(
                "The event is full, so you are on the waitlist (number %(position)d). "
                "If a place frees up, it is yours and we will tell you.",
                position=outcome.position or 0,
            ),
        )
    await show_card(update, context, await services.events.get(event.id))


async def _confirm_leave(update: Update, context: BotContext, event: Event, press: EventButton) -> None:
    t = context.t
    mine = await context.services.events.registration(event.id, update.effective_user.id)
    if mine is None or mine.status == Seat.CANCELLED:
        await alert(update, t.gettext("You are not signed up for this event."))
        await show_card(update, context, event)
        return
    if mine.status == Seat.WAITLISTED:
        question = t._("Leave the waitlist of <b>%(title)s</b>?", title=event.title)
    elif event.waitlisted:
        question = t._(
            "Give back your place at <b>%(title)s</b>? Someone from the waitlist will get it.", title=event.title
        )
    else:
        question = t._("Give back your place at <b>%(title)s</b>?", title=event.title)
    await confirm(
        update,
        context,
        question,
        (t.gettext("Yes, give up my place"), card("ly", event.id)),
        (t.gettext("No, keep my place"), card("o", event.id)),
    )


async def _leave(update: Update, context: BotContext, event: Event, press: EventButton) -> None:
    t = context.t
    services = context.services
    if services.clock() >= event.starts_at:
        await alert(update, t.gettext("This event has already started."))
        return
    outcome = await services.events.leave(event.id, update.effective_user.id, services.clock())
    if outcome.previous is None:
        await alert(update, t.gettext("You are not signed up for this event."))
    else:
        await alert(update, t.gettext("Done: you are no longer signed up. Thank you for letting us know."))
    await show_card(update, context, await services.events.get(event.id))
    if outcome.promoted:
        await send_notices_now(context)


async def _calendar_file(update: Update, context: BotContext, event: Event, press: EventButton) -> None:
    await update.callback_query.answer()
    await send_calendar(context, update.effective_chat.id, event)


async def send_calendar(context: BotContext, chat_id: int, event: Event) -> None:
    await context.bot.send_document(
        chat_id,
        InputFile(calendar_bytes(context.services, event), filename=f"wydarzenie-{event.id}.ics"),
        caption=context.t._("Open this file to add %(title)s to your calendar.", title=event.title),
    )


async def _reminder_answer(update: Update, context: BotContext, event: Event, press: EventButton) -> None:
    t = context.t
    mine = await context.services.events.registration(event.id, update.effective_user.id)
    if press.answer is None:
        await stale_button(update, context)
    elif mine is None or mine.status != Seat.REGISTERED:
        await alert(update, t.gettext("You are not signed up for this event."))
    elif press.answer == "y":
        await alert(update, t.gettext("Thank you! See you there."))
        await update.callback_query.edit_message_reply_markup(None)
    else:
        await _confirm_leave(update, context, event, press)


async def _attendance_answer(update: Update, context: BotContext, event: Event, press: EventButton) -> None:
    t = context.t
    if press.answer is None or context.services.clock() < event.starts_at:
        await stale_button(update, context)
        return
    attended = press.answer == "y"
    if not await context.services.events.answer_attendance(event.id, update.effective_user.id, attended):
        await alert(update, t.gettext("You were not signed up for this event."))
        return
    text = (
        t._(
            "Thank you for taking part in <b>%(title)s</b>! The coordinator will confirm your hours.", title=event.title
        )
        if attended
        else t._("Thank you for letting us know. We hope to see you next time.")
    )
    await show(update, context, text, keyboard([[(t.gettext("« Events"), EVENTS)]]))


_ACTIONS = {
    "o": _open,
    "j": _join,
    "l": _confirm_leave,
    "ly": _leave,
    "ics": _calendar_file,
    "rs": _reminder_answer,
    "at": _attendance_answer,
}


# ---- notices waiting to be sent --------------------------------------------------------------------
SEND_NOW_LIMIT = 50


async def send_notices_now(context: BotContext) -> None:
    """Send what a change has just queued (a promotion, a change, a cancellation) without waiting for
    the next run of the job; a large batch is left to the job, so the coordinator is not kept waiting."""
    from bot.jobs.events import send_event_notices

    await send_event_notices(context.application, limit=SEND_NOW_LIMIT)


def register(routes: Routes) -> None:
    routes.press(EventList, catalogue)
    routes.press(EventFilter, choose_filter)
    routes.press(EventButton, pressed)
    routes.command(["wydarzenia", "events"], catalogue_command)
    event_mine.register(routes)
