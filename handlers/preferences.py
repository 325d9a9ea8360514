"""Every notification choice in one place (/powiadomienia): the categories (announcements and new
events of each kind), where new events come from (handlers/event_mine.py) and quiet hours.

A category button carries the state it sets ("on"/"off"); quiet hours are a preset button or
typed as a one-step flow."""

from __future__ import annotations

from telegram import Message, Update

from bot.broadcast_text import CATEGORY_LABELS
from bot.buttons.events import ALERTS
from bot.buttons.menu import MAIN_MENU
from bot.buttons.preferences import MENU, CategorySwitch, NotificationsButton
from bot.context import BotContext
from bot.flow import End, Flow, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem
from bot.i18n import N_
from bot.routing import Routes
from bot.zone_names import zone_name
from handlers.common import keyboard, show, stale_button
from handlers.event_mine import new_events_summary
from storage.preferences import CATEGORIES, QuietHours, parse_quiet_hours

QUIET_FLOW = "quiet"
# Quiet hours offered as buttons (start, end in minutes after midnight); other hours can be typed.
PRESETS = [(20 * 60, 8 * 60), (21 * 60, 8 * 60), (22 * 60, 7 * 60), (22 * 60, 8 * 60), (23 * 60, 7 * 60)]
_NONE_WORDS = ("off", "brak", "вимк")


def _quiet_label(t, quiet: QuietHours | None) -> str:
    return quiet.label() if quiet else t.gettext("none")


async def _menu(update: Update, context: BotContext, note: str | None = None) -> None:
    t = context.t
    prefs = await context.services.preferences.get(update.effective_user.id)
    lines = []
    if note:
        lines += [note, ""]
    lines += [
        str(t._("🔔 <b>Notifications</b>")),
        "",
        str(
            t._(
                "Tick what you want to hear about: announcements and new events of each kind. "
                "Urgent announcements come at any time of day."
            )
        ),
        str(
            t._(
                "Quiet hours: %(hours)s. Announcements that are not urgent wait until they end.",
                hours=_quiet_label(t, prefs.quiet),
            )
        ),
    ]
    rows = []
    for c in CATEGORIES:
        on = prefs.wants(c)
        switch = CategorySwitch(category=c, state="off" if on else "on").pack()
        rows.append([(("✅ " if on else "▫️ ") + t.gettext(CATEGORY_LABELS[c]), switch)])
    where = await new_events_summary(context, prefs)
    rows.append([(t.gettext("🆕 New events: %(where)s", where=where), ALERTS)])
    quiet = NotificationsButton(act="q").pack()
    rows.append([(t.gettext("🌙 Quiet hours: %(hours)s", hours=_quiet_label(t, prefs.quiet)), quiet)])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def menu(update: Update, context: BotContext) -> None:
    await _menu(update, context)


async def switch_category(update: Update, context: BotContext, press: CategorySwitch) -> None:
    services = context.services
    user_id = update.effective_user.id
    prefs = await services.preferences.get(user_id)
    if prefs.wants(press.category) != (press.state == "on"):  # pressed twice: set already
        await services.preferences.toggle(user_id, press.category, services.clock())
    await _menu(update, context)


async def pressed(update: Update, context: BotContext, press: NotificationsButton) -> None:
    if press.act == "menu":
        await _menu(update, context)
    elif press.act == "q":
        await _quiet_menu(update, context)
    elif press.act == "qt":
        await update.callback_query.answer()
        await context.flows.start(update, context, QUIET_FLOW)
    else:
        await _set_preset(update, context, press)


async def _quiet_menu(update: Update, context: BotContext) -> None:
    t = context.t
    prefs = await context.services.preferences.get(update.effective_user.id)
    rows = []
    for start, end in PRESETS:
        quiet = QuietHours(start, end)
        mark = "✅ " if prefs.quiet == quiet else ""
        rows.append([(mark + quiet.label(), NotificationsButton(act="qs", start=start, end=end).pack())])
    none = NotificationsButton(act="qs", start="off").pack()
    rows.append([(("✅ " if prefs.quiet is None else "") + t.gettext("No quiet hours"), none)])
    rows.append([(t.gettext("⌨️ Other hours…"), NotificationsButton(act="qt").pack())])
    rows.append([(t.gettext("« Notifications"), MENU)])
    text = t._(
        "🌙 <b>Quiet hours</b>\n\nDuring these hours you get no announcements except urgent ones; "
        "the others arrive when the quiet hours end (time in %(zone)s).",
        zone=zone_name(t),
    )
    await show(update, context, text, keyboard(rows))


async def _set_preset(update: Update, context: BotContext, press: NotificationsButton) -> None:
    quiet: QuietHours | None = None
    if press.start != "off":
        if not isinstance(press.start, int) or (press.start, press.end) not in PRESETS:
            await stale_button(update, context)
            return
        quiet = QuietHours(press.start, press.end)
    services = context.services
    await services.preferences.set_quiet(update.effective_user.id, quiet, services.clock())
    await _menu(update, context, note=str(context.t._("Saved.")))


# ---- typed quiet hours: a one-step flow -----------------------------------------------------------
async def _ask_hours(run: FlowRun) -> Prompt:
    return Prompt(
        run.t._(
            "Type your quiet hours as a range, e.g. <code>22:30-6:45</code>, or <code>off</code> for none. "
            "/anuluj to stop."
        )
    )


async def _read_hours(run: FlowRun, message: Message) -> Accepted | Problem:
    text = (message.text or "")[:50]
    if text.strip().lower() in _NONE_WORDS:
        return Accepted(None)
    try:
        quiet = parse_quiet_hours(text)
    except ValueError:
        return Problem(N_("I can't read this as a range of hours. Please type it like <code>22:30-6:45</code>."))
    return Accepted([quiet.start, quiet.end] if quiet else None)


async def _hours_given(run: FlowRun, hours: list[int] | None) -> End:
    services = run.services
    quiet = QuietHours(*hours) if hours else None
    await services.preferences.set_quiet(run.user_id, quiet, services.clock())

    async def show_menu() -> None:
        await _menu(run.update, run.context, note=str(run.t._("Saved.")))

    return End(after=show_menu)


QUIET = Flow(QUIET_FLOW, lambda run: [Step("hours", _ask_hours, read=_read_hours, done=_hours_given)])


def register(routes: Routes) -> None:
    routes.flow(QUIET)
    routes.press(NotificationsButton, pressed)
    routes.press(CategorySwitch, switch_category)
    routes.command(["powiadomienia", "notifications"], menu)
