"""Scheduled announcements: `start_due_broadcasts` starts what is due, claiming each in the
transaction that starts it, so a restart or a second process neither loses nor repeats one."""

from __future__ import annotations

from bot.broadcast_status import log_start, post_status_message
from bot.context import SERVICES_KEY
from storage.broadcasts import BroadcastStatus, Refused


async def start_due_broadcasts(app) -> int:
    """Scheduled broadcasts whose time has come get their outbox and start."""
    services = app.bot_data[SERVICES_KEY]
    now = services.clock()
    count = 0
    for broadcast in await services.broadcasts.due_scheduled(now):
        plan = await services.broadcasts.plan(
            broadcast.audience,
            services.answer_fields(),
            broadcast.category,
            broadcast.urgent,
            now,
            services.settings.tz,
        )
        try:
            running = await services.broadcasts.start(
                broadcast.id, plan, expected=BroadcastStatus.SCHEDULED, now=now, status_chat_id=broadcast.created_by
            )
        except Refused:  # cancelled at the last moment
            continue
        log_start(running, None)
        count += 1
        await post_status_message(app, running)
    return count
