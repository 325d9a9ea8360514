"""Slowing down a user who sends too much: a sliding window per user, kept in memory.

A user who sends more than `limit` updates within `window` seconds is told once to slow down
and then ignored until `window` seconds have passed since the warning. Nothing else is stored.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    warn: bool = False  # the first refusal: tell the user, once
    retry_in: int = 0  # whole seconds until the user is heard again


class FloodGuard:
    def __init__(self, limit: int, window: float):
        self.limit = limit
        self.window = window
        self._recent: dict[int, deque[float]] = {}
        self._muted_until: dict[int, float] = {}

    def check(self, user_id: int, now: float) -> Verdict:
        muted_until = self._muted_until.get(user_id)
        if muted_until is not None:
            if now < muted_until:
                return Verdict(False, retry_in=math.ceil(muted_until - now))
            del self._muted_until[user_id]
            self._recent.pop(user_id, None)
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if len(recent) >= self.limit:
            self._muted_until[user_id] = now + self.window
            return Verdict(False, warn=True, retry_in=math.ceil(self.window))
        recent.append(now)
        if len(self._recent) > 10_000:  # forget quiet users so memory stays bounded
            self._forget_quiet(now)
        return Verdict(True)

    def _forget_quiet(self, now: float) -> None:
        for user_id in [u for u, q in self._recent.items() if not q or now - q[-1] >= self.window]:
            del self._recent[user_id]
