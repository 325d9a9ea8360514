"""SIGKILL at seeded random moments (issue 16, "Must show" 1): a real `volunteer-bot run` process
(long polling) is killed without warning while simulated volunteers fill the application form and
sign up for an event and a coordinator accepts their applications, and started again each time.
At the end every update the simulated Telegram delivered was answered (each action got the reply
it should), and its effect is stored exactly once: the answers in the database are what was typed,
one registration per sign-up, one decision per application.

Repeatable: the seed (CRASH_SEED, default below) decides the moments and the downtimes; they are
printed with any failure, with the logs' last lines. The order in which the bot meets the updates
still depends on the machine, so a failure names the moments to replay, not one exact interleaving.
"""

from __future__ import annotations

import asyncio
import os
import random
import time

from bot.config import Settings
from bot.double.http import BotApiServer
from storage import open_database
from tests.process_harness import BotProcess, bot_env, database_location
from tests.process_people import (
    Lost,
    Pace,
    Person,
    accept,
    add_event,
    apply,
    sign_up_for_the_event,
    stored_effects,
    volunteer_answers,
)

SEED = int(os.environ.get("CRASH_SEED", "1616"))
VOLUNTEERS = 8
KILLS = 6
COORDINATOR = 9001
FIRST_VOLUNTEER = 52_000


def kill_plan(rng: random.Random) -> list[tuple[float, float]]:
    """(seconds after the start, seconds down) for each SIGKILL."""
    moments = sorted(rng.uniform(0.5, 16.0) for _ in range(KILLS))
    return [(round(at, 2), round(rng.uniform(0.05, 1.0), 2)) for at in moments]


async def test_sigkill_at_random_moments_loses_no_update_and_repeats_no_effect(tmp_path, postgres_databases):
    rng = random.Random(SEED)
    plan = kill_plan(rng)
    database = tmp_path / "bot.db"  # or its PostgreSQL database with TEST_DATABASE_URL
    await add_event(Settings(database_path=database, admin_ids=frozenset({COORDINATOR})))
    pace = Pace(reply_timeout=20.0, think=(0.0, 0.15))
    kills: list[str] = []
    lost: list[str] = []

    with BotApiServer() as telegram:
        location = database_location(postgres_databases, database)
        bot = BotProcess("bot", tmp_path, bot_env(telegram, database=location, admins=(COORDINATOR,)))
        bot.start()
        await asyncio.to_thread(bot.wait_ready)
        double = telegram.double
        decisions: asyncio.Queue = asyncio.Queue()
        people = {FIRST_VOLUNTEER + n: n for n in range(VOLUNTEERS)}

        async def volunteer(telegram_id: int, n: int) -> None:
            person = Person(double.user(user_id=telegram_id, first_name=f"V{n}"), pace, random.Random(SEED + n))
            try:
                await apply(person, n)
                await decisions.put(person)
                await sign_up_for_the_event(person)
            except Lost as failure:
                lost.append(f"{failure} (after {person.done[-3:]})")
                await decisions.put(None)

        async def coordinator() -> None:
            person = Person(double.user(user_id=COORDINATOR, first_name="Marek"), pace, random.Random(SEED))
            for _ in people:
                applicant = await decisions.get()
                if applicant is None:
                    continue
                try:
                    await accept(person, volunteer_answers(people[applicant.chat.id])["full_name"])
                except Lost as failure:
                    lost.append(f"coordinator: {failure} (after {person.done[-3:]})")
                    return

        async def killer(everyone: asyncio.Future) -> None:
            began = time.monotonic()
            for at, down in plan:
                await asyncio.sleep(max(0.0, began + at - time.monotonic()))
                if everyone.done():
                    return
                await asyncio.to_thread(bot.kill)
                kills.append(f"{time.monotonic() - began:.2f} s (down {down} s)")
                await asyncio.sleep(down)
                bot.start()
                await asyncio.to_thread(bot.wait_ready)

        everyone = asyncio.ensure_future(asyncio.gather(coordinator(), *(volunteer(t, n) for t, n in people.items())))
        killing = asyncio.create_task(killer(everyone))
        await everyone
        await killing
        code = await asyncio.to_thread(bot.stop)
        unconfirmed = telegram.unconfirmed()

    db = await open_database(database)
    try:
        wrong = await stored_effects(db, people) if not lost else []
    finally:
        await db.close()
    story = (
        f"seed {SEED} (CRASH_SEED), planned kills {plan}, done {kills}; "
        f"{pace.replays} action(s) answered with the replay notice\n"
        + "\n".join(lost + wrong)
        + f"\n--- log ---\n{bot.tail(30)}"
    )
    assert not lost, story
    assert not wrong, story
    assert unconfirmed == [], story
    assert code == 0, story
    assert bot.failures() == [], story
