"""/jezyk (/language): choose the bot's language with a button or by typing its name.

The choice is a one-step flow "language": its buttons and a typed name both answer it. A
language button pressed after the flow has ended (or an older release's "lang:set:<locale>")
still sets that language: it is harmless and sets a state."""

from __future__ import annotations

import contextlib
import unicodedata

from telegram import Message, Update
from telegram.error import TelegramError

from bot.buttons.language import LanguageButton
from bot.callback_data import CallbackData
from bot.config import SUPPORTED_LOCALES
from bot.context import BotContext
from bot.flow import Choice, End, Flow, FlowButton, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem
from bot.i18n import LANGUAGE_FLAGS, LANGUAGE_NAMES, N_, translator
from bot.routing import Routes
from handlers.common import stale_button
from handlers.menu import deep_link, menu_after
from handlers.session import sync_chat_menu

FLOW = "language"
STEP = "pick"

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


# ---- entering ---------------------------------------------------------------------------------
async def ask_language(update: Update, context: BotContext) -> None:
    """/jezyk, the menu's "🌐 Language" and t.me/<bot>?start=language."""
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.flows.start(update, context, FLOW)


@deep_link("language")
async def language_link(update: Update, context: BotContext, argument: str) -> None:
    await ask_language(update, context)


# ---- the flow -----------------------------------------------------------------------------------
async def _ask(run: FlowRun) -> Prompt:
    t = run.t
    choices = [
        Choice(f"{LANGUAGE_FLAGS[locale]} {LANGUAGE_NAMES[locale]}{' ✓' if locale == t.locale else ''}", locale)
        for locale in SUPPORTED_LOCALES
    ]
    return Prompt(t._("Choose the language, or type its name (for example “English”):"), choices=choices)


async def _read(run: FlowRun, message: Message) -> Accepted | Problem:
    locale = _LOOKUP.get(_fold((message.text or "")[:100]))
    return Accepted(locale) if locale is not None else Problem(N_("I don't know that language."))


async def _chosen(run: FlowRun, locale: str) -> End:
    """In the step's transaction: the choice is stored; the answer is in the new language."""
    context = run.context
    await run.services.users.set_locale(run.user_id, locale)
    context.t = translator(locale, run.services.settings.timezone)

    async def sync_menu() -> None:
        await sync_chat_menu(context, run.update.effective_chat.id)

    return End(context.t._("Done: from now on I will write in English."), after=sync_menu)


async def _stale(update: Update, context: BotContext) -> None:
    """A language button of a choice that has ended: it still sets that language."""
    press = CallbackData.parse(update.callback_query.data)
    if isinstance(press, FlowButton) and press.step == STEP and press.value in SUPPORTED_LOCALES:
        await _switch(update, context, press.value)
    else:
        await stale_button(update, context)


LANGUAGE = Flow(FLOW, lambda run: [Step(STEP, _ask, read=_read, done=_chosen)], stale=_stale)


# ---- a language button outside the flow ------------------------------------------------------------
async def _switch(update: Update, context: BotContext, locale: str) -> None:
    await context.services.users.set_locale(update.effective_user.id, locale)
    context.t = translator(locale, context.services.settings.timezone)
    await sync_chat_menu(context, update.effective_chat.id)
    query = update.callback_query
    await query.answer()
    with contextlib.suppress(TelegramError):  # pressed twice: the buttons are gone already
        await query.edit_message_reply_markup(None)
    await menu_after(update, context, context.t._("Done: from now on I will write in English."))


async def pressed(update: Update, context: BotContext, press: LanguageButton) -> None:
    if press.act == "menu":
        await ask_language(update, context)
    elif press.locale in SUPPORTED_LOCALES:
        await _switch(update, context, press.locale)
    else:
        await stale_button(update, context)


def register(routes: Routes) -> None:
    routes.flow(LANGUAGE)
    routes.press(LanguageButton, pressed)
    routes.command(["jezyk", "language"], ask_language)
