"""Holding a lease (storage/leases.py) while the process runs: "poller" (the one process polling
Telegram, bot/inbox_polling.py) and "scheduler" (the one process running the scheduled jobs and
the broadcast sender, whatever the mode, so N webhook replicas do that work once and broadcasts are
paced once for all). The keeper renews the lease every `ttl / 3`; a process that stops renewing
loses it `ttl` after its last renewal (at once when it was a process of this machine that no
longer runs), and a process waiting for it takes it over."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from bot.inbox_applied import dead_here, process_name
from storage.leases import Lease, LeaseRepository

log = logging.getLogger("volunteer_bot.leases")

TTL = timedelta(seconds=30)
SCHEDULER = "scheduler"
POLLER = "poller"
SCHEDULER_KEY = "scheduler_lease"


def describe(lease: Lease) -> str:
    """'4242@host since 2026-11-30 19:47:54 UTC' for one log line."""
    since = lease.acquired_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return f"{lease.holder} since {since}"


class LeaseKeeper:
    def __init__(
        self,
        repo: LeaseRepository,
        name: str,
        clock: Callable[[], datetime],
        *,
        holder: str | None = None,
        ttl: timedelta = TTL,
        on_gain: Callable[[], Awaitable[None]] | None = None,
        on_loss: Callable[[], Awaitable[None]] | None = None,
    ):
        self.repo = repo
        self.name = name
        self.clock = clock
        self.holder = holder or process_name()
        self.ttl = ttl
        self.on_gain = on_gain
        self.on_loss = on_loss
        self.held = False
        self.current: Lease | None = None
        self._task: asyncio.Task | None = None
        self._valid_until: datetime | None = None
        self._told: str | None = None

    async def try_acquire(self) -> bool:
        """One attempt (also a renewal); calls on_gain / on_loss when that changes."""
        now = self.clock()
        try:
            # Bounded: a renewal hanging on a lost network must not keep `held` past the lease's
            # end, when another process may take it.
            got, lease = await asyncio.wait_for(
                self.repo.acquire(self.name, self.holder, now, self.ttl, is_dead=dead_here),
                self.ttl.total_seconds() / 3,
            )
        except Exception as exc:  # the database is away: keep what we had until it would run out
            log.warning("Lease %s: cannot reach the database (%s)", self.name, exc)
            if self.held and self._valid_until is not None and now >= self._valid_until:
                await self._set(False)
            return self.held
        self.current = lease
        if got:
            self._valid_until = now + self.ttl
            if not self.held:
                log.info("Lease %s: held by this process (%s)", self.name, self.holder)
            self._told = None
        elif self._told != lease.holder:
            self._told = lease.holder
            log.info("Lease %s: held by %s; this process waits to take over", self.name, describe(lease))
        await self._set(got)
        return got

    async def _set(self, held: bool) -> None:
        if held == self.held:
            return
        self.held = held
        if not held:
            log.warning("Lease %s: lost by this process", self.name)
        callback = self.on_gain if held else self.on_loss
        if callback is not None:
            await callback()

    def holding(self) -> bool:
        """Held, and not past the end of the last renewal (one still under way does not count)."""
        return self.held and (self._valid_until is None or self.clock() < self._valid_until)

    def keep(self) -> None:
        """Renew (or wait to take over) in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"lease:{self.name}")

    async def _run(self) -> None:
        every = self.ttl.total_seconds() / 3
        while True:
            await asyncio.sleep(every)
            try:
                await self.try_acquire()
            except Exception:  # a callback failed: tried again at the next turn
                log.exception("Lease %s: renewing failed", self.name)

    async def release(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self.held:
            self.held = False
            if self.on_loss is not None:
                await self.on_loss()
            try:
                await self.repo.release(self.name, self.holder)
            except Exception as exc:
                log.warning("Lease %s: could not give it up (%s); it runs out by itself", self.name, exc)


def holds_scheduler(app) -> bool:
    keeper = app.bot_data.get(SCHEDULER_KEY)
    return keeper is None or keeper.holding()
