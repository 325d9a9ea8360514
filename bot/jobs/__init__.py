"""Every scheduled job of the bot, registered in one place (`schedule`), each under its name.

A job claims what is due in the database in the transaction that marks it, then sends it, so a
restart or a second process neither loses nor repeats anything. The modules, by subject:
applications.py (draft reminders, new rules), events.py (reminders, attendance questions,
notices), agreements.py (coming into force, expiring, reminders), hours.py (the quota of hours),
broadcasts.py (scheduled announcements) and retention.py (erasing what is kept no longer)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

from telegram.ext import Application

from bot.context import BotContext
from bot.jobs.agreements import send_agreement_reminders, update_agreement_states
from bot.jobs.applications import ask_to_accept_new_rules, send_application_alerts, send_draft_reminders
from bot.jobs.broadcasts import resume_stalled_queues, start_due_broadcasts
from bot.jobs.events import ask_about_attendance, send_event_notices, send_event_reminders
from bot.jobs.hours import remind_short_of_quota
from bot.jobs.retention import apply_retention
from bot.jobs.threads import purge_old_threads, remind_unanswered
from bot.jobs.work_logs import ask_coordinators_about_work
from bot.leases import holds_scheduler

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Repeating:
    """A named job: its steps run in order, every `every`, the first time `first` after the start."""

    name: str
    every: timedelta
    first: timedelta
    steps: tuple[Callable[[Application], Awaitable[object]], ...]


CHECK_EVERY = timedelta(minutes=10)

JOBS = (
    Repeating("broadcasts", timedelta(seconds=30), timedelta(seconds=5), (start_due_broadcasts, resume_stalled_queues)),
    # Event reminders are due to the minute ("starts in 1 hour"), so their check runs every minute.
    Repeating(
        "events",
        timedelta(minutes=1),
        timedelta(seconds=20),
        (send_event_reminders, ask_about_attendance, send_event_notices),
    ),
    # New applications that waited for a digest (an alert went out a few minutes before them).
    Repeating("applications", timedelta(minutes=1), timedelta(seconds=25), (send_application_alerts,)),
    # The ten-minute jobs start apart, so they do not compete for the database at the same moment.
    # Draft reminders, new rules, and before a month ends the quota of hours (bot/jobs/hours.py);
    # an unanswered conversation reminds the coordinators once (bot/jobs/threads.py).
    Repeating(
        "reminders",
        CHECK_EVERY,
        timedelta(seconds=30),
        (
            send_draft_reminders,
            ask_to_accept_new_rules,
            remind_short_of_quota,
            remind_unanswered,
            ask_coordinators_about_work,  # work the organisation left unconfirmed (bot/jobs/work_logs.py)
        ),
    ),
    Repeating("agreements", CHECK_EVERY, timedelta(seconds=40), (update_agreement_states, send_agreement_reminders)),
    Repeating("retention", CHECK_EVERY, timedelta(seconds=50), (apply_retention, purge_old_threads)),
)


async def _run(context: BotContext) -> None:
    if not holds_scheduler(context.application):  # another process does the scheduled work
        return
    for step in context.job.data:
        try:
            await step(context.application)
        except Exception:  # one failing step must not stop the others
            log.exception("scheduled job %s failed", step.__name__)


def schedule(app: Application) -> None:
    """Register every job; one already registered under its name is left as it is (never doubled)."""
    if app.job_queue is None:
        raise RuntimeError("python-telegram-bot was installed without the job-queue extra")
    for job in JOBS:
        if not app.job_queue.get_jobs_by_name(job.name):
            app.job_queue.run_repeating(_run, interval=job.every, first=job.first, name=job.name, data=job.steps)
