"""Events and trainings for volunteers: the catalogue with filters, the card, signing up and
giving a place back, the waitlist, the calendar file, "my events", alerts about new events, and
the answers to reminders and attendance questions.

Callback data (`ev:…`) carries ids and list positions only; every press is checked again here:
does the event exist, may this person see it, is sign-up still open.
"""

from __future__ import annotations

import logging

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler

from bot.context import BotContext
from bot.i18n import N_
from bot.ics import event_ics
from bot.services import Services
from handlers.common import alert, cb, keyboard, page_row, show, stale_button
from handlers.event_text import card, list_label, short_when, type_label
from handlers.menu import MAIN_MENU, deep_link
from storage.applications import Status
from storage.events import Closed, Event, EventStatus, Seat, audience_allows, visible_audiences

log = logging.getLogger(__name__)

PAGE_SIZE = 6
ALL = "-"
EVENTS = cb("ev", "ls", 0, ALL, ALL)
MY_EVENTS = cb("ev", "my")
ALERTS = cb("ev", "al")


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


async def _event_from(update: Update, context: BotContext, position: int = 2) -> Event | None:
    """The event a button names, if it exists and this person may see it; else a polite alert."""
    parts = (update.callback_query.data or "").split(":")
    try:
        event_id = int(parts[position])
    except (IndexError, ValueError):
        await stale_button(update, context)
        return None
    event = await context.services.events.get(event_id)
    if (
        event is None
        or (event.status == EventStatus.DRAFT and not context.is_coordinator)
        or not await may_see(context, event)
    ):
        await stale_button(update, context)
        return None
    return event


def _index(value: str, size: int) -> int | None:
    if value == ALL:
        return None
    index = int(value)
    if not 0 <= index < size:
        raise ValueError(value)
    return index


# ---- the catalogue -----------------------------------------------------------------------------
async def catalogue(update: Update, context: BotContext) -> None:
    """Upcoming events this person may join, a page at a time, filtered by type and county."""
    t = context.t
    services = context.services
    org = services.org
    page, type_index, county_index = 0, None, None
    if update.callback_query is not None:
        parts = update.callback_query.data.split(":")
        try:
            page = max(int(parts[2]), 0)
            type_index = _index(parts[3], len(org.event_types))
            county_index = _index(parts[4], len(org.counties))
        except (IndexError, ValueError):
            await stale_button(update, context)
            return
    user_id = update.effective_user.id
    audiences = visible_audiences(is_coordinator=context.is_coordinator, is_expert=await is_expert(services, user_id))
    event_type = org.event_types[type_index].id if type_index is not None else None
    county = org.counties[county_index].id if county_index is not None else None
    events, total = await services.events.upcoming(
        services.clock(),
        audiences,
        event_type=event_type,
        county=county,
        offset=page * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    if not events and page > 0:  # the list got shorter since the button was made
        page = 0
        events, total = await services.events.upcoming(
            services.clock(), audiences, event_type=event_type, county=county, limit=PAGE_SIZE
        )
    ti = ALL if type_index is None else type_index
    ci = ALL if county_index is None else county_index
    filters = []
    if event_type:
        filters.append(type_label(org, event_type, t))
    if county:
        filters.append(org.county_names[county])
    lines = [t._("<b>📅 Events and trainings</b>")]
    if filters:
        lines.append(t._("Showing: %(filters)s", filters=", ".join(filters)))
    lines.append("")
    if total:
        lines.append(
            t.ngettext("%(count)d upcoming event. Choose one:", "%(count)d upcoming events. Choose one:", total)
        )
    elif filters:
        lines.append(t._("No upcoming events match these filters."))
    else:
        lines.append(t._("There are no upcoming events right now. We will add new ones soon."))
    rows = [[(list_label(e, t), cb("ev", "o", e.id))] for e in events]
    rows += page_row(t, page, total, PAGE_SIZE, lambda p: cb("ev", "ls", p, ti, ci))
    rows.append(
        [
            (t.gettext("🏷 Type"), cb("ev", "ft", ti, ci)),
            (t.gettext("📍 County"), cb("ev", "fc", ti, ci, 0)),
        ]
    )
    if filters:
        rows.append([(t.gettext("✖️ Clear filters"), EVENTS)])
    rows.append([(t.gettext("🎟 My events"), MY_EVENTS), (t.gettext("🔔 New event alerts"), ALERTS)])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def type_filter(update: Update, context: BotContext) -> None:
    t = context.t
    org = context.services.org
    parts = update.callback_query.data.split(":")
    try:
        _index(parts[2], len(org.event_types))
        ci = parts[3] if _index(parts[3], len(org.counties)) is not None else ALL
    except (IndexError, ValueError):
        await stale_button(update, context)
        return
    rows = [[(t.gettext("All types"), cb("ev", "ls", 0, ALL, ci))]]
    rows += [[(c.label.get(t.locale), cb("ev", "ls", 0, i, ci))] for i, c in enumerate(org.event_types)]
    await show(update, context, t._("Which kind of events would you like to see?"), keyboard(rows))


COUNTY_PAGE = 12


async def county_filter(update: Update, context: BotContext) -> None:
    t = context.t
    org = context.services.org
    parts = update.callback_query.data.split(":")
    try:
        ti = parts[2] if _index(parts[2], len(org.event_types)) is not None else ALL
        _index(parts[3], len(org.counties))
        page = max(int(parts[4]), 0)
    except (IndexError, ValueError):
        await stale_button(update, context)
        return
    rows = [[(t.gettext("All counties"), cb("ev", "ls", 0, ti, ALL))]]
    shown = list(enumerate(org.counties))[page * COUNTY_PAGE : (page + 1) * COUNTY_PAGE]
    buttons = [(county.name, cb("ev", "ls", 0, ti, i)) for i, county in shown]
    rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows += page_row(t, page, len(org.counties), COUNTY_PAGE, lambda p: cb("ev", "fc", ti, ALL, p))
    await show(update, context, t._("Events in which county?"), keyboard(rows))


# ---- the card ----------------------------------------------------------------------------------
def card_buttons(context: BotContext, event: Event, seat: Seat | None) -> list[list[tuple[str, str]]]:
    t = context.t
    now = context.services.clock()
    rows = []
    if seat in (Seat.REGISTERED, Seat.WAITLISTED) and now < event.starts_at:
        label = t.gettext("🙅 I'm cancelling") if seat == Seat.REGISTERED else t.gettext("🙅 Leave the waitlist")
        rows.append([(label, cb("ev", "l", event.id))])
    elif event.closed_reason(now) is None:
        rows.append([(t.gettext("✅ Sign me up"), cb("ev", "j", event.id))])
    if seat == Seat.REGISTERED and now < event.ends_at:
        rows.append([(t.gettext("📅 Add to calendar"), cb("ev", "ics", event.id))])
    if context.is_coordinator:
        rows.append([(t.gettext("🛠 Manage"), cb("em", "o", event.id))])
    rows.append([(t.gettext("« Events"), EVENTS), (t.gettext("🎟 My events"), MY_EVENTS)])
    return rows


async def show_card(update: Update, context: BotContext, event: Event, *, new_message: bool = False) -> None:
    services = context.services
    mine = await services.events.registration(event.id, update.effective_user.id)
    seat = mine.status if mine else None
    text = card(event, services.org, context.t, services.clock(), mine)
    await show(update, context, text, keyboard(card_buttons(context, event, seat)), new_message=new_message)


async def open_card(update: Update, context: BotContext) -> None:
    event = await _event_from(update, context)
    if event is not None:
        await show_card(update, context, event)


@deep_link("event")
async def event_link(update: Update, context: BotContext, argument: str) -> object:
    """t.me/<bot>?start=event_42 opens the card; coordinators share it anywhere."""
    event = await context.services.events.get(int(argument)) if argument.isdecimal() else None
    if event is None or event.status == EventStatus.DRAFT or not await may_see(context, event):
        from handlers.menu import menu_after

        await menu_after(update, context, context.t._("This event does not exist or is not open to you."))
        return ConversationHandler.END
    await show_card(update, context, event, new_message=True)
    return ConversationHandler.END


# ---- signing up and giving the place back ------------------------------------------------------
_REFUSALS = {
    Closed.NOT_PUBLISHED: N_("This event is not open for sign-up."),
    Closed.CANCELLED: N_("This event has been cancelled."),
    Closed.STARTED: N_("This event has already started."),
    Closed.DEADLINE: N_("Sign-up for this event has closed."),
}


async def join(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    event = await _event_from(update, context)
    if event is None:
        return
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
    event = await services.events.get(event.id)
    await show_card(update, context, event)


async def confirm_leave(update: Update, context: BotContext) -> None:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return
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
    rows = [
        [(t.gettext("Yes, I'm cancelling"), cb("ev", "ly", event.id))],
        [(t.gettext("No, keep my place"), cb("ev", "o", event.id))],
    ]
    await show(update, context, question, keyboard(rows))


async def leave(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    event = await _event_from(update, context)
    if event is None:
        return
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


async def calendar_file(update: Update, context: BotContext) -> None:
    event = await _event_from(update, context)
    if event is None:
        return
    await update.callback_query.answer()
    await send_calendar(context, update.effective_chat.id, event)


async def send_calendar(context: BotContext, chat_id: int, event: Event) -> None:
    services = context.services
    t = context.t
    await context.bot.send_document(
        chat_id,
        InputFile(calendar_bytes(services, event), filename=f"wydarzenie-{event.id}.ics"),
        caption=t._("Open this file to add %(title)s to your calendar.", title=event.title),
    )


def calendar_bytes(services: Services, event: Event) -> bytes:
    org = services.org.organisation
    domain = org.email.split("@", 1)[1] if "@" in org.email else "volunteer-bot"
    return event_ics(
        event,
        tz=services.settings.tz,
        domain=domain,
        organiser_name=org.name,
        organiser_email=org.email,
        now=services.clock(),
    )


# ---- my events ----------------------------------------------------------------------------------
async def my_events(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    mine = await services.events.mine(update.effective_user.id, services.clock())
    lines = [t._("<b>🎟 My events</b>"), ""]
    rows = []
    if not mine:
        lines.append(t._("You are not signed up for any upcoming event."))
    for event, registration in mine:
        if registration.status == Seat.REGISTERED:
            state = t.gettext("✅ place")
        else:
            state = t.gettext("⏳ waitlist: %(position)d", position=registration.position or 0)
        if event.status == EventStatus.CANCELLED:
            state = t.gettext("❌ cancelled")
        lines.append(
            t._("• %(when)s · %(title)s: %(state)s", when=short_when(event, t), title=event.title, state=state)
        )
        rows.append([(list_label(event, t), cb("ev", "o", event.id))])
    hours = await services.events.hours_of(update.effective_user.id)
    if hours:
        lines += ["", t._("Hours of volunteering recorded so far: %(hours)s.", hours=t.number(hours))]
    rows.append([(t.gettext("« Events"), EVENTS), (t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


# ---- alerts about new events ----------------------------------------------------------------------
async def alerts(update: Update, context: BotContext) -> None:
    """Opt in to a message when a new event of a chosen type (in a chosen county) is published."""
    t = context.t
    services = context.services
    org = services.org
    user_id = update.effective_user.id
    types, counties = await services.events.alerts(user_id)
    data = update.callback_query.data.split(":") if update.callback_query else []
    try:
        if len(data) >= 4 and data[2] == "t":
            chosen = org.event_types[_index(data[3], len(org.event_types))].id
            types ^= {chosen}
            await services.events.set_alerts(user_id, types, counties - {"*"})
        elif len(data) >= 4 and data[2] == "c":
            if data[3] == ALL:
                counties = set()
            else:
                chosen = org.counties[_index(data[3], len(org.counties))].id
                counties = (counties - {"*"}) ^ {chosen}
            await services.events.set_alerts(user_id, types, counties)
    except (TypeError, ValueError, IndexError):
        await stale_button(update, context)
        return
    types, counties = await services.events.alerts(user_id)
    lines = [
        t._("<b>🔔 New event alerts</b>"),
        "",
        t._("Choose the kinds of events you want to hear about. When one is published, we will send you a message."),
    ]
    rows = [
        [(("✅ " if c.id in types else "▫️ ") + c.label.get(t.locale), cb("ev", "al", "t", i))]
        for i, c in enumerate(org.event_types)
    ]
    if types:
        lines += ["", t._("In which counties? With none chosen, you hear about events everywhere.")]
        any_county = not counties or counties == {"*"}
        rows.append([(("✅ " if any_county else "▫️ ") + t.gettext("All counties"), cb("ev", "al", "c", ALL))])
        buttons = [
            (("✅ " if county.id in counties else "") + county.name, cb("ev", "al", "c", i))
            for i, county in enumerate(org.counties)
        ]
        rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([(t.gettext("« Events"), EVENTS)])
    await show(update, context, "\n".join(lines), keyboard(rows))


# ---- answers to reminders and to the attendance question ------------------------------------------
async def reminder_answer(update: Update, context: BotContext) -> None:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return
    answer = update.callback_query.data.split(":")[3:4]
    mine = await context.services.events.registration(event.id, update.effective_user.id)
    if mine is None or mine.status != Seat.REGISTERED:
        await alert(update, t.gettext("You are not signed up for this event."))
        return
    if answer == ["y"]:
        await alert(update, t.gettext("Thank you! See you there."))
        await update.callback_query.edit_message_reply_markup(None)
    elif answer == ["n"]:
        await confirm_leave(update, context)
    else:
        await stale_button(update, context)


async def attendance_answer(update: Update, context: BotContext) -> None:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return
    answer = update.callback_query.data.split(":")[3:4]
    if answer not in (["y"], ["n"]) or context.services.clock() < event.starts_at:
        await stale_button(update, context)
        return
    attended = answer == ["y"]
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


# ---- notices waiting to be sent --------------------------------------------------------------------
SEND_NOW_LIMIT = 50


async def send_notices_now(context: BotContext) -> None:
    """Send what a change has just queued (a promotion, a change, a cancellation) without waiting for
    the next run of the job; a large batch is left to the job, so the coordinator is not kept waiting."""
    from bot.event_jobs import send_event_notices

    await send_event_notices(context.application, limit=SEND_NOW_LIMIT)


# ---- registration ------------------------------------------------------------------------------------
def handlers() -> list:
    return [
        CommandHandler(["wydarzenia", "events"], catalogue),
        CallbackQueryHandler(catalogue, pattern=r"^ev:ls:"),
        CallbackQueryHandler(type_filter, pattern=r"^ev:ft:"),
        CallbackQueryHandler(county_filter, pattern=r"^ev:fc:"),
        CallbackQueryHandler(open_card, pattern=r"^ev:o:"),
        CallbackQueryHandler(join, pattern=r"^ev:j:"),
        CallbackQueryHandler(confirm_leave, pattern=r"^ev:l:"),
        CallbackQueryHandler(leave, pattern=r"^ev:ly:"),
        CallbackQueryHandler(calendar_file, pattern=r"^ev:ics:"),
        CallbackQueryHandler(my_events, pattern=r"^ev:my$"),
        CallbackQueryHandler(alerts, pattern=r"^ev:al(:|$)"),
        CallbackQueryHandler(reminder_answer, pattern=r"^ev:rs:"),
        CallbackQueryHandler(attendance_answer, pattern=r"^ev:at:"),
    ]
