"""The process that makes an export's file: `python -m bot.export_worker`, started by bot/exports.py.

Why a process and not a thread: writing a CSV is Python code, and a thread doing it holds the GIL
most of the time, so the bot's event loop (everyone else's answers) waits its turn. Measured at
100 000 applications with a worker thread: the loop held for 1.0 s, others' p99 0.9 s, the bot
+72 MiB. A process has an interpreter of its own: the bot keeps its core, and whatever the file
needs is not the bot's memory. It is started with `python -m` (not multiprocessing) so that it
depends on nothing of the bot's process: no fork of a running loop and its threads, no re-import
of whatever `__main__` is (the tests, the CLI).

What it is asked (an `ExportJob`, pickled on stdin) says which builder makes the rows, the database
to read, the file to write, the language and the organisation. The database is opened read-only
and read in one transaction, so every table is seen at one moment. Reports go to stdout, a line
each: `total N` (rows to come, when known), `done n` (written so far), `ok n` (the file is
complete). On any failure the file is deleted and the process exits non-zero with the traceback
on stderr; if the bot is gone, its next report fails (a broken pipe) and it stops the same way.

A builder is `async def rows(job: ExportJob) -> AsyncIterator[Sequence[str]]`: the header first,
then one list of cells per row; it may set `job.total`. It reads through `job.db` (what the
repositories read through) or `job.cursor()` (plain tuples, for big tables).
"""

from __future__ import annotations

import asyncio
import csv
import importlib
import pickle
import sqlite3
import sys
import time
import traceback
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Translator, translator

BUSY_TIMEOUT_MS = 5000
REPORT_EVERY_S = 0.25
# Spreadsheets run cells starting with these as formulas.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cell(value: str) -> str:
    """A leading apostrophe keeps a spreadsheet from running a cell as a formula."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def local_time(timezone: str, fmt: str = "%Y-%m-%d %H:%M") -> Callable[[str | datetime | None], str]:
    """UTC times (as stored, ISO text, or aware datetimes) as local numeric times, the same as
    Babel's "y-MM-dd HH:mm" (a numeric pattern needs no locale; Babel per cell cost a third of the
    export)."""
    zone = ZoneInfo(timezone)

    def shown(value: str | datetime | None) -> str:
        if not value:
            return ""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        return moment.astimezone(zone).strftime(fmt)

    return shown


class Snapshot:
    """The read methods of storage.Database, over the worker's connection and its one read
    transaction: repositories read through it as they do in the bot."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    async def fetch_all(self, sql: str, params: Iterable[Any] = ()) -> list[sqlite3.Row]:
        return self._conn.execute(sql, tuple(params)).fetchall()

    async def fetch_one(self, sql: str, params: Iterable[Any] = ()) -> sqlite3.Row | None:
        return self._conn.execute(sql, tuple(params)).fetchone()

    fetch_all_off_the_loop = fetch_all  # this whole process is off the loop


@dataclass
class ExportJob:
    builder: str  # "package.module:function"
    database: str
    file: str
    locale: str
    timezone: str
    org: Any = None  # bot.organisation.Organisation
    params: dict[str, Any] = field(default_factory=dict)
    total: int | None = None  # set by the builder when it knows
    _conn: sqlite3.Connection | None = field(default=None, repr=False)

    @cached_property
    def t(self) -> Translator:
        return translator(self.locale, self.timezone)

    @property
    def db(self) -> Snapshot:
        return Snapshot(self._connection())

    def cursor(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        """Rows as plain tuples, fetched as they are iterated."""
        cursor = self._connection().cursor()
        cursor.row_factory = None
        return cursor.execute(sql, tuple(params))

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            raise RuntimeError("the job's database is opened by the export worker")
        return self._conn

    def __getstate__(self) -> dict[str, Any]:
        state = {k: v for k, v in self.__dict__.items() if k != "t"}
        state["_conn"] = None
        return state


def _open(path: str) -> sqlite3.Connection:
    if path.startswith(("postgresql://", "postgres://")):
        from storage.pg_connection import PgSnapshot

        return PgSnapshot(path)  # type: ignore[return-value]  # the same calls, one snapshot
    conn = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, isolation_level=None)
    conn.row_factory = sqlite3.Row
    conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    conn.execute("BEGIN")  # one snapshot for every table read
    return conn


def _builder(name: str) -> Callable[[ExportJob], AsyncIterator[Sequence[str]]]:
    module, _, function = name.partition(":")
    return getattr(importlib.import_module(module), function)


def _report(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()  # a gone bot shows here as a broken pipe


async def write(job: ExportJob) -> int:
    """The rows into the job's file (a BOM and semicolons: what Excel in Polish opens as it is)."""
    job._conn = _open(job.database)
    try:
        rows = _builder(job.builder)(job)
        written, reported = -1, 0.0  # the header is not a row
        with open(job.file, "w", encoding="utf-8", newline="") as out:
            out.write("\ufeff")
            writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
            async for row in rows:
                writer.writerow(row)
                written += 1
                if written == 0 and job.total is not None:
                    _report(f"total {job.total}")
                now = time.monotonic()
                if now - reported >= REPORT_EVERY_S:
                    reported = now
                    _report(f"done {written}")
        return max(written, 0)
    finally:
        job._conn.close()


def main() -> int:
    job: ExportJob = pickle.load(sys.stdin.buffer)
    try:
        written = asyncio.run(write(job))
        _report(f"ok {written}")
    except BaseException:  # a failure, a broken pipe, an interrupt: never a partial file
        Path(job.file).unlink(missing_ok=True)
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
