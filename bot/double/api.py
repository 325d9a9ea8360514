"""An in-process Bot API: the methods the bot uses, with the JSON shapes and rules of Telegram.

It implements python-telegram-bot's `BaseRequest`, so the real `Bot` and `Application` talk
to it exactly as they would talk to api.telegram.org. It enforces what Telegram enforces:
text 1-4096 characters after entity parsing, captions up to 1024, callback_data 1-64 bytes,
HTML with Telegram's tags only, "message is not modified", unknown chats (400), users who
blocked the bot (403) and, when switched on, flood control answering 429 with retry_after.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
import re
import time
import urllib.parse
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.double.html import EntityParseError, parse_html, utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64
ALERT_LIMIT = 200
DEFAULT_TOKEN = "123456789:TEST-double-token"
_URL = re.compile(r"/(?:file/)?bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SEND_METHODS = {
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
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    @property
    def id(self) -> int:
        return self.info["id"]

    @property
    def is_group(self) -> bool:
        return self.info["type"] in ("group", "supergroup")

    def next_message_id(self) -> int:
        return next(self._ids)


class BotApiDouble(BaseRequest):
    """The fake Telegram server. Make users with `user()` and drive them from scenarios."""

    def __init__(
        self,
        *,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "volunteer_test_bot",
        flood_control: FloodControl | None = None,
        latency: float = 0.0,
        clock: Callable[[], float] = time.time,
    ):
        self.token = token
        self.bot_user = {
            "id": int(token.split(":")[0]),
            "is_bot": True,
            "first_name": "Wolontariat",
            "username": bot_username,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }
        self.flood_control = flood_control
        self.latency = latency
        self.clock = clock
        self.chats: dict[int, ChatState] = {}
        self.commands: dict[tuple[str, str], list[dict]] = {}
        self.requests: list[tuple[str, dict]] = []
        self.errors: list[tuple[str, int, str]] = []
        self.callback_queries: dict[str, dict] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self._update_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._changes = itertools.count(1)
        self._updates: asyncio.Queue | None = None
        self.application = None  # set by attach(); updates then go straight to it
        self.on_request: Callable[[str, dict], None] | None = None
        self._scripted: list[tuple[str, int | None, ApiError]] = []

    # ---- wiring -----------------------------------------------------------------------
    def attach(self, application) -> None:
        self.application = application

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    def user(self, user_id: int = 1001, first_name: str = "Anna", **kwargs):
        from bot.double.scenario import UserChat

        return UserChat(self, user_id=user_id, first_name=first_name, **kwargs)

    def ensure_chat(self, info: dict) -> ChatState:
        chat = self.chats.get(info["id"])
        if chat is None:
            chat = self.chats[info["id"]] = ChatState(info=dict(info))
        return chat

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def deliver(self, update_data: dict) -> None:
        """Hand an update to the attached Application the way its update fetcher does."""
        if self.application is None:
            await self._queue().put(update_data)
            return
        from telegram import Update

        app = self.application
        update = Update.de_json(update_data, app.bot)
        await app.update_processor.process_update(update, app.process_update(update))

    def _queue(self) -> asyncio.Queue:
        if self._updates is None:
            self._updates = asyncio.Queue()
        return self._updates

    # ---- BaseRequest ------------------------------------------------------------------
    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout=None,
        write_timeout=None,
        connect_timeout=None,
        pool_timeout=None,
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            return self._download(url)
        match = _URL.search(url)
        if match is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        if match["token"] != self.token:
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        api_method = match["method"]
        params = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        self.requests.append((api_method, params))
        if self.on_request:
            self.on_request(api_method, params)
        if self.latency:
            await asyncio.sleep(self.latency)
        handler = getattr(self, f"_m_{api_method}", None)
        if handler is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found: method not found"}'
        try:
            scripted = self._scripted_error(api_method, params) if self._scripted else None
            if scripted is not None:
                raise scripted
            result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as error:
            self.errors.append((api_method, error.code, error.description))
            body: dict[str, Any] = {
                "ok": False,
                "error_code": error.code,
                "description": error.description,
            }
            if error.parameters:
                body["parameters"] = error.parameters
            return error.code, json.dumps(body).encode()
        return 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()

    # ---- rules shared by several methods ----------------------------------------------
    def _chat(self, chat_id: Any) -> ChatState:
        try:
            chat = self.chats.get(int(chat_id))
        except (TypeError, ValueError):
            chat = None
        if chat is None:
            raise bad_request("chat not found")
        return chat

    def _sendable_chat(self, chat_id: Any, method: str, paid: bool = False) -> ChatState:
        chat = self._chat(chat_id)
        if chat.blocked_bot:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if self.flood_control and method in _SEND_METHODS:
            self.flood_control.check(chat.id, chat.is_group, paid)
        return chat

    def fail_next(
        self,
        method: str,
        code: int,
        description: str,
        *,
        retry_after: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Answer the next `times` calls of `method` (to `chat_id`, or any chat) with an error,
        e.g. fail_next("sendMessage", 429, "Too Many Requests: retry after 2", retry_after=2)."""
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        for _ in range(times):
            self._scripted.append((method, chat_id, ApiError(code, description, parameters)))

    def _scripted_error(self, method: str, params: dict) -> ApiError | None:
        for i, (wanted, chat_id, error) in enumerate(self._scripted):
            if wanted == method and (chat_id is None or str(chat_id) == str(params.get("chat_id"))):
                del self._scripted[i]
                return error
        return None

    def count_errors(self, code: int, method: str | None = None) -> int:
        """How many answers had this error code (e.g. 429), for one method or all."""
        return sum(1 for m, c, _ in self.errors if c == code and (method is None or m == method))

    @staticmethod
    def _formatted(text: Any, parse_mode: Any, limit: int, what: str) -> tuple[str, list, str]:
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

    @staticmethod
    def _markup(markup: Any) -> dict | None:
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

    def _stored(self, chat: ChatState, message_id: Any) -> StoredMessage:
        try:
            stored = chat.messages.get(int(message_id))
        except (TypeError, ValueError):
            stored = None
        if stored is None:
            raise bad_request("message to edit not found")
        return stored

    # ---- methods ----------------------------------------------------------------------
    def _m_getMe(self, params, files):
        return self.bot_user

    def _m_deleteWebhook(self, params, files):
        return True

    def _m_setWebhook(self, params, files):
        return True

    def _m_getWebhookInfo(self, params, files):
        return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}

    async def _m_getUpdates(self, params, files):
        queue = self._queue()
        timeout = float(params.get("timeout") or 0)
        offset = int(params.get("offset") or 0)
        updates = []
        if queue.empty() and timeout:
            try:
                updates.append(await asyncio.wait_for(queue.get(), timeout))
            except TimeoutError:
                return []
        while not queue.empty():
            updates.append(queue.get_nowait())
        return [u for u in updates if u["update_id"] >= offset]

    def _m_setMyCommands(self, params, files):
        commands = params.get("commands") or []
        if isinstance(commands, str):
            commands = json.loads(commands)
        if len(commands) > 100:
            raise bad_request("too many commands")
        for command in commands:
            if not _COMMAND.match(str(command.get("command", ""))):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad_request("command description must be 1-256 characters")
        scope = params.get("scope") or {"type": "default"}
        if scope.get("type") == "chat":
            self._chat(scope.get("chat_id"))
        key = (json.dumps(scope, sort_keys=True), params.get("language_code") or "")
        self.commands[key] = commands
        return True

    def _m_deleteMyCommands(self, params, files):
        scope = params.get("scope") or {"type": "default"}
        self.commands.pop((json.dumps(scope, sort_keys=True), params.get("language_code") or ""), None)
        return True

    def _m_getMyCommands(self, params, files):
        scope = params.get("scope") or {"type": "default"}
        return self.commands.get((json.dumps(scope, sort_keys=True), params.get("language_code") or ""), [])

    def _m_setChatMenuButton(self, params, files):
        return True

    def _m_sendChatAction(self, params, files):
        self._sendable_chat(params.get("chat_id"), "sendChatAction")
        return True

    def _m_sendMessage(self, params, files):
        chat = self._sendable_chat(params.get("chat_id"), "sendMessage", bool(params.get("allow_paid_broadcast")))
        plain, entities, html = self._formatted(
            params.get("text"), params.get("parse_mode"), TEXT_LIMIT, "message text"
        )
        markup = self._apply_reply_keyboard(chat, self._markup(params.get("reply_markup")))
        content: dict[str, Any] = {"text": plain}
        if entities:
            content["entities"] = entities
        if markup:
            content["reply_markup"] = markup
        return self._store_bot_message(chat, content, html if params.get("parse_mode") else None)

    def _m_editMessageText(self, params, files):
        chat = self._chat(params.get("chat_id"))
        stored = self._stored(chat, params.get("message_id"))
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        plain, entities, html = self._formatted(
            params.get("text"), params.get("parse_mode"), TEXT_LIMIT, "message text"
        )
        markup = self._markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        old = stored.data
        if old.get("text") == plain and old.get("entities", []) == entities and old.get("reply_markup") == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        new = {k: v for k, v in old.items() if k not in ("text", "entities", "reply_markup")}
        new["text"] = plain
        if entities:
            new["entities"] = entities
        if markup:
            new["reply_markup"] = markup
        new["edit_date"] = int(self.clock())
        stored.data = new
        stored.html = html if params.get("parse_mode") else None
        stored.changed = next(self._changes)
        return new

    def _m_editMessageReplyMarkup(self, params, files):
        chat = self._chat(params.get("chat_id"))
        stored = self._stored(chat, params.get("message_id"))
        markup = self._markup(params.get("reply_markup"))
        if stored.data.get("reply_markup") == markup:
            raise bad_request(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        new = {k: v for k, v in stored.data.items() if k != "reply_markup"}
        if markup:
            new["reply_markup"] = markup
        stored.data = new
        stored.changed = next(self._changes)
        return new

    def _m_deleteMessage(self, params, files):
        chat = self._chat(params.get("chat_id"))
        try:
            removed = chat.messages.pop(int(params.get("message_id")), None)
        except (TypeError, ValueError):
            removed = None
        if removed is None:
            raise bad_request("message to delete not found")
        return True

    def _m_answerCallbackQuery(self, params, files):
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text") or ""
        if len(text) > ALERT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.update(answered=True, text=text, show_alert=bool(params.get("show_alert")))
        return True

    def _send_file(self, params, files, field_name: str, method: str):
        chat = self._sendable_chat(params.get("chat_id"), method, bool(params.get("allow_paid_broadcast")))
        reference = params.get(field_name)
        if reference is None and field_name in files:
            # an upload sent as a multipart field named after the parameter
            reference = f"attach://{field_name}"
        if isinstance(reference, str) and reference.startswith("attach://"):
            part = files.get(reference[len("attach://") :])
            if part is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            name, content = part[0], part[1]
            if hasattr(content, "read"):
                content = content.read()
            content = bytes(content)
        elif isinstance(reference, str) and reference in self.files:
            content, name = self.files[reference]
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if not content:
            raise bad_request("file must be non-empty")
        file_id = f"FILE{next(self._file_ids)}"
        self.files[file_id] = (content, name)
        descriptor = {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": len(content),
        }
        body: dict[str, Any] = {}
        if field_name == "document":
            descriptor["file_name"] = name
            body["document"] = descriptor
        else:
            body["photo"] = [{**descriptor, "width": 800, "height": 600}]
        html = None
        if params.get("caption"):
            plain, entities, html = self._formatted(
                params["caption"], params.get("parse_mode"), CAPTION_LIMIT, "message caption"
            )
            body["caption"] = plain
            if entities:
                body["caption_entities"] = entities
        markup = self._apply_reply_keyboard(chat, self._markup(params.get("reply_markup")))
        if markup:
            body["reply_markup"] = markup
        return self._store_bot_message(
            chat,
            body,
            html if params.get("parse_mode") else None,
            file_bytes=content,
            file_name=name,
        )

    def _m_sendDocument(self, params, files):
        return self._send_file(params, files, "document", "sendDocument")

    def _m_sendPhoto(self, params, files):
        return self._send_file(params, files, "photo", "sendPhoto")

    def _m_getFile(self, params, files):
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        content, _ = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": len(content),
            "file_path": f"documents/{file_id}",
        }

    def _download(self, url: str) -> tuple[int, bytes]:
        # PTB percent-encodes the path, so the token's ":" arrives as "%3A"
        token_and_path = urllib.parse.unquote(url.split("/file/bot", 1)[1])
        token, _, path = token_and_path.partition("/")
        file_id = path.rsplit("/", 1)[-1]
        if token != self.token or file_id not in self.files:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        return 200, self.files[file_id][0]

    def register_file(self, content: bytes, name: str) -> str:
        """A file a user uploads; returns its file_id."""
        file_id = f"FILE{next(self._file_ids)}"
        self.files[file_id] = (content, name)
        return file_id
