"""Exactly once for the update inbox (bot/inbox.py): the commit observer of the update being
handled (storage/transaction_hooks.py) marks it applied inside its first write transaction,
atomically with its effects; handled again after a crash, an applied update's writes are refused
(`AlreadyApplied`: the transaction rolls back). Also: which process holds a claim or a lease
("pid@host") and whether it still runs; an update's person (the ordering key)."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from datetime import datetime

from telegram import Update

from storage.inbox import mark_applied
from storage.transaction_hooks import current_observer

RETRY_AFTER = (0.5, 1, 2, 5, 10, 30)  # s before handling again an update the database was away for


class AlreadyApplied(Exception):
    """A write refused: this update's effects were committed before (it is handled again after a
    crash); the transaction rolls back and the person is shown the result instead."""

    def __init__(self, update_id: int):
        super().__init__(f"update {update_id} was applied already")
        self.update_id = update_id


def process_name() -> str:
    return f"{os.getpid()}@{socket.gethostname()}"


def dead_here(holder: str) -> bool:
    """A holder that is a process of this machine that no longer runs (its claims and leases can
    be taken at once instead of after they run out)."""
    pid, _, host = holder.partition("@")
    if host != socket.gethostname() or not pid.isdigit() or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def person_of(update: Update) -> int:
    """The ordering key: the user, else the chat (0 for the rare update with neither)."""
    if update.effective_user is not None:
        return update.effective_user.id
    if update.effective_chat is not None:
        return update.effective_chat.id
    return 0


class Applied:
    """The commit observer of one update being handled."""

    __slots__ = ("active", "attempt", "clock", "marked", "replay", "retry", "update_id")

    def __init__(self, update_id: int, replay: bool, clock: Callable[[], datetime], attempt: int = 0):
        self.update_id = update_id
        self.replay = replay
        self.clock = clock
        self.attempt = attempt
        self.active = True
        self.marked = False
        self.retry = False

    async def committing(self, conn) -> None:
        if not self.active:  # a task the update started, still writing after it was handled
            return
        if self.replay:
            raise AlreadyApplied(self.update_id)
        if not self.marked:
            if not await mark_applied(conn, self.update_id, self.clock()):
                raise AlreadyApplied(self.update_id)
            self.marked = True


def retry_later() -> bool:
    """The update being handled failed because the database is away: the inbox handles it again
    in a moment (a few times, waiting longer each time). False: not now, handle the error."""
    observer = current_observer.get()
    # Once something of the update committed, handling it again could only refuse the rest of it
    # (its writes are refused): the error is then reported to the person instead.
    if not isinstance(observer, Applied) or not observer.active or observer.marked:
        return False
    if observer.attempt < len(RETRY_AFTER):
        observer.retry = True
        return True
    return False


def replaying() -> bool:
    """Whether the update being handled now was applied before (handled again after a crash)."""
    observer = current_observer.get()
    return isinstance(observer, Applied) and observer.replay and observer.active
