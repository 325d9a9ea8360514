"""Updates fired at once by many users, next to the same updates handled one at a time.

The full bot runs against the in-process Bot API double made slow (each request answered after
`--latency`, as Telegram over the network). Each user sends /start first (outside the
measurement); then every user fires `--per-user` text messages without waiting for answers, as
Telegram delivers them, all users at the same time. In the same run, a second bot on a fresh
database gets the same updates one at a time, each after the previous one was answered. Prints
both side by side: seconds, updates/s and latency, the speed-up, and whether every user's updates
were handled in the order they were sent.

    python benchmarks/ordering.py --users 20 --per-user 5 --latency 0.02
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_application
from bot.config import Settings
from bot.double import BotApiDouble, running


async def run(settings: Settings, users: int, per_user: int, latency: float, at_once: bool):
    double = BotApiDouble(latency=latency)
    seen: dict[int, list[str]] = {}

    async def record(update: Update, context) -> None:
        if update.effective_message is not None and update.effective_user is not None:
            seen.setdefault(update.effective_user.id, []).append(update.effective_message.text)

    app = build_application(settings, double)
    app.add_handler(TypeHandler(Update, record), group=-10)
    latencies: list[float] = []

    async def send(chat, text: str) -> None:
        started = time.perf_counter()
        await chat.send(text)
        latencies.append(time.perf_counter() - started)

    async with running(app, double):
        chats = [double.user(user_id=7000 + i, first_name=f"Wolontariusz{i}") for i in range(users)]
        for chat in chats:  # each chat's command menu is set on the first update
            await chat.send("/start")
        seen.clear()
        started = time.perf_counter()
        if at_once:

            async def burst(chat):
                await asyncio.gather(*(send(chat, f"{n}") for n in range(per_user)))

            await asyncio.gather(*(burst(chat) for chat in chats))
        else:
            for chat in chats:
                for n in range(per_user):
                    await send(chat, f"{n}")
        elapsed = time.perf_counter() - started
    in_order = all(seen.get(chat.id, []) == [f"{n}" for n in range(per_user)] for chat in chats)
    return elapsed, latencies, in_order


def line(name: str, elapsed: float, latencies: list[float], in_order: bool) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    order = "yes" if in_order else "NO"
    return f"{name:<26}{elapsed:>9.2f}{len(latencies) / elapsed:>11.0f}{p50:>10.1f}{p99:>10.1f}   {order}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="users sending at the same time")
    parser.add_argument("--per-user", type=int, default=5, help="messages each user fires without waiting")
    parser.add_argument("--latency", type=float, default=0.02, help="seconds the double takes to answer a request")
    args = parser.parse_args()
    total = args.users * args.per_user
    print(
        f"{total} updates from {args.users} users ({args.per_user} each); "
        f"the Bot API double answers each request after {args.latency * 1000:.0f} ms"
    )
    print(f"{'':<26}{'seconds':>9}{'updates/s':>11}{'p50 ms':>10}{'p99 ms':>10}   each user's in order")
    with tempfile.TemporaryDirectory() as tmp:
        together = await run(
            Settings(database_path=Path(tmp) / "at-once.db", flood_messages=1_000_000),
            args.users,
            args.per_user,
            args.latency,
            at_once=True,
        )
        alone = await run(
            Settings(database_path=Path(tmp) / "one-at-a-time.db", flood_messages=1_000_000),
            args.users,
            args.per_user,
            args.latency,
            at_once=False,
        )
    print(line("all users at once", *together))
    print(line("one update at a time", *alone))
    print(f"speed-up: {alone[0] / together[0]:.1f}x (at most {args.users}x: one user's updates wait for each other)")


if __name__ == "__main__":
    asyncio.run(main())
