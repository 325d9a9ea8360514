"""Several replicas behind one webhook (issue 16, "Must show" 4): three `volunteer-bot run --webhook`
processes on one PostgreSQL database; the simulated Telegram posts the updates of 200 people to
replicas chosen at random, over up to 40 connections at once; one replica is killed (SIGKILL)
mid-run and started again.

What must hold, as people and the database see it:
- every action got the reply it should (nothing lost), whichever replica took each update, so a
  person's flow continues across replicas;
- every effect exactly once: the answers stored are what was typed (the first three typed at once,
  so they reach different replicas out of order: had two of one person's updates run at the same
  time or out of update_id order, an answer would be stored under another question or twice),
  one application and one 'submitted' each, one decision per accepted application, one
  registration per sign-up;
- scheduled work once: an announcement to everyone reaches each of the 200 once, and all replicas
  together stay within the configured rate: no second in which more than BOT_BROADCAST_RATE
  messages (+ one of rounding) were sent, and no 429 from Telegram's flood control.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.config import Settings
from bot.double.http import BotApiServer
from storage import open_database
from tests.pg_databases import ON_POSTGRES
from tests.process_harness import bot_env, database_location, replicas
from tests.process_people import add_event, stored_effects
from tests.replica_load import (
    COORDINATOR,
    Load,
    announce_to_everyone,
    run_load,
    stored_out_of_order,
    volunteers,
)

RATE = 20  # BOT_BROADCAST_RATE: messages per second for all replicas together

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES,
    reason="needs PostgreSQL: several processes share one database (set TEST_DATABASE_URL; CI does)",
)


async def test_three_replicas_lose_nothing_and_do_everything_once(tmp_path, postgres_databases):
    database = tmp_path / "bot.db"
    settings = Settings(
        database_path=database,
        admin_ids=frozenset({COORDINATOR}),
        broadcast_rate=float(RATE),
        quiet_hours="off",
    )
    await add_event(settings)
    load = Load(people=200, sign_ups=100, decisions=30)
    with BotApiServer(connections=40) as telegram:
        env = bot_env(
            telegram,
            database=database_location(postgres_databases, database),
            admins=(COORDINATOR,),
            BOT_BROADCAST_RATE=str(RATE),
            BOT_QUIET_HOURS="off",
        )
        bots = replicas(telegram, tmp_path, env, 3)
        try:
            for bot in bots:
                bot.start()
            for bot in bots:
                await asyncio.to_thread(bot.wait_ready, 60)
            result = await run_load(telegram, load, victim=bots[1])
            late = stored_out_of_order(telegram)
            people = volunteers(load)
            broadcast = await announce_to_everyone(settings, telegram, list(people))
            unconfirmed = telegram.unconfirmed()
            codes = [await asyncio.to_thread(bot.stop) for bot in bots]
        finally:
            for bot in bots:
                bot.ensure_dead()

    db = await open_database(database)
    try:
        signed = {t for t, n in people.items() if n < load.sign_ups}
        wrong = await stored_effects(
            db, people, accepted=set(result.accepted), signed=signed, maybe_accepted=result.maybe_accepted
        )
    finally:
        await db.close()
    story = "\n".join(
        [
            f"{len(result.lost)} lost, {len(wrong)} wrong; kills: {result.kills}; {result.updates} updates; "
            f"{len(late)} times a person's update was stored after their later one (by up to "
            f"{max(late, default=0) * 1000:.0f} ms)",
            *result.lost[:10],
            *wrong[:10],
        ]
        + [f"--- {bot.name} ---\n{bot.tail(15)}" for bot in bots]
    )
    assert result.kills, story  # the replica was killed mid-run
    assert not result.lost, story
    assert len(result.accepted) + len(result.maybe_accepted) >= load.decisions, story
    assert not wrong, story
    assert unconfirmed == [], story
    assert result.updates > 3000, story
    assert dict(broadcast.received) == dict.fromkeys(people, 1), story
    assert broadcast.peak <= RATE + 1, (broadcast.per_second, story)
    assert broadcast.rejected == 0, story
    assert codes == [0, 0, 0], story
    for bot in bots:
        assert bot.failures() == [], story
