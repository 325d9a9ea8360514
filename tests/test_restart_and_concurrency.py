"""Restarts keep conversations; users run side by side while each user's updates keep order."""

from __future__ import annotations

import asyncio
import random
import time

from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_application
from bot.double import BotApiDouble, running


async def test_a_conversation_continues_after_a_restart(settings, double):
    chat = double.user(language_code="pl")
    async with running(build_application(settings, double), double):
        await chat.send("/jezyk")
        assert "Wybierz język" in chat.last.text

    # A new Application on the same database: the user is still choosing a language.
    async with running(build_application(settings, double), double) as app:
        await chat.send("English")
        assert chat.last.text.startswith("Done: from now on I will write in English.")
        assert (await app.services.users.get(chat.id)).chosen_locale == "en"
        await chat.send("English")  # and now the conversation is over
        assert chat.last.text.startswith("I didn't understand that")


async def test_a_conversation_state_is_on_disk_right_after_the_update(settings, double):
    chat = double.user()
    async with running(build_application(settings, double), double) as app:
        await chat.send("/jezyk")
        # Written through at once, not at the next persistence interval or at shutdown.
        rows = await app.services.db.fetch_all("SELECT name, key, state FROM bot_conversations")
        assert [(r["name"], r["state"]) for r in rows] == [("language", '"choosing"')]


async def test_updates_of_different_users_run_concurrently_and_each_users_stay_in_order(
    settings,
):
    """With a slow Bot API, 20 users x 5 updates finish far faster than one at a time,
    and every user's updates are handled in the order they were sent."""
    slow = BotApiDouble(latency=0.02)
    seen: dict[int, list[str]] = {}
    jitter = random.Random(7)

    async def record(update: Update, context) -> None:
        # Uneven work, so that without per-user ordering later updates would overtake.
        await asyncio.sleep(jitter.uniform(0, 0.01))
        seen.setdefault(update.effective_user.id, []).append(update.effective_message.text)

    app = build_application(settings, slow)
    app.add_handler(TypeHandler(Update, record), group=-10)
    async with running(app, slow):
        users = [slow.user(user_id=5000 + i, first_name=f"U{i}") for i in range(20)]
        for user in users:  # set up each chat's command menu outside the measurement
            await user.send("/start")
        seen.clear()

        async def burst(user):
            # Fired without waiting for answers, as Telegram delivers them.
            await asyncio.gather(*(user.send(f"{n}") for n in range(5)))

        started = time.perf_counter()
        await asyncio.gather(*(burst(u) for u in users))
        concurrent = time.perf_counter() - started

        started = time.perf_counter()
        for n in range(5):
            await users[0].send(f"sequential {n}")
        sequential_per_update = (time.perf_counter() - started) / 5

    for user in users:
        assert seen[user.id][:5] == ["0", "1", "2", "3", "4"]
    # 100 updates one at a time would take 100 x the time of one.
    assert concurrent < 100 * sequential_per_update / 4, (concurrent, sequential_per_update)
