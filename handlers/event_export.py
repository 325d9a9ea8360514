"""The CSV of an event's sign-ups (📊 CSV on the event's card and its list of sign-ups), made by the
export runner (bot/exports.py): seats first, then the waitlist in order, with contacts,
attendance and hours."""

from __future__ import annotations

from collections.abc import AsyncIterator

from telegram import Update

from bot import exports
from bot.context import BotContext
from bot.export_worker import ExportJob, local_time, spreadsheet_cell
from bot.organisation import FieldType
from storage.events import Event, EventRepository, Seat
from storage.people import PeopleDirectory

BUILDER = "handlers.event_export:signup_rows"


async def signup_rows(job: ExportJob) -> AsyncIterator[list[str]]:
    """Made in the export process: `job.params["event"]` is the event's id."""
    t, org = job.t, job.org
    people = await EventRepository(job.db).registrants(job.params["event"])
    contact = (next((f.id for f in org.form if f.type == kind), None) for kind in (FieldType.EMAIL, FieldType.PHONE))
    names = await PeopleDirectory(job.db, *contact).named(p.telegram_id for p in people)
    job.total = len(people)
    when = local_time(job.timezone)
    yield [
        t.gettext("No."),
        t.gettext("Name"),
        t.gettext("E-mail"),
        t.gettext("Phone"),
        t.gettext("Name in Telegram"),
        t.gettext("Telegram username"),
        t.gettext("Telegram user id"),
        t.gettext("Status"),
        t.gettext("Signed up"),
        t.gettext("Said they came"),
        t.gettext("Attendance"),
        t.gettext("Hours"),
    ]
    for number, person in enumerate(people, start=1):
        status = (
            t.gettext("has a place")
            if person.status == Seat.REGISTERED
            else t.gettext("waitlist: %(position)d", position=person.position or 0)
        )
        said = {True: t.gettext("yes"), False: t.gettext("no")}.get(person.self_attended, "")
        record = {"attended": t.gettext("present"), "absent": t.gettext("absent")}.get(person.attendance or "", "")
        yield [
            str(number),
            *(spreadsheet_cell(v) for v in names[person.telegram_id].contact_cells()),
            spreadsheet_cell(person.username or ""),
            str(person.telegram_id),
            status,
            when(person.joined_at),
            said,
            record,
            t.number(person.hours) if person.hours is not None else "",
        ]


async def export_csv(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    from handlers.event_manage import seats_summary  # here: event_manage's actions lead to this module

    t = context.t
    summary = seats_summary(context, event)
    await exports.run(
        update,
        context,
        exports.Export(
            what=f"event:{event.id}",
            builder=BUILDER,
            params={"event": event.id},
            filename=f"wydarzenie-{event.id}-zapisy.csv",
            caption=lambda count: t._("%(title)s: %(summary)s", title=event.title, summary=summary),
            audit_action="event.exported",
            audit_target=f"event:{event.id}",
        ),
    )
