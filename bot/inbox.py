"""The durable update inbox: every update is stored before it is confirmed to Telegram, then
handled exactly once, one person's updates one after another in update_id order, across processes.

Receiving (`receive`): the poller (bot/inbox_polling.py) stores each getUpdates batch in one
transaction before it asks for the next (whose offset confirms the batch); the webhook stores the
update before it answers 200; the Bot API double (tests, `chat`) through `deliver`, which returns
once the update was handled. An update already stored (a duplicate delivery) is ignored; one that
cannot be parsed is refused with one log line (and so confirmed: never a crash loop).

Dispatching: a person's pending updates are claimed by one process (storage/inbox.py; the claim
runs out, so a process that died holding it loses it) and run through the Application in
update_id order, by one task per person here, different persons side by side. With polling, an
update whose person has nothing else pending is claimed in the very transaction that stores it.
With a webhook, Telegram's parallel connections (and replicas) may deliver updates out of order;
Telegram numbers them one after another, so an update waits while a lower number is missing, for
at most the reorder window (`window` s), and a person's updates still run in update_id order.

Exactly once: while an update is handled, a commit observer (storage/transaction_hooks.py) marks
it applied inside its first write transaction, atomically with its effects. Handled again after
a crash, an applied update may not write: the observer raises `AlreadyApplied` (the transaction
rolls back) and the person is shown where they are instead. `done_at` is written after the
replies, for all the updates handled within DONE_DELAY in one statement.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta

from telegram import Update

from bot.inbox_applied import RETRY_AFTER, Applied, dead_here, person_of, process_name
from storage.inbox import InboxRepository, Incoming, Pending
from storage.transaction_hooks import current_observer

log = logging.getLogger("volunteer_bot.inbox")

INBOX_KEY = "inbox"
CLAIM_TTL = 30.0  # s a claim lasts; renewed every third of it while its updates are handled
POLL = 1.0  # s between looks for work stored by other processes or left by dead ones
DONE_DELAY = 0.2  # s handled updates wait to be marked done together (fewer writes; a crash replays them)
KEEP_DONE = timedelta(days=1)  # a duplicate is recognised this long
PURGE_EVERY = 600.0  # s between deletions of updates done more than KEEP_DONE ago
MAX_ATTEMPTS = 5  # claims of one update before it is given up (it kills its handler every time)
DEAD_CHECK = 5.0  # s between looks for claims of processes of this machine that died


class Inbox:
    def __init__(
        self,
        app,
        repo: InboxRepository,
        clock: Callable[[], datetime],
        *,
        holder: str | None = None,
        window: float = 0.0,
    ):
        self.app = app
        self.repo = repo
        self.clock = clock
        self.holder = holder or process_name()
        self.window = window
        self.claim_ttl = CLAIM_TTL
        self.poll = POLL
        self._queues: dict[int, deque[Pending]] = {}
        self._runners: dict[int, asyncio.Task] = {}
        self._taken: set[int] = set()  # queued or handled here, not yet recorded done
        self._finished: list[int] = []
        self._parsed: dict[int, Update] = {}
        self._waiters: dict[int, asyncio.Future] = {}
        self._wake = asyncio.Event()
        self._done_timer: asyncio.TimerHandle | None = None
        self._flushing: asyncio.Task | None = None
        self._task: asyncio.Task | None = None
        self._stopping = False
        self._failing = False
        self._taken_over: set[str] = set()

    # ---- receiving ---------------------------------------------------------------------------
    async def receive(self, bodies: list[dict], *, inline: bool = False) -> list[int]:
        """Store a batch of updates as Telegram sent them (one transaction) and start handling
        them; returns the ids newly stored. Raises when the database cannot store them (then they
        must not be confirmed)."""
        incoming: list[Incoming] = []
        parsed: dict[int, Update] = {}
        refused: list[tuple[Incoming, str]] = []
        for data in bodies:
            try:
                update = Update.de_json(data, self.app.bot)
                if update is None:
                    raise ValueError("empty")
                update_id = int(data["update_id"])
            except Exception as exc:  # the whole batch must not fail for one update
                why = f"cannot be read: {type(exc).__name__}: {exc}"
                log.warning("Inbox: refused an update that %s", why)
                if isinstance(data, dict) and isinstance(data.get("update_id"), int):
                    # Kept as handled: its number is not awaited, and a repeat of it is recognised.
                    refused.append((Incoming(data["update_id"], 0, json.dumps(data, default=str)[:10_000]), why))
                continue
            parsed[update_id] = update
            incoming.append(Incoming(update_id, person_of(update), json.dumps(data, ensure_ascii=False)))
        now = self.clock()
        if refused:
            await self.repo.store_refused(refused, now)
        if not incoming:
            return []
        stored, claimed = await self.repo.store(
            incoming,
            now,
            claim_for=self.holder if not self.window else None,
            claim_until=now + timedelta(seconds=self.claim_ttl),
        )
        mine = set(claimed)
        by_person: dict[int, list[Pending]] = {}
        for item in incoming:
            if item.update_id in mine:
                self._parsed[item.update_id] = parsed[item.update_id]
                by_person.setdefault(item.person, []).append(Pending(item.update_id, item.person, item.body, False, 0))
        for person, rows in by_person.items():
            self._enqueue(person, rows, spawn=not inline)
        if len(mine) < len(stored):  # the loop claims them: now, or once what is missing below them came
            self._wake.set()
            if self.window:  # and again when an update still missing below it stops being awaited
                asyncio.get_running_loop().call_later(self.window, self._wake.set)
        return stored

    async def deliver(self, data: dict) -> None:
        """The Bot API double hands an update over: stored, handled, done; returns once handled."""
        update_id = int(data["update_id"])
        waiter = self._waiters.get(update_id)
        if waiter is None:
            waiter = self._waiters[update_id] = asyncio.get_running_loop().create_future()
            try:
                stored = await self.receive([data], inline=True)
            except BaseException:
                self._waiters.pop(update_id, None)
                raise
            if not stored:  # a duplicate (or unreadable): nothing to wait for
                self._waiters.pop(update_id, None)
                return
            person = next((p for p, queue in self._queues.items() if self._runners.get(p) is _INLINE), None)
            if person is not None:  # this task runs the person's queue, as PTB's fetcher would
                self._runners[person] = asyncio.current_task()
                await self._run_person(person)
        await asyncio.shield(waiter)

    # ---- dispatching -------------------------------------------------------------------------
    def _enqueue(self, person: int, rows: list[Pending], *, spawn: bool = True) -> None:
        """Into the person's queue here; a task runs it (`spawn=False`: the caller, at once)."""
        fresh = [r for r in rows if r.update_id not in self._taken]
        if not fresh:
            return
        self._taken.update(r.update_id for r in fresh)
        queue = self._queues.setdefault(person, deque())
        queue.extend(fresh)
        if person not in self._runners:
            if spawn:
                self._runners[person] = asyncio.create_task(self._run_person(person), name=f"inbox:{person}")
            else:
                self._runners[person] = _INLINE

    async def _run_person(self, person: int) -> None:
        queue = self._queues[person]
        try:
            while queue:
                await self._handle(queue.popleft())
        finally:
            del self._runners[person]
            del self._queues[person]

    async def _handle(self, row: Pending) -> None:
        app = self.app
        update = self._parsed.pop(row.update_id, None)
        try:
            if row.attempts > MAX_ATTEMPTS:
                raise _GiveUp(f"given up after {row.attempts - 1} attempts")
            if update is None:
                try:
                    update = Update.de_json(json.loads(row.body), app.bot)
                except Exception as exc:
                    raise _GiveUp(f"cannot be read: {type(exc).__name__}: {exc}") from None
            if row.applied:
                log.info("Inbox: update %s was applied before a restart; handled again without writing", row.update_id)
            replay = row.applied
            for attempt in range(len(RETRY_AFTER) + 1):
                observer = Applied(row.update_id, replay, self.clock, attempt)
                token = current_observer.set(observer)
                try:
                    await app.update_processor.process_update(update, app.process_update(update))
                finally:
                    observer.active = False
                    current_observer.reset(token)
                if not observer.retry:
                    break
                if self._stopping:  # left pending: the next start (or another process) handles it
                    self._taken.discard(row.update_id)
                    return
                replay = replay or observer.marked  # what committed before the failure stays once
                await asyncio.sleep(RETRY_AFTER[attempt])
            self._finished.append(row.update_id)
            if self._done_timer is None:  # recorded together with those handled meanwhile
                self._done_timer = asyncio.get_running_loop().call_later(DONE_DELAY, self._flush_soon)
        except _GiveUp as exc:
            log.error("Inbox: update %s of %s is given up: %s", row.update_id, row.person, exc)
            try:
                await self.repo.give_up(row.update_id, self.clock(), str(exc))
            except Exception as db_exc:
                log.warning("Inbox: could not record update %s as given up: %s", row.update_id, db_exc)
            self._taken.discard(row.update_id)
        except Exception:  # PTB hands a handler's errors to the error handler; this is the rest
            log.exception("Inbox: update %s failed outside its handlers; it will be tried again", row.update_id)
            self._taken.discard(row.update_id)
        finally:
            waiter = self._waiters.pop(row.update_id, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

    def _take_finished(self) -> list[int]:
        done, self._finished = self._finished, []
        if self._done_timer is not None:
            self._done_timer.cancel()
            self._done_timer = None
        return done

    def _flush_soon(self) -> None:
        self._done_timer = None
        if self._finished and not self._stopping:
            self._flushing = asyncio.create_task(self._flush_quietly())

    async def _flush_quietly(self) -> None:
        try:
            await self.flush()
        except Exception as exc:  # kept, and written with the next write of the inbox
            log.warning("Inbox: could not record handled updates as done yet (%s)", exc)

    def _recorded(self, done: list[int]) -> None:
        self._taken.difference_update(done)

    async def flush(self) -> None:
        """Record as done what was handled (tests; stopping)."""
        done = self._take_finished()
        if not done:
            return
        try:
            await self.repo.mark_done(done, self.clock())
        except BaseException:
            self._finished.extend(done)
            raise
        self._recorded(done)

    async def settle(self) -> None:
        """Until nothing is being handled here, and what was is recorded done (tests)."""
        while self._runners:
            await asyncio.gather(
                *(r for r in self._runners.values() if r is not asyncio.current_task()), return_exceptions=True
            )
        await self.flush()

    async def claim_now(self, *, startup: bool = False, takeover: frozenset[str] = frozenset()) -> int:
        """Claim what this process may handle now and start it; returns how many updates."""
        now = self.clock()
        if not startup and not takeover and not self._finished and not await self.repo.any_claimable(now):
            return 0
        done = self._take_finished()
        try:
            claimed = await self.repo.claim(
                self.holder,
                now,
                now + timedelta(seconds=self.claim_ttl),
                ready_before=now,
                gaps_wait_until=now - timedelta(seconds=self.window) if self.window else None,
                done=done,
                takeover=takeover,
                in_flight=self._taken,
            )
        except BaseException:
            self._finished.extend(done)
            raise
        self._recorded(done)
        for person, rows in claimed.items():
            self._enqueue(person, rows)
        return sum(len(rows) for rows in claimed.values())

    # ---- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Before anything new: updates stored but not finished (a crash, a stop) are taken up."""
        self._stopping = False
        dead = frozenset(h for h in await self.repo.holders(self.clock()) if dead_here(h))
        for holder in dead:
            log.warning("Inbox: taking over the updates claimed by %s, which no longer runs", holder)
        left = await self.claim_now(startup=True, takeover=dead)
        if left:
            log.warning("Inbox: %d update(s) stored before the last stop are being handled first", left)
        self._task = asyncio.create_task(self._loop(), name="inbox")

    async def stop(self, timeout: float = 10.0) -> None:
        """Finish what is being handled, record it, and let go of the rest (another process may
        take it at once)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        runners = list(self._runners.values())
        if runners:
            _, late = await asyncio.wait(runners, timeout=timeout)
            for task in late:
                task.cancel()
        try:
            await self.flush()
            await self.repo.release(self.holder)
        except Exception as exc:
            log.warning("Inbox: could not record the last updates as done (%s); they will be handled again", exc)

    async def _loop(self) -> None:
        last_renew = last_purge = last_dead_check = asyncio.get_running_loop().time()
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.poll)
            self._wake.clear()
            if self._stopping:
                break
            try:
                tick = asyncio.get_running_loop().time()
                takeover: frozenset[str] = frozenset()
                if tick - last_dead_check >= DEAD_CHECK:  # a process of this machine that died
                    last_dead_check = tick
                    takeover = frozenset(h for h in await self.repo.holders(self.clock()) if dead_here(h))
                    for holder in takeover - self._taken_over:
                        log.warning("Inbox: taking over the updates claimed by %s, which no longer runs", holder)
                    self._taken_over |= takeover
                await self.claim_now(takeover=takeover)
                tick = asyncio.get_running_loop().time()
                if self._runners and tick - last_renew >= self.claim_ttl / 3:
                    last_renew = tick
                    await self.repo.renew(self.holder, self.clock() + timedelta(seconds=self.claim_ttl))
                if tick - last_purge >= PURGE_EVERY:  # in short transactions, the bot answering meanwhile
                    last_purge = tick
                    while await self.repo.purge(self.clock() - KEEP_DONE) and not self._stopping:
                        await asyncio.sleep(0.05)
                if self._failing:
                    self._failing = False
                    log.warning("Inbox: the database answers again; handling stored updates")
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database restarting: one line, then again later
                if not self._failing:
                    self._failing = True
                    log.error("Inbox: cannot reach the database (%s: %s); trying again", type(exc).__name__, exc)
                await asyncio.sleep(1.0)


_INLINE = object()  # a person's queue that the task which stored the update runs itself


class _GiveUp(Exception):
    pass


def inbox_of(app) -> Inbox | None:
    return app.bot_data.get(INBOX_KEY)
