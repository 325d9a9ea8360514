"""Work logs the organisation has not confirmed within `[work] confirm_within_hours`: the
coordinators are asked to confirm or correct them instead. Each log is claimed by the transaction
that marks it escalated (storage/work_logs.py), so it is asked about once, across restarts too."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot import work_text
from bot.context import SERVICES_KEY
from bot.sending import tell_coordinators
from bot.services import Services

log = logging.getLogger(__name__)


async def ask_coordinators_about_work(app: Application) -> int:
    services: Services = app.bot_data[SERVICES_KEY]
    if services.org.partners is None:
        return 0
    wait = services.org.work.confirm_within_hours
    asked = 0
    for work in await services.work_logs.claim_due(services.clock()):
        people = await services.people.named([work.telegram_id])
        expert = people[work.telegram_id].name if work.telegram_id in people else "—"
        request = await services.support_requests.get(work.request_id)
        names = await services.organisations.names([request.organisation_id]) if request else {}
        organisation = names.get(request.organisation_id, "—") if request else "—"
        staff = await services.staff_ids()
        for staff_id in staff:
            await work_text.send_attachment(app.bot, staff_id, work)

        def compose(t, work=work, expert=expert, organisation=organisation):
            title = work_text.request_label(t, work.request_id, organisation)
            return work_text.to_confirm(t, work, expert, title, coordinator=True, wait_hours=wait)

        await tell_coordinators(app.bot, services, compose, recipients=staff)
        asked += 1
    if asked:
        log.info("asked the coordinators about %d unconfirmed work logs", asked)
    return asked
