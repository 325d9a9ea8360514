"""The Bot API double served over HTTP, so that separate `volunteer-bot run` processes talk to it
through TELEGRAM_API_URL as they would talk to api.telegram.org.

    with BotApiServer() as telegram:            # 127.0.0.1, a free port, its own thread and loop
        env = {"TELEGRAM_API_URL": telegram.url, "TELEGRAM_BOT_TOKEN": telegram.double.token}
        anna = telegram.double.user(user_id=2001)   # the UserChat of the in-process tests
        await anna.send("/start")                    # Telegram has it; the bot gets it when it asks

It behaves as Telegram does towards several processes:
- getUpdates long polls with an offset; an update stays until a later getUpdates confirms it (an
  offset above its id); a second getUpdates while one is waiting terminates the first with 409
  Conflict; getUpdates while a webhook is set is 409 too.
- setWebhook is recorded; then "Telegram" POSTs each update to the URL (JSON, with the
  X-Telegram-Bot-Api-Secret-Token header) over up to max_connections connections at once, in no
  promised order, and posts it again later until it is answered with 2xx. `webhook_targets`
  plays the reverse proxy: each POST goes to one of those addresses, chosen at random.
- every other method is the in-process double's (bot/double/api.py), with Telegram's rules; what
  it records (each chat's messages, callback answers, requests, errors) is read from the test
  thread under `double.lock`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import uvicorn
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from bot.double.api import _URL, BotApiDouble
from bot.double.http_params import error, json_response, parameters
from bot.double.rules import NOT_FOUND

__all__ = ["BotApiServer", "HttpBotApiDouble", "UpdateRecord"]

_CONFLICT_POLL = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
_CONFLICT_WEBHOOK = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
)


@dataclass
class UpdateRecord:
    """One update from a person, as Telegram keeps it until the bot confirms it."""

    update: dict
    received: float  # time.monotonic() when the person sent it
    handed: int = 0  # times given to the bot (in a getUpdates answer or a webhook POST)
    first_handed: float | None = None
    confirmed: float | None = None  # a later getUpdates offset, or a 2xx answer to its POST
    failures: int = 0  # webhook POSTs not answered with 2xx
    queued: bool = False  # waiting for a webhook connection, or being posted

    @property
    def update_id(self) -> int:
        return self.update["update_id"]


class HttpBotApiDouble(BotApiDouble):
    """The double whose deliver() hands an update to the Telegram side of a BotApiServer; the bot
    processes fetch it (or get it posted) later, so a scenario waits for the reply it expects."""

    delivers_synchronously = False
    server: BotApiServer
    # Telegram stops waiting for the answer to a button press after about 15 s.
    callback_timeout = 15.0

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self._watchers: dict[int, list[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def watch(self, chat_id: int) -> asyncio.Event:
        """An event set (in the caller's loop) whenever the bot calls a method for this chat, so a
        scenario waits for a reply without polling."""
        event = asyncio.Event()
        with self.lock:
            self._watchers.setdefault(int(chat_id), []).append((asyncio.get_running_loop(), event))
        return event

    def unwatch(self, chat_id: int, event: asyncio.Event) -> None:
        with self.lock:
            watchers = self._watchers.get(int(chat_id), [])
            watchers[:] = [(loop, e) for loop, e in watchers if e is not event]

    async def call(self, api_method: str, params: dict, files: dict) -> tuple[int, bytes]:
        answer = await super().call(api_method, params, files)
        try:
            chat_id = int(params.get("chat_id") or 0)
        except (TypeError, ValueError):
            return answer
        with self.lock:
            watchers = list(self._watchers.get(chat_id, ()))
        for loop, event in watchers:
            with contextlib.suppress(RuntimeError):  # that loop has closed
                loop.call_soon_threadsafe(event.set)
        return answer

    def _m_answerCallbackQuery(self, params, files):
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is not None and self.clock() - query.get("at", self.clock()) > self.callback_timeout:
            query["answered"] = True  # too late: Telegram refuses the answer, as for one answered twice
        return super()._m_answerCallbackQuery(params, files)

    async def deliver(self, update_data: dict) -> None:
        self.server.receive(update_data)

    def deliver_now(self, update_data: dict) -> None:
        """The same, from code that is not a coroutine."""
        self.server.receive(update_data)


class BotApiServer:
    """A BotApiDouble on http://127.0.0.1:<port>/bot, served by uvicorn in a background thread."""

    def __init__(
        self,
        double: HttpBotApiDouble | None = None,
        *,
        port: int = 0,
        connections: int = 40,
        retry_delay: float = 0.2,
        seed: int = 0,
    ):
        self.double = double or HttpBotApiDouble()
        self.double.server = self
        self.connections = connections  # at most this many webhook POSTs at once
        self.retry_delay = retry_delay  # before the first retry of a failed POST; doubles to 2 s
        self.records: dict[int, UpdateRecord] = {}
        self.webhook: dict | None = None  # setWebhook's parameters while a webhook is set
        self.webhook_targets: list[str] | None = None  # e.g. ["http://127.0.0.1:8001", ...]
        self.set_webhook_calls = 0
        self.conflicts = 0  # getUpdates terminated by another (409)
        self._pending: dict[int, UpdateRecord] = {}
        self._state = threading.Lock()  # records and _pending: changed on the loop, read by tests
        self._random = random.Random(seed)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind(("127.0.0.1", port))
        self._socket.listen(2048)
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/bot"
        self.loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._started = threading.Event()
        self._server: uvicorn.Server | None = None
        self._poll: asyncio.Future | None = None  # the getUpdates now waiting
        self._arrival: asyncio.Future | None = None  # done when an update arrives
        self._queue: asyncio.Queue | None = None
        self._workers: list[asyncio.Task] = []
        self._client: httpx.AsyncClient | None = None

    # ---- life ---------------------------------------------------------------------------
    def __enter__(self) -> BotApiServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="bot-api-double", daemon=True)
        self._thread.start()
        if not self._started.wait(15):
            raise RuntimeError("the Bot API double did not start")

    def stop(self) -> None:
        if self.loop is not None and self._server is not None:
            self.loop.call_soon_threadsafe(self._shut)
        if self._thread is not None:
            self._thread.join(15)

    def _shut(self) -> None:
        assert self._server is not None
        self._server.should_exit = True
        if self._poll is not None and not self._poll.done():
            self._poll.set_result("stop")
        for task in self._workers:
            task.cancel()

    async def _main(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._arrival = self.loop.create_future()
        self._client = httpx.AsyncClient(
            limits=httpx.Limits(max_connections=self.connections, max_keepalive_connections=self.connections),
            trust_env=False,  # the webhook is on this machine, whatever the proxy settings say
            timeout=httpx.Timeout(30.0, connect=2.0),
        )
        config = uvicorn.Config(
            Route("/{path:path}", self._endpoint, methods=["GET", "POST"]),
            log_config=None,
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
            timeout_keep_alive=60,
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self.loop.call_soon(self._started.set)
        try:
            await self._server.serve(sockets=[self._socket])
        finally:
            await self._client.aclose()

    # ---- what the test reads ------------------------------------------------------------
    def update_records(self) -> list[UpdateRecord]:
        with self._state:
            return sorted(self.records.values(), key=lambda r: r.update_id)

    def unconfirmed(self) -> list[int]:
        """Update ids Telegram still holds: not yet confirmed by the bot."""
        with self._state:
            return sorted(self._pending)

    def set_webhook_targets(self, targets: list[str] | None) -> None:
        self.webhook_targets = list(targets) if targets else None

    # ---- a person sends something ------------------------------------------------------
    def receive(self, update: dict) -> None:
        """Telegram receives an update (from any thread); it waits for the bot to take it."""
        record = UpdateRecord(update=json.loads(json.dumps(update)), received=time.monotonic())
        assert self.loop is not None, "start() the server first"
        self.loop.call_soon_threadsafe(self._add, record)

    def _add(self, record: UpdateRecord) -> None:
        with self._state:
            self.records[record.update_id] = record
            self._pending[record.update_id] = record
        if self._arrival is not None and not self._arrival.done():
            self._arrival.set_result(None)
        if self.webhook is not None:
            self._enqueue(record)

    # ---- HTTP ---------------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> Response:
        path = request.url.path
        if path.startswith("/file/bot"):
            status, body = self.double._download(path)
            return Response(body, status_code=status)
        match = _URL.search(path)
        if match is None:
            return Response(NOT_FOUND, status_code=404, media_type="application/json")
        if match["token"] != self.double.token:
            return json_response(401, {"ok": False, "error_code": 401, "description": "Unauthorized"})
        try:
            params, files = await parameters(request)
        except ClientDisconnect:  # the bot process died while sending
            return Response(status_code=499)
        method = match["method"]
        own = getattr(self, f"_t_{method}", None)
        if own is not None:
            with self.double.lock:
                self.double.requests.append((method, params))
            return await own(params)
        status, body = await self.double.call(method, params, files)
        return Response(body, status_code=status, media_type="application/json")

    # ---- getUpdates --------------------------------------------------------------------
    async def _t_getUpdates(self, params: dict) -> Response:
        if self.webhook is not None:
            return error(409, _CONFLICT_WEBHOOK)
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        self._confirm_below(offset)
        if self._poll is not None and not self._poll.done():
            self._poll.set_result("conflict")  # Telegram ends the older request
        me = self._poll = asyncio.get_running_loop().create_future()
        deadline = time.monotonic() + timeout
        try:
            while True:
                ready = self._ready(offset, limit)
                remaining = deadline - time.monotonic()
                if ready or remaining <= 0:
                    break
                assert self._arrival is not None
                await asyncio.wait({me, self._arrival}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
                if me.done():
                    if me.result() == "conflict":
                        self.conflicts += 1
                        return error(409, _CONFLICT_POLL)
                    return json_response(200, {"ok": True, "result": []})
                if self._arrival.done():
                    self._arrival = asyncio.get_running_loop().create_future()
        finally:
            if self._poll is me:
                self._poll = None
        now = time.monotonic()
        for record in ready:
            record.handed += 1
            record.first_handed = record.first_handed or now
        return json_response(200, {"ok": True, "result": [r.update for r in ready]})

    def _confirm_below(self, offset: int) -> None:
        if offset <= 0:
            return
        now = time.monotonic()
        with self._state:
            for update_id in [i for i in self._pending if i < offset]:
                self._pending.pop(update_id).confirmed = now

    def _ready(self, offset: int, limit: int) -> list[UpdateRecord]:
        with self._state:
            return sorted((r for i, r in self._pending.items() if i >= offset), key=lambda r: r.update_id)[:limit]

    # ---- webhooks ----------------------------------------------------------------------
    async def _t_setWebhook(self, params: dict) -> Response:
        url = str(params.get("url") or "")
        if not url:
            return await self._t_deleteWebhook(params)
        if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            return error(400, "Bad Request: bad webhook: HTTPS url must be provided for webhook")
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.set_webhook_calls += 1
        self.webhook = {
            "url": url,
            "secret_token": params.get("secret_token"),
            "max_connections": min(int(params.get("max_connections") or 40), self.connections),
            "allowed_updates": params.get("allowed_updates"),
        }
        while len(self._workers) < self.webhook["max_connections"]:
            self._workers.append(asyncio.create_task(self._post_updates()))
        for record in self._ready(0, 10**9):
            self._enqueue(record)
        return json_response(200, {"ok": True, "result": True, "description": "Webhook was set"})

    async def _t_deleteWebhook(self, params: dict) -> Response:
        if params.get("drop_pending_updates"):
            self._drop_pending()
        self.webhook = None
        return json_response(200, {"ok": True, "result": True, "description": "Webhook was deleted"})

    async def _t_getWebhookInfo(self, params: dict) -> Response:
        with self._state:
            pending = len(self._pending)
        info: dict[str, Any] = {"url": "", "has_custom_certificate": False, "pending_update_count": pending}
        if self.webhook is not None:
            info.update(url=self.webhook["url"], max_connections=self.webhook["max_connections"])
        return json_response(200, {"ok": True, "result": info})

    def _drop_pending(self) -> None:
        with self._state:
            self._pending.clear()

    def _enqueue(self, record: UpdateRecord) -> None:
        if not record.queued and record.confirmed is None:
            record.queued = True
            assert self._queue is not None
            self._queue.put_nowait(record)

    def _target(self, url: str) -> str:
        if not self.webhook_targets:
            return url
        rest = url.partition("://")[2].partition("/")[2]
        return self._random.choice(self.webhook_targets).rstrip("/") + "/" + rest

    async def _post_updates(self) -> None:
        """One of Telegram's webhook connections: post the next waiting update, until 2xx."""
        assert self._queue is not None and self._client is not None
        while True:
            record: UpdateRecord = await self._queue.get()
            webhook = self.webhook
            if webhook is None or record.confirmed is not None:
                record.queued = False
                continue
            headers = {"Content-Type": "application/json"}
            if webhook["secret_token"]:
                headers["X-Telegram-Bot-Api-Secret-Token"] = webhook["secret_token"]
            record.handed += 1
            record.first_handed = record.first_handed or time.monotonic()
            try:
                answer = await self._client.post(
                    self._target(webhook["url"]), content=json.dumps(record.update).encode(), headers=headers
                )
                delivered = 200 <= answer.status_code < 300
            except httpx.HTTPError:
                delivered = False
            if delivered:
                with self._state:
                    record.confirmed = time.monotonic()
                    self._pending.pop(record.update_id, None)
                continue
            record.failures += 1
            delay = min(self.retry_delay * 2 ** min(record.failures - 1, 4), 2.0)
            asyncio.get_running_loop().call_later(delay, self._requeue, record)

    def _requeue(self, record: UpdateRecord) -> None:
        record.queued = False
        if self.webhook is not None:
            self._enqueue(record)
