"""Volunteers choose which announcements they get and their quiet hours (/powiadomienia)."""

from __future__ import annotations

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.context import BotContext
from handlers.broadcast_text import CATEGORY_LABELS
from handlers.common import cb, flow, keyboard, show, stale_button
from handlers.menu import MAIN_MENU, cancel
from storage.preferences import CATEGORIES, Category, QuietHours, parse_quiet_hours

END = ConversationHandler.END
TYPING = "typing"
MENU = cb("np", "menu")
# Quiet hours offered as buttons (start, end in minutes after midnight); other hours can be typed.
PRESETS = [(20 * 60, 8 * 60), (21 * 60, 8 * 60), (22 * 60, 7 * 60), (22 * 60, 8 * 60), (23 * 60, 7 * 60)]


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
        str(t._("Tick the announcements you want to get. Urgent ones come at any time of day.")),
        str(
            t._(
                "Quiet hours: %(hours)s. Announcements that are not urgent wait until they end.",
                hours=_quiet_label(t, prefs.quiet),
            )
        ),
    ]
    rows = [
        [(("✅ " if prefs.wants(c) else "▫️ ") + t.gettext(CATEGORY_LABELS[c]), cb("np", "t", c.value))]
        for c in CATEGORIES
    ]
    rows.append([(t.gettext("🌙 Quiet hours: %(hours)s", hours=_quiet_label(t, prefs.quiet)), cb("np", "q"))])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(lines), keyboard(rows))


async def menu(update: Update, context: BotContext) -> int:
    await _menu(update, context)
    return END


async def toggle(update: Update, context: BotContext) -> None:
    parts = update.callback_query.data.split(":")
    try:
        category = Category(parts[2])
    except (IndexError, ValueError):
        await stale_button(update, context)
        return
    services = context.services
    await services.preferences.toggle(update.effective_user.id, category, services.clock())
    await _menu(update, context)


async def quiet_menu(update: Update, context: BotContext) -> None:
    t = context.t
    prefs = await context.services.preferences.get(update.effective_user.id)
    rows = []
    for start, end in PRESETS:
        quiet = QuietHours(start, end)
        mark = "✅ " if prefs.quiet == quiet else ""
        rows.append([(mark + quiet.label(), cb("np", "qs", start, end))])
    rows.append([(("✅ " if prefs.quiet is None else "") + t.gettext("No quiet hours"), cb("np", "qs", "off"))])
    rows.append([(t.gettext("⌨️ Other hours…"), cb("np", "qt"))])
    rows.append([(t.gettext("« Notifications"), MENU)])
    text = t._(
        "🌙 <b>Quiet hours</b>\n\nDuring these hours you get no announcements except urgent ones; "
        "the others arrive when the quiet hours end (time in %(zone)s).",
        zone=context.services.settings.timezone,
    )
    await show(update, context, text, keyboard(rows))


async def set_quiet(update: Update, context: BotContext) -> None:
    parts = update.callback_query.data.split(":")
    quiet: QuietHours | None
    if parts[2:] == ["off"]:
        quiet = None
    elif len(parts) == 4 and parts[2].isdecimal() and parts[3].isdecimal():
        quiet = QuietHours(int(parts[2]), int(parts[3]))
        if quiet not in {QuietHours(s, e) for s, e in PRESETS}:
            await stale_button(update, context)
            return
    else:
        await stale_button(update, context)
        return
    services = context.services
    await services.preferences.set_quiet(update.effective_user.id, quiet, services.clock())
    await _menu(update, context, note=str(context.t._("Saved.")))


async def ask_hours(update: Update, context: BotContext) -> str:
    await show(
        update,
        context,
        context.t._(
            "Type your quiet hours as a range, e.g. <code>22:30-6:45</code>, or <code>off</code> for none. "
            "/anuluj to stop."
        ),
        new_message=True,
    )
    return TYPING


async def hours_typed(update: Update, context: BotContext) -> str | int | None:
    t = context.t
    text = (update.effective_message.text or "")[:50]
    try:
        quiet = parse_quiet_hours(text) if text.strip().lower() not in ("off", "brak", "вимк") else None
    except ValueError:
        await context.bot.send_message(
            update.effective_chat.id,
            t._("I can't read this as a range of hours. Please type it like <code>22:30-6:45</code>."),
        )
        return None
    services = context.services
    await services.preferences.set_quiet(update.effective_user.id, quiet, services.clock())
    await _menu(update, context, note=str(t._("Saved.")))
    return END


async def not_hours(update: Update, context: BotContext) -> None:
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._("Please type the hours, e.g. <code>22:30-6:45</code>, or /anuluj to stop."),
    )


def handlers() -> list:
    return [
        CommandHandler(["powiadomienia", "notifications"], menu),
        CallbackQueryHandler(menu, pattern=r"^np:menu$"),
        CallbackQueryHandler(toggle, pattern=r"^np:t:"),
        CallbackQueryHandler(quiet_menu, pattern=r"^np:q$"),
        CallbackQueryHandler(set_quiet, pattern=r"^np:qs:"),
    ]


def conversation() -> ConversationHandler:
    return flow(
        "notifications",
        entry_points=[CallbackQueryHandler(ask_hours, pattern=r"^np:qt$")],
        states={
            TYPING: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, hours_typed),
                MessageHandler(~filters.COMMAND, not_hours),
            ]
        },
        cancel=cancel,
    )
