"""Adapters for press handlers (a press handler is called with the update, the context and the
parsed press)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.context import BotContext


def ignoring_press(screen: Callable[[Update, BotContext], Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
    """A press handler for a button whose press carries nothing `screen` needs."""

    async def pressed(update: Update, context: BotContext, press: Any) -> None:
        await screen(update, context)

    return pressed
