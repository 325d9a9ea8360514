"""Conversations with the coordinators: a message left unanswered reminds the coordinators once,
`remind_after_hours` after it came, within working hours (the organisation file's [counselling]);
claimed in the transaction that marks it reminded. And the retention period of conversations."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application

from bot.context import SERVICES_KEY
from bot.counselling import to_staff
from bot.services import Services
from bot.staff_group import delete_topics

log = logging.getLogger(__name__)

OFFER_KEPT = timedelta(days=7)  # a text offered to be sent and never sent is forgotten after this


async def remind_unanswered(app: Application) -> int:
    services: Services = app.bot_data[SERVICES_KEY]
    settings = services.org.counselling
    now = services.clock()
    if not settings.working(now.astimezone(services.settings.tz)):
        return 0  # the reminder waits for working hours
    reminded = 0
    for thread in await services.threads.claim_reminders(now - timedelta(hours=settings.remind_after_hours), now):
        last = await services.threads.messages(thread.id, 1)
        if last and await to_staff(app, services, thread, last[-1], reminder=True):
            reminded += 1
    if reminded:
        log.info("reminded the coordinators of %d unanswered conversations", reminded)
    return reminded


async def purge_old_threads(app: Application) -> int:
    services: Services = app.bot_data[SERVICES_KEY]
    now = services.clock()
    days = services.org.counselling.retention_days
    purged = await services.threads.purge(now - timedelta(days=days), now - OFFER_KEPT)
    # The topic of someone with no conversation left goes too: its messages are that person's data.
    topics = await services.threads.forget_topics_without_threads()
    if topics:
        await delete_topics(app.bot, services, topics)
    return purged
