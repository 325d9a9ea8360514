"""The bot object the application talks to Telegram through: PTB's ExtBot, which never asks
Telegram for something it must refuse.

- A button press is answered at most once. Several layers may answer the same press (a menu
  edited in place answers quietly, then an alert); Telegram refuses the second answer with
  "400 query is too old or query ID is invalid". A press handled late (after ~15 s) is
  refused the same way: its effect stands, so the refusal is logged, never raised.
- An edit that would leave a message exactly as it is (same text, same buttons) is not sent:
  Telegram refuses it with "400 message is not modified". The bot remembers what it last put in
  its recent messages, so it knows.
"""

from __future__ import annotations

import inspect
import logging
from collections import OrderedDict
from typing import Any

from telegram._utils.defaultvalue import DefaultValue
from telegram.error import BadRequest
from telegram.ext import ApplicationBuilder, ExtBot

log = logging.getLogger(__name__)

_REMEMBERED = 4096  # presses are answered within seconds; older ids need not be kept


def _remember(cache: OrderedDict, key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > _REMEMBERED:
        cache.popitem(last=False)


_EDIT_TEXT = inspect.signature(ExtBot.edit_message_text)
_EDIT_MARKUP = inspect.signature(ExtBot.edit_message_reply_markup)


class VolunteerBot(ExtBot):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        with self._unfrozen():
            self._answered: OrderedDict[str, None] = OrderedDict()
            # (chat id, message id) -> (text, keyboard) the bot last put in that message; PTB's
            # keyboards are frozen and compare by their buttons
            self._shown: OrderedDict[tuple[int, int], tuple[str | None, str | None]] = OrderedDict()

    async def answer_callback_query(self, callback_query_id: str, *args, **kwargs) -> bool:
        if callback_query_id in self._answered:
            return True
        _remember(self._answered, callback_query_id, None)
        try:
            return await super().answer_callback_query(callback_query_id, *args, **kwargs)
        except BadRequest as exc:
            if "query is too old" not in exc.message and "query id is invalid" not in exc.message.lower():
                raise
            log.info("a button press was answered too late: %s", exc.message)
            return False

    async def send_message(self, *args, **kwargs):
        message = await super().send_message(*args, **kwargs)
        if message.text is not None:
            text = kwargs.get("text", args[1] if len(args) > 1 else None)
            _remember(self._shown, (message.chat_id, message.message_id), (text, message.reply_markup))
        return message

    async def edit_message_text(self, *args, **kwargs):
        call = _EDIT_TEXT.bind(self, *args, **kwargs).arguments
        key = (call.get("chat_id"), call.get("message_id"))
        shown = (call["text"], call.get("reply_markup"))
        if None not in key and self._shown.get(key) == shown:
            return True
        result = await super().edit_message_text(*args, **kwargs)
        if None not in key:
            _remember(self._shown, key, shown)
        return result

    async def edit_message_reply_markup(self, *args, **kwargs):
        call = _EDIT_MARKUP.bind(self, *args, **kwargs).arguments
        key = (call.get("chat_id"), call.get("message_id"))
        buttons = call.get("reply_markup")
        known = self._shown.get(key) if None not in key else None
        if known is not None and known[1] == buttons:
            return True
        result = await super().edit_message_reply_markup(*args, **kwargs)
        if None not in key:
            _remember(self._shown, key, (known[0] if known else None, buttons))
        return result


class VolunteerBotBuilder(ApplicationBuilder):
    """ApplicationBuilder that builds a VolunteerBot. PTB has no public hook for the bot's class, so
    this mirrors ApplicationBuilder._build_ext_bot (python-telegram-bot 22)."""

    def _build_ext_bot(self) -> ExtBot:
        if isinstance(self._token, DefaultValue):
            raise RuntimeError("No bot token was set.")
        return VolunteerBot(
            token=self._token,
            base_url=DefaultValue.get_value(self._base_url),
            base_file_url=DefaultValue.get_value(self._base_file_url),
            private_key=DefaultValue.get_value(self._private_key),
            private_key_password=DefaultValue.get_value(self._private_key_password),
            defaults=DefaultValue.get_value(self._defaults),
            arbitrary_callback_data=DefaultValue.get_value(self._arbitrary_callback_data),
            request=self._build_request(get_updates=False),
            get_updates_request=self._build_request(get_updates=True),
            rate_limiter=DefaultValue.get_value(self._rate_limiter),
            local_mode=DefaultValue.get_value(self._local_mode),
        )
