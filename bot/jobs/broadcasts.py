"""Scheduled announcements: `start_due_broadcasts` starts what is due, claiming each in the
transaction that starts it, so a restart or a second process neither loses nor repeats one;
`resume_stalled_queues` finishes writing an outbox whose writing stopped with the bot."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.broadcast_status import log_start, post_status_message
from bot.context import SERVICES_KEY
from storage.broadcasts import BroadcastStatus, Refused

log = logging.getLogger(__name__)


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


QUEUE_STALLED_AFTER = timedelta(minutes=1)  # a batch goes in every few ms while an outbox is written


async def resume_stalled_queues(app) -> int:
    """Outboxes left half-written (the bot stopped while writing one) are finished: the audience
    is read again now, and the people after the last one queued are added."""
    services = app.bot_data[SERVICES_KEY]
    now = services.clock()
    resumed = 0
    for broadcast, through in await services.broadcasts.stalled_queues(now, QUEUE_STALLED_AFTER):
        plan = await services.broadcasts.plan(
            broadcast.audience,
            services.answer_fields(),
            broadcast.category,
            broadcast.urgent,
            now,
            services.settings.tz,
        )
        rest = [row for row in plan.rows if row[0] > through]
        log.warning("broadcast %s: writing its outbox on after person %s (%d more)", broadcast.id, through, len(rest))
        await services.broadcasts.queue(broadcast.id, rest, now)
        resumed += 1
    return resumed
