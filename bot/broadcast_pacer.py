"""The pace of the broadcast sender, at Telegram's limits.

Evenly spaced sends at BOT_BROADCAST_RATE, never more than that many in any one-second window,
and at most one message per second to the same chat. Idle time earns no burst. A 429 pauses it
all for the time Telegram asks (`pause`).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable

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
