"""Fuzz: 10 000 seeded random updates from 50 volunteers, 3 coordinators and the admin, through the
real Application and the Bot API double (the fuzzer itself is in tests/fuzzing.py).

What must hold after every update: (a) no exception reached the error handler (so nobody got the
apology), (b) Telegram (the double) answered no call with 400 Bad Request, (c) every private message
and every button press from someone who has not blocked the bot was answered, (d) nothing only a
coordinator may change was changed by anyone else, and at the end (e) the database passes SQLite's
integrity and foreign key checks. A failure prints each kind of finding once, with the seed, the
update's number, the update and what the same person did just before. To replay the session up
to that update, with the person's every step and what the bot showed them:
`python benchmarks/fuzz.py --updates <number + 1> --seed <seed> --keep-messages 0 --trace <user id>`.

FUZZ_SEED=<n> runs another seed; benchmarks/fuzz.py runs longer sessions.
"""

from __future__ import annotations

import os

from telegram.error import BadRequest
from telegram.ext import ApplicationHandlerStop, MessageHandler, filters

from tests.fuzzing import FIRST_VOLUNTEER_ID, FuzzConfig, Report, fuzzer_for, run_fuzz

SEED = int(os.environ.get("FUZZ_SEED", "20260101"))
UPDATES = 10_000
_session: list[Report] = []  # both tests look at the same session, run once


async def fuzz_session(tmp_path_factory) -> Report:
    if not _session:
        database = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
        _session.append(
            await run_fuzz(FuzzConfig(updates=UPDATES, users=50, coordinators=3, seed=SEED, database=database))
        )
    return _session[0]


async def test_ten_thousand_random_updates_break_nothing(tmp_path_factory):
    report = await fuzz_session(tmp_path_factory)
    print(report.summary())
    assert report.updates == UPDATES

    checks = {
        "(a) no exception reached the error handler": report.exceptions == 0 and report.apologies == 0,
        "(a) nothing logged at ERROR": report.logged_errors == 0,
        "(b) no 400 Bad Request from the Bot API": report.bad_requests == 0,
        "(b) no other unexpected Bot API error (403 to blocked users aside)": report.api_errors == 0,
        "(c) every private message and button press answered": report.unanswered == 0,
        "(d) no privileged change by a non-coordinator": report.privilege == 0,
        "(e) PRAGMA integrity_check is ok": report.integrity == "ok",
        "(e) PRAGMA foreign_key_check finds nothing": not report.foreign_key_problems,
        "no internals (tracebacks, Python errors, raw placeholders) in texts sent": report.leaks == 0,
    }
    failed = [name for name, passed in checks.items() if not passed]
    assert not failed, "failed: " + "; ".join(failed) + "\n\n" + report.describe()


async def test_the_fuzzer_walks_deep_into_the_flows(tmp_path_factory):
    """A fuzzer that only ever sees the main menu proves little: the same seeded session must reach
    sent and decided applications, published events, sign-ups and the notices about them."""
    report = await fuzz_session(tmp_path_factory)
    coverage = report.coverage
    applications, events, seats = coverage["applications"], coverage["events"], coverage["seats"]
    reached = {
        "an application sent": sum(n for status, n in applications.items() if status != "draft") > 0,
        "an application accepted or rejected": applications.get("accepted", 0) + applications.get("rejected", 0) > 0,
        "an event published": events.get("published", 0) + events.get("cancelled", 0) > 0,
        "a volunteer signed up": seats.get("registered", 0) + seats.get("waitlisted", 0) > 0,
        "a notice about an event queued": sum(coverage["notices"].values()) > 0,
        "forged buttons pressed": report.counts["forged press"] > 0,
        "group and channel posts sent": report.counts["group post"] > 0 and report.counts["channel post"] > 0,
    }
    missing = [name for name, ok in reached.items() if not ok]
    assert not missing, f"the fuzzer no longer reaches: {missing}\ncoverage: {coverage}"


async def test_the_checks_can_fail(tmp_path):
    """Each check notices what it is there for: a handler slipped in before the bot's own makes a
    volunteer's message crash, send broken HTML, go unanswered, make them a coordinator, or show
    a Python error message."""

    async def misbehave(update, context):
        chat_id = update.effective_chat.id
        command = update.effective_message.text
        if command == "/crash":
            raise RuntimeError("boom")
        if command == "/broken_html":
            try:
                await context.bot.send_message(chat_id, "<b>not closed")
            except BadRequest:
                await context.bot.send_message(chat_id, "ok")
        if command == "/promote_myself":
            await context.services.coordinators.add(update.effective_user.id)
            await context.bot.send_message(chat_id, "ok")
        if command == "/traceback":
            await context.bot.send_message(chat_id, "invalid literal for int() with base 10: 'x'")
        raise ApplicationHandlerStop  # "/say_nothing" and the rest: nothing more

    def prepare(app):
        app.add_handler(
            MessageHandler(filters.Regex(r"^/(crash|broken_html|say_nothing|promote_myself|traceback)$"), misbehave),
            group=-100,
        )

    async with fuzzer_for(FuzzConfig(users=2, database=tmp_path / "fuzz.db"), prepare) as fuzzer:
        volunteer = FIRST_VOLUNTEER_ID
        report = fuzzer.report
        await fuzzer.send(volunteer, "/start")
        assert (report.exceptions, report.bad_requests, report.unanswered, report.privilege) == (0, 0, 0, 0)
        await fuzzer.send(volunteer, "/crash")
        assert report.exceptions == 1 and report.apologies == 1
        await fuzzer.send(volunteer, "/broken_html")
        assert report.bad_requests == 1
        await fuzzer.send(volunteer, "/say_nothing")
        assert report.unanswered == 1
        await fuzzer.send(volunteer, "/promote_myself")
        assert report.privilege == 1
        await fuzzer.send(volunteer, "/traceback")
        assert report.leaks == 1
        assert {f.kind for f in report.findings.values()} == {
            "exception",
            "bad_request",
            "unanswered",
            "privilege",
            "leak",
        }
