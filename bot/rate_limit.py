"""PTB's AIORateLimiter, shared with the broadcast sender without the two fighting.

Which layer owns what:
- The limiter keeps the whole bot under Telegram's overall limit (30/s, or 1000/s for paid
  broadcasts) and retries ordinary messages (answers, notifications) after a 429.
- The broadcast sender paces its own traffic below that (BOT_BROADCAST_RATE, 1 message/s per
  chat) and handles 429 itself: it pauses the whole outbox for `retry_after`, then resumes.
  Its requests carry `rate_limit_args=BROADCAST`: they still count against (and wait for) the
  shared limit, but the limiter never retries them. A retry there would happen behind the
  sender's back: every paced request waiting in the limiter would fire at once when the pause
  ends (a burst that earns the next 429), and a message could be retried by both layers.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import AIORateLimiter

BROADCAST = "broadcast"


class SharedRateLimiter(AIORateLimiter):
    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args) -> Any:
        if rate_limit_args != BROADCAST:
            return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
        chat_id = data.get("chat_id")
        group: int | str | bool = False
        try:
            if int(chat_id) < 0:
                group = int(chat_id)
        except (TypeError, ValueError):
            group = chat_id if isinstance(chat_id, str) else False
        # One attempt, through the same limiters and the same pause as every other request.
        return await self._run_request(
            chat=chat_id is not None,
            group=group,
            allow_paid_broadcast=data.get("allow_paid_broadcast", False),
            callback=callback,
            args=args,
            kwargs=kwargs,
        )
