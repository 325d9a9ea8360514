"""Scheduled jobs. Each finds what is due in the database, marks it and sends it, so a restart
neither loses nor repeats a reminder."""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram.ext import Application

from bot.agreement_jobs import send_agreement_reminders, update_agreement_states
from bot.buttons.application import AcceptNewRules, ApplicationButton
from bot.context import SERVICES_KEY, BotContext
from bot.i18n import html_escape
from bot.replies import keyboard
from bot.sending import send_safely, translator_for
from bot.services import Services

log = logging.getLogger(__name__)

CHECK_EVERY = timedelta(minutes=10)
EVENTS_EVERY = timedelta(minutes=1)


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


async def apply_retention(app: Application) -> dict[str, int]:
    """Erase what the retention periods in the organisation file say has no purpose any more."""
    from storage import privacy

    services: Services = app.bot_data[SERVICES_KEY]
    retention = services.org.retention
    now = services.clock()
    counts = await privacy.purge_old(
        services.db,
        now,
        draft_days=retention.draft_days,
        closed_days=retention.closed_application_days,
        agreement_years=services.org.data_protection.agreements_kept_years,
    )
    inactive = await privacy.stale_people(services.db, now - timedelta(days=retention.inactive_person_days))
    for telegram_id in inactive:
        await privacy.erase(services.db, telegram_id)
    counts["people"] = len(inactive)
    if any(counts.values()):
        await services.audit.record(None, "retention.purged", None, now, **counts)
        log.info("retention: erased %s", counts)
    return counts


async def _run(context: BotContext) -> None:
    jobs = (send_draft_reminders, ask_to_accept_new_rules, update_agreement_states, send_agreement_reminders)
    for job in (*jobs, apply_retention):
        try:
            await job(context.application)
        except Exception:  # one failing job must not stop the others
            log.exception("scheduled job %s failed", job.__name__)


async def _run_events(context: BotContext) -> None:
    from bot import event_jobs

    for job in (event_jobs.send_event_reminders, event_jobs.ask_about_attendance, event_jobs.send_event_notices):
        try:
            await job(context.application)
        except Exception:  # one failing job must not stop the others
            log.exception("scheduled job %s failed", job.__name__)


def schedule(app: Application) -> None:
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    app.job_queue.run_repeating(_run, interval=CHECK_EVERY, first=timedelta(seconds=30), name="reminders")
    # Event reminders are due to the minute ("starts in 1 hour"), so their check runs every minute.
    app.job_queue.run_repeating(_run_events, interval=EVENTS_EVERY, first=timedelta(seconds=20), name="events")
