"""Leases (issue 16): one poller, one scheduler across processes; a lease that its holder stops
renewing runs out and another process takes it over."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from bot.app import build_application
from bot.double import running
from bot.inbox_polling import PollerBusy, take_poller
from bot.jobs import _run
from bot.leases import POLLER, SCHEDULER, SCHEDULER_KEY, LeaseKeeper
from storage import open_database
from storage.leases import LeaseRepository
from tests.events_helpers import Clock


@pytest.fixture
async def db(settings):
    database = await open_database(settings.database)
    yield database
    await database.close()


async def test_a_lease_has_one_holder_until_it_runs_out(db):
    clock = Clock()
    leases = LeaseRepository(db)
    ttl = timedelta(seconds=30)
    assert (await leases.acquire(POLLER, "1@a", clock(), ttl))[0]
    held, lease = await leases.acquire(POLLER, "2@b", clock(), ttl)
    assert not held and lease.holder == "1@a" and lease.acquired_at == clock()
    clock.advance(seconds=20)
    assert (await leases.acquire(POLLER, "1@a", clock(), ttl))[0]  # renewed
    clock.advance(seconds=29)
    assert not (await leases.acquire(POLLER, "2@b", clock(), ttl))[0]
    clock.advance(seconds=2)  # 1@a stopped renewing 31 s ago
    held, lease = await leases.acquire(POLLER, "2@b", clock(), ttl)
    assert held and lease.holder == "2@b"
    assert not (await leases.acquire(POLLER, "1@a", clock(), ttl))[0]
    assert await leases.release(POLLER, "2@b")
    assert (await leases.acquire(POLLER, "1@a", clock(), ttl))[0]  # given up: taken at once


async def test_a_lease_of_a_dead_process_of_this_machine_is_taken_at_once(db):
    from bot.inbox_applied import dead_here

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    clock = Clock()
    leases = LeaseRepository(db)
    dead = f"{gone.pid}@{socket.gethostname()}"
    assert (await leases.acquire(POLLER, dead, clock(), timedelta(seconds=30)))[0]
    held, _ = await leases.acquire(POLLER, "me@here", clock(), timedelta(seconds=30), is_dead=dead_here)
    assert held


async def test_a_second_poller_is_refused_naming_the_first(settings, double):
    app = build_application(settings, double)
    first = await take_poller(app)
    other = build_application(settings, double)  # a second process on the same database
    with pytest.raises(PollerBusy) as refused:
        await take_poller(other, holder="4242@other")
    # The one line `run` prints: who polls, since when.
    assert str(refused.value).startswith(f"another process is polling Telegram for this bot: {first.holder} since ")
    await first.release()
    second = await take_poller(other, holder="4242@other")  # the first stopped cleanly: taken at once
    assert second.held
    await second.release()
    await other.services.db.close()
    await app.services.db.close()


async def test_scheduled_work_runs_only_in_the_process_holding_the_scheduler_lease(settings, double):
    clock = Clock()
    ran: list[str] = []

    async def step(application) -> None:
        ran.append("ran")

    class Job:
        data = (step,)

    async with running(build_application(settings, double, clock=clock), double) as app:
        keeper = app.bot_data[SCHEDULER_KEY]
        assert keeper.held and app.broadcast_sender._task is not None
        # Another replica holds it: this one's jobs do nothing, its broadcast sender is stopped.
        await keeper.release()
        replica = LeaseKeeper(LeaseRepository(app.services.db), SCHEDULER, clock, holder="9@replica")
        assert await replica.try_acquire()
        assert not await keeper.try_acquire()
        assert app.broadcast_sender._task is None

        class Context:
            application = app
            job = Job()

        await _run(Context())
        assert ran == []
        # The replica dies: its lease runs out and this process takes over, sender and jobs.
        clock.advance(seconds=31)
        assert await keeper.try_acquire()
        assert app.broadcast_sender._task is not None
        await _run(Context())
        assert ran == ["ran"]


@pytest.fixture
def processes():
    started = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)


def test_a_second_run_with_polling_refuses_to_start_with_one_line_naming_the_first(tmp_path, processes):
    import signal

    from tests.test_cli import TOKEN, FakeBotApi, clean_env, start_bot, stop_bot, volunteer_bot, wait_for

    with FakeBotApi() as api:
        env = clean_env(TELEGRAM_BOT_TOKEN=TOKEN, TELEGRAM_API_URL=api.url, DATABASE_URL=str(tmp_path / "bot.db"))
        first = start_bot(tmp_path, "run", env=env)
        processes.append(first)
        wait_for(lambda: "getUpdates" in api.methods(), "the first poller", process=first)
        second = volunteer_bot(tmp_path, "run", env=env)
        assert second.returncode == 1, second.stderr
        lines = [line for line in second.stderr.splitlines() if line.startswith("volunteer-bot:")]
        assert len(lines) == 1 and "Traceback" not in second.stderr, second.stderr
        assert (
            f"another process is polling Telegram for this bot: {first.pid}@{socket.gethostname()} since " in lines[0]
        )
        assert first.poll() is None  # the first one polls on, undisturbed
        _, err = stop_bot(first, signal.SIGTERM)
        assert first.returncode == 0, err
        third = start_bot(tmp_path, "run", env=env)  # stopped cleanly: the lease is free at once
        processes.append(third)
        calls = len(api.methods())
        wait_for(lambda: "getUpdates" in api.methods()[calls:], "the next poller", process=third)
        stop_bot(third, signal.SIGTERM)
