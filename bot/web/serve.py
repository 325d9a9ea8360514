"""Serving the ASGI app with uvicorn beside the bot, in one process and one event loop:
`volunteer-bot run --webhook` (the webhook and the panel), `run --panel-port` (polling and the
panel) and `chat --panel` (the offline try-out, on 127.0.0.1)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from collections.abc import AsyncIterator
from datetime import timedelta

import uvicorn
from telegram import Update

from bot.inbox_polling import Poller, release_poller, take_poller
from bot.web.server import PANEL_URL_KEY, build_web
from bot.web.webhook import webhook_route
from storage.panel_sessions import PanelSessions

log = logging.getLogger("volunteer_bot.web")


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling (it raises the signal again when it stops, which
    would end the process before the bot has stopped): SIGINT and SIGTERM ask it to stop."""

    @contextlib.contextmanager
    def capture_signals(self):
        loop = asyncio.get_running_loop()
        caught = (signal.SIGINT, signal.SIGTERM)
        for sig in caught:
            loop.add_signal_handler(sig, self.handle_exit, sig, None)
        try:
            yield
        finally:
            for sig in caught:
                loop.remove_signal_handler(sig)


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, made first so that a taken port is reported before anything starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def _server(web, *, quiet: bool = False) -> _Server:
    # No access log: a one-time link's token is in its path.
    config = uvicorn.Config(
        web,
        log_config=None,
        access_log=False,
        proxy_headers=True,  # behind the reverse proxy on this machine: its https is ours
        lifespan="off",
        log_level=logging.WARNING if quiet else logging.INFO,
    )
    return _Server(config)


def panel_base(settings, listen: str, port: int, webhook: str | None) -> str:
    """Where people open the panel: BOT_PUBLIC_URL, else the webhook's site, else this machine."""
    from urllib.parse import urlsplit

    if settings.public_url:
        return settings.public_url + settings.panel_path
    if webhook:
        parts = urlsplit(webhook)
        return f"{parts.scheme}://{parts.netloc}{settings.panel_path}"
    host = "127.0.0.1" if listen in ("0.0.0.0", "::") else listen
    return f"http://{host}:{port}{settings.panel_path}"


def web_for(app, webhook_path: str | None = None, secret: str | None = None):
    from bot.app import web_routes  # every page is registered there

    panel_pages, public_routes = web_routes()
    route = webhook_route(app, webhook_path, secret) if webhook_path is not None and secret else None
    return build_web(app, panel_pages=panel_pages, public_routes=public_routes, webhook=route)


async def serve(app, settings, sock: socket.socket, webhook: str | None, url_path: str | None, listen: str) -> None:
    """Run the bot and the web app until SIGINT or SIGTERM: with the webhook, or polling."""
    port = sock.getsockname()[1]
    web = web_for(app, url_path, settings.webhook_secret) if webhook else web_for(app)
    app.bot_data[PANEL_URL_KEY] = panel_base(settings, listen, port, webhook)
    server = _server(web)
    keeper = None if webhook else await take_poller(app)  # PollerBusy: another process polls
    poller = polling = None
    if webhook:
        app.inbox.window = settings.reorder_window_ms / 1000  # a person's updates may arrive out of order
        app.inbox.poll = 0.25  # other replicas store updates of people this one may hold: look often
    try:
        async with app:
            if webhook:
                await app.bot.set_webhook(
                    webhook, secret_token=settings.webhook_secret, allowed_updates=Update.ALL_TYPES
                )
            else:
                await app.bot.delete_webhook()
            await app.start()
            try:
                if keeper is not None:
                    poller = Poller(app, keeper)
                    polling = asyncio.create_task(poller.run(), name="poller")
                    polling.add_done_callback(lambda _: setattr(server, "should_exit", True))
                await server.serve(sockets=[sock])
            finally:
                if polling is not None:
                    polling.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await polling
                    await poller.confirm()
                await app.stop()
                if keeper is not None:
                    await keeper.release()
    finally:
        if keeper is not None:
            await release_poller(app, keeper)


@contextlib.asynccontextmanager
async def local_panel(app, port: int, user_id: int) -> AsyncIterator[str]:
    """`chat --panel`: the panel on 127.0.0.1 beside the offline chat; yields a sign-in link."""
    sock = bind("127.0.0.1", port)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}{app.services.settings.panel_path}"
    app.bot_data[PANEL_URL_KEY] = base
    server = _server(web_for(app), quiet=True)
    server.capture_signals = contextlib.nullcontext  # the terminal chat owns Ctrl+C
    task = asyncio.create_task(server.serve(sockets=[sock]))
    services = app.services
    token = await PanelSessions(services.db).new_link(user_id, services.clock(), timedelta(hours=1))
    try:
        yield f"{base}/login/{token}"
    finally:
        server.should_exit = True
        await task
