"""Two guards of the update inbox found by review: an update handled by two processes at once
(its claim ran out while the first one waited for the database) still applies once, and one
person's backlog held by another process does not keep everyone else waiting."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.app import build_application
from bot.double import running
from bot.inbox_applied import AlreadyApplied, Applied
from bot.leases import LeaseKeeper
from storage import open_database
from storage.leases import LeaseRepository
from storage.transaction_hooks import current_observer
from tests.events_helpers import Clock
from tests.test_inbox import message_update, store_unhandled


async def test_an_update_handled_twice_without_a_crash_between_applies_once(settings):
    clock = Clock()
    db = await open_database(settings.database)
    try:
        await db.execute(
            "INSERT INTO update_inbox (update_id, person, body, received_at) VALUES (501, 7, '{}', ?)",
            (clock().isoformat(),),
        )
        outcomes = []
        for attempt in ("first process", "second process"):  # neither knows of the other's commit
            observer = Applied(501, replay=False, clock=clock)
            token = current_observer.set(observer)
            try:
                async with db.transaction() as conn:
                    await conn.execute(
                        "INSERT INTO leases (name, holder, acquired_at, renewed_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                        (f"effect of {attempt}", attempt, "a", "a", "a"),
                    )
                outcomes.append("committed")
            except AlreadyApplied:
                outcomes.append("refused")
            finally:
                current_observer.reset(token)
        assert outcomes == ["committed", "refused"]
        effects = await db.fetch_all("SELECT holder FROM leases WHERE name LIKE 'effect of %'")
        assert [row["holder"] for row in effects] == ["first process"]
    finally:
        await db.close()


async def test_one_persons_backlog_held_elsewhere_does_not_stall_others(settings, double):
    clock = Clock()
    flooder, other = double.user(user_id=4201), double.user(user_id=4202, first_name="Ola")
    until = (clock() + timedelta(seconds=30)).isoformat(timespec="microseconds")
    backlog = [message_update(double, flooder, f"spam {n}") for n in range(600)]
    await store_unhandled(settings, backlog, person=flooder.id, claimed_by="77@elsewhere", until=until)
    await store_unhandled(settings, [message_update(double, other, "/start")], person=other.id)
    async with running(build_application(settings, double, clock=clock), double) as app:
        await app.inbox.claim_now()
        await app.inbox.settle()
        assert other.messages, "the other person's /start waited behind 600 updates held by another process"
        assert flooder.messages == []  # still held by the process handling them


async def test_a_lease_whose_renewal_hangs_is_not_held_past_its_end(settings):
    """A renewal stuck on a lost network: the holder stops doing the lease's work when the lease
    ends, since another process may take it then."""
    clock = Clock()
    db = await open_database(settings.database)
    try:
        keeper = LeaseKeeper(LeaseRepository(db), "scheduler", clock, holder="1@here", ttl=timedelta(seconds=3))
        assert await keeper.try_acquire() and keeper.holding()

        class Hanging(LeaseRepository):
            async def acquire(self, *args, **kwargs):
                await asyncio.sleep(3600)

        keeper.repo = Hanging(db)
        clock.advance(seconds=2)
        assert await keeper.try_acquire()  # not renewed (gave up after ttl / 3), still within its time
        assert keeper.holding()
        clock.advance(seconds=2)  # past the end of the last renewal
        assert not keeper.holding()
        assert not await keeper.try_acquire()
    finally:
        await db.close()
