"""A volunteer's own events ("my events", hours so far) and alerts about new events."""

from __future__ import annotations

from telegram import Update

from bot.buttons.events import EVENTS, EventAlerts, MyEvents, card
from bot.buttons.menu import MAIN_MENU
from bot.context import BotContext
from bot.event_text import list_label, short_when
from bot.routing import Routes
from handlers.common import keyboard, show, stale_button
from storage.events import EventStatus, Seat


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


async def alerts(update: Update, context: BotContext, press: EventAlerts) -> None:
    """Opt in to a message when a new event of a chosen type (in a chosen county) is published.
    Each button sets one choice on or off (it carries the state it sets)."""
    t = context.t
    services = context.services
    org = services.org
    user_id = update.effective_user.id
    types, counties = await services.events.alerts(user_id)
    counties -= {"*"}
    if press.what is not None:
        if press.on is None or (press.index is not None and not 0 <= press.index < _size(org, press.what)):
            await stale_button(update, context)
            return
        if press.what == "t":
            if press.index is None:
                await stale_button(update, context)
                return
            chosen = org.event_types[press.index].id
            types = types | {chosen} if press.on else types - {chosen}
        elif press.index is None:  # "all counties"
            counties = set()
        else:
            chosen = org.counties[press.index].id
            counties = counties | {chosen} if press.on else counties - {chosen}
        await services.events.set_alerts(user_id, types, counties)
        types, counties = await services.events.alerts(user_id)
    lines = [
        t._("<b>🔔 New event alerts</b>"),
        "",
        t._("Choose the kinds of events you want to hear about. When one is published, we will send you a message."),
    ]
    rows = [
        [
            (
                ("✅ " if c.id in types else "▫️ ") + c.label.get(t.locale),
                EventAlerts(what="t", index=i, on=c.id not in types).pack(),
            )
        ]
        for i, c in enumerate(org.event_types)
    ]
    if types:
        lines += ["", t._("In which counties? With none chosen, you hear about events everywhere.")]
        any_county = not counties or counties == {"*"}
        rows.append(
            [(("✅ " if any_county else "▫️ ") + t.gettext("All counties"), EventAlerts(what="c", on=True).pack())]
        )
        buttons = [
            (
                ("✅ " if county.id in counties else "") + county.name,
                EventAlerts(what="c", index=i, on=county.id not in counties).pack(),
            )
            for i, county in enumerate(org.counties)
        ]
        rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    rows.append([(t.gettext("« Events"), EVENTS)])
    await show(update, context, "\n".join(lines), keyboard(rows))


def _size(org, what: str) -> int:
    return len(org.event_types) if what == "t" else len(org.counties)


def register(routes: Routes) -> None:
    routes.press(MyEvents, my_events)
    routes.press(EventAlerts, alerts)
