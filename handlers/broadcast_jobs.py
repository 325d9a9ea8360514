"""The scheduled-announcements job and the coordinator's progress message.

`schedule_jobs(app)` registers the job (bot/app.py calls it through handlers.broadcasts);
`start_due_broadcasts` starts what is due, claiming each in the transaction that starts it, so a
restart or a second process neither loses nor repeats one."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.broadcast_text import progress_text, report_markup
from bot.context import SERVICES_KEY, BotContext
from handlers.common import translator_for
from storage.broadcasts import Broadcast, BroadcastStatus, Refused

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


async def _due_job(context: BotContext) -> None:
    try:
        await start_due_broadcasts(context.application)
    except Exception:
        log.exception("starting scheduled broadcasts failed")


def schedule_jobs(app) -> None:
    app.job_queue.run_repeating(_due_job, interval=timedelta(seconds=30), first=timedelta(seconds=5), name="broadcasts")


def log_start(broadcast: Broadcast, by: int | None) -> None:
    if broadcast.urgent:
        log.warning(
            "URGENT broadcast %d started (by %s) to %d recipients, ignoring quiet hours",
            broadcast.id,
            by,
            broadcast.recipients,
        )
    else:
        log.info("broadcast %d started (by %s) to %d recipients", broadcast.id, by, broadcast.recipients)


async def post_status_message(app, broadcast: Broadcast) -> None:
    """The coordinator's progress message, edited by the sender every few seconds."""
    services = app.bot_data[SERVICES_KEY]
    chat_id = broadcast.status_chat_id or broadcast.created_by
    t = await translator_for(services, chat_id)
    progress = await services.broadcasts.progress(broadcast.id, services.clock())
    sender = getattr(app, "broadcast_sender", None)
    rate = sender.rate if sender else services.settings.broadcast_rate
    try:
        message = await app.bot.send_message(
            chat_id, progress_text(t, broadcast, progress, rate), reply_markup=report_markup(t, broadcast)
        )
    except Exception:  # the coordinator may have blocked the bot: the broadcast goes on anyway
        log.warning("could not post the progress of broadcast %d", broadcast.id, exc_info=True)
    else:
        await services.broadcasts.set_status_message(broadcast.id, chat_id, message.message_id)
    if sender is not None:
        sender.wake()
