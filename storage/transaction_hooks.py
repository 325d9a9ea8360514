"""Something that must happen inside every write transaction of the current task, just before it
commits: the update inbox marks the update being handled as applied there, so an update's effects
and that mark are one atomic change (see bot/inbox.py). Set with `observing(...)`; it is a
ContextVar, so it follows the task that handles one update and nothing else."""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Protocol


class CommitObserver(Protocol):
    async def committing(self, conn: Any) -> None:
        """Called inside the outermost transaction before COMMIT; raising rolls it back."""


current_observer: ContextVar[CommitObserver | None] = ContextVar("commit_observer", default=None)


class unobserved:
    """Writes that may be repeated harmlessly (a person's profile as Telegram sends it): they do not
    count as the update's effects, so handling the update again after a crash may make them."""

    __slots__ = ("_token",)

    def __enter__(self) -> None:
        self._token = current_observer.set(None)

    def __exit__(self, *exc: object) -> None:
        current_observer.reset(self._token)
