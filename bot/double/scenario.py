"""Scenario helpers: a test (or the terminal chat) reads like a user's session.

chat = double.user(first_name="Anna", language_code="pl")
await chat.send("/start")
await chat.tap("Pomoc")
assert "Pomoc" in chat.last.text
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.double.html import utf16_len
from bot.double.state import ChatState, StoredMessage

if TYPE_CHECKING:
    from bot.double.api import BotApiDouble


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class BotMessage:
    """What the user sees of one message from the bot (its current state, after edits)."""

    message_id: int
    text: str  # plain text, as Telegram renders it (without formatting)
    html: str | None
    entities: list[dict]
    keyboard: list[list[Button]]
    document_name: str | None
    document_bytes: bytes | None
    edited: bool

    @property
    def buttons(self) -> list[str]:
        return [b.text for row in self.keyboard for b in row]

    def button(self, label: str) -> Button:
        for row in self.keyboard:
            for b in row:
                if b.text == label:
                    return b
        raise AssertionError(f"no button {label!r} in {self.buttons}")

    def __str__(self) -> str:
        return self.text


def _view(stored: StoredMessage) -> BotMessage:
    data = stored.data
    keyboard = [
        [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
        for row in (data.get("reply_markup") or {}).get("inline_keyboard", [])
    ]
    doc = data.get("document")
    return BotMessage(
        message_id=stored.message_id,
        text=data.get("text") or data.get("caption") or "",
        html=stored.html,
        entities=data.get("entities") or data.get("caption_entities") or [],
        keyboard=keyboard,
        document_name=doc["file_name"] if doc else None,
        document_bytes=stored.file_bytes if doc else None,
        edited="edit_date" in data,
    )


class UserChat:
    """One Telegram user in a private chat with the bot."""

    def __init__(
        self,
        double: BotApiDouble,
        user_id: int = 1001,
        first_name: str = "Anna",
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = "pl",
        chat_type: str = "private",
        chat_id: int | None = None,
    ):
        self.double = double
        self.user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
        if last_name:
            self.user["last_name"] = last_name
        if username:
            self.user["username"] = username
        if language_code:
            self.user["language_code"] = language_code
        if chat_type == "private":
            chat_info = {"id": user_id, "type": "private", "first_name": first_name}
        else:
            chat_info = {"id": chat_id or -100_000 - user_id, "type": chat_type, "title": "Grupa"}
        self.chat: ChatState = double.ensure_chat(chat_info)
        self._seen = 0
        self.last_update: dict | None = None

    # ---- what the user sees -----------------------------------------------------------
    @property
    def id(self) -> int:
        return self.user["id"]

    @property
    def messages(self) -> list[BotMessage]:
        """Every message from the bot still in the chat, oldest first."""
        with self.double.lock:
            return [_view(m) for m in self.chat.messages.values() if m.from_bot]

    @property
    def last(self) -> BotMessage:
        """The message the bot sent or edited most recently."""
        with self.double.lock:
            candidates = [m for m in self.chat.messages.values() if m.from_bot]
            if not candidates:
                raise AssertionError("the bot has not sent anything to this chat")
            latest = max(candidates, key=lambda m: m.changed)
            return _view(latest)

    @property
    def mark(self) -> int:
        """Where the conversation is now: changed_since(mark) gives what the bot did after."""
        with self.double.lock:
            return max((m.changed for m in self.chat.messages.values() if m.from_bot), default=0)

    def changed_since(self, mark: int) -> list[BotMessage]:
        """The bot's messages sent or edited after `mark`, in the order of those changes."""
        with self.double.lock:
            changed = sorted(
                (m for m in self.chat.messages.values() if m.from_bot and m.changed > mark), key=lambda m: m.changed
            )
            return [_view(m) for m in changed]

    @property
    def reply_keyboard(self) -> list[str]:
        return [b["text"] for row in (self.chat.reply_keyboard or []) for b in row]

    def new_messages(self) -> list[BotMessage]:
        """Messages sent since the previous call (edits excluded)."""
        with self.double.lock:
            ids = sorted(m.message_id for m in self.chat.messages.values() if m.from_bot)
            fresh = [i for i in ids if i > self._seen]
            if ids:
                self._seen = max(self._seen, ids[-1])
            return [_view(self.chat.messages[i]) for i in fresh]

    @property
    def alerts(self) -> list[str]:
        """Texts the bot showed as callback-query notifications, oldest first."""
        with self.double.lock:
            queries = list(self.double.callback_queries.values())
        return [q["text"] for q in queries if q["user_id"] == self.id and q.get("text")]

    def block_bot(self, blocked: bool = True) -> None:
        self.chat.blocked_bot = blocked

    # ---- what the user does -----------------------------------------------------------
    def _user_message(self, content: dict) -> dict:
        with self.double.lock:
            message_id = self.chat.next_message_id()
            data = {
                "message_id": message_id,
                "from": self.user,
                "chat": self.chat.info,
                "date": int(self.double.clock()),
                **content,
            }
            self.chat.messages[message_id] = StoredMessage(self.chat.id, message_id, False, data)
        return data

    async def _deliver(self, kind: str, payload: dict) -> None:
        self.last_update = {"update_id": self.double.next_update_id(), kind: payload}
        await self.double.deliver(self.last_update)

    async def redeliver(self) -> None:
        """Telegram delivers the last update again (its receipt was not confirmed before a restart)."""
        await self.double.deliver(self.last_update)

    async def send(self, text: str) -> None:
        content: dict[str, Any] = {"text": text}
        if text.startswith("/"):
            command = text.split()[0]
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16_len(command)}]
        await self._deliver("message", self._user_message(content))

    async def send_formatted(self, text: str, entities: list[dict]) -> None:
        """A message with Telegram's own formatting (bold, links...), as entities."""
        await self._deliver("message", self._user_message({"text": text, "entities": entities}))

    async def send_photo(
        self, content: bytes = b"\x89PNG photo", caption: str | None = None, caption_entities: list[dict] | None = None
    ) -> str:
        """A photo with an optional caption; returns the photo's file_id."""
        file_id = self.double.register_file(content, "photo.jpg")
        photo = [
            {
                "file_id": file_id,
                "file_unique_id": f"U{file_id}",
                "width": 1280,
                "height": 960,
                "file_size": len(content),
            }
        ]
        payload: dict[str, Any] = {"photo": photo}
        if caption is not None:
            payload["caption"] = caption
        if caption_entities:
            payload["caption_entities"] = caption_entities
        await self.send_other(**payload)
        return file_id

    async def edit(self, original_text: str, new_text: str) -> None:
        """Edit one of the user's own earlier messages."""
        for stored in reversed(list(self.chat.messages.values())):
            if not stored.from_bot and stored.data.get("text") == original_text:
                data = {**stored.data, "text": new_text, "edit_date": int(self.double.clock())}
                stored.data = data
                await self._deliver("edited_message", data)
                return
        raise AssertionError(f"no message {original_text!r} to edit")

    async def send_other(self, **content: Any) -> None:
        """Anything that is not text: a sticker, a location, a photo..."""
        await self._deliver("message", self._user_message(content))

    async def send_sticker(self) -> None:
        await self.send_other(
            sticker={
                "file_id": "STICKER1",
                "file_unique_id": "USTICKER1",
                "type": "regular",
                "width": 512,
                "height": 512,
                "is_animated": False,
                "is_video": False,
                "emoji": "👍",
            }
        )

    async def share_contact(self, phone_number: str, own: bool = True) -> None:
        contact = {"phone_number": phone_number, "first_name": self.user["first_name"]}
        if own:
            contact["user_id"] = self.id
        await self.send_other(contact=contact)

    async def send_document(self, content: bytes, file_name: str, mime_type: str) -> None:
        file_id = self.double.register_file(content, file_name)
        await self.send_other(
            document={
                "file_id": file_id,
                "file_unique_id": f"U{file_id}",
                "file_name": file_name,
                "mime_type": mime_type,
                "file_size": len(content),
            }
        )

    async def tap(self, label: str) -> None:
        """Press a button: an inline one on the newest message that has it, else a reply one."""
        with self.double.lock:
            newest_first = sorted(
                (m for m in self.chat.messages.values() if m.from_bot),
                key=lambda m: m.changed,
                reverse=True,
            )
        for message in map(_view, newest_first):
            for row in message.keyboard:
                for button in row:
                    if button.text == label:
                        if button.callback_data is None:
                            raise AssertionError(f"button {label!r} is a link to {button.url}")
                        await self.press(message.message_id, button.callback_data)
                        return
        for row in self.chat.reply_keyboard or []:
            for button in row:
                if button["text"] == label:
                    if button.get("request_contact"):
                        raise AssertionError("use share_contact() for a contact-request button")
                    await self.send(label)
                    return
        with self.double.lock:
            visible = [b for m in self.messages for b in m.buttons] + self.reply_keyboard
        raise AssertionError(f"no button {label!r}; visible buttons: {visible}")

    async def press(self, message_id: int, callback_data: str, answered: bool = True, late: bool = False) -> None:
        """Press a button with any callback data (also a forged or stale one). `late`: the press
        reaches the bot after Telegram stopped waiting for its answer (~15 s), so answering fails.
        Served over HTTP (bot/double/http.py) the answer comes later: `answered` is not checked."""
        with self.double.lock:
            stored = self.chat.messages.get(message_id)
            if stored is None or not stored.from_bot:
                raise AssertionError(f"no bot message {message_id} in this chat")
            query_id = uuid.uuid4().hex[:16]
            self.double.callback_queries[query_id] = {"user_id": self.id, "answered": late, "at": self.double.clock()}
            message = dict(stored.data)
        if late or not self.double.delivers_synchronously:
            answered = False
        await self._deliver(
            "callback_query",
            {
                "id": query_id,
                "from": self.user,
                "message": message,
                "chat_instance": str(self.chat.id),
                "data": callback_data,
            },
        )
        if answered and not self.double.callback_queries[query_id]["answered"]:
            raise AssertionError(f"the bot did not answer the callback query {callback_data!r}")


@asynccontextmanager
async def running(application, double: BotApiDouble) -> AsyncIterator:
    """Start an Application against the double (no polling: the double hands updates over)."""
    double.attach(application)
    async with application:
        await application.start()
        try:
            yield application
        finally:
            await application.stop()
