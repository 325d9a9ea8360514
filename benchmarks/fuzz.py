"""The fuzz test's seeded session (tests/fuzzing.py), longer: updates/s, findings and peak memory.

    python benchmarks/fuzz.py                         # 100 000 updates, 50 users, seed 20260101
    python benchmarks/fuzz.py --updates 20000 --users 200 --seed 7
    python benchmarks/fuzz.py --updates 10000 --keep-messages 0 --trace 20003   # replay the CI session

Prints updates per second, exceptions (and apologies), 400 Bad Request answers, other Bot API
errors, unanswered messages and presses, privileged changes by non-coordinators, texts leaking
internals, the database checks, how far the session got (applications, events, seats, notices) and
the peak of Python memory (tracemalloc; it slows the run down, --no-memory skips it). Each kind of
finding is then shown once, with the update that caused it and what the same person did before.
Exits with 1 if anything was found.

Long runs keep only the newest messages of each chat in the Bot API double (--keep-messages), so
the memory figure is the bot's rather than the fake Telegram's; --keep-messages 0 keeps everything
and replays a session exactly as the test runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # for tests.fuzzing

from tests.fuzzing import FuzzConfig, Report, run_fuzz


def progress(done: int, report: Report) -> None:
    if done % 10_000 == 0:
        memory = ""
        if tracemalloc.is_tracing():
            current, peak = tracemalloc.get_traced_memory()
            memory = f", memory {current / 2**20:.1f} MiB (peak {peak / 2**20:.1f} MiB)"
        print(f"  {done} updates, {report.rate:.0f}/s{memory}", flush=True)


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=50, help="volunteers (coordinators come on top)")
    parser.add_argument("--coordinators", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20_260_101)
    parser.add_argument("--keep-messages", type=int, default=60, help="per chat in the double; 0 keeps all")
    parser.add_argument("--no-memory", action="store_true", help="skip tracemalloc (faster)")
    parser.add_argument("--show", type=int, default=25, help="kinds of findings to print")
    parser.add_argument("--trace", default="", help="comma-separated user ids whose session to print")
    args = parser.parse_args()

    if not args.no_memory:
        tracemalloc.start()
    trace = frozenset(int(x) for x in args.trace.split(",") if x.strip())
    print(
        f"{args.updates} updates, {args.users} volunteers, {args.coordinators} coordinators and the admin, "
        f"seed {args.seed}{'' if args.no_memory else ' (tracemalloc on)'}",
        flush=True,
    )
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        report = await run_fuzz(
            FuzzConfig(
                updates=args.updates,
                users=args.users,
                coordinators=args.coordinators,
                seed=args.seed,
                database=Path(tmp) / "fuzz.db",
                keep_messages=args.keep_messages or None,
                progress=progress,
                trace=trace,
            )
        )
        wall = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if tracemalloc.is_tracing() else None

    print()
    print(
        f"updates/s          {report.rate:.0f}  ({report.updates} in {report.elapsed:.1f} s; {wall:.1f} s with setup)"
    )
    print(f"exceptions         {report.exceptions}  (apologies sent: {report.apologies})")
    print(f"400 Bad Request    {report.bad_requests}")
    print(f"other API errors   {report.api_errors}  (403 to users who blocked the bot, expected: {report.forbidden})")
    print(f"unanswered         {report.unanswered}  (muted by the flood guard, expected: {report.muted})")
    print(f"privileged changes {report.privilege}")
    print(f"leaked internals   {report.leaks}")
    print(f"logged errors      {report.logged_errors}")
    print(f"integrity          {report.integrity}; foreign key problems: {len(report.foreign_key_problems)}")
    if report.not_audited:
        print(f"not audited        {', '.join(report.not_audited)} (not in the schema)")
    print(f"reached            {report.coverage}")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if peak is not None:
        print(f"peak memory        {peak / 2**20:.1f} MiB (tracemalloc); peak RSS {rss:.0f} MiB")
    else:
        print(f"peak memory        peak RSS {rss:.0f} MiB (tracemalloc off)")
    if report.findings:
        print()
        print(report.describe(limit=args.show))
    clean = not report.findings and report.integrity == "ok" and not report.foreign_key_problems
    return 0 if clean else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
