"""🖥 Panel w przeglądarce: the coordinators' web panel as the chat offers it — the Mini App's
button (when the panel has a public HTTPS address), /panel and "🔗" for a one-time sign-in link
(works once, for BOT_PANEL_LINK_MINUTES), and ending every panel session from the chat.

The panel's pages are listed in PAGES (served by bot/web/server.py; see bot/app.py web_routes)."""

from __future__ import annotations

from datetime import timedelta

from starlette.routing import Route
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update, WebAppInfo

from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.panel import PanelButton
from bot.context import BotContext
from bot.routing import Routes
from bot.services import Role
from bot.web.server import PANEL_URL_KEY
from handlers import (
    panel_applications,
    panel_bulk,
    panel_dashboard,
    panel_decisions,
    panel_events,
    panel_fixes,
    panel_import,
    panel_notes,
    panel_people,
)
from handlers.common import audit, requires_role, show
from storage.panel_sessions import PanelSessions

PAGES = [
    Route("/applications", panel_applications.table),
    Route("/applications/bulk", panel_bulk.bulk, methods=["POST"]),
    Route("/applications/{application_id}", panel_applications.application),
    Route("/applications/{application_id}/decide", panel_decisions.decide, methods=["POST"]),
    Route("/applications/{application_id}/notes", panel_notes.add_note, methods=["POST"]),
    Route("/applications/{application_id}/fix/{field_id}", panel_fixes.fix_form, methods=["GET"]),
    Route("/applications/{application_id}/fix/{field_id}", panel_fixes.fix, methods=["POST"]),
    Route("/people", panel_people.people),
    Route("/people/{telegram_id}", panel_people.person),
    Route("/events", panel_events.events),
    Route("/events/{event_id}", panel_events.event_page),
    Route("/events/{event_id}/attendance", panel_events.save_attendance, methods=["POST"]),
    Route("/events/{event_id}/walk-in", panel_events.walk_in, methods=["POST"]),
    Route("/events/{event_id}/attendance.pdf", panel_events.attendance_pdf),
    Route("/hours", panel_people.hours),
    Route("/hours.csv", panel_people.hours_csv),
    Route("/import", panel_import.start_page, methods=["GET"]),
    Route("/import", panel_import.preview, methods=["POST"]),
    Route("/import/confirm", panel_import.confirm, methods=["POST"]),
    Route("/import/{batch_id}/links", panel_import.links, methods=["POST"]),
    Route("/import/{batch_id}/email", panel_import.email_links, methods=["POST"]),
    Route("/dashboard", panel_dashboard.page),
    Route("/dashboard/report.pdf", panel_dashboard.report),
    Route("/dashboard/{name}.csv", panel_dashboard.table_csv),
    Route("/templates", panel_notes.templates, methods=["GET"]),
    Route("/templates", panel_notes.save_template, methods=["POST"]),
]


def _button(text: str, act: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(text, callback_data=PanelButton(act=act).pack())


@requires_role(Role.COORDINATOR)
async def screen(update: Update, context: BotContext, press: PanelButton | None = None) -> None:
    t = context.t
    base = context.application.bot_data.get(PANEL_URL_KEY)
    back = [InlineKeyboardButton(t.gettext("« Coordinator panel"), callback_data=COORDINATOR_PANEL)]
    if base is None:
        text = t._(
            "<b>🖥 Panel in the browser</b>\n\nThe panel is not switched on on this server yet: the "
            "administrator starts the bot with it (see the README, “The coordinators' panel”)."
        )
        await show(update, context, text, InlineKeyboardMarkup([back]))
        return
    rows = []
    if base.startswith("https://"):  # Telegram opens a Mini App only from an HTTPS address
        rows.append([InlineKeyboardButton(t.gettext("🖥 Open the panel here"), web_app=WebAppInfo(base + "/app"))])
    rows.append([_button(t.gettext("🔗 A sign-in link for a computer"), "link")])
    rows.append([_button(t.gettext("🚪 End my panel sessions"), "end")])
    rows.append(back)
    text = t._(
        "<b>🖥 Panel in the browser</b>\n\nApplications as a table with filters and search, on a phone "
        "inside Telegram or in a browser on a computer. On a computer, ask for a sign-in link: it works "
        "once, for %(minutes)d minutes.",
        minutes=context.services.settings.panel_link_minutes,
    )
    await show(update, context, text, InlineKeyboardMarkup(rows))


@requires_role(Role.COORDINATOR)
async def send_link(update: Update, context: BotContext, press: PanelButton | None = None) -> None:
    """/panel, and "🔗": a new message with a link that signs in once."""
    t = context.t
    services = context.services
    base = context.application.bot_data.get(PANEL_URL_KEY)
    if base is None:
        await screen(update, context)
        return
    if update.callback_query:
        await update.callback_query.answer()
    minutes = services.settings.panel_link_minutes
    user_id = update.effective_user.id
    token = await PanelSessions(services.db).new_link(user_id, services.clock(), timedelta(minutes=minutes))
    await audit(context, user_id, "panel.link_sent", f"user:{user_id}")
    url = f"{base}/login/{token}"
    text = t._(
        "🔗 Your sign-in link to the panel. It works once, for %(minutes)d minutes; do not pass it on.\n\n%(url)s",
        minutes=minutes,
        url=url,
    )
    markup = None
    if url.startswith("https://"):
        markup = InlineKeyboardMarkup([[InlineKeyboardButton(t.gettext("🖥 Open the panel"), url=url)]])
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=markup)


@requires_role(Role.COORDINATOR)
async def end_sessions(update: Update, context: BotContext, press: PanelButton) -> None:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    ended = await PanelSessions(services.db).end_all(user_id, services.clock())
    await audit(context, user_id, "panel.sessions_ended", f"user:{user_id}", count=ended)
    await update.callback_query.answer(
        t.ungettext(
            "%(count)d panel session ended.",
            "%(count)d panel sessions ended.",
            ended,
        )
        if ended
        else t.gettext("No panel session was open."),
        show_alert=True,
    )


_ACTIONS = {"menu": screen, "link": send_link, "end": end_sessions}


async def pressed(update: Update, context: BotContext, press: PanelButton) -> None:
    await _ACTIONS[press.act](update, context, press)


def register(routes: Routes) -> None:
    routes.press(PanelButton, pressed)
    routes.command("panel", send_link)
