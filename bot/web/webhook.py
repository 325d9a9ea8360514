"""Telegram's updates posted to the webhook (`volunteer-bot run --webhook URL`), as
python-telegram-bot's custom-webhook example serves them: the secret header checked, the body
parsed, the update stored in the inbox (bot/inbox.py), 200 answered.

A body that is not JSON (or not an update) gets 400 and one log line, never a traceback."""

from __future__ import annotations

import hmac
import json
import logging
from http import HTTPStatus

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Update

from bot.inbox import INBOX_KEY

log = logging.getLogger("volunteer_bot.webhook")

MAX_BODY = 1_048_576  # Telegram's updates are far smaller; a bigger body is not one


def webhook_route(application, path: str, secret: str) -> Route:
    async def receive(request: Request) -> Response:
        given = request.headers.get("x-telegram-bot-api-secret-token", "")
        if not hmac.compare_digest(given.encode(), secret.encode()):
            log.warning("Webhook: refused a request without the right secret token from %s", _client(request))
            return Response(status_code=HTTPStatus.FORBIDDEN)
        body = await request.body()
        data = None
        try:
            if len(body) > MAX_BODY:
                raise ValueError("too large")
            data = json.loads(body.decode())
            update = Update.de_json(data, application.bot)
            if update is None:
                raise ValueError("empty")
        except (UnicodeDecodeError, ValueError, TypeError, KeyError, AttributeError):
            if isinstance(data, dict) and isinstance(data.get("update_id"), int):
                # From Telegram but unreadable here: kept as refused (one log line, bot/inbox.py) and
                # confirmed, or Telegram would send it forever.
                return await _store(application, data, data["update_id"])
            log.warning(
                "Webhook: refused a request whose body is not JSON of an update (%d bytes) from %s",
                len(body),
                _client(request),
            )
            return Response(status_code=HTTPStatus.BAD_REQUEST)
        return await _store(application, data, update.update_id)

    return Route("/" + path.strip("/"), receive, methods=["POST"])


async def _store(application, data: dict, update_id: int) -> Response:
    """Stored (unique by update_id) before the 200 that confirms it to Telegram (bot/inbox.py)."""
    try:
        await application.bot_data[INBOX_KEY].receive([data])
    except Exception as exc:  # the database is away: Telegram sends it again later
        log.error("Webhook: could not store update %s (%s: %s); answered 503", update_id, type(exc).__name__, exc)
        return Response(status_code=HTTPStatus.SERVICE_UNAVAILABLE)
    return Response(status_code=HTTPStatus.OK)


def _client(request: Request) -> str:
    return request.client.host if request.client else "?"
