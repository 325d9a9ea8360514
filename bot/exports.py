"""Every export a coordinator asks for (applications, an event's sign-ups, the audit log, ...) runs
here, the same way: `await exports.run(update, context, Export(...))`.

1. The export is claimed in the database (storage/exports.py), per coordinator and thing: a second
   press while it is being made, or just after it was sent, gets a polite alert instead of a second
   file, even from another bot process on the same database.
2. The press is answered at once (Telegram refuses an answer after ~15 s) and "⏳ Preparing the
   file…" is sent; a long export shows how far it is in that message.
3. The file is written to a temporary file by a process of its own (bot/export_worker.py says why),
   which reads the database itself; the bot only reads its progress reports.
4. The file is sent as a document, read from disk as it is uploaded, and the note is deleted; the
   temporary file is deleted whatever happens. A failed export sends no file, says so, and frees
   the claim at once; a bot that stops in the middle sends nothing, and its claim runs out after
   LEASE.
5. The export is written to the audit log with the number of rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import pickle
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from telegram import InputFile, Update
from telegram.error import TelegramError

from bot.context import BotContext
from bot.export_worker import ExportJob
from bot.replies import alert
from storage.errors import database_away
from storage.exports import Busy, ExportClaims

log = logging.getLogger(__name__)

PROGRESS_EVERY_S = 3.0  # how often a long export's message says how far it is (and the claim is renewed)
LEASE = timedelta(seconds=30)  # a claim not renewed for this long is taken to be a bot that stopped
AGAIN_AFTER = timedelta(seconds=30)  # after the file is sent, a press is answered "it is above"
_ROOT = Path(__file__).resolve().parent.parent  # where `bot` (and the builders' packages) are


@dataclass(frozen=True)
class Export:
    """One export: what it is (one at a time per coordinator), how its rows are made and what is
    said and recorded. `builder` is "module:function", an async generator of rows run in the
    export process (see bot/export_worker.py); `params` (plain data) are handed to it."""

    what: str  # "applications:all", "event:12", "audit"
    builder: str
    filename: str
    caption: Callable[[int], str]  # the document's caption, from the number of rows
    audit_action: str
    audit_target: str | None = None
    audit_details: dict[str, Any] = field(default_factory=dict)
    params: dict[str, Any] = field(default_factory=dict)


class ExportFailed(Exception):
    pass


async def run(update: Update, context: BotContext, export: Export) -> None:
    t = context.t
    services = context.services
    coordinator, chat = update.effective_user.id, update.effective_chat.id
    claims = ExportClaims(services.db)
    claim = await claims.claim(coordinator, export.what, services.clock(), LEASE)
    if claim is Busy.RUNNING:
        await alert(update, t.gettext("This file is being prepared: it will be here in a moment."))
        return
    if claim is Busy.SENT:
        await alert(update, t.gettext("This file was sent a moment ago: it is above."))
        return
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()  # at once
        note = await context.bot.send_message(chat, t._("⏳ Preparing the file…"))
    except Exception:
        await claims.release(claim)
        raise
    shown = [-1]  # the percentage the note says

    async def progress(done: int, total: int) -> None:
        try:
            await claims.renew(claim, services.clock(), LEASE)
        except Exception as exc:
            if not database_away(exc):
                raise
            # the database busy or its connection lost for a moment: the next renewal will do
            log.warning("export claim not renewed: %s", exc)
        percent = min(100 * done // total, 99) if total else -1
        if percent > shown[0]:
            shown[0] = percent
            with contextlib.suppress(TelegramError):  # only a note: the export goes on
                await note.edit_text(t._("⏳ Preparing the file… %(percent)d%%", percent=percent))

    handle, name = tempfile.mkstemp(prefix="export-", suffix=".csv")
    os.close(handle)
    path = Path(name)
    job = ExportJob(
        builder=export.builder,
        database=str(services.db.path),
        file=name,
        locale=t.locale,
        timezone=services.settings.timezone,
        org=services.org,
        params=export.params,
    )
    try:
        count = await make(job, progress)
        with path.open("rb") as content:  # uploaded as it is read, never whole in memory
            await context.bot.send_document(
                chat,
                InputFile(content, filename=export.filename, read_file_handle=False),
                caption=export.caption(count),
            )
    except Exception:
        log.exception("export %s for %s failed", export.what, coordinator)
        await claims.release(claim)
        with contextlib.suppress(TelegramError):
            await note.edit_text(t._("⚠️ The file could not be prepared, so nothing was sent. Please try again."))
        return
    finally:
        path.unlink(missing_ok=True)  # sent, failed or stopped: never left behind
    await claims.sent(claim, services.clock(), AGAIN_AFTER)
    with contextlib.suppress(TelegramError):  # the file is there: the note has said its part
        await note.delete()
    log.info("coordinator %s exported %s: %d rows", coordinator, export.what, count)
    await services.audit.record(
        coordinator, export.audit_action, export.audit_target, services.clock(), **export.audit_details, count=count
    )


async def make(job: ExportJob, progress: Callable[[int, int], Any] | None = None) -> int:
    """Run the job in an export process; `progress(done, total)` is awaited every PROGRESS_EVERY_S.
    Returns the number of rows; raises ExportFailed (the file is then gone) if there is no file."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_ROOT), os.environ.get("PYTHONPATH")]))}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.export_worker",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    state = {"done": 0, "total": 0, "ok": None}

    async def reports() -> None:
        async for line in process.stdout:
            word, _, number = line.decode().strip().partition(" ")
            if word in state and number.isdigit():
                state[word] = int(number)

    reading = asyncio.create_task(reports())
    errors = asyncio.create_task(process.stderr.read())
    try:
        process.stdin.write(pickle.dumps(job))
        await process.stdin.drain()
        process.stdin.close()
        while not reading.done():
            await asyncio.wait({reading}, timeout=PROGRESS_EVERY_S)
            if not reading.done() and progress is not None:
                await progress(state["done"], state["total"])
        await reading
        await process.wait()
        said = (await errors).decode(errors="replace")
        if process.returncode != 0 or state["ok"] is None:
            raise ExportFailed(f"the export process ended with {process.returncode}: {said[-2000:]}")
        return state["ok"]
    finally:
        if process.returncode is None:  # stopped (the bot is shutting down) or failed here
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            await process.wait()
        for task in (reading, errors):
            task.cancel()
