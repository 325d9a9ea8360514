"""Coordinators export applications as a CSV file that spreadsheets in Polish open as they are."""

from __future__ import annotations

import csv
import io
import logging

from telegram import InputFile, Update

from bot.buttons.review import APPLICATIONS, ReviewButton, ReviewExport
from bot.context import BotContext
from bot.forms import display
from bot.services import Role
from handlers.application_text import STATUS_GROUPS, questions_and_answers, status_name
from handlers.common import audit, keyboard, requires_role, show, stale_button
from storage.applications import REVIEW_ORDER, Application, HistoryEntry, Status
from storage.consents import Consent, optional

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
    rows: list[Row] = []
    people: set[int] = set()
    for application, answers in await services.applications.for_export(statuses):
        history = await services.applications.history(application.id)
        consents = {
            c.id: await services.consents.current(application.telegram_id, optional(c.id))
            for c in services.org.consents
        }
        rows.append((application, answers, history, consents))
        people |= {h.actor_id for h in history if h.actor_id} | {application.decided_by or 0}
    names = {}
    for person in people - {0}:
        user = await services.users.get(person)
        if user is not None:
            names[person] = user.full_name
    return rows, names


async def export(update: Update, context: BotContext, press: ReviewExport) -> None:
    t = context.t
    if press.scope == Status.DRAFT:  # drafts are the volunteer's own
        await stale_button(update, context)
        return
    choice = str(press.scope.value if isinstance(press.scope, Status) else press.scope)
    statuses = REVIEW_ORDER if choice == "all" else (Status(choice),)
    rows, names = await _rows(context, statuses)
    await update.callback_query.answer()
    stamp = context.t.datetime(context.services.clock(), "y-MM-dd")
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(
            applications_csv(context, rows, names),
            filename=f"zgloszenia-{'wszystkie' if choice == 'all' else choice}-{stamp}.csv",
        ),
        caption=t.ngettext("%(count)d application.", "%(count)d applications.", len(rows)),
    )
    log.info("coordinator %s exported %d applications (%s)", update.effective_user.id, len(rows), choice)
    await audit(context, update.effective_user.id, "applications.exported", status=choice, count=len(rows))
