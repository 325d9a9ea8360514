"""/start with deep links, the main menu, help, the coordinator panel and the fallbacks that
answer anything the bot does not understand."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import InlineKeyboardMarkup, Update

from bot.buttons.agreements import AGREEMENTS, MY_AGREEMENT  # the plan is reached from there
from bot.buttons.application import ApplicationButton
from bot.buttons.broadcasts import LIST as ANNOUNCEMENTS
from bot.buttons.coordinators import AUDIT_LOG, COORDINATORS
from bot.buttons.events import EVENTS
from bot.buttons.events import MANAGE as MANAGE_EVENTS
from bot.buttons.hours import MY_HOURS, QUOTA_LIST
from bot.buttons.language import LANGUAGE_MENU
from bot.buttons.menu import COORDINATOR_PANEL, HELP, MAIN_MENU, MenuButton
from bot.buttons.mydata import MY_DATA
from bot.buttons.organisations import ORGANISATIONS, REQUESTS
from bot.buttons.panel import PANEL_MENU
from bot.buttons.preferences import MENU as NOTIFICATIONS_MENU
from bot.buttons.review import APPLICATIONS
from bot.buttons.threads import ASK, THREADS
from bot.buttons.work_logs import SUPPORT_WORK
from bot.context import BotContext
from bot.i18n import N_, html_escape
from bot.services import Role
from handlers.application_text import application_menu_label
from handlers.command_menu import commands_for
from handlers.common import alert, keyboard, requires_role, show
from handlers.counselling import hold_offer
from handlers.matching_expert import menu_entry as matching_entry
from handlers.partner_common import menu_entry as organisation_entry
from handlers.work_log import menu_entry as work_entry

log = logging.getLogger(__name__)

APPLY = ApplicationButton(act="open").pack()
NOTIFICATIONS = NOTIFICATIONS_MENU

# Sections that later releases fill in; until then their buttons say so.
SOON = "soon"
_VOLUNTEER_SECTIONS = [
    (N_("📅 Events and trainings"), EVENTS),
    (N_("⏱ My hours"), MY_HOURS),
    (N_("🔒 My data"), MY_DATA),
]
_COORDINATOR_SECTIONS = [
    (N_("📥 Applications"), APPLICATIONS),
    (N_("🗓 Manage events"), MANAGE_EVENTS),
    (N_("📣 Announcements"), ANNOUNCEMENTS),
    (N_("✍️ Agreements"), AGREEMENTS),
    (N_("⏱ Hours and the quota"), QUOTA_LIST),
    (N_("🏢 Organisations"), ORGANISATIONS),
    (N_("🤝 Requests for support"), REQUESTS),
    (N_("🧾 Support work"), SUPPORT_WORK),
    (N_("💬 Conversations"), THREADS),
    (N_("🖥 Panel in the browser"), PANEL_MENU),
]
_ADMIN_SECTIONS = [(N_("👥 Coordinators"), COORDINATORS), (N_("📜 Audit log"), AUDIT_LOG)]


async def main_menu_markup(context: BotContext) -> InlineKeyboardMarkup:
    t = context.t
    user_id = context.profile.telegram_id if context.profile else 0
    rows = [[(await application_menu_label(context, user_id), APPLY)]]
    rows.append([(t.gettext("📄 My agreement"), MY_AGREEMENT)])
    organisation = await organisation_entry(context, user_id)  # stage two: a contact, or registering
    rows += [[organisation]] if organisation else []
    browse = await matching_entry(context, user_id)  # stage two: an expert browses open requests
    rows += [[browse]] if browse else []
    work = await work_entry(context, user_id)  # stage two: an expert assigned to a request
    rows += [[work]] if work else []
    rows += [[(t.gettext(label), data)] for label, data in _VOLUNTEER_SECTIONS]
    rows.append([(t.gettext("✉️ Write to a coordinator"), ASK)])
    rows.append([(t.gettext("🔔 Notifications"), NOTIFICATIONS)])
    rows.append([(t.gettext("❓ Help"), HELP), (t.gettext("🌐 Language"), LANGUAGE_MENU)])
    if context.is_coordinator:
        rows.append([(t.gettext("🧭 Coordinator panel"), COORDINATOR_PANEL)])
    return keyboard(rows)


def greeting(context: BotContext, name: str) -> str:
    t = context.t
    programme = context.services.org.programme
    return (
        t._("Hello, %(name)s! 👋", name=name)
        + "\n\n"
        + html_escape(programme.about.get(t.locale))
        + "\n\n"
        + t._("What would you like to do?")
    )


async def send_main_menu(update: Update, context: BotContext, *, new_message: bool = False) -> None:
    name = update.effective_user.first_name if update.effective_user else ""
    await show(
        update,
        context,
        greeting(context, name),
        await main_menu_markup(context),
        new_message=new_message,
    )


async def menu_after(update: Update, context: BotContext, text: str) -> None:
    """A short line followed by the main menu, as one new message."""
    t = context.t
    await show(
        update,
        context,
        text + "\n\n" + t._("What would you like to do?"),
        await main_menu_markup(context),
        new_message=True,
    )


# ---- /start and deep links ----------------------------------------------------------------
DeepLink = Callable[[Update, BotContext, str], Awaitable[object]]
_DEEP_LINKS: dict[str, DeepLink] = {}


def deep_link(prefix: str) -> Callable[[DeepLink], DeepLink]:
    """Register a handler for t.me/<bot>?start=<prefix> or start=<prefix>_<argument>."""

    def register(handler: DeepLink) -> DeepLink:
        _DEEP_LINKS[prefix] = handler
        return handler

    return register


async def start(update: Update, context: BotContext) -> object:
    payload = context.args[0] if context.args else ""
    prefix, _, argument = payload.partition("_")
    route = _DEEP_LINKS.get(prefix)
    if route is not None:
        return await route(update, context, argument)
    if payload:
        log.info("unknown deep link payload %r, showing the plain start", payload[:64])
    await send_main_menu(update, context, new_message=True)
    return None


async def main_menu(update: Update, context: BotContext) -> None:
    await send_main_menu(update, context)


async def menu_pressed(update: Update, context: BotContext, press: MenuButton) -> None:
    await {"main": main_menu, "help": help_command, "coord": coordinator_panel}[press.section](update, context)


# ---- help --------------------------------------------------------------------------------
def help_text(context: BotContext) -> str:
    t = context.t
    org = context.services.org
    lines = [
        t._("<b>Help</b>"),
        "",
        t._(
            "This is the bot of %(programme)s. Here you can:",
            programme=org.programme.name.get(t.locale),
        ),
        t._("• apply to the team and follow your application,"),
        t._("• sign your volunteer agreement,"),
        t._("• sign up for trainings and events and get reminders,"),
        t._("• see and correct your data."),
        "",
        t._("Commands:"),
    ]
    lines += [
        t._("/%(command)s – %(description)s", command=c.command, description=c.description)
        for c in commands_for(t, context.role)
    ]
    lines += ["", html_escape(org.programme.contact.get(t.locale))]
    return "\n".join(lines)


async def help_command(update: Update, context: BotContext) -> None:
    back = keyboard([[(context.t.gettext("« Main menu"), MAIN_MENU)]])
    await show(update, context, help_text(context), back)


@deep_link("help")
async def help_link(update: Update, context: BotContext, argument: str) -> object:
    await help_command(update, context)
    return None


# ---- coordinator panel ---------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def coordinator_panel(update: Update, context: BotContext) -> None:
    t = context.t
    sections = list(_COORDINATOR_SECTIONS)
    if context.role >= Role.ADMIN:
        sections += _ADMIN_SECTIONS
    rows = [[(t.gettext(label), data)] for label, data in sections]
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(
        update,
        context,
        t._("<b>Coordinator panel</b>\n\nWhat would you like to manage?"),
        keyboard(rows),
    )


async def coming_soon(update: Update, context: BotContext) -> None:
    """Buttons of sections that earlier releases announced as coming soon (old menus in chats)."""
    await alert(update, context.t.gettext("This part of the bot is still being prepared. Check back soon!"))


# ---- cancelling and the fallbacks ----------------------------------------------------------
async def nothing_to_cancel(update: Update, context: BotContext) -> None:
    await menu_after(update, context, context.t._("There is nothing to stop right now."))


async def unknown_command(update: Update, context: BotContext) -> None:
    command = (update.effective_message.text or "").split()[0][:64]
    await menu_after(
        update,
        context,
        context.t._(
            "I don't know the command %(command)s. Type /start for the menu or /help for help.",
            command=command,
        ),
    )


async def unknown_text(update: Update, context: BotContext) -> None:
    offer = await hold_offer(update, context)  # one tap sends it to the coordinators (issue 15)
    if offer is not None:
        text, row = offer
        markup = await main_menu_markup(context)
        await show(update, context, text, keyboard([[row], *_rows_of(markup)]), new_message=True)
        return
    await menu_after(
        update,
        context,
        context.t._("I didn't understand that 🙂 Choose something from the menu below."),
    )


def _rows_of(markup: InlineKeyboardMarkup) -> list[list[tuple[str, str]]]:
    return [[(b.text, b.callback_data or b.url) for b in row] for row in markup.inline_keyboard]


async def unsupported_message(update: Update, context: BotContext) -> None:
    if update.effective_message is not None and (update.effective_message.photo or update.effective_message.document):
        await unknown_text(update, context)  # a photo or a document can be offered too
        return
    await menu_after(
        update,
        context,
        context.t._("I can't handle this kind of message. Choose something from the menu below."),
    )
