"""Restarts keep conversations; users run side by side while each user's updates keep order."""

from __future__ import annotations

import asyncio
import random

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
        await chat.send("/zgloszenie")
        # Written with the update, not at some later interval or at shutdown.
        rows = await app.services.db.fetch_all("SELECT telegram_id, flow, step FROM flow_state")
        assert [tuple(r) for r in rows] == [(chat.id, "ap", "rules")]


async def test_updates_of_different_users_run_concurrently_and_each_users_stay_in_order(
    settings,
):
    """With a slow Bot API, 20 users x 5 updates fired at once: different users' updates are handled
    side by side, one user's never overlap, and every user's are handled in the order they were sent.
    (How much faster than one at a time: benchmarks/ordering.py.)"""
    slow = BotApiDouble(latency=0.02)
    seen: dict[int, list[str]] = {}
    in_flight: dict[int, int] = {}
    most = {"users": 0, "per_user": 0}
    jitter = random.Random(7)

    async def record(update: Update, context) -> None:
        user_id = update.effective_user.id
        in_flight[user_id] = in_flight.get(user_id, 0) + 1
        most["users"] = max(most["users"], sum(1 for n in in_flight.values() if n))
        most["per_user"] = max(most["per_user"], in_flight[user_id])
        # Uneven work, so that without per-user ordering later updates would overtake.
        await asyncio.sleep(jitter.uniform(0, 0.01))
        seen.setdefault(user_id, []).append(update.effective_message.text)
        in_flight[user_id] -= 1

    app = build_application(settings, slow)
    app.add_handler(TypeHandler(Update, record), group=-10)
    async with running(app, slow):
        users = [slow.user(user_id=5000 + i, first_name=f"U{i}") for i in range(20)]
        for user in users:  # set up each chat's command menu first
            await user.send("/start")
        seen.clear()
        most.update(users=0, per_user=0)

        async def burst(user):
            # Fired without waiting for answers, as Telegram delivers them.
            await asyncio.gather(*(user.send(f"{n}") for n in range(5)))

        await asyncio.gather(*(burst(u) for u in users))

    for user in users:
        assert seen[user.id][:5] == ["0", "1", "2", "3", "4"]
    assert most["per_user"] == 1  # one user's updates one after another
    assert most["users"] > 1  # different users' side by side
