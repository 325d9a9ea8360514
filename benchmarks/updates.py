"""Updates per second and latency of the full bot, next to a bare PTB echo bot.

Both run in the same process against the same in-process Bot API double, fed the same mix:
each user sends /start, taps "Help", taps "« Main menu" and types a line, again and again.
Every user waits for each answer before the next update (as a person does); users run
side by side. Prints updates/s, p50 and p99 latency, and the ratio between the two bots.

    python benchmarks/updates.py --updates 4000 --users 100
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.app import build_application
from bot.config import Settings
from bot.double import BotApiDouble, running


async def drive(double: BotApiDouble, users: int, per_user: int, steps) -> list[float]:
    latencies: list[float] = []

    async def one_user(index: int) -> None:
        chat = double.user(user_id=100_000 + index, first_name=f"Wolontariusz{index}")
        for n in range(per_user):
            action = steps[n % len(steps)]
            started = time.perf_counter()
            await action(chat)
            latencies.append(time.perf_counter() - started)

    await asyncio.gather(*(one_user(i) for i in range(users)))
    return latencies


def full_bot_steps():
    async def start(chat):
        await chat.send("/start")

    async def help_(chat):
        await chat.tap("❓ Pomoc")

    async def back(chat):
        await chat.tap("« Menu główne")

    async def text(chat):
        await chat.send("dzień dobry")

    return [start, help_, back, text]


def echo_steps():
    async def start(chat):
        await chat.send("/start")

    async def tap(chat):
        await chat.tap("Echo")

    async def tap_again(chat):
        await chat.tap("Echo")

    async def text(chat):
        await chat.send("dzień dobry")

    return [start, tap, tap_again, text]


def build_echo_bot(double: BotApiDouble):
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Echo", callback_data="echo")]])
    counter = {"n": 0}

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await update.effective_message.reply_text(update.effective_message.text, reply_markup=markup)

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        counter["n"] += 1
        await update.callback_query.answer()
        await update.callback_query.edit_message_text(f"echo {counter['n']}", reply_markup=markup)

    app = (
        ApplicationBuilder()
        .token(double.token)
        .request(double)
        .get_updates_request(double)
        .concurrent_updates(True)
        .build()
    )
    app.add_handler(MessageHandler(filters.TEXT, echo))
    app.add_handler(CallbackQueryHandler(pressed))
    return app


def summarise(name: str, latencies: list[float], elapsed: float) -> float:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rate = len(latencies) / elapsed
    print(f"{name:<22} {rate:>10.0f} updates/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms")
    return rate


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=4000, help="total updates per bot")
    parser.add_argument("--users", type=int, default=100, help="users sending side by side")
    args = parser.parse_args()
    per_user = max(4, args.updates // args.users)
    total = per_user * args.users
    print(f"{total} updates from {args.users} users ({per_user} each), Bot API double in process")

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_path=Path(tmp) / "bench.db", flood_messages=1_000_000)
        double = BotApiDouble()
        async with running(build_application(settings, double), double):
            await drive(double, args.users, 4, full_bot_steps())  # warm-up: users, menus
            started = time.perf_counter()
            latencies = await drive(double, args.users, per_user, full_bot_steps())
            full = summarise("volunteer-bot", latencies, time.perf_counter() - started)

    echo_double = BotApiDouble()
    async with running(build_echo_bot(echo_double), echo_double):
        await drive(echo_double, args.users, 4, echo_steps())
        started = time.perf_counter()
        latencies = await drive(echo_double, args.users, per_user, echo_steps())
        bare = summarise("bare PTB echo bot", latencies, time.perf_counter() - started)

    print(f"ratio (volunteer-bot / echo bot throughput): {full / bare:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
