"""Long polling into the inbox (`volunteer-bot run` without --webhook), in place of PTB's Updater,
which confirms updates to Telegram when it fetches them (a crash lost what was in flight).

getUpdates(offset) → the whole batch stored in one transaction (bot/inbox.py) → only then the next
getUpdates, whose offset (last + 1) confirms the batch to Telegram. A batch that cannot be stored
(the database is away) is not confirmed: Telegram hands it over again at the next call.

One poller only: the process must hold the "poller" lease (bot/leases.py). A second one refuses
to start with one line naming the holder; one that loses the lease (another took it after this
one could not renew it for its whole term) stops polling and ends, rather than fight over
getUpdates.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal

from telegram import Update
from telegram.error import Conflict, InvalidToken, NetworkError, RetryAfter, TelegramError

from bot.inbox import inbox_of
from bot.leases import POLLER, LeaseKeeper, describe
from storage.leases import Lease, LeaseRepository

log = logging.getLogger("volunteer_bot.polling")

LONG_POLL = 25  # s Telegram holds a getUpdates open when there is nothing
BACKOFF = (1, 2, 5, 10, 30)


class PollerBusy(Exception):
    """Another process holds the poller lease."""

    def __init__(self, lease: Lease):
        super().__init__(f"another process is polling Telegram for this bot: {describe(lease)}")
        self.lease = lease


async def take_poller(app, holder: str | None = None) -> LeaseKeeper:
    """The poller lease, kept in the background; PollerBusy when another process holds it."""
    services = app.services
    await services.db.open()
    keeper = LeaseKeeper(LeaseRepository(services.db), POLLER, services.clock, holder=holder)
    if not await keeper.try_acquire():
        raise PollerBusy(keeper.current)
    keeper.keep()
    return keeper


async def release_poller(app, keeper: LeaseKeeper) -> None:
    """Give the lease up, also when starting failed and the bot closed the database already."""
    if keeper.held and not app.services.db.is_open:
        await app.services.db.open()
        try:
            await keeper.release()
        finally:
            await app.services.db.close()
    await keeper.release()


class Poller:
    def __init__(self, app, keeper: LeaseKeeper | None = None, *, long_poll: int = LONG_POLL):
        self.app = app
        self.keeper = keeper
        self.long_poll = long_poll
        self.offset: int | None = None
        self.lost = False

    async def _get(self, timeout: int, limit: int | None = None) -> list[dict]:
        data = {"timeout": timeout, "offset": self.offset, "allowed_updates": Update.ALL_TYPES}
        if limit is not None:
            data["limit"] = limit
        # The raw JSON (Bot.get_updates parses the whole batch, and one update it cannot read would
        # fail them all): each update is read on its own in Inbox.receive.
        return await self.app.bot._post("getUpdates", data, read_timeout=timeout + 10)

    async def run(self) -> None:
        """Until cancelled, or the lease is lost."""
        inbox = inbox_of(self.app)
        failures = 0
        while True:
            if self.keeper is not None and not self.keeper.held:
                self.lost = True
                log.error("Polling: the poller lease is held by another process now; this one stops polling")
                return
            try:
                batch = await self._get(self.long_poll)
            except InvalidToken:
                raise
            except RetryAfter as exc:
                await asyncio.sleep(_seconds(exc.retry_after))
                continue
            except Conflict as exc:  # a webhook is set, or a poller outside this database's lease
                failures += 1
                log.error("Polling: Telegram refused getUpdates (%s); trying again", exc.message)
                await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
                continue
            except (NetworkError, TelegramError) as exc:
                failures += 1
                log.warning("Polling: getUpdates failed (%s); trying again", exc)
                await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
                continue
            failures = 0
            if not batch:
                continue
            while True:
                try:
                    await inbox.receive(batch)  # one transaction, before it is confirmed
                    break
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # the database restarting: keep the batch, unconfirmed
                    failures += 1
                    log.error(
                        "Polling: could not store %d update(s) (%s: %s); not confirmed, trying again",
                        len(batch),
                        type(exc).__name__,
                        exc,
                    )
                    await asyncio.sleep(BACKOFF[min(failures, len(BACKOFF)) - 1])
            failures = 0
            self.offset = max(int(u["update_id"]) for u in batch) + 1

    async def confirm(self) -> None:
        """Stopping: tell Telegram what was stored (otherwise it hands it over again, harmlessly)."""
        if self.offset is None:
            return
        try:
            await self._get(0, limit=1)
        except TelegramError as exc:
            log.info("Polling: could not confirm the last updates (%s); they come again and are ignored", exc)


async def run_polling(app, *, until: asyncio.Future | None = None) -> bool:
    """`volunteer-bot run` with long polling: the lease, the bot, the poller, until SIGINT/SIGTERM
    (or `until`). Raises PollerBusy before anything starts; returns False when the lease was lost."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    handled = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
            handled.append(sig)
    try:
        try:
            keeper = await take_poller(app)
        except BaseException:
            await app.services.db.close()
            raise
        poller = Poller(app, keeper)
        try:
            async with app:
                await app.bot.delete_webhook()  # getUpdates is refused while a webhook is set
                await app.start()
                try:
                    polling = asyncio.create_task(poller.run(), name="poller")
                    stopping = asyncio.create_task(stop.wait())
                    waits = {polling, stopping} | ({until} if until is not None else set())
                    await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                    stopping.cancel()
                    if not polling.done():
                        polling.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await polling  # InvalidToken and the like end the run here
                    await poller.confirm()
                finally:
                    await app.stop()
                    await keeper.release()  # before the database closes
        finally:
            await release_poller(app, keeper)
        return not poller.lost
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


def _seconds(value) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
