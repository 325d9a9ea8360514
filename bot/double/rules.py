"""Telegram's rules as the Bot API double enforces them: the limits, the errors it answers with,
flood control (429 with retry_after), and the checks of formatted text and of reply markup."""

from __future__ import annotations

import json
import math
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.double.html import EntityParseError, parse_html, utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
ALERT_LIMIT = 200
# The methods that send a message, so flood control counts them.
SEND_METHODS = {
    "sendMessage",
    "sendDocument",
    "sendPhoto",
    "copyMessage",
    "sendMediaGroup",
}
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "web_app",
    "login_url",
    "copy_text",
    "callback_game",
    "pay",
)
NOT_FOUND = b'{"ok":false,"error_code":404,"description":"Not Found"}'
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)


class ApiError(Exception):
    def __init__(self, code: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.parameters = parameters


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


@dataclass
class FloodControl:
    """Telegram's limits: ~30 messages/s overall, ~1/s in one private chat with a short burst,
    20/minute in a group; paid broadcasts (allow_paid_broadcast) up to 1000/s overall.
    Exceeding them gets 429 with retry_after. It also keeps figures for tests and benchmarks:
    the busiest one-second window and the shortest gap between two messages to one chat."""

    global_per_second: float = 30.0
    chat_per_second: float = 1.0
    chat_burst: int = 3
    group_per_minute: int = 20
    clock: Callable[[], float] = time.monotonic
    paid_per_second: float = 1000.0
    _global: deque = field(default_factory=deque)
    _chats: dict = field(default_factory=dict)
    rejected: int = 0
    accepted: int = 0
    peak_per_second: int = 0
    shortest_chat_gap: float = math.inf
    _last_in_chat: dict = field(default_factory=dict)

    def check(self, chat_id: int, is_group: bool, paid: bool = False) -> None:
        now = self.clock()
        window = self._global
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= (self.paid_per_second if paid else self.global_per_second):
            self._reject(1.0 - (now - window[0]))
        per_chat = self._chats.setdefault(chat_id, deque())
        horizon = 60.0 if is_group else self.chat_burst / self.chat_per_second
        limit = self.group_per_minute if is_group else self.chat_burst
        while per_chat and now - per_chat[0] >= horizon:
            per_chat.popleft()
        if len(per_chat) >= limit:
            self._reject(horizon - (now - per_chat[0]))
        window.append(now)
        per_chat.append(now)
        self.accepted += 1
        self.peak_per_second = max(self.peak_per_second, len(window))
        last = self._last_in_chat.get(chat_id)
        if last is not None:
            self.shortest_chat_gap = min(self.shortest_chat_gap, now - last)
        self._last_in_chat[chat_id] = now

    def _reject(self, wait: float) -> None:
        self.rejected += 1
        retry_after = max(1, math.ceil(wait))
        raise ApiError(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})


def formatted(text: Any, parse_mode: Any, limit: int, what: str) -> tuple[str, list, str]:
    """The plain text and entities of a text or caption, as Telegram parses it, or its 400."""
    if not isinstance(text, str):
        raise bad_request(f"{what} must be a string")
    if parse_mode in (None, ""):
        plain, entities = text, []
    elif str(parse_mode).upper() == "HTML":
        try:
            plain, entities = parse_html(text)
        except EntityParseError as exc:
            raise bad_request(str(exc)) from None
    else:
        raise bad_request(f"unsupported parse_mode {parse_mode!r} (this bot uses HTML)")
    if not plain.strip():
        raise bad_request(f"{what} is empty")
    if utf16_len(plain) > limit:
        # Telegram: "message is too long" / "message caption is too long"
        raise bad_request("message is too long" if what == "message text" else f"{what} is too long")
    return plain, [e.to_dict() for e in entities], text


def checked_markup(markup: Any) -> dict | None:
    """A reply_markup parameter, decoded and checked as Telegram checks its keyboards."""
    if markup is None:
        return None
    if isinstance(markup, str):
        markup = json.loads(markup)
    if "inline_keyboard" in markup:
        total = 0
        for row in markup["inline_keyboard"]:
            for button in row:
                total += 1
                if not str(button.get("text", "")).strip():
                    raise bad_request("can't parse inline keyboard button: Text must be non-empty")
                kinds = [k for k in _BUTTON_ACTIONS if k in button]
                if len(kinds) != 1:
                    raise bad_request("can't parse inline keyboard button: exactly one action is required")
                if "callback_data" in button:
                    size = len(str(button["callback_data"]).encode("utf-8"))
                    if not 1 <= size <= CALLBACK_DATA_LIMIT:
                        raise bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(r"^(https?|tg)://\S+$", button["url"]):
                    raise bad_request("BUTTON_URL_INVALID")
        if total > 100:
            raise bad_request("too many inline keyboard buttons")
    elif "keyboard" in markup:
        for row in markup["keyboard"]:
            for button in row:
                text = button if isinstance(button, str) else button.get("text", "")
                if not str(text).strip():
                    raise bad_request("keyboard button text must be non-empty")
    return markup
