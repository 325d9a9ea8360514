"""The webhook server: python-telegram-bot's, except that a body that is not JSON gets 400.

PTB's handler decodes the body with json.loads unguarded, so a request with the right secret
and a broken body ends as HTTP 500 with a traceback. Its Updater builds the tornado
application from the module-level name WebhookAppClass, so `install()` swaps in a subclass
whose handler checks the body first; everything else (secret check, queueing) stays PTB's.
"""

from __future__ import annotations

import json
import logging
from http import HTTPStatus

from telegram.ext import _updater
from telegram.ext._utils.webhookhandler import TelegramHandler, WebhookAppClass

log = logging.getLogger("volunteer_bot.webhook")


class _JsonCheckingHandler(TelegramHandler):
    async def post(self) -> None:
        self._validate_post()  # the content type and the secret, as PTB checks them
        try:
            json.loads(self.request.body.decode())
        except (UnicodeDecodeError, ValueError):
            log.warning(
                "Webhook: refused a request whose body is not JSON (%d bytes) from %s",
                len(self.request.body),
                self.request.remote_ip,
            )
            self.send_error(HTTPStatus.BAD_REQUEST)
            return
        await super().post()


class _WebhookApp(WebhookAppClass):
    def __init__(self, webhook_path, bot, update_queue, secret_token=None):
        super().__init__(webhook_path, bot, update_queue, secret_token)
        # Replace the one route PTB added with the same route served by the checking handler.
        self.wildcard_router.rules.clear()
        self.wildcard_router.add_rules([(rf"{webhook_path}/?", _JsonCheckingHandler, self.shared_objects)])


def install() -> None:
    """Make Application.run_webhook serve through the checking handler."""
    _updater.WebhookAppClass = _WebhookApp
