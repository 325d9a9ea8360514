"""An in-process Bot API: the methods the bot uses, with the JSON shapes and rules of Telegram.

It implements python-telegram-bot's `BaseRequest`, so the real `Bot` and `Application` talk
to it exactly as they would talk to api.telegram.org. It enforces what Telegram enforces:
text 1-4096 characters after entity parsing, captions up to 1024, callback_data 1-64 bytes,
HTML with Telegram's tags only, "message is not modified", unknown chats (400), users who
blocked the bot (403) and, when switched on, flood control answering 429 with retry_after.

Here: the dispatch of requests, scripted errors, updates, the bot's commands. The rules and
errors: bot/double/rules.py; chats: state.py; messages: messages.py; files: files.py.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from telegram.request import BaseRequest, RequestData

from bot.double.files import Files
from bot.double.groups import Groups
from bot.double.messages import Messages
from bot.double.rules import NOT_FOUND, ApiError, FloodControl, bad_request
from bot.double.state import ChatState, StoredMessage

__all__ = ["DEFAULT_TOKEN", "ApiError", "BotApiDouble", "ChatState", "FloodControl", "StoredMessage"]

DEFAULT_TOKEN = "123456789:TEST-double-token"
_URL = re.compile(r"/(?:file/)?bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)$")
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")


def _commands_key(params: dict) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps(scope, sort_keys=True), params.get("language_code") or ""


class BotApiDouble(Messages, Files, Groups, BaseRequest):
    """The fake Telegram server. Make users with `user()` and drive them from scenarios."""

    # Whether deliver() returns after the bot handled the update (in process) or only after
    # Telegram queued it (served over HTTP to separate processes: bot/double/http.py).
    delivers_synchronously = True

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
        # Held while a method changes the state, so that a test thread can read it while the
        # HTTP server's thread (bot/double/http.py) serves bot processes.
        self.lock = threading.RLock()

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

    def forum(self, chat_id: int = -100_777, title: str = "Koordynatorzy", **kwargs):
        """A supergroup (a forum unless is_forum=False) with the bot as an admin; see GroupChat."""
        from bot.double.group_scenario import GroupChat

        return GroupChat(self, chat_id, title, **kwargs)

    def next_update_id(self) -> int:
        return next(self._update_ids)

    async def deliver(self, update_data: dict) -> None:
        """Hand an update to the attached Application the way its update fetcher does."""
        if self.application is None:
            await self._queue().put(update_data)
            return
        from bot.inbox import inbox_of

        app = self.application
        inbox = inbox_of(app)
        if inbox is not None:  # stored, handled, done, as every update from Telegram (bot/inbox.py)
            await inbox.deliver(update_data)
            return
        from telegram import Update

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
            return 404, NOT_FOUND
        if match["token"] != self.token:
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        params = dict(request_data.parameters) if request_data else {}
        files = request_data.multipart_data if request_data and request_data.contains_files else {}
        return await self.call(match["method"], params, files)

    async def call(self, api_method: str, params: dict, files: dict) -> tuple[int, bytes]:
        """One Bot API method with its parameters (as Python values) and uploaded files:
        the HTTP status and the JSON body Telegram would answer with."""
        with self.lock:
            self.requests.append((api_method, params))
        if self.on_request:
            self.on_request(api_method, params)
        if self.latency:
            await asyncio.sleep(self.latency)
        handler = getattr(self, f"_m_{api_method}", None)
        if handler is None:
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found: method not found"}'
        try:
            with self.lock:
                scripted = self._scripted_error(api_method, params) if self._scripted else None
                if scripted is not None:
                    raise scripted
                result = handler(params, files)
            if asyncio.iscoroutine(result):
                result = await result
        except ApiError as error:
            with self.lock:
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

    # ---- errors on demand -------------------------------------------------------------
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

    # ---- the bot itself: identity, webhook, updates, commands -------------------------
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
        self.commands[_commands_key(params)] = commands
        return True

    def _m_deleteMyCommands(self, params, files):
        self.commands.pop(_commands_key(params), None)
        return True

    def _m_getMyCommands(self, params, files):
        return self.commands.get(_commands_key(params), [])

    def _m_setChatMenuButton(self, params, files):
        return True
