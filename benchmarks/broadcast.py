"""A broadcast to 10 000 recipients through the in-process Bot API double with flood control.

Two runs, both through the real outbox, sender and double:
1. At the configured rate (BOT_BROADCAST_RATE, 25/s) against Telegram's free limits (30/s
   overall, 1/s per chat). At 25/s this takes 400 s of real time, so by default it runs on a
   virtual clock shared by the sender and the double's flood control (every pause is exact,
   nothing is skipped); `--real` runs it on the wall clock with PTB's rate limiter as in
   production.
2. At the paid-broadcast rate (1000/s, allow_paid_broadcast) on the wall clock, with the rate
   limiter: how fast our own code (database, pacing, PTB, the double) can go.

Prints, per run: messages/s achieved against the rate configured, the number of 429 answers
(the goal is 0), the busiest one-second window seen by the double, and the process's peak
memory (which includes the double holding all 10 000 sent messages).

    python benchmarks/broadcast.py [--recipients 10000] [--rate 25] [--paid-rate 1000] [--real]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.app import build_application
from bot.config import Settings
from bot.double import BotApiDouble, FloodControl, running
from storage.broadcasts import Audience, BroadcastStatus, Group
from storage.db import to_db_time

START = datetime(2026, 3, 10, 11, 0, tzinfo=UTC)
COORDINATOR = 1


class VirtualClock:
    def __init__(self) -> None:
        self.seconds = 0.0

    def monotonic(self) -> float:
        return self.seconds

    def now(self) -> datetime:
        return START + timedelta(seconds=self.seconds)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(0)  # requests already started go out at the present moment
        self.seconds += max(0.0, seconds)
        await asyncio.sleep(0)


class WallClock:
    def __init__(self) -> None:
        self.started = time.monotonic()

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return START + timedelta(seconds=time.monotonic() - self.started)


async def run(recipients: int, rate: float, paid: bool, virtual: bool) -> dict:
    clock = VirtualClock() if virtual else WallClock()
    flood = FloodControl(clock=clock.monotonic)
    double = BotApiDouble(flood_control=flood)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            database_path=Path(tmp) / "bench.db",
            broadcast_rate=rate,
            broadcast_paid=paid,
            quiet_hours="off",
        )
        # The production rate limiter keeps real time, so it only joins wall-clock runs.
        app = build_application(settings, double, clock=clock.now, rate_limit=not virtual)
        sender = app.broadcast_sender
        sender.background = False
        if virtual:
            sender.use_clock(clock.monotonic, clock.sleep)
        async with running(app, double):
            services = app.services
            stamp = to_db_time(START)
            ids = range(1_000_000, 1_000_000 + recipients)
            async with services.db.transaction() as conn:
                await conn.executemany(
                    "INSERT INTO users (telegram_id, first_name, telegram_locale, created_at, last_seen_at) "
                    "VALUES (?, 'Wolontariusz', 'pl', ?, ?)",
                    [(i, stamp, stamp) for i in ids],
                )
            for i in ids:
                double.ensure_chat({"id": i, "type": "private", "first_name": "Wolontariusz"})
            double.ensure_chat({"id": COORDINATOR, "type": "private", "first_name": "Kasia"})

            queued = time.perf_counter()
            now = services.clock()
            draft = await services.broadcasts.create_draft(COORDINATOR, now)
            draft = await services.broadcasts.update_draft(
                draft.id, now, body_html="Zapraszamy na <b>szkolenie</b> w sobotę!"
            )
            plan = await services.broadcasts.plan(
                Audience(frozenset({Group.EVERYONE})), services.answer_fields(), draft.category, False, now, settings.tz
            )
            await services.broadcasts.start(draft.id, plan, expected=BroadcastStatus.DRAFT, now=now)
            outbox_seconds = time.perf_counter() - queued

            sends: list[float] = []
            double.on_request = lambda method, params: (
                sends.append(clock.monotonic()) if method == "sendMessage" else None
            )
            wall = time.perf_counter()
            await sender.run_until_idle()
            wall = time.perf_counter() - wall
            progress = await services.broadcasts.progress(draft.id, services.clock())
    span = (sends[-1] - sends[0]) if len(sends) > 1 else 0.0
    return {
        "sent": progress.sent,
        "rate": rate,
        "achieved": (len(sends) - 1) / span if span else float("inf"),
        "429": double.count_errors(429),
        "peak_window": flood.peak_per_second,
        "wall": wall,
        "outbox": outbox_seconds,
        "clock": "virtual" if virtual else "wall",
    }


def report(title: str, figures: dict) -> None:
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n{title}")
    print(f"  delivered            {figures['sent']:>10,}")
    print(f"  outbox written in    {figures['outbox']:>10.2f} s")
    print(
        f"  achieved             {figures['achieved']:>10.1f} messages/s "
        f"({figures['clock']} clock; configured {figures['rate']:g}/s)"
    )
    print(f"  busiest second       {figures['peak_window']:>10} messages")
    print(f"  429 answers          {figures['429']:>10}   (goal: 0)")
    print(f"  wall-clock time      {figures['wall']:>10.1f} s")
    print(f"  peak memory (RSS)    {peak_mib:>10.0f} MiB  (whole process, double included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=25.0, help="the configured rate (BOT_BROADCAST_RATE)")
    parser.add_argument("--paid-rate", type=float, default=1000.0, help="the paid-broadcast rate")
    parser.add_argument("--real", action="store_true", help="run the first run on the wall clock too (slow)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    free = asyncio.run(run(args.recipients, args.rate, False, virtual=not args.real))
    report(
        f"{args.recipients:,} recipients at {args.rate:g}/s against Telegram's free limits (30/s, 1/s per chat)", free
    )
    paid = asyncio.run(run(args.recipients, args.paid_rate, True, virtual=False))
    report(f"{args.recipients:,} recipients at the paid-broadcast rate ({args.paid_rate:g}/s, 1000/s limit)", paid)


if __name__ == "__main__":
    main()
