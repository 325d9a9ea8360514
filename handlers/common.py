"""Small helpers shared by the handlers: answering, keyboards, callback data, role checks."""

from __future__ import annotations

import functools
import html
import logging
import re
import warnings
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationHandlerStop,
    BaseHandler,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)
from telegram.warnings import PTBUserWarning

from bot.context import BotContext
from bot.services import Role

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64

Handler = Callable[[Update, BotContext], Awaitable[Any]]


def cb(*parts: object) -> str:
    """Namespaced callback data, e.g. cb("ev", "join", 42) -> "ev:join:42" (at most 64 bytes)."""
    data = ":".join(str(p) for p in parts)
    if not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data must be 1-64 bytes: {data!r}")
    return data


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of (label, callback data); a data starting with http(s):// makes a link button."""
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data)
                if data.startswith(("http://", "https://", "tg://"))
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in rows
        ]
    )


def page_of(update: Update, position: int = 2) -> int | None:
    """The page number a list button carries (0 for a command); None when the data is malformed."""
    if update.callback_query is None:
        return 0
    try:
        return max(int((update.callback_query.data or "").split(":")[position]), 0)
    except (IndexError, ValueError):
        return None


def page_row(t, page: int, total: int, size: int, data_for: Callable[[int], str]) -> list[list[tuple[str, str]]]:
    """The "« Previous" / "Next »" row of a paged list (none when it fits one page)."""
    row = []
    if page > 0:
        row.append((t.gettext("« Previous"), data_for(page - 1)))
    if (page + 1) * size < total:
        row.append((t.gettext("Next »"), data_for(page + 1)))
    return [row] if row else []


async def show(
    update: Update,
    context: BotContext,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    new_message: bool = False,
) -> None:
    """Answer: edit the menu message in place after a button press, else send a new message."""
    query = update.callback_query
    if query is not None and query.message is not None and not new_message:
        await _answer_quietly(update)
        if _shows_already(query.message, text, markup):  # Telegram refuses an edit that changes nothing
            return
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            if "message to edit not found" not in exc.message and "can't be edited" not in exc.message:
                raise
    elif query is not None:
        await _answer_quietly(update)
    await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


def _shows_already(message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """The pressed message already reads this (as Telegram reports it: plain text and buttons)."""
    if getattr(message, "reply_markup", None) != markup:
        return False
    plain = html.unescape(re.sub(r"<[^>]+>", "", str(text))).strip()
    return (getattr(message, "text", None) or "").strip() == plain


async def _answer_quietly(update: Update) -> None:
    try:
        await update.callback_query.answer()
    except BadRequest as exc:  # answered already, or too old: the user is not waiting any more
        log.debug("callback query not answered: %s", exc.message)


async def alert(update: Update, text: str) -> None:
    """A notification over the chat after a button press (plain text, at most 200 characters)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.effective_chat is not None:
        await update.get_bot().send_message(update.effective_chat.id, text)


async def stale_button(update: Update, context: BotContext) -> None:
    """A button that no longer applies (old, forged, or for something gone): say so, change nothing."""
    if update.callback_query is not None:
        log.info("stale or unknown button %r", (update.callback_query.data or "")[:64])
    await alert(update, context.t.gettext("This button is no longer valid. Type /start for the menu."))


def requires_role(role: Role) -> Callable[[Handler], Handler]:
    """Check the role on every call, for commands and buttons alike; refuse politely."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext):
            if context.role >= role:
                return await handler(update, context)
            log.warning(
                "user %s tried %s without the %s role",
                update.effective_user.id if update.effective_user else None,
                handler.__name__,
                role.name,
            )
            if role >= Role.ADMIN:
                await alert(update, context.t.gettext("This is only available to admins."))
            else:
                await alert(update, context.t.gettext("This is only available to coordinators."))
            return ConversationHandler.END

        return guarded

    return decorate


# ---- conversations -----------------------------------------------------------------------
# Each conversation lives in its own handler group, before the global handlers. An update a
# conversation handles stops there; any other command or button ends the conversation quietly
# and goes on to whatever handles it (so /start or a menu button always works, and a new
# conversation can begin while the old one is left behind). /anuluj ends it with a message.
CANCEL_COMMANDS = ("anuluj", "cancel")


def _stopping(callback: Handler) -> Handler:
    @functools.wraps(callback)
    async def run(update: Update, context: BotContext):
        raise ApplicationHandlerStop(await callback(update, context))

    return run


async def _leave_quietly(update: Update, context: BotContext) -> int:
    return ConversationHandler.END


def flow(
    name: str,
    entry_points: list[BaseHandler],
    states: dict[object, list[BaseHandler]],
    cancel: Handler,
) -> ConversationHandler:
    unique = {id(h): h for h in [*entry_points, *(h for hs in states.values() for h in hs)]}
    for handler in unique.values():
        handler.callback = _stopping(handler.callback)
    fallbacks: list[BaseHandler] = [
        CommandHandler(list(CANCEL_COMMANDS), _stopping(cancel)),
        MessageHandler(filters.COMMAND, _leave_quietly),
        CallbackQueryHandler(_leave_quietly),
    ]
    with warnings.catch_warnings():
        # PTB warns that buttons are tracked per chat, not per message: that is intended here.
        warnings.filterwarnings("ignore", category=PTBUserWarning, message=".*per_message.*")
        return ConversationHandler(
            name=name,
            persistent=True,
            entry_points=entry_points,
            states=states,
            fallbacks=fallbacks,
            allow_reentry=True,
        )


# ---- the audit log -------------------------------------------------------------------------------
async def audit(context: BotContext, actor_id: int | None, action: str, target: str | None = None, **details) -> None:
    """Record a privileged action: ids and short facts only (see storage.audit)."""
    await context.services.audit.record(actor_id, action, target, context.services.clock(), **details)


# ---- writing to someone who did not just write to us ------------------------------------------
async def translator_for(services, telegram_id: int):
    """The language a person chose (or their Telegram language), for messages sent to them."""
    from bot.i18n import resolve_locale, translator

    settings = services.settings
    user = await services.users.get(telegram_id)
    locale = resolve_locale(
        user.chosen_locale if user else None,
        user.telegram_locale if user else None,
        settings.default_locale,
    )
    return translator(locale, settings.timezone)


async def send_safely(bot, services, chat_id: int, text: str, markup=None) -> bool:
    """Send a notification; a user who blocked the bot is marked unreachable, not an error."""
    from telegram.error import Forbidden, TelegramError

    try:
        await bot.send_message(chat_id, text, reply_markup=markup)
    except Forbidden:
        await services.users.mark_unreachable(chat_id)
        return False
    except TelegramError as exc:
        log.warning("could not send a message to %s: %s", chat_id, exc)
        return False
    return True
