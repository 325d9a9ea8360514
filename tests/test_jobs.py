"""Every scheduled job is registered in one place (bot/jobs), under its name, exactly once."""

from __future__ import annotations

from collections import Counter

from bot import jobs
from bot.app import build_application
from bot.double import running

EXPECTED = Counter({"agreements": 1, "applications": 1, "broadcasts": 1, "events": 1, "reminders": 1, "retention": 1})


def _names(app) -> Counter:
    return Counter(job.name for job in app.job_queue.jobs())


async def test_the_job_queue_holds_each_named_job_once(app):
    assert _names(app) == EXPECTED
    assert all(job.next_t is not None for job in app.job_queue.jobs())  # each is due to run
    jobs.schedule(app)  # registering again doubles nothing
    assert _names(app) == EXPECTED


async def test_a_restart_does_not_double_them(settings, double):
    async with running(build_application(settings, double), double) as first:
        assert _names(first) == EXPECTED
    # A new Application on the same settings and database: again each job once.
    async with running(build_application(settings, double), double) as restarted:
        assert _names(restarted) == EXPECTED
