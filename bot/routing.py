"""The one router that runs after the person's session is loaded (PTB's `check_update` is
synchronous and knows nothing of the session, so routing on stored state happens here).

- A press is parsed into its declared kind (bot/callback_data.py) and handed to the one
  handler registered for that kind; a flow's own buttons go to the flow engine. Any press
  outside the person's flow ends the flow first.
- /cancel ends the flow with a message; any other command ends it quietly and goes on to the
  command's handler.
- Anything else the person sends goes to the step their flow waits on, or, with no flow,
  on to the fallbacks (the short hint and the menu).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import ApplicationHandlerStop, BaseHandler, CommandHandler

from bot.callback_data import CallbackData
from bot.flow import Flow, FlowButton
from bot.flow_engine import FlowEngine

log = logging.getLogger(__name__)

PressHandler = Callable[[Update, Any, Any], Awaitable[Any]]
CANCEL_COMMANDS = ("anuluj", "cancel")


class Routes:
    def __init__(self) -> None:
        self.engine = FlowEngine()
        self.presses: dict[type[CallbackData], PressHandler] = {FlowButton: self._flow_press}
        self.handlers: list[BaseHandler] = []  # commands and other plain PTB handlers

    def command(self, names: str | list[str], callback) -> None:
        """A command: a plain PTB handler (the router has already ended any flow it leaves)."""
        self.handlers.append(CommandHandler(names, callback))

    def handler(self, handler: BaseHandler) -> None:
        self.handlers.append(handler)

    def press(self, kind: type[CallbackData], handler: PressHandler) -> None:
        if kind in self.presses:
            raise ValueError(f"{kind.__name__} has a handler already")
        self.presses[kind] = handler

    def flow(self, flow: Flow) -> Flow:
        return self.engine.add(flow)

    async def _flow_press(self, update: Update, context, press: FlowButton) -> None:
        await self.engine.handle_press(update, context, press)

    async def route(self, update: Update, context) -> None:
        if context.session is None:  # not a person in a private chat
            return
        query = update.callback_query
        if query is not None:
            press = CallbackData.parse(query.data)
            handler = self.presses.get(type(press)) if press is not None else None
            if handler is None:
                # Not a declared kind: the older handlers (or the stale-button answer) take it.
                await self.engine.abandon(update, context)
                return
            if not isinstance(press, FlowButton):
                await self.engine.abandon(update, context)
            await handler(update, context, press)
            raise ApplicationHandlerStop
        message = update.message
        if message is None:
            return
        if _command(message) is not None:
            if _command(message) in CANCEL_COMMANDS and await self.engine.cancel(update, context):
                raise ApplicationHandlerStop
            await self.engine.abandon(update, context)
            return
        if await self.engine.handle_message(update, context):
            raise ApplicationHandlerStop


def _command(message) -> str | None:
    text = message.text or ""
    if not text.startswith("/"):
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower() if len(text) > 1 else None
