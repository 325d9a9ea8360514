"""The retention job: erase what the periods in the organisation file say has no purpose any more,
and record in the audit log what was erased."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from telegram.ext import Application

from bot.context import SERVICES_KEY
from bot.services import Services
from bot.staff_group import delete_topics
from storage import privacy

log = logging.getLogger(__name__)


async def apply_retention(app: Application) -> dict[str, int]:
    """Erase what the retention periods in the organisation file say has no purpose any more."""
    services: Services = app.bot_data[SERVICES_KEY]
    retention = services.org.retention
    now = services.clock()
    counts = await privacy.purge_old(
        services.db,
        now,
        draft_days=retention.draft_days,
        closed_days=retention.closed_application_days,
        agreement_years=services.org.data_protection.agreements_kept_years,
        partner_days=(retention.rejected_organisation_days, retention.closed_request_days, retention.done_request_days),
    )
    inactive = await privacy.stale_people(services.db, now - timedelta(days=retention.inactive_person_days))
    topics = []
    for telegram_id in inactive:
        topic = await services.threads.topic_record(telegram_id)  # erase() forgets it with the rest
        await privacy.erase(services.db, telegram_id)
        if topic is not None:
            topics.append(topic)
        await asyncio.sleep(0)  # one person per transaction; everyone else's updates run between
    if topics:  # their topics in the coordinators' group are their data too
        await delete_topics(app.bot, services, topics)
    counts["people"] = len(inactive)
    if any(counts.values()):
        await services.audit.record(None, "retention.purged", None, now, **counts)
        log.info("retention: erased %s", counts)
    return counts
