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
from handlers.application_text import STATUS_GROUPS, status_name
from handlers.common import audit, keyboard, requires_role, show, stale_button
from storage.applications import REVIEW_ORDER, Application, Status

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


def applications_csv(context: BotContext, rows: list[tuple[Application, dict]]) -> bytes:
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
    )
    for application, answers in rows:
        writer.writerow(
            [
                str(application.id),
                status_name(t, application.status),
                t.datetime(application.submitted_at, "y-MM-dd HH:mm") if application.submitted_at else "",
                t.datetime(application.decided_at, "y-MM-dd HH:mm") if application.decided_at else "",
                str(application.telegram_id),
            ]
            + [
                spreadsheet_cell(display(org, f, answers[f.id], t)) if answers.get(f.id) is not None else ""
                for f in org.form
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


async def export(update: Update, context: BotContext, press: ReviewExport) -> None:
    t = context.t
    if press.scope == Status.DRAFT:  # drafts are the volunteer's own
        await stale_button(update, context)
        return
    choice = str(press.scope.value if isinstance(press.scope, Status) else press.scope)
    statuses = REVIEW_ORDER if choice == "all" else (Status(choice),)
    rows = await context.services.applications.for_export(statuses)
    await update.callback_query.answer()
    stamp = context.t.datetime(context.services.clock(), "y-MM-dd")
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(applications_csv(context, rows), filename=f"zgloszenia-{choice}-{stamp}.csv"),
        caption=t.ngettext("%(count)d application.", "%(count)d applications.", len(rows)),
    )
    log.info("coordinator %s exported %d applications (%s)", update.effective_user.id, len(rows), choice)
    await audit(context, update.effective_user.id, "applications.exported", status=choice, count=len(rows))
