"""Concurrent updates across users, strict order within each user.

The inbox (bot/inbox.py) hands each update over (one process per person at a time, in update_id
order, across processes); in this process, one task per update in arrival order. Each task
takes its user's lock (asyncio locks are FIFO, and the first step of every task runs in
creation order), so one user's updates run one after another while different users run side
by side. Work slots are
taken only after the user's lock, so a user who floods the bot cannot starve everyone else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor

# PTB's own semaphore wraps the whole task, including the wait for the user's lock, so it
# is set out of the way; the real limit is `max_workers` below.
_OUTER_LIMIT = 1_000_000


def ordering_key(update: object) -> object:
    if isinstance(update, Update):
        if update.effective_user is not None:
            return ("user", update.effective_user.id)
        if update.effective_chat is not None:
            return ("chat", update.effective_chat.id)
    return ("update", id(update))


class PerUserOrderedProcessor(BaseUpdateProcessor):
    def __init__(self, max_workers: int = 64):
        super().__init__(_OUTER_LIMIT)
        self._workers = asyncio.BoundedSemaphore(max_workers)
        self._max_workers = max_workers
        self._locks: dict[object, asyncio.Lock] = {}
        self._waiting: dict[object, int] = {}

    @property
    def max_workers(self) -> int:
        return self._max_workers

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        key = ordering_key(update)
        lock = self._locks.setdefault(key, asyncio.Lock())
        self._waiting[key] = self._waiting.get(key, 0) + 1
        try:
            async with lock, self._workers:
                await coroutine
        finally:
            self._waiting[key] -= 1
            if not self._waiting[key]:
                del self._waiting[key]
                del self._locks[key]

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass
