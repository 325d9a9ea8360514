"""Small helpers shared by the handlers: answering, keyboards, callback data, role checks."""

from __future__ import annotations

import functools
import logging
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
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
from bot.replies import alert, keyboard, page_row, show, stale_button
from bot.sending import send_safely, translator_for
from bot.services import Role

__all__ = [  # re-exported for the handlers; they live below handlers/ so jobs can use them too
    "alert",
    "keyboard",
    "page_row",
    "send_safely",
    "show",
    "stale_button",
    "translator_for",
]

log = logging.getLogger(__name__)

CALLBACK_DATA_LIMIT = 64

Handler = Callable[[Update, BotContext], Awaitable[Any]]


def cb(*parts: object) -> str:
    """Namespaced callback data, e.g. cb("ev", "join", 42) -> "ev:join:42" (at most 64 bytes)."""
    data = ":".join(str(p) for p in parts)
    if not 1 <= len(data.encode("utf-8")) <= CALLBACK_DATA_LIMIT:
        raise ValueError(f"callback data must be 1-64 bytes: {data!r}")
    return data


def page_of(update: Update, position: int = 2) -> int | None:
    """The page number a list button carries (0 for a command); None when the data is malformed."""
    if update.callback_query is None:
        return 0
    try:
        return max(int((update.callback_query.data or "").split(":")[position]), 0)
    except (IndexError, ValueError):
        return None


def requires_role(role: Role) -> Callable[[Handler], Handler]:
    """Check the role on every call, for commands and buttons alike; refuse politely."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        async def guarded(update: Update, context: BotContext, *args):
            if context.role >= role:
                return await handler(update, context, *args)
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
