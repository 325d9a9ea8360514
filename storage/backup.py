"""Backups of the database and putting one back.

A backup is taken with SQLite's online backup API: it reads a consistent snapshot while the bot
keeps running and writing (WAL mode lets readers and the writer go on side by side), copies it
into a temporary file next to the target, checks it, and only then gives it its name. Restoring
checks the file first (a SQLite database that passes the integrity check, made by this program,
not by a newer version), keeps the current database beside it, and needs the bot stopped: the
database's write-ahead log must not outlive the file it belongs to.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from storage.migrations import available_migrations

PAGES_PER_STEP = 1024  # then the writer gets a turn: a backup never holds the bot up for long


class BackupError(Exception):
    """Why a backup could not be made or put back (said to the person at the command line)."""


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    schema_version: int
    size: int  # bytes
    people: int


def backup(database: Path, target: Path) -> BackupInfo:
    """A consistent copy of the (live) database at `target`, which must not exist yet."""
    if not database.exists():
        raise BackupError(f"there is no database at {database}")
    if target.exists():
        raise BackupError(f"{target} exists already: choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    source = sqlite3.connect(database)  # only read; a read-only open of a WAL file may fail
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy, pages=PAGES_PER_STEP, sleep=0.005)
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
        finally:
            copy.close()
    except sqlite3.DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"cannot read {database}: {exc}") from None
    finally:
        source.close()
    try:
        info = inspect(partial)
    except BackupError:
        partial.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    return BackupInfo(target, info.schema_version, target.stat().st_size, info.people)


def inspect(path: Path) -> BackupInfo:
    """What a backup holds, after checking it is whole and of this program."""
    if not path.is_file():
        raise BackupError(f"there is no file {path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            verdict = conn.execute("PRAGMA integrity_check").fetchone()[0]
            if verdict != "ok":
                raise BackupError(f"{path} is damaged: {verdict}")
            has_versions = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
            ).fetchone()
            if not has_versions:
                raise BackupError(f"{path} is a SQLite database, but not one of volunteer-bot")
            version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations").fetchone()[0]
            people = conn.execute("SELECT COUNT(*) FROM users").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a database: {exc}") from None
    latest = available_migrations()[-1].version
    if version > latest:
        raise BackupError(f"{path} was made by a newer version of volunteer-bot (schema {version} > {latest})")
    return BackupInfo(path, version, path.stat().st_size, people)


def restore(backup_file: Path, database: Path, now: datetime | None = None) -> tuple[BackupInfo, Path | None]:
    """Put `backup_file` back as `database` (the bot stopped). The database it replaces is kept
    as `<name>.before-restore-<time>`; returns what was restored and where the old one went."""
    info = inspect(backup_file)
    for leftover in (_wal(database), _shm(database)):
        if leftover.exists() and leftover.stat().st_size > 0:
            raise BackupError(
                f"{leftover} exists: the bot is running (or stopped without closing). Stop it, then "
                "try again; if it crashed, start and stop it once so that it folds its log in"
            )
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
    incoming = database.with_name(database.name + ".restoring")
    incoming.unlink(missing_ok=True)
    source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
    try:
        copy = sqlite3.connect(incoming)
        try:
            source.backup(copy)
        finally:
            copy.close()
    finally:
        source.close()
    kept = None
    if database.exists():
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        os.replace(database, kept)
    for leftover in (_wal(database), _shm(database)):
        leftover.unlink(missing_ok=True)
    os.replace(incoming, database)
    return info, kept


def _wal(database: Path) -> Path:
    return database.with_name(database.name + "-wal")


def _shm(database: Path) -> Path:
    return database.with_name(database.name + "-shm")
