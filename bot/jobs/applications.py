"""Application reminders: one for a draft left untouched, and one request per person to accept
new rules. Each is claimed in the database before it is sent, so a restart neither loses nor
repeats one."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application

from bot.buttons.application import AcceptNewRules, ApplicationButton
from bot.context import SERVICES_KEY
from bot.i18n import html_escape
from bot.replies import keyboard
from bot.sending import send_safely, translator_for
from bot.services import Services

log = logging.getLogger(__name__)


async def send_draft_reminders(app: Application) -> int:
    """One reminder per draft left untouched for `reminder_after_hours`; returns how many."""
    services: Services = app.bot_data[SERVICES_KEY]
    now = services.clock()
    untouched_since = now - timedelta(hours=services.org.application.reminder_after_hours)
    sent = 0
    for draft in await services.applications.claim_stale_drafts(untouched_since, now):
        t = await translator_for(services, draft.telegram_id)
        text = t._(
            "Your application to %(programme)s is waiting to be finished. Your answers are "
            "saved: continue where you stopped whenever you like.",
            programme=services.org.programme.name.get(t.locale),
        )
        markup = keyboard([[(t.gettext("▶️ Continue the application"), ApplicationButton(act="cont").pack())]])
        if await send_safely(app.bot, services, draft.telegram_id, text, markup):
            sent += 1
    if sent:
        log.info("sent %d draft reminders", sent)
    return sent


async def ask_to_accept_new_rules(app: Application) -> int:
    """When the rules change, everyone with an open or accepted application is asked, once."""
    services: Services = app.bot_data[SERVICES_KEY]
    rules = services.org.rules
    asked = 0
    for telegram_id in await services.consents.outdated_rules(rules.version):
        if not await services.notices.claim(telegram_id, "rules", rules.version, services.clock()):
            continue
        t = await translator_for(services, telegram_id)
        text = "\n".join(
            [
                t._(
                    "<b>The recruitment rules have changed</b> (version %(version)s).",
                    version=rules.version,
                ),
                "",
                html_escape(rules.summary.get(t.locale)),
                "",
                t._("Please read them and accept the new version to keep taking part."),
            ]
        )
        markup = keyboard(
            [
                [(t.gettext("📄 Full text of the rules"), str(rules.url))],
                [(t.gettext("✅ I accept the new rules"), AcceptNewRules(act="accept", version=rules.version).pack())],
            ]
        )
        if await send_safely(app.bot, services, telegram_id, text, markup):
            asked += 1
    return asked
