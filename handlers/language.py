"""/jezyk (/language): choose the bot's language with a button or by typing its name."""

from __future__ import annotations

import unicodedata

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.config import SUPPORTED_LOCALES
from bot.context import BotContext
from bot.i18n import LANGUAGE_FLAGS, LANGUAGE_NAMES, translator
from handlers.common import cb, flow, keyboard, show, stale_button
from handlers.menu import LANGUAGE_MENU, cancel, menu_after
from handlers.session import sync_chat_menu

CHOOSING = "choosing"
SET_PREFIX = "lang:set:"

# Names people type, in any of the supported languages (compared without case or accents).
_TYPED_NAMES = {
    "pl": ["pl", "polski", "polish", "польська", "polska", "po polsku"],
    "en": ["en", "english", "angielski", "англійська", "po angielsku"],
    "uk": ["uk", "ua", "українська", "ukrainian", "ukraiński", "ukrainski", "po ukraińsku"],
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().strip())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("ł", "l")


_LOOKUP = {_fold(name): locale for locale, names in _TYPED_NAMES.items() for name in names}


def _picker(context: BotContext) -> tuple[str, object]:
    t = context.t
    rows = []
    for locale in SUPPORTED_LOCALES:
        mark = " ✓" if locale == t.locale else ""
        rows.append(
            [
                (
                    f"{LANGUAGE_FLAGS[locale]} {LANGUAGE_NAMES[locale]}{mark}",
                    cb("lang", "set", locale),
                )
            ]
        )
    text = t._("Choose the language, or type its name (for example “English”):")
    return text, keyboard(rows)


async def ask_language(update: Update, context: BotContext) -> str:
    text, markup = _picker(context)
    await show(update, context, text, markup)
    return CHOOSING


async def _switch(update: Update, context: BotContext, locale: str) -> int:
    settings = context.services.settings
    await context.services.users.set_locale(update.effective_user.id, locale)
    context.t = translator(locale, settings.timezone)
    await sync_chat_menu(context, update.effective_chat.id)
    t = context.t
    if update.callback_query:
        await update.callback_query.answer()
        await update.callback_query.edit_message_reply_markup(None)
    await menu_after(update, context, t._("Done: from now on I will write in English."))
    return ConversationHandler.END


async def chosen_by_button(update: Update, context: BotContext) -> int:
    locale = update.callback_query.data.removeprefix(SET_PREFIX)
    if locale not in SUPPORTED_LOCALES:
        await stale_button(update, context)
        return ConversationHandler.END
    return await _switch(update, context, locale)


async def chosen_by_name(update: Update, context: BotContext) -> object:
    locale = _LOOKUP.get(_fold(update.effective_message.text or ""))
    if locale is None:
        text, markup = _picker(context)
        await show(
            update,
            context,
            context.t._("I don't know that language.") + " " + text,
            markup,
        )
        return CHOOSING
    return await _switch(update, context, locale)


async def not_a_language(update: Update, context: BotContext) -> str:
    text, markup = _picker(context)
    await show(update, context, context.t._("Please choose a language with a button.") + " " + text, markup)
    return CHOOSING


def conversation() -> ConversationHandler:
    return flow(
        "language",
        entry_points=[
            CommandHandler(["jezyk", "language"], ask_language),
            CommandHandler("start", ask_language, filters.Regex(r"^/start language$")),
            CallbackQueryHandler(ask_language, pattern=f"^{LANGUAGE_MENU}$"),
        ],
        states={
            CHOOSING: [
                CallbackQueryHandler(chosen_by_button, pattern=f"^{SET_PREFIX}"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, chosen_by_name),
                MessageHandler(~filters.COMMAND, not_a_language),
            ]
        },
        cancel=cancel,
    )


def stale_choice_handler() -> CallbackQueryHandler:
    """A language button pressed outside the conversation still works: it is harmless."""
    return CallbackQueryHandler(chosen_by_button, pattern=f"^{SET_PREFIX}")
