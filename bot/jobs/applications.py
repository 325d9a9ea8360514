"""Application reminders: one for a draft left untouched, and one request per person to accept
new rules; and the coordinators' alerts about new applications (the first at once, then at most
one digest every few minutes). Each is claimed in the database before it is sent, so a restart
neither loses nor repeats one."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application

from bot.buttons.application import AcceptNewRules, ApplicationButton
from bot.buttons.review import ReviewButton, ReviewList
from bot.context import SERVICES_KEY
from bot.forms import display
from bot.i18n import N_, Translator, html_escape
from bot.replies import keyboard
from bot.sending import send_safely, tell_coordinators, translator_for
from bot.services import Services
from storage.applications import OPEN, Status

log = logging.getLogger(__name__)

# Applications sent within this time of the last alert wait, and then go in one digest.
ALERT_QUIET = timedelta(minutes=5)
DIGEST_LINES = 20
ALERT = N_("📥 New application #%(id)d: %(name)s %(where)s")
DIGEST_LINE = N_("• #%(id)d: %(name)s %(where)s")


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


# ---- new applications, told to the coordinators -----------------------------------------------------
async def alert_new_applications(bot, services: Services) -> int:
    """Tell the coordinators (who have not switched it off) about the applications no alert has
    named yet: one alert for one, one digest for several. Nothing while an alert went out less
    than ALERT_QUIET ago: those wait for this job's next run. Returns how many were told."""
    claimed = await services.applications.claim_alerts(services.clock(), ALERT_QUIET)
    items = []
    for application_id in claimed:
        application = await services.applications.get(application_id)
        if application is not None and application.status in OPEN:  # withdrawn meanwhile: nothing to see
            items.append((application_id, await services.applications.answers(application_id)))
    if not items:
        return 0
    org = services.org
    county = next((f for f in org.form if f.id == "county"), None)

    def line(t: Translator, msgid: str, application_id: int, answers: dict) -> str:
        name = answers.get("full_name")
        where = display(org, county, answers["county"], t) if county and answers.get("county") is not None else ""
        return t._(
            msgid, id=application_id, name=name if isinstance(name, str) else "—", where=f"({where})" if where else ""
        )

    def compose(t: Translator):
        if len(items) == 1:
            application_id, answers = items[0]
            text = line(t, ALERT, application_id, answers)
            return text, keyboard([[(t.gettext("Open"), ReviewButton(act="o", application_id=application_id).pack())]])
        lines = [
            t.ngettext(
                "📥 %(count)d new application since the last alert:",
                "📥 %(count)d new applications since the last alert:",
                len(items),
            )
        ]
        lines += [line(t, DIGEST_LINE, *item) for item in items[:DIGEST_LINES]]
        if len(items) > DIGEST_LINES:
            more = len(items) - DIGEST_LINES
            lines.append(t.ngettext("…and %(count)d more", "…and %(count)d more", more))
        return "\n".join(str(x) for x in lines), keyboard(
            [[(t.gettext("📋 New applications"), ReviewList(status=Status.SUBMITTED).pack())]]
        )

    return await tell_coordinators(bot, services, compose, wants=services.coordinator_settings.notify_applications)


async def send_application_alerts(app: Application) -> int:
    """The job's step: the digest of the applications that waited."""
    services: Services = app.bot_data[SERVICES_KEY]
    return await alert_new_applications(app.bot, services)
