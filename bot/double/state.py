"""What the Bot API double remembers (chats, their messages and reply keyboards) and the rules
for finding a chat and storing a bot's message, shared by its method families."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bot.double.rules import SEND_METHODS, ApiError, FloodControl, bad_request


@dataclass
class StoredMessage:
    chat_id: int
    message_id: int
    from_bot: bool
    data: dict  # the Message object as the Bot API returns it
    html: str | None = None
    file_bytes: bytes | None = None
    file_name: str | None = None
    changed: int = 0  # order of the last send or edit, so scenarios can follow edits


@dataclass
class ChatState:
    info: dict
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    blocked_bot: bool = False
    reply_keyboard: list[list[dict]] | None = None
    commands_by_scope: dict = field(default_factory=dict)
    # Supergroups (bot/double/groups.py): the bot's membership, the members, the forum topics.
    bot_member: dict | None = None
    members: dict[int, dict] = field(default_factory=dict)
    topics: dict[int, dict] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def id(self) -> int:
        return self.info["id"]

    @property
    def is_group(self) -> bool:
        return self.info["type"] in ("group", "supergroup")

    def next_message_id(self) -> int:
        return next(self._ids)


def by_id(found: dict, key: Any, *, remove: bool = False) -> Any:
    """A chat or message by the id a request names (taken out, when asked); None for an
    unknown or malformed id."""
    try:
        key = int(key)
    except (TypeError, ValueError):
        return None
    return found.pop(key, None) if remove else found.get(key)


class ServerState:
    """The part of BotApiDouble (bot/double/api.py) that every method family uses."""

    bot_user: dict
    chats: dict[int, ChatState]
    flood_control: FloodControl | None
    clock: Callable[[], float]
    _changes: itertools.count
    lock: threading.RLock  # see BotApiDouble.__init__

    def ensure_chat(self, info: dict) -> ChatState:
        with self.lock:
            chat = self.chats.get(info["id"])
            if chat is None:
                chat = self.chats[info["id"]] = ChatState(info=dict(info))
            return chat

    def _chat(self, chat_id: Any) -> ChatState:
        chat = by_id(self.chats, chat_id)
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _sendable_chat(self, chat_id: Any, method: str, paid: bool = False) -> ChatState:
        chat = self._chat(chat_id)
        if chat.is_group and (chat.bot_member or {}).get("status") in ("left", "kicked"):
            raise ApiError(403, f"Forbidden: bot was kicked from the {chat.info['type']} chat")
        if chat.blocked_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.flood_control and method in SEND_METHODS:
            self.flood_control.check(chat.id, chat.is_group, paid)
        return chat

    def _store_bot_message(self, chat: ChatState, content: dict, html: str | None = None, **extra) -> dict:
        message_id = chat.next_message_id()
        data = {
            "message_id": message_id,
            "from": self.bot_user,
            "chat": chat.info,
            "date": int(self.clock()),
            **content,
        }
        chat.messages[message_id] = StoredMessage(
            chat.id, message_id, True, data, html, changed=next(self._changes), **extra
        )
        return data

    def _apply_reply_keyboard(self, chat: ChatState, markup: dict | None) -> dict | None:
        """Reply keyboards are not part of the returned message; they change the chat's keyboard."""
        if markup is None:
            return None
        if "keyboard" in markup:
            chat.reply_keyboard = [
                [b if isinstance(b, dict) else {"text": b} for b in row] for row in markup["keyboard"]
            ]
            return None
        if markup.get("remove_keyboard"):
            chat.reply_keyboard = None
            return None
        return markup
