"""The broadcast sender: drains the outbox at Telegram's limits, in the background.

Its parts: the pace (bot/broadcast_pacer.py), one recipient's message and what Telegram's answer
means for it (bot/broadcast_delivery.py: 429, 403, retries), and the coordinator's progress
message and final report (bot/broadcast_reports.py). This module is the loop that drives them.

Crashes: rows are claimed (`sending`) in small batches before sending and their outcomes
recorded in one transaction per batch. At most `window` rows are claimed and unrecorded at
any moment, so a crash re-sends at most `window` messages (ceil(rate / 5), at most 50: five
at the default rate); everyone recorded as sent is never sent to again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable

from bot.broadcast_delivery import Delivery, SenderStats
from bot.broadcast_pacer import Pacer
from bot.broadcast_reports import Reports
from storage.broadcasts import Broadcast, Claimed, Outcome, Result

log = logging.getLogger(__name__)

PROGRESS_EVERY = 3.0  # seconds between edits of the coordinator's progress message
IDLE_CHECK = 30.0  # with nothing to do, look at the outbox again this often anyway


class BroadcastSender:
    def __init__(self, app, *, rate: float, paid: bool = False, window: int | None = None):
        self.app = app
        self.rate = rate
        # Rows claimed and not yet recorded, at most: the bound on duplicates after a crash.
        self.window = window or max(1, min(50, math.ceil(rate / 5)))
        self.pacer = Pacer(rate)
        self.progress_every = PROGRESS_EVERY
        self.stats = SenderStats()
        self.delivery = Delivery(app, self.pacer, self.stats, paid=paid)
        self.reports = Reports(app, self.pacer, rate=rate, paid=paid)
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
            task = asyncio.create_task(self.delivery.deliver(self.services, broadcast, row))
            in_flight.add(task)
            task.add_done_callback(collect)
            # Let the request start now, so it leaves when its slot was counted (a busy loop
            # would otherwise bunch several requests together past the one-second window).
            await asyncio.sleep(0)
            if self.pacer.monotonic() - last_progress >= self.progress_every:
                last_progress = self.pacer.monotonic()
                await self.reports.show_progress(self.services, touched)
        if touched:
            await self.reports.show_progress(self.services, touched)
        return settled

    def _next_ready(self, buffer: list[Claimed]) -> Claimed | None:
        now = self.pacer.monotonic()
        for row in buffer:
            if self.pacer.chat_ready_at(row.telegram_id) <= now:
                return row
        return None

    # ---- the end of a broadcast ----------------------------------------------------------------
    async def finish(self) -> None:
        """Close broadcasts with nothing left to send and give each one final report."""
        services = self.services
        for broadcast in await services.broadcasts.finish_completed(services.clock()):
            self._broadcasts.pop(broadcast.id, None)
        for broadcast in await services.broadcasts.unreported():
            if not await services.broadcasts.claim_report(broadcast.id, services.clock()):
                continue
            self._broadcasts.pop(broadcast.id, None)
            self._cancelled.discard(broadcast.id)
            await self.reports.send_final(services, broadcast)
