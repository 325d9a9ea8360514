"""Coordinators export applications as a CSV file that spreadsheets in Polish open as they are."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import logging
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from telegram import InputFile, Update
from telegram.error import TelegramError

from bot.buttons.review import APPLICATIONS, ReviewButton, ReviewExport
from bot.context import BotContext
from bot.forms import display
from bot.services import Role
from handlers.application_text import STATUS_GROUPS, questions_and_answers, status_name
from handlers.common import alert, audit, keyboard, requires_role, show, stale_button
from storage import application_export
from storage.applications import REVIEW_ORDER, Application, HistoryEntry, Status
from storage.consents import Consent

log = logging.getLogger(__name__)


@requires_role(Role.COORDINATOR)
async def export_menu(update: Update, context: BotContext) -> None:
    t = context.t
    rows = [[(t.gettext("All"), ReviewExport(scope="all").pack())]]
    rows += [[(t.gettext(STATUS_GROUPS[s]), ReviewExport(scope=s).pack())] for s in REVIEW_ORDER]
    rows.append([(t.gettext("« Applications"), APPLICATIONS)])
    await show(update, context, t._("Which applications should the CSV file contain?"), keyboard(rows))


async def export_menu_pressed(update: Update, context: BotContext, press: ReviewButton) -> None:
    await export_menu(update, context)


def spreadsheet_cell(value: str) -> str:
    """Spreadsheets run cells starting with = + - @ as formulas; a leading apostrophe stops that."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


Row = tuple[Application, dict, list[HistoryEntry], dict[str, Consent | None]]


def _when(t, moment) -> str:
    return t.datetime(moment, "y-MM-dd HH:mm") if moment else ""


def _consent_cell(t, consent: Consent | None) -> str:
    if consent is None:
        return ""
    return t.gettext("yes") if consent.granted else t.gettext("no")


def applications_csv(context: BotContext, rows: Iterable[Row], names: dict[int, str]) -> bytes:
    """The whole file in memory (small exports, tests); the export itself writes to a file."""
    buffer = io.StringIO()
    write_csv(buffer, context, rows, names)
    return buffer.getvalue().encode("utf-8")


def write_csv(out: TextIO, context: BotContext, rows: Iterable[Row], names: dict[int, str], done=None) -> int:
    """One row per application: its status, the decision (who, when, why), the answers, the
    optional consents and the questions asked with their answers; names and local times.
    Written as the rows come (nothing held); `done(n)` hears how many so far. Returns the count."""
    t = context.t
    org = context.services.org
    out.write("\ufeff")  # the BOM makes Excel read UTF-8 (Polish letters)
    # Semicolons: what Excel in Polish expects.
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(
        [
            t.gettext("ID"),
            t.gettext("Status"),
            t.gettext("Sent"),
            t.gettext("Decided"),
            t.gettext("Telegram user id"),
        ]
        + [f.label.get(t.locale) for f in org.form]
        + [t.gettext("Decided by"), t.gettext("Reason for not accepting")]
        + [t.gettext("Consent: %(consent)s", consent=c.name(t.locale)) for c in org.consents]
        + [t.gettext("Questions and answers")]
    )
    written = 0
    for application, answers, history, consents in rows:
        decider = names.get(application.decided_by, "") if application.decided_by else ""
        reason = application.decision_note if application.status == Status.REJECTED else None
        writer.writerow(
            [
                str(application.id),
                status_name(t, application.status),
                _when(t, application.submitted_at),
                _when(t, application.decided_at),
                str(application.telegram_id),
            ]
            + [
                spreadsheet_cell(display(org, f, answers[f.id], t)) if answers.get(f.id) is not None else ""
                for f in org.form
            ]
            + [spreadsheet_cell(decider), spreadsheet_cell(reason or "")]
            + [_consent_cell(t, consents.get(c.id)) for c in org.consents]
            + [spreadsheet_cell(questions_and_answers(history, t, names))]
        )
        written += 1
        if done is not None and written % 1000 == 0:
            done(written)
    return written


async def _rows(context: BotContext, statuses: tuple[Status, ...]) -> tuple[list[Row], dict[int, str]]:
    """Everything in memory at once (the scale benchmark and small callers)."""
    services = context.services
    found = await application_export.export_rows(services.db, statuses, [c.id for c in services.org.consents])
    return [(r.application, r.answers, r.history, r.consents) for r in found], await _names(context, statuses)


async def _names(context: BotContext, statuses: tuple[Status, ...]) -> dict[int, str]:
    services = context.services
    people = await application_export.people_named(services.db, statuses)
    return {person: p.name for person, p in (await services.people.named(people)).items()}


def _write_file(context: BotContext, statuses, names, progress: list[int]) -> tuple[Path, int]:
    """In a worker thread: the rows as they are read, straight into a temporary file."""
    services = context.services
    path = str(services.db.path)
    progress[1] = application_export.count(path, statuses)
    rows = (
        (r.application, r.answers, r.history, r.consents)
        for r in application_export.rows(path, statuses, [c.id for c in services.org.consents])
    )
    handle, name = tempfile.mkstemp(prefix="export-", suffix=".csv")
    try:
        with open(handle, "w", encoding="utf-8", newline="") as out:
            written = write_csv(out, context, rows, names, done=lambda n: progress.__setitem__(0, n))
    except BaseException:
        Path(name).unlink(missing_ok=True)  # never a half-written file
        raise
    return Path(name), written


_SENT = "exports_sent"  # (coordinator, what) -> when that export was last sent (in this process)
PROGRESS_EVERY_S = 3
AGAIN_AFTER_S = 30  # a person's updates are handled in order: presses made while one export is being
# prepared come after it, and would each make the whole file again


async def export(update: Update, context: BotContext, press: ReviewExport) -> None:
    t = context.t
    if press.scope == Status.DRAFT:  # drafts are the volunteer's own
        await stale_button(update, context)
        return
    choice = str(press.scope.value if isinstance(press.scope, Status) else press.scope)
    coordinator = update.effective_user.id
    sent: dict[tuple[int, str], float] = context.bot_data.setdefault(_SENT, {})
    now = context.services.clock().timestamp()
    if now - sent.get((coordinator, choice), float("-inf")) < AGAIN_AFTER_S:
        await alert(update, t.gettext("This file was sent a moment ago: it is above."))
        return
    await update.callback_query.answer()  # at once: Telegram refuses an answer after ~15 s
    note = await context.bot.send_message(update.effective_chat.id, t._("⏳ Preparing the file…"))
    statuses = REVIEW_ORDER if choice == "all" else (Status(choice),)
    names = await _names(context, statuses)
    progress = [0, 0]  # rows written, rows in all (set by the worker thread)
    making = asyncio.create_task(asyncio.to_thread(_write_file, context, statuses, names, progress))
    while not making.done():  # a long export shows how far it is
        await asyncio.wait({making}, timeout=PROGRESS_EVERY_S)
        if not making.done() and progress[1]:
            with contextlib.suppress(TelegramError):
                await note.edit_text(
                    t._("⏳ Preparing the file… %(percent)d%%", percent=100 * progress[0] // progress[1])
                )
    path, written = making.result()
    try:
        stamp = context.t.datetime(context.services.clock(), "y-MM-dd")
        with path.open("rb") as content:
            await context.bot.send_document(
                update.effective_chat.id,
                InputFile(content, filename=f"zgloszenia-{'wszystkie' if choice == 'all' else choice}-{stamp}.csv"),
                caption=t.ngettext("%(count)d application.", "%(count)d applications.", written),
            )
    finally:
        path.unlink(missing_ok=True)
    sent[(coordinator, choice)] = context.services.clock().timestamp()
    log.info("coordinator %s exported %d applications (%s)", coordinator, written, choice)
    await audit(context, coordinator, "applications.exported", status=choice, count=written)
