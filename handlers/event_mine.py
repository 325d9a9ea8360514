"""A volunteer's own events ("my events", hours so far) and where alerts about new events come
from (reached from /powiadomienia, the one place for notification choices)."""

from __future__ import annotations

from telegram import Update

from bot.broadcast_text import CATEGORY_LABELS
from bot.buttons.events import EVENTS, EventAlerts, MyEvents, card
from bot.buttons.menu import MAIN_MENU
from bot.buttons.preferences import MENU
from bot.context import BotContext
from bot.event_text import list_label, short_when
from bot.routing import Routes
from handlers.common import keyboard, show, stale_button
from storage.applications import Status
from storage.events import EventStatus, Seat
from storage.preferences import CATEGORIES, Category, NewEvents, Preferences


async def my_events(update: Update, context: BotContext, press: MyEvents | None = None) -> None:
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
        rows.append([(list_label(event, t, registration.status), card("o", event.id))])
    hours = await services.events.hours_of(update.effective_user.id)
    if hours:
        lines += ["", t._("Hours of volunteering recorded so far: %(hours)s.", hours=t.number(hours))]
    rows.append([(t.gettext("« Events"), EVENTS), (t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


# ---- where new events come from (one of the notification choices, /powiadomienia) -----------------
async def member_county(services, user_id: int) -> tuple[bool, str | None]:
    """Whether this person is an accepted team member, and the county of their application (None
    when it names none of the organisation's counties)."""
    application = await services.applications.latest(user_id)
    if application is None or application.status != Status.ACCEPTED:
        return False, None
    answers = await services.applications.answers(application.id)
    for field in services.answer_fields().counties:
        value = answers.get(field)
        if isinstance(value, str) and value in services.org.county_names:
            return True, value
    return True, None


async def new_events_summary(context: BotContext, prefs: Preferences) -> str:
    """Where new events come from, in a few words (the notifications menu's button)."""
    t = context.t
    services = context.services
    choice = prefs.new_events
    if choice == NewEvents.ALL:
        return t.gettext("everywhere")
    if choice == NewEvents.COUNTIES:
        chosen = sorted(await services.preferences.event_counties(prefs.telegram_id))
        names = [services.org.county_names.get(c, c) for c in chosen]
        return ", ".join(names[:2]) + (", …" if len(names) > 2 else "")
    member, county = (False, None) if choice == NewEvents.OFF else await member_county(services, prefs.telegram_id)
    if not member:
        return t.gettext("off")
    return services.org.county_names[county] if county else t.gettext("your county")


async def alerts(update: Update, context: BotContext, press: EventAlerts) -> None:
    """Where new events come from: the default (accepted team members: their county), everywhere,
    chosen counties, or nowhere. Each button sets one choice (it carries the state it sets); which
    kinds of events is the categories' business (/powiadomienia)."""
    services = context.services
    org = services.org
    user_id = update.effective_user.id
    prefs = await services.preferences.get(user_id)
    member, county = await member_county(services, user_id)
    if press.what is not None:
        if press.on is None or (press.index is not None and not 0 <= press.index < len(org.counties)):
            await stale_button(update, context)
            return
        if press.what == "t":  # the default; a button of an earlier release chose a type
            if press.index is not None:
                await stale_button(update, context)
                return
            await services.preferences.set_new_events(user_id, None, now=services.clock())
        elif press.index is None:
            choice = NewEvents.ALL if press.on else NewEvents.OFF
            await services.preferences.set_new_events(user_id, choice, now=services.clock())
        else:
            counties = set(await services.preferences.event_counties(user_id))
            if prefs.new_events != NewEvents.COUNTIES:  # starting from the default: their own county
                counties = {county} if prefs.new_events is None and county else set()
            chosen = org.counties[press.index].id
            counties = counties | {chosen} if press.on else counties - {chosen}
            await services.preferences.set_new_events(
                user_id, NewEvents.COUNTIES, frozenset(counties), now=services.clock()
            )
        prefs = await services.preferences.get(user_id)
    await _show_alerts(update, context, prefs, member, county)


async def _show_alerts(update: Update, context: BotContext, prefs: Preferences, member: bool, county) -> None:
    t = context.t
    org = context.services.org
    choice = prefs.new_events
    chosen = await context.services.preferences.event_counties(prefs.telegram_id)
    kinds = ", ".join(t.gettext(CATEGORY_LABELS[c]) for c in CATEGORIES if c != Category.GENERAL and prefs.wants(c))
    lines = [
        t._("<b>🆕 New events and trainings</b>"),
        "",
        t._(
            "From which counties should we tell you about new events? "
            "When one is published there, we send you a message."
        ),
        "",
        t._("Kinds: %(kinds)s (change them in 🔔 Notifications).", kinds=kinds or t.gettext("none")),
    ]

    def mark(on: bool) -> str:
        return "✅ " if on else "▫️ "

    rows = []
    if member:
        own = t.gettext("My county: %(county)s", county=org.county_names[county]) if county else None
        rows.append([(mark(choice is None) + (own or t.gettext("My county")), EventAlerts(what="t", on=True).pack())])
    rows.append([(mark(choice == NewEvents.ALL) + t.gettext("Everywhere"), EventAlerts(what="c", on=True).pack())])
    buttons = [
        (
            ("✅ " if choice == NewEvents.COUNTIES and c.id in chosen else "") + c.name,
            EventAlerts(what="c", index=i, on=not (choice == NewEvents.COUNTIES and c.id in chosen)).pack(),
        )
        for i, c in enumerate(org.counties)
    ]
    rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    off = choice == NewEvents.OFF or (choice is None and not member)
    rows.append([(mark(off) + t.gettext("No messages about new events"), EventAlerts(what="c", on=False).pack())])
    rows.append([(t.gettext("« Notifications"), MENU)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


def register(routes: Routes) -> None:
    routes.press(MyEvents, my_events)
    routes.press(EventAlerts, alerts)
