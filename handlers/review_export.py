"""Coordinators export applications as a CSV file that spreadsheets in Polish open as they are.

The file is made by the export runner (bot/exports.py) from the rows of handlers/application_csv.py."""

from __future__ import annotations

from telegram import Update

from bot import exports
from bot.buttons.review import APPLICATIONS, ReviewButton, ReviewExport
from bot.context import BotContext
from bot.export_worker import spreadsheet_cell
from bot.services import Role
from handlers import application_csv
from handlers.application_text import STATUS_GROUPS
from handlers.common import keyboard, requires_role, show, stale_button
from storage.applications import REVIEW_ORDER, Status

__all__ = ["export", "export_menu", "export_menu_pressed", "spreadsheet_cell"]


@requires_role(Role.COORDINATOR)
async def export_menu(update: Update, context: BotContext) -> None:
    t = context.t
    rows = [[(t.gettext("All"), ReviewExport(scope="all").pack())]]
    rows += [[(t.gettext(STATUS_GROUPS[s]), ReviewExport(scope=s).pack())] for s in REVIEW_ORDER]
    rows.append([(t.gettext("« Applications"), APPLICATIONS)])
    await show(update, context, t._("Which applications should the CSV file contain?"), keyboard(rows))


async def export_menu_pressed(update: Update, context: BotContext, press: ReviewButton) -> None:
    await export_menu(update, context)


async def export(update: Update, context: BotContext, press: ReviewExport) -> None:
    t = context.t
    if press.scope == Status.DRAFT:  # drafts are the volunteer's own
        await stale_button(update, context)
        return
    choice = str(press.scope.value if isinstance(press.scope, Status) else press.scope)
    statuses = REVIEW_ORDER if choice == "all" else (Status(choice),)
    stamp = t.datetime(context.services.clock(), "y-MM-dd")
    await exports.run(
        update,
        context,
        exports.Export(
            what=f"applications:{choice}",
            builder=application_csv.BUILDER,
            params={"statuses": [s.value for s in statuses]},
            filename=f"zgloszenia-{'wszystkie' if choice == 'all' else choice}-{stamp}.csv",
            caption=lambda count: t.ngettext("%(count)d application.", "%(count)d applications.", count),
            audit_action="applications.exported",
            audit_details={"status": choice},
        ),
    )
