"""Real bot processes under the same load: 1 and 3 webhook replicas on PostgreSQL, and 1 process on
SQLite (issue 16, "Must show" 6).

Telegram is the Bot API double served over HTTP (bot/double/http.py): it posts each update to a
replica chosen at random over up to 40 connections, as a reverse proxy in front of the replicas
would. The load (tests/replica_load.py): every simulated person applies (the first three answers
typed at once) and half of them sign up for an event while a coordinator accepts applications;
each person waits for the reply to an action before the next one.

Prints for each set-up: updates per second (all updates over the wall time of the run) and the
p50 / p99 latency of an action (the update posted -> the reply it waited for, as the person sees
it); then, with 3 replicas, an announcement to everyone: copies per person, the busiest second of
sendMessage against the configured rate, and Telegram's 429 answers (the goal is 0).

    python benchmarks/replicas.py [--postgres URL] [--people 60] [--replicas 3] [--rate 20] [--think 0.05]

What bounds the figures: each bot process keeps its outgoing Bot API calls under Telegram's overall
limit (PTB's AIORateLimiter, 30/s), and an update is answered with 2-3 calls (the answer acknowledged,
the next question, a keyboard changed), so one process handles at most ~15 updates/s however fast
its database is; N replicas have N such limiters.

--postgres: a server where this may create and drop databases (default TEST_DATABASE_URL); each run
gets a fresh database named proc_bench_*.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.config import Settings
from bot.double.http import BotApiServer
from tests.process_harness import bot_env, postgres_url, replicas
from tests.process_people import Pace, add_event
from tests.replica_load import COORDINATOR, Load, announce_to_everyone, run_load, volunteers


class Databases:
    """Fresh PostgreSQL databases on one server, dropped at the end."""

    def __init__(self, url: str):
        import psycopg

        self.url = url
        self.admin = psycopg.connect(url, autocommit=True)
        self.made: list[str] = []

    def fresh(self) -> str:
        import psycopg

        name = f"proc_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.admin.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        info = psycopg.conninfo.conninfo_to_dict(self.url)
        info["dbname"] = name
        return postgres_url(psycopg.conninfo.make_conninfo(**info))

    def close(self) -> None:
        for name in self.made:
            self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.close()


async def one_setup(title: str, workdir: Path, location: str, count: int, args, *, broadcast: bool) -> dict:
    postgres = location.startswith("postgresql://")
    settings = Settings(
        database_path=Path(location) if not postgres else workdir / "unused.db",
        database_url=location if postgres else None,
        admin_ids=frozenset({COORDINATOR}),
        broadcast_rate=float(args.rate),
        quiet_hours="off",
    )
    await add_event(settings)
    load = Load(people=args.people, sign_ups=args.people // 2, decisions=min(30, args.people // 5))
    load.pace = Pace(reply_timeout=120.0, think=(0.0, args.think))
    figures: dict = {"title": title}
    with BotApiServer(connections=40) as telegram:
        env = bot_env(
            telegram,
            database=location,
            admins=(COORDINATOR,),
            BOT_BROADCAST_RATE=str(args.rate),
            BOT_QUIET_HOURS="off",
        )
        bots = replicas(telegram, workdir, env, count)
        try:
            for bot in bots:
                bot.start()
            for bot in bots:
                await asyncio.to_thread(bot.wait_ready, 90)
            result = await run_load(telegram, load)
            figures.update(
                updates=result.updates,
                seconds=result.seconds,
                per_second=result.per_second,
                p50=result.percentile(0.50),
                p99=result.percentile(0.99),
                lost=len(result.lost),
            )
            if broadcast:
                sent = await announce_to_everyone(settings, telegram, list(volunteers(load)))
                copies = sorted(set(sent.received.values()))
                figures["broadcast"] = (
                    f"{len(sent.received)} of {load.people} reached, copies each {copies}, "
                    f"busiest second {sent.peak} sendMessage (rate {args.rate}/s), 429: {sent.rejected}"
                )
        finally:
            for bot in bots:
                if bot.running:
                    bot.stop()
                bot.ensure_dead()
    return figures


def report(figures: dict) -> None:
    print(
        f"  {figures['title']:<34} {figures['updates']:>6} updates in {figures['seconds']:6.1f} s "
        f"{figures['per_second']:7.1f} updates/s   "
        f"p50 {figures['p50'] * 1000:6.0f} ms   p99 {figures['p99'] * 1000:6.0f} ms"
        + (f"   LOST {figures['lost']}" if figures["lost"] else ""),
        flush=True,
    )
    if "broadcast" in figures:
        print(f"  announcement to everyone, {figures['title']}: {figures['broadcast']}", flush=True)


async def main_async(args) -> None:
    databases = Databases(args.postgres)
    print(
        f"{args.people} people, each waiting up to {args.think} s before an action, {os.cpu_count()} cores; "
        "action -> reply latency as the person sees it; "
        "each process holds its Bot API calls to 30/s (Telegram's overall limit)",
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="replicas-bench-") as tmp:
            root = Path(tmp)
            runs = [
                ("SQLite, 1 process", str(root / "sqlite" / "bot.db"), 1, False),
                ("PostgreSQL, 1 replica", None, 1, False),
                (f"PostgreSQL, {args.replicas} replicas", None, args.replicas, True),
            ]
            for title, location, count, broadcast in runs:
                workdir = root / title.split(",")[0].lower() / str(count)
                workdir.mkdir(parents=True, exist_ok=True)
                began = time.monotonic()
                figures = await one_setup(
                    title, workdir, location or databases.fresh(), count, args, broadcast=broadcast
                )
                report(figures)
                print(f"    ({time.monotonic() - began:.0f} s with start and stop)", flush=True)
    finally:
        databases.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TEST_DATABASE_URL"),
        help="a PostgreSQL server where databases may be made (default TEST_DATABASE_URL; see the README's "
        "tests/postgres-server)",
    )
    parser.add_argument("--people", type=int, default=60, help="simulated people (the replica test has 200)")
    parser.add_argument("--replicas", type=int, default=3)
    parser.add_argument("--rate", type=int, default=20, help="BOT_BROADCAST_RATE for the announcement")
    parser.add_argument(
        "--think",
        type=float,
        default=0.05,
        help="each person waits up to this many seconds (at random) before each action: 0.05 saturates "
        "the bot; ~6 with 60 people offers ~10 updates/s, below one process's limit, for latency",
    )
    args = parser.parse_args()
    if not args.postgres:
        parser.error("needs a PostgreSQL server: --postgres URL or TEST_DATABASE_URL (tests/postgres-server)")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
