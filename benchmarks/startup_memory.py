"""Memory after start with 1 000 and with 100 000 people in the database, side by side.

For each size, one fresh process creates a SQLite database through the bot's migrations and
bulk-inserts the people: a `users` row each and, in whichever of these tables the schema has at
that moment, a realistic share of per-person rows:

    consents             70 % of people: rules, privacy and one optional consent (3 rows each)
    applications         50 % of people: 20 % drafts, 15 % submitted, 60 % accepted, 5 % rejected
    application_answers  every answered question of those applications (drafts: half the form)
    bot_user_data        50 % of people: a small scratch dictionary (python-telegram-bot's user data)
    bot_conversations    5 % of people: in the middle of a conversation
    flow_state           5 % of people: in the middle of a flow

Then another fresh process builds and initialises the Application the way `volunteer-bot run`
does (default settings, the rate limiter, the jobs), against the in-process Bot API double
instead of the network, and reads its resident memory (VmRSS in /proc/self/status) once it has
started, and the peak (VmHWM). It also lists the heavy modules already imported at that point,
and what importing each one alone costs in a fresh interpreter.

    python benchmarks/startup_memory.py --people 1000,100000
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MiB = 1024 * 1024
# Packages for documents, calendars, validation, scheduling and the web server: worth noticing when
# they are loaded at start.
HEAVY = (
    "fpdf",
    "fontTools",
    "PIL",
    "pypdf",
    "icalendar",
    "phonenumbers",
    "email_validator",
    "babel",
    "pydantic",
    "apscheduler",
    "tornado",
    "httpx",
    "cryptography",
)


def memory() -> dict[str, int]:
    """VmRSS and VmHWM of this process, in bytes."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) * 1024
    return found


# ---- filling the database (child process) ---------------------------------------------------------
def _columns(conn: sqlite3.Connection, table: str) -> dict[str, tuple[bool, bool]]:
    """column -> (NOT NULL, has a default); empty when the table does not exist."""
    rows = conn.execute(f"PRAGMA table_info({table})").fetchall()
    return {r[1]: (bool(r[3]), r[4] is not None or bool(r[5])) for r in rows}


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict], report: dict) -> None:
    """Insert the columns the table has; skip the table when it lacks it or needs a column we don't fill."""
    columns = _columns(conn, table)
    if not columns:
        report[table] = "no such table"
        return
    if not rows:
        report[table] = 0
        return
    given = [c for c in rows[0] if c in columns]
    missing = [c for c, (not_null, default) in columns.items() if not_null and not default and c not in given]
    if missing:
        report[table] = f"skipped: needs {', '.join(missing)}"
        return
    sql = f"INSERT INTO {table} ({', '.join(given)}) VALUES ({', '.join('?' for _ in given)})"
    conn.executemany(sql, ([row[c] for c in given] for row in rows))
    report[table] = len(rows)


async def _create_schema(path: Path) -> list[str]:
    from bot.app import build_application
    from bot.config import Settings
    from bot.double import BotApiDouble
    from storage import open_database

    database = await open_database(path)
    await database.close()
    # The persistent conversations' names, so that their stored states are the ones loaded at start.
    app = build_application(Settings(database_path=path), BotApiDouble())
    names = []
    for handlers in app.handlers.values():
        names += [h.name for h in handlers if getattr(h, "persistent", False) and getattr(h, "name", None)]
    return names


def fill(path: Path, people: int) -> dict:
    conversation_names = asyncio.run(_create_schema(path))
    from bot.organisation import load_organisation

    org = load_organisation(None)
    form = [f.id for f in org.form]
    optional_consent = f"optional:{org.consents[0].id}" if org.consents else "optional:newsletter"
    rng = random.Random(1)
    now = datetime.now(UTC)

    def at(days: float) -> str:
        return (now - timedelta(days=days)).isoformat(timespec="microseconds")

    users, consents, applications, answers, user_data, conversations, flows = [], [], [], [], [], [], []
    statuses = ["draft"] * 20 + ["submitted"] * 15 + ["accepted"] * 60 + ["rejected"] * 5
    for n in range(people):
        telegram_id = 100_000_000 + n
        seen = rng.uniform(0, 365)
        users.append(
            {
                "telegram_id": telegram_id,
                "first_name": f"Wolontariusz{n}",
                "last_name": "Kowalski" if n % 2 else None,
                "username": f"wolontariusz_{n}" if n % 3 else None,
                "telegram_locale": "pl" if n % 10 else "uk",
                "chosen_locale": None,
                "created_at": at(seen + 30),
                "last_seen_at": at(seen),
                "unreachable_at": None,
            }
        )
        if rng.random() < 0.70:
            for kind, version in (("rules", org.rules.version), ("privacy", org.data_protection.version)):
                consents.append(
                    {"telegram_id": telegram_id, "kind": kind, "version": version, "granted": 1, "at": at(seen + 29)}
                )
            consents.append(
                {
                    "telegram_id": telegram_id,
                    "kind": optional_consent,
                    "version": org.consents[0].version if org.consents else "1",
                    "granted": int(rng.random() < 0.5),
                    "at": at(seen + 29),
                }
            )
        if rng.random() < 0.50:
            status = rng.choice(statuses)
            application_id = len(applications) + 1
            answered = form[: len(form) // 2] if status == "draft" else form
            applications.append(
                {
                    "id": application_id,
                    "telegram_id": telegram_id,
                    "status": status,
                    "cursor": form[len(answered)] if status == "draft" else None,
                    "back_to_summary": 0,
                    "created_at": at(seen + 28),
                    "updated_at": at(seen + 27),
                    "submitted_at": None if status == "draft" else at(seen + 27),
                    "decided_at": at(seen + 20) if status in ("accepted", "rejected") else None,
                }
            )
            for field_id in answered:
                answers.append(
                    {
                        "application_id": application_id,
                        "field_id": field_id,
                        "value": json.dumps(f"odpowiedź {n} na {field_id}", ensure_ascii=False),
                        "answered_at": at(seen + 27),
                    }
                )
        if rng.random() < 0.50:
            user_data.append(
                {"user_id": telegram_id, "data": json.dumps({"application_question": 1000 + n}), "updated_at": at(seen)}
            )
        if rng.random() < 0.05:
            if conversation_names:
                conversations.append(
                    {
                        "name": rng.choice(conversation_names),
                        "key": json.dumps([telegram_id, telegram_id]),
                        "state": json.dumps("active"),
                        "updated_at": at(seen),
                    }
                )
            flows.append(
                {
                    "telegram_id": telegram_id,
                    "flow": "application",
                    "step": form[1],
                    "data": "{}",
                    "version": 1,
                    "message_id": 1000 + n,
                    "last_update_id": None,
                    "updated_at": at(seen),
                }
            )

    report: dict = {}
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("BEGIN")
    for table, rows in (
        ("users", users),
        ("consents", consents),
        ("applications", applications),
        ("application_answers", answers),
        ("bot_user_data", user_data),
        ("bot_conversations", conversations),
        ("flow_state", flows),
    ):
        _insert(conn, table, rows, report)
    conn.execute("COMMIT")
    # Per-person tables this script does not know how to fill (a new schema): they stay empty.
    known = set(report)
    for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        person_columns = {"telegram_id", "user_id"} & set(_columns(conn, table))
        if table not in known and person_columns and not table.startswith("sqlite_"):
            report[table] = "not filled"
    conn.close()
    return {"tables": report, "size": path.stat().st_size}


# ---- starting the bot (child process) ------------------------------------------------------------
async def start(path: Path) -> dict:
    before = memory()
    from bot.app import build_application
    from bot.config import Settings
    from bot.double import BotApiDouble, running

    double = BotApiDouble()
    started = time.perf_counter()
    # As `volunteer-bot run` builds it, with the default settings; the double instead of the network.
    app = build_application(Settings(database_path=path), double, rate_limit=True)
    async with running(app, double):
        seconds = time.perf_counter() - started
        await asyncio.sleep(0.2)  # let the start-up tasks (the broadcast sender) settle
        after = memory()
        heavy = {
            package: sorted(m for m in sys.modules if m == package or m.startswith(package + "."))
            for package in HEAVY
            if package in sys.modules
        }
    return {
        "before": before["VmRSS"],
        "rss": after["VmRSS"],
        "peak": after["VmHWM"],
        "seconds": seconds,
        "heavy": heavy,
    }


def import_cost(modules: list[str]) -> int:
    before = memory()["VmRSS"]
    for module in modules:
        __import__(module)
    return memory()["VmRSS"] - before


# ---- the parent ----------------------------------------------------------------------------------
def child(*args: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args], capture_output=True, text=True, env=env, cwd=ROOT, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def mib(value: int) -> str:
    return f"{value / MiB:7.1f} MiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="1000,100000", help="people in the database, comma-separated")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        command, *rest = args.child
        if command == "fill":
            result = fill(Path(rest[0]), int(rest[1]))
        elif command == "start":
            result = asyncio.run(start(Path(rest[0])))
        else:
            result = {"bytes": import_cost(rest)}
        print(json.dumps(result))
        return

    sizes = [int(x) for x in args.people.split(",") if x.strip()]
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for people in sizes:
            path = Path(tmp) / f"people-{people}.db"
            filled = child("fill", str(path), str(people))
            results[people] = (filled, child("start", str(path)))

    print("Resident memory once the bot has started (built as `volunteer-bot run` builds it; Bot API double)")
    print(f"{'people':>8}  {'database':>11}  {'RSS':>11}  {'peak RSS':>11}  {'start-up':>9}")
    for people, (filled, started) in results.items():
        print(
            f"{people:>8}  {mib(filled['size'])}  {mib(started['rss'])}  {mib(started['peak'])}  "
            f"{started['seconds']:7.2f} s"
        )
    low, high = results[min(sizes)][1], results[max(sizes)][1]
    difference = high["rss"] - low["rss"]
    peak = high["peak"] - low["peak"]
    print(f"difference {max(sizes)} vs {min(sizes)} people: {mib(difference).strip()} (peak: {mib(peak).strip()})")
    print(f"the interpreter and the standard library, before importing the bot: {mib(low['before']).strip()}")
    tables = results[max(sizes)][0]["tables"]
    filled = ", ".join(f"{t} {n}" for t, n in tables.items() if isinstance(n, int))
    print(f"rows with {max(sizes)} people: {filled}")
    for note, title in (
        ("no such table", "not in the schema"),
        ("not filled", "other tables with a person's id, empty"),
    ):
        named = [t for t, n in tables.items() if n == note]
        if named:
            print(f"  {title}: {', '.join(named)}")
    skipped = [f"{t} ({n})" for t, n in tables.items() if isinstance(n, str) and n.startswith("skipped")]
    if skipped:
        print(f"  {', '.join(skipped)}")

    heavy = high["heavy"]
    print("\nHeavy packages loaded at start; what loading the same modules costs alone in a fresh interpreter")
    print("(a package's figure includes the packages it imports):")
    for package, modules in heavy.items():
        cost = child("import", *modules)["bytes"]
        print(f"  {package:<16} {mib(cost)}  ({len(modules)} modules)")
    absent = [p for p in HEAVY if p not in heavy]
    if absent:
        print(f"  not loaded at start: {', '.join(absent)}")

    print("\nTargets")
    verdict = {True: "met", False: "NOT MET"}
    print(
        f"  RSS growth from {min(sizes)} to {max(sizes)} people <= 10 MiB: {mib(difference).strip()}  "
        f"{verdict[difference <= 10 * MiB]}"
    )
    for people, (_, started) in results.items():
        print(
            f"  RSS after start <= 100 MiB (default configuration, {people} people): {mib(started['rss']).strip()}  "
            f"{verdict[started['rss'] <= 100 * MiB]}"
        )


if __name__ == "__main__":
    main()
