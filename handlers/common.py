"""Small helpers shared by the handlers: answering, keyboards, callback data, role checks."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import BotContext
from bot.replies import alert, key_row, keyboard, page_row, show, stale_button
from bot.sending import send_safely, translator_for
from bot.services import Role

__all__ = [  # re-exported for the handlers; they live below handlers/ so jobs can use them too
    "alert",
    "key_row",
    "keyboard",
    "page_row",
    "send_safely",
    "show",
    "stale_button",
    "translator_for",
]

log = logging.getLogger(__name__)

Handler = Callable[[Update, BotContext], Awaitable[Any]]


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
            return None

        return guarded

    return decorate


# ---- the audit log -------------------------------------------------------------------------------
async def audit(context: BotContext, actor_id: int | None, action: str, target: str | None = None, **details) -> None:
    """Record a privileged action: ids and short facts only (see storage.audit)."""
    await context.services.audit.record(actor_id, action, target, context.services.clock(), **details)
