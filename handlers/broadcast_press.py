"""A press on a button that names an announcement: the coordinator's role checked, then the
announcement loaded and re-checked on the server (`own_draft`, `started`) and handed to the
handler; a stale one is answered "no longer valid" and the handler does not run."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import BotContext
from handlers.broadcast_drafts import PressHandler, coordinators_only
from storage.broadcasts import Broadcast

Loader = Callable[[Update, BotContext, int | None], Awaitable[Broadcast | None]]
LoadedHandler = Callable[[Update, BotContext, Any, Broadcast], Awaitable[Any]]


def _named_id(press: Any) -> int | None:
    return press.id


def pressed_on(load: Loader, named: Callable[[Any], int | None] = _named_id) -> Callable[[LoadedHandler], PressHandler]:
    """`@pressed_on(own_draft)`: the handler gets (update, context, press, the announcement);
    `named` says which field of the press holds its id (`id` unless told)."""

    def decorate(handler: LoadedHandler) -> PressHandler:
        @coordinators_only
        @functools.wraps(handler)
        async def loaded(update: Update, context: BotContext, press: Any) -> Any:
            found = await load(update, context, named(press))
            if found is not None:
                return await handler(update, context, press, found)
            return None

        return loaded

    return decorate
