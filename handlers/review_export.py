"""Coordinators export applications as a CSV file that spreadsheets in Polish open as they are."""

from __future__ import annotations

import asyncio
import csv
import io
import logging

from telegram import InputFile, Update

from bot.buttons.review import APPLICATIONS, ReviewButton, ReviewExport
from bot.context import BotContext
from bot.forms import display
from bot.services import Role
from handlers.application_text import STATUS_GROUPS, questions_and_answers, status_name
from handlers.common import alert, audit, keyboard, requires_role, show, stale_button
from storage.application_export import export_rows
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


def applications_csv(context: BotContext, rows: list[Row], names: dict[int, str]) -> bytes:
    """One row per application: its status, the decision (who, when, why), the answers, the
    optional consents and the questions asked with their answers; names and local times."""
    t = context.t
    org = context.services.org
    buffer = io.StringIO()
    # Semicolons: what Excel in Polish expects; the BOM makes it read UTF-8 (Polish letters).
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
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
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def _rows(context: BotContext, statuses: tuple[Status, ...]) -> tuple[list[Row], dict[int, str]]:
    services = context.services
    found = await export_rows(services.db, statuses, [c.id for c in services.org.consents])
    rows: list[Row] = [(r.application, r.answers, r.history, r.consents) for r in found]
    people = {h.actor_id for r in found for h in r.history if h.actor_id}
    people |= {r.application.decided_by for r in found if r.application.decided_by}
    names = {person: p.name for person, p in (await services.people.named(people)).items()}
    return rows, names


_SENT = "exports_sent"  # (coordinator, what) -> when that export was last sent (in this process)
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
    await context.bot.send_message(update.effective_chat.id, t._("⏳ Preparing the file…"))
    statuses = REVIEW_ORDER if choice == "all" else (Status(choice),)
    rows, names = await _rows(context, statuses)
    content = await asyncio.to_thread(applications_csv, context, rows, names)  # the loop stays free
    stamp = context.t.datetime(context.services.clock(), "y-MM-dd")
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(content, filename=f"zgloszenia-{'wszystkie' if choice == 'all' else choice}-{stamp}.csv"),
        caption=t.ngettext("%(count)d application.", "%(count)d applications.", len(rows)),
    )
    sent[(coordinator, choice)] = context.services.clock().timestamp()
    log.info("coordinator %s exported %d applications (%s)", coordinator, len(rows), choice)
    await audit(context, coordinator, "applications.exported", status=choice, count=len(rows))
