"""The broadcast sender: drains the outbox at Telegram's limits, in the background.

- Pace: evenly spaced sends at BOT_BROADCAST_RATE, never more than that many in any one-second
  window, and at most one message per second to the same chat. Idle time earns no burst.
- 429 (RetryAfter): the whole outbox pauses for `retry_after`, the message goes back to the
  queue (not counted as a failed attempt), and sending resumes at the same pace.
- 403: the person blocked the bot; they are marked unreachable and left out of later audiences
  until they write again.
- Other network errors and Telegram's 5xx: retried with exponential backoff, at most
  MAX_ATTEMPTS times in all; a permanent error (400) fails the row at once.
- Crashes: rows are claimed (`sending`) in small batches before sending and their outcomes
  recorded in one transaction per batch. At most `window` rows are claimed and unrecorded at
  any moment, so a crash re-sends at most `window` messages (ceil(rate / 5), at most 50: five
  at the default rate); everyone recorded as sent is never sent to again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
import warnings
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.warnings import PTBDeprecationWarning

from bot.broadcast_text import final_report, progress_text, report_markup, send_rendered
from bot.i18n import resolve_locale, translator
from bot.rate_limit import BROADCAST
from storage.broadcasts import Broadcast, BroadcastStatus, Claimed, Outcome, Result

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=2)  # 2, 4, 8, 16 s between attempts
PROGRESS_EVERY = 3.0  # seconds between edits of the coordinator's progress message
IDLE_CHECK = 30.0  # with nothing to do, look at the outbox again this often anyway
CHAT_INTERVAL = 1.0  # at most one message per second to the same chat
CATCH_UP = 0.1
# At most `rate` sends in any window this long: a second, and a little more, so that requests
# bunched on the way (a busy event loop, the network) still arrive within Telegram's second.
WINDOW = 1.01
_EPSILON = 1e-6  # rounding of float clocks must not turn a wait into a busy loop


class Pacer:
    """Global pace and per-chat spacing, on an injectable clock (tests run in virtual time)."""

    def __init__(
        self,
        rate: float,
        chat_interval: float = CHAT_INTERVAL,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.rate = rate
        self.interval = 1.0 / rate
        self.per_window = max(1, math.floor(rate))
        self.chat_interval = chat_interval
        self.monotonic = monotonic
        self.sleep = sleep
        self._next = 0.0
        self._window: deque[float] = deque()
        self._paused_until = 0.0
        self._chats: dict[int, float] = {}

    def pause(self, seconds: float) -> None:
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)

    @property
    def paused(self) -> bool:
        return self._paused_until > self.monotonic()

    def chat_ready_at(self, chat_id: int) -> float:
        last = self._chats.get(chat_id)
        return 0.0 if last is None else last + self.chat_interval

    async def acquire(self, chat_id: int | None) -> None:
        """Wait for the next slot (free for this chat too, when one is given), then use it."""
        while True:
            now = self.monotonic()
            if self._paused_until > now:
                await self.sleep(self._paused_until - now)
                continue
            ready = self.chat_ready_at(chat_id) if chat_id is not None else 0.0
            if ready > now:
                await self.sleep(max(ready - now, _EPSILON))
                continue
            while self._window and now - self._window[0] >= WINDOW:
                self._window.popleft()
            if len(self._window) >= self.per_window:
                await self.sleep(max(self._window[0] + WINDOW - now, _EPSILON))
                continue
            slot = max(self._next, now)
            if slot - now > 0.0005:
                await self.sleep(slot - now)
                continue
            break
        # Evenly spaced on a schedule: a late wake-up may catch up (the one-second window above
        # still caps it), but idle time earns at most CATCH_UP seconds of credit.
        self._next = max(self._next, now - CATCH_UP) + self.interval
        self._window.append(now)
        if chat_id is not None:
            self._chats[chat_id] = now
        if len(self._chats) > 4096:  # forget chats that are ready again anyway
            self._chats = {c: t for c, t in self._chats.items() if now - t < self.chat_interval}


@dataclass
class SenderStats:
    sent: int = 0
    failed: int = 0
    blocked: int = 0
    retried: int = 0
    flood_waits: int = 0  # 429 answers received


class BroadcastSender:
    def __init__(self, app, *, rate: float, paid: bool = False, window: int | None = None):
        self.app = app
        self.rate = rate
        self.paid = paid
        # Rows claimed and not yet recorded, at most: the bound on duplicates after a crash.
        self.window = window or max(1, min(50, math.ceil(rate / 5)))
        self.pacer = Pacer(rate)
        self.progress_every = PROGRESS_EVERY
        self.stats = SenderStats()
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task | None = None
        self._cancelled: set[int] = set()
        self._broadcasts: dict[int, Broadcast] = {}
        # False: start() only recovers; the caller drives drain() and finish() (tests, benchmarks).
        self.background = True

    @property
    def services(self):
        from bot.context import SERVICES_KEY

        return self.app.bot_data[SERVICES_KEY]

    def use_clock(self, monotonic: Callable[[], float], sleep: Callable[[float], Awaitable[None]]) -> None:
        """Run the pacing on another clock (tests and benchmarks)."""
        self.pacer.monotonic = monotonic
        self.pacer.sleep = sleep

    # ---- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        recovered = await self.services.broadcasts.recover()
        if recovered:
            log.warning("resuming broadcasts: %d messages claimed before a stop may be sent again", recovered)
        self._stopping = False
        if self.background:
            self.wake()
            self._task = asyncio.create_task(self._run(), name="broadcast-sender")

    async def stop(self) -> None:
        """Finish the messages in flight and record them, then stop."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), 10)
            except TimeoutError:
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            self._task = None

    def wake(self) -> None:
        """New work (a broadcast started, a time came): look at the outbox now."""
        self._idle.clear()
        self._wake.set()

    def cancelled(self, broadcast_id: int) -> None:
        """Drop the claimed rows of a cancelled broadcast that have not gone out yet."""
        self._cancelled.add(broadcast_id)

    async def wait_idle(self) -> None:
        """Until nothing is due now (tests and benchmarks)."""
        await self._idle.wait()

    async def run_until_idle(self) -> None:
        """Without the background task: send everything due now and report (tests, benchmarks)."""
        while await self.drain():
            pass
        await self.finish()

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                await self.drain()
                await self.finish()
            except Exception:
                log.exception("the broadcast sender failed; trying again shortly")
                await asyncio.sleep(1)
                continue
            if self._stopping:
                break
            timeout = IDLE_CHECK
            due = await self.services.broadcasts.next_due_at()
            if due is not None:
                timeout = min(IDLE_CHECK, max(0.05, (due - self.services.clock()).total_seconds()))
            if not self._wake.is_set():
                self._idle.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)
        self._idle.set()

    # ---- draining -------------------------------------------------------------------------
    async def drain(self) -> int:
        """Send everything due now; returns how many rows were settled."""
        repo = self.services.broadcasts
        buffer: list[Claimed] = []
        in_flight: set[asyncio.Task] = set()
        results: list[Result] = []
        outstanding = 0
        settled = 0
        last_progress = self.pacer.monotonic()
        touched: set[int] = set()

        def collect(task: asyncio.Task) -> None:
            in_flight.discard(task)
            if not task.cancelled():
                results.append(task.result())

        async def flush() -> None:
            nonlocal outstanding, settled
            done = results[:]
            results.clear()
            await repo.record(done, self.services.clock())
            outstanding -= len(done)
            settled += len(done)

        while True:
            if results and (len(results) * 2 >= self.window or not buffer or self._stopping):
                await flush()
            if self._stopping:
                buffer_left = [Result(c, Outcome.REQUEUE) for c in buffer]
                buffer.clear()
                if in_flight:
                    await asyncio.wait(set(in_flight))
                results.extend(buffer_left)
                await flush()
                break
            if not buffer and outstanding < self.window:
                claimed = await repo.claim(self.services.clock(), self.window - outstanding)
                outstanding += len(claimed)
                buffer.extend(claimed)
                for broadcast_id in {c.broadcast_id for c in claimed} - set(self._broadcasts):
                    found = await repo.get(broadcast_id)
                    if found is not None:
                        self._broadcasts[broadcast_id] = found
            if not buffer:
                if in_flight:
                    await asyncio.wait(set(in_flight), return_when=asyncio.FIRST_COMPLETED)
                    continue
                if results:
                    continue
                break
            row = self._next_ready(buffer)
            if row is None:
                wait = min(self.pacer.chat_ready_at(c.telegram_id) for c in buffer) - self.pacer.monotonic()
                if in_flight:
                    await asyncio.wait(set(in_flight), timeout=max(wait, 0.001), return_when=asyncio.FIRST_COMPLETED)
                else:
                    await self.pacer.sleep(max(wait, 0.001))
                continue
            buffer.remove(row)
            broadcast = self._broadcasts.get(row.broadcast_id)
            if broadcast is None or row.broadcast_id in self._cancelled:
                results.append(Result(row, Outcome.REQUEUE))  # recorded as cancelled
                continue
            await self.pacer.acquire(row.telegram_id)
            touched.add(row.broadcast_id)
            task = asyncio.create_task(self._deliver(broadcast, row))
            in_flight.add(task)
            task.add_done_callback(collect)
            # Let the request start now, so it leaves when its slot was counted (a busy loop
            # would otherwise bunch several requests together past the one-second window).
            await asyncio.sleep(0)
            if self.pacer.monotonic() - last_progress >= self.progress_every:
                last_progress = self.pacer.monotonic()
                await self._show_progress(touched)
        if touched:
            await self._show_progress(touched)
        return settled

    def _next_ready(self, buffer: list[Claimed]) -> Claimed | None:
        now = self.pacer.monotonic()
        for row in buffer:
            if self.pacer.chat_ready_at(row.telegram_id) <= now:
                return row
        return None

    async def _deliver(self, broadcast: Broadcast, row: Claimed) -> Result:
        try:
            return await self._attempt(broadcast, row)
        except Exception as exc:  # a bug must not leave the row claimed for ever
            log.exception("sending broadcast %d to %d failed unexpectedly", broadcast.id, row.telegram_id)
            retry_at = self.services.clock() + BACKOFF_BASE * (2**row.attempts)
            if row.attempts + 1 >= MAX_ATTEMPTS:
                return Result(row, Outcome.FAILED, error=repr(exc))
            return Result(row, Outcome.RETRY, error=repr(exc), retry_at=retry_at)

    async def _attempt(self, broadcast: Broadcast, row: Claimed) -> Result:
        services = self.services
        settings = services.settings
        t = translator(
            resolve_locale(row.chosen_locale, row.telegram_locale, settings.default_locale), settings.timezone
        )
        try:
            message = await send_rendered(self.app.bot, row.telegram_id, broadcast, t, **self._send_options())
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

    # ---- progress and reports ---------------------------------------------------------------
    async def _show_progress(self, broadcast_ids: set[int]) -> None:
        from bot.sending import translator_for

        services = self.services
        for broadcast_id in sorted(broadcast_ids):
            broadcast = await services.broadcasts.get(broadcast_id)
            if broadcast is None or broadcast.status != BroadcastStatus.SENDING or not broadcast.status_message_id:
                continue
            progress = await services.broadcasts.progress(broadcast_id, services.clock())
            t = await translator_for(services, broadcast.status_chat_id)
            await self._edit(broadcast, progress_text(t, broadcast, progress, self.rate), report_markup(t, broadcast))

    async def _edit(self, broadcast: Broadcast, text: str, markup) -> None:
        await self.pacer.acquire(None)  # an edit adds no message to the chat: only the global pace
        try:
            await self.app.bot.edit_message_text(
                text, chat_id=broadcast.status_chat_id, message_id=broadcast.status_message_id, reply_markup=markup
            )
        except TelegramError as exc:  # "not modified", deleted by the coordinator...
            log.debug("progress of broadcast %d not shown: %s", broadcast.id, exc)

    async def finish(self) -> None:
        """Close broadcasts with nothing left to send and give each one final report."""
        from bot.sending import translator_for

        services = self.services
        for broadcast in await services.broadcasts.finish_completed(services.clock()):
            self._broadcasts.pop(broadcast.id, None)
        for broadcast in await services.broadcasts.unreported():
            if not await services.broadcasts.claim_report(broadcast.id, services.clock()):
                continue
            self._broadcasts.pop(broadcast.id, None)
            self._cancelled.discard(broadcast.id)
            progress = await services.broadcasts.progress(broadcast.id, services.clock())
            chat = broadcast.status_chat_id or broadcast.created_by
            t = await translator_for(services, chat)
            text = final_report(t, broadcast, progress)
            log.info(
                "broadcast %d %s: %d sent, %d failed, %d blocked%s",
                broadcast.id,
                broadcast.status,
                progress.sent,
                progress.failed,
                progress.blocked,
                " (urgent)" if broadcast.urgent else "",
            )
            if broadcast.status_message_id:
                await self._edit(broadcast, text, None)
            await self.pacer.acquire(chat)
            try:
                await self.app.bot.send_message(chat, text, **self._send_options())
            except TelegramError as exc:  # the coordinator blocked the bot: the figures stay in /ogloszenia
                log.warning("the report of broadcast %d was not delivered: %s", broadcast.id, exc)

    def _send_options(self) -> dict:
        """Paid broadcasts pay for everything the sender sends, so its own messages are not
        refused under the free limit while hundreds of paid ones are going out; the limiter
        never retries them (see bot/rate_limit.py)."""
        options: dict = {}
        if self.paid:
            options["allow_paid_broadcast"] = True
        if getattr(self.app.bot, "rate_limiter", None) is not None:
            options["rate_limit_args"] = BROADCAST
        return options
