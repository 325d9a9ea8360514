"""The command menus Telegram shows next to the text field, per language and per role."""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.config import SUPPORTED_LOCALES
from bot.i18n import N_, Translator, translator
from bot.services import Role

log = logging.getLogger(__name__)

# Polish users get Polish command names; the English aliases serve every other language.
# README.md's table of who can do what names the same commands (tests/test_command_menus.py).
_VOLUNTEER_COMMANDS = {
    "pl": [
        ("start", N_("Main menu")),
        ("zgloszenie", N_("Apply to the team, my application")),
        ("wydarzenia", N_("Events and trainings")),
        ("porozumienie", N_("My volunteer agreement")),
        ("plan", N_("My development plan")),
        ("godziny", N_("My hours")),
        ("pytanie", N_("Write to a coordinator")),
        ("moje_dane", N_("My data")),
        ("pomoc", N_("Help")),
        ("jezyk", N_("Change language")),
        ("powiadomienia", N_("Notification settings")),
        ("anuluj", N_("Stop what you are doing")),
    ],
    "other": [
        ("start", N_("Main menu")),
        ("apply", N_("Apply to the team, my application")),
        ("events", N_("Events and trainings")),
        ("agreement", N_("My volunteer agreement")),
        ("plan", N_("My development plan")),
        ("hours", N_("My hours")),
        ("ask", N_("Write to a coordinator")),
        ("mydata", N_("My data")),
        ("help", N_("Help")),
        ("language", N_("Change language")),
        ("notifications", N_("Notification settings")),
        ("cancel", N_("Stop what you are doing")),
    ],
}
_COORDINATOR_COMMANDS = {
    "pl": [
        ("koordynator", N_("Coordinator panel")),
        ("zgloszenia", N_("Review applications")),
        ("eksport", N_("Export applications (CSV)")),
        ("nowe_wydarzenie", N_("Create an event")),
        ("porozumienia", N_("Volunteer agreements")),
        ("ogloszenie", N_("New announcement")),
        ("ogloszenia", N_("Announcements")),
        ("pytania", N_("Conversations waiting for an answer")),
        ("organizacje", N_("Organisations and their verification")),
        ("prosby", N_("Requests for support")),
        ("panel", N_("A sign-in link to the web panel")),
    ],
    "other": [
        ("coordinator", N_("Coordinator panel")),
        ("applications", N_("Review applications")),
        ("export", N_("Export applications (CSV)")),
        ("new_event", N_("Create an event")),
        ("agreements", N_("Volunteer agreements")),
        ("announce", N_("New announcement")),
        ("announcements", N_("Announcements")),
        ("questions", N_("Conversations waiting for an answer")),
        ("organisations", N_("Organisations and their verification")),
        ("requests", N_("Requests for support")),
        ("panel", N_("A sign-in link to the web panel")),
    ],
}


_ADMIN_COMMANDS = {
    "pl": [("koordynatorzy", N_("Coordinators")), ("dziennik", N_("Audit log"))],
    "other": [("coordinators", N_("Coordinators")), ("audit", N_("Audit log"))],
}


def commands_for(t: Translator, role: Role) -> list[BotCommand]:
    key = "pl" if t.locale == "pl" else "other"
    entries = list(_VOLUNTEER_COMMANDS[key])
    if role >= Role.COORDINATOR:
        entries += _COORDINATOR_COMMANDS[key]
    if role >= Role.ADMIN:
        entries += _ADMIN_COMMANDS[key]
    return [BotCommand(name, t.gettext(description)) for name, description in entries]


async def set_default_commands(bot: Bot, default_locale: str, timezone: str) -> None:
    """One menu per Telegram client language, plus a default in the organisation's language."""
    scope = BotCommandScopeAllPrivateChats()
    default = translator(default_locale, timezone)
    await bot.set_my_commands(commands_for(default, Role.VOLUNTEER), scope=scope)
    for locale in SUPPORTED_LOCALES:
        t = translator(locale, timezone)
        await bot.set_my_commands(commands_for(t, Role.VOLUNTEER), scope=scope, language_code=locale)


async def set_chat_commands(bot: Bot, chat_id: int, t: Translator, role: Role) -> bool:
    """The menu of one chat: in the user's chosen language, with coordinator commands if any."""
    try:
        await bot.set_my_commands(commands_for(t, role), scope=BotCommandScopeChat(chat_id))
    except TelegramError as exc:  # e.g. an admin who never opened the chat
        log.info("could not set the command menu of chat %s: %s", chat_id, exc)
        return False
    return True
