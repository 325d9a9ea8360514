"""One recipient's message: rendered in their language, sent, and Telegram's answer turned into
the outcome the outbox records for the row.

- 429 (RetryAfter): the whole outbox pauses for `retry_after`, the message goes back to the
  queue (not counted as a failed attempt), and sending resumes at the same pace.
- 403: the person blocked the bot; they are marked unreachable and left out of later audiences
  until they write again.
- Other network errors and Telegram's 5xx: retried with exponential backoff, at most
  MAX_ATTEMPTS times in all; a permanent error (400) fails the row at once.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.broadcast_pacer import Pacer
from bot.broadcast_text import send_rendered
from bot.i18n import resolve_locale, translator
from bot.rate_limit import BROADCAST
from storage.broadcasts import Broadcast, Claimed, Outcome, Result

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=2)  # 2, 4, 8, 16 s between attempts


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    flood_waits: int = 0  # 429 answers received


def send_options(bot, paid: bool) -> dict:
    """Paid broadcasts pay for everything the sender sends, so its own messages are not
    refused under the free limit while hundreds of paid ones are going out; the limiter
    never retries them (see bot/rate_limit.py)."""
    options: dict = {}
    if paid:
        options["allow_paid_broadcast"] = True
    if getattr(bot, "rate_limiter", None) is not None:
        options["rate_limit_args"] = BROADCAST
    return options


class Delivery:
    """Sends claimed rows one by one; a 429 pauses the shared pacer, `stats` counts the rest."""

    def __init__(self, app, pacer: Pacer, stats: SenderStats, *, paid: bool):
        self.app = app
        self.pacer = pacer
        self.stats = stats
        self.paid = paid

    async def deliver(self, services, broadcast: Broadcast, row: Claimed) -> Result:
        try:
            return await self._attempt(services, broadcast, row)
        except Exception as exc:  # a bug must not leave the row claimed for ever
            log.exception("sending broadcast %d to %d failed unexpectedly", broadcast.id, row.telegram_id)
            retry_at = services.clock() + BACKOFF_BASE * (2**row.attempts)
            if row.attempts + 1 >= MAX_ATTEMPTS:
                return Result(row, Outcome.FAILED, error=repr(exc))
            return Result(row, Outcome.RETRY, error=repr(exc), retry_at=retry_at)

    async def _attempt(self, services, broadcast: Broadcast, row: Claimed) -> Result:
        settings = services.settings
        t = translator(
            resolve_locale(row.chosen_locale, row.telegram_locale, settings.default_locale), settings.timezone
        )
        bot = self.app.bot
        try:
            message = await send_rendered(bot, row.telegram_id, broadcast, t, **send_options(bot, self.paid))
        except RetryAfter as exc:
            with warnings.catch_warnings():  # PTB 22 warns that the type will become timedelta
                warnings.simplefilter("ignore", PTBDeprecationWarning)
                wait = exc.retry_after
            seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
            self.pacer.pause(seconds)
            self.stats.flood_waits += 1
            log.warning("flood control: pausing broadcasts for %.0f s", seconds)
            return Result(row, Outcome.REQUEUE, error=str(exc))
        except Forbidden as exc:
            self.stats.blocked += 1
            return Result(row, Outcome.BLOCKED, error=exc.message)
        except BadRequest as exc:
            self.stats.failed += 1
            log.info("broadcast %d to %d failed: %s", broadcast.id, row.telegram_id, exc.message)
            return Result(row, Outcome.FAILED, error=exc.message)
        except NetworkError as exc:  # timeouts, connection errors, Telegram's 5xx
            if row.attempts + 1 >= MAX_ATTEMPTS:
                self.stats.failed += 1
                log.warning(
                    "broadcast %d to %d failed after %d attempts: %s", broadcast.id, row.telegram_id, MAX_ATTEMPTS, exc
                )
                return Result(row, Outcome.FAILED, error=str(exc))
            self.stats.retried += 1
            retry_at = services.clock() + BACKOFF_BASE * (2**row.attempts)
            return Result(row, Outcome.RETRY, error=str(exc), retry_at=retry_at)
        except TelegramError as exc:
            self.stats.failed += 1
            return Result(row, Outcome.FAILED, error=str(exc))
        self.stats.sent += 1
        return Result(row, Outcome.SENT, message_id=message.message_id)
