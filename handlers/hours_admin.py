"""The coordinators' view of the hours ledger ("⏱ Godziny i normy" in the coordinator panel): who
meets this month's quota, paged by key (a Telegram id), and the monthly CSV for reporting (one row
per volunteer per month), made by the export runner (bot/exports.py).

The people listed: accepted team members, and anyone with confirmed hours this month (the CSV: in
that month). A declared disability is never shown or exported: only whether the quota is met."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from zoneinfo import ZoneInfo

from telegram import Update

from bot import exports, hours_text
from bot.buttons.hours import HoursCsv, QuotaList
from bot.buttons.menu import COORDINATOR_PANEL
from bot.context import BotContext
from bot.export_worker import ExportJob, spreadsheet_cell
from bot.hours_quota import HoursSettings
from bot.routing import Routes
from bot.services import Role
from handlers.common import key_row, keyboard, requires_role, show, stale_button
from handlers.hours import today_of
from storage.hours import HoursLedger, Member
from storage.hours_rules import Month
from storage.paging import page_of
from storage.people import PeopleDirectory

PAGE = 20
BUILDER = "handlers.hours_admin:quota_rows"
CSV_MONTHS = 13  # this month and the twelve before it can be exported


def _meets(settings: HoursSettings, member: Member, today: date) -> bool | None:
    rule = settings.rule_for(member.birth, member.disability, today)
    return None if rule is None else member.hours + 1e-9 >= rule.monthly_hours


@requires_role(Role.COORDINATOR)
async def quota_list(update: Update, context: BotContext, press: QuotaList | None = None) -> None:
    t = context.t
    services = context.services
    settings = services.org.hours
    today = today_of(context)
    month = Month.of(today)
    ledger = services.hours

    async def read(limit: int, *, after: int | None = None, before: int | None = None) -> list[Member]:
        return await ledger.members(month, month, settings.birth_date_field, limit, after=after, before=before)

    page = await page_of(read, PAGE, after=press.after if press else None, before=press.before if press else None)
    month_name = t.date(month.first_day, "LLLL y")
    lines = [t._("⏱ <b>Hours and the quota: %(month)s</b>", month=month_name)]
    if not page.earlier:  # the counts only on the first page
        everyone = await ledger.all_members(month, month, settings.birth_date_field)
        if settings.quota:
            met = sum(1 for m in everyone if _meets(settings, m, today))
            lines.append(
                t.ngettext(
                    "The quota is met by %(met)d of %(count)d person.",
                    "The quota is met by %(met)d of %(count)d people.",
                    len(everyone),
                    met=met,
                )
            )
        lines.append(t._("Accepted team members and everyone with confirmed hours this month."))
    lines.append("")
    names = await services.people.named(m.telegram_id for m in page.items)
    for member in page.items:
        rule = settings.rule_for(member.birth, member.disability, today)
        if rule is None:
            mark, of = "▫️", hours_text.hours(t, member.hours)
        else:
            mark = "✅" if member.hours + 1e-9 >= rule.monthly_hours else "▫️"
            of = t.gettext(
                "%(done)s of %(quota)s",
                done=hours_text.hours(t, member.hours),
                quota=hours_text.hours(t, rule.monthly_hours),
            )
        lines.append(t._("%(mark)s %(name)s: %(hours)s", mark=mark, name=names[member.telegram_id].label, hours=of))
    if not page.items:
        lines.append(t._("Nobody yet."))
    rows = []
    rows += key_row(t, page, lambda **key: QuotaList(**key).pack(), key=lambda item: item.telegram_id)
    for m in (month, month.previous()):
        label = t.gettext("📊 CSV: %(month)s", month=t.date(m.first_day, "LLLL y"))
        rows.append([(label, HoursCsv(month=m.code).pack())])
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


@requires_role(Role.COORDINATOR)
async def export_month(update: Update, context: BotContext, press: HoursCsv) -> None:
    t = context.t
    this = Month.of(today_of(context))
    try:
        month = Month.from_code(press.month)
    except ValueError:
        month = None
    if month is None or month > this or month < this.previous(CSV_MONTHS - 1):  # forged or too old
        await stale_button(update, context)
        return
    name = t.date(month.first_day, "LLLL y")
    await exports.run(
        update,
        context,
        exports.Export(
            what=f"hours:{month.key}",
            builder=BUILDER,
            params={"month": month.code},
            filename=f"godziny-{month.key}.csv",
            caption=lambda count: t.ungettext(
                "Confirmed hours, %(month)s: %(count)d person.",
                "Confirmed hours, %(month)s: %(count)d people.",
                count,
                month=name,
            ),
            audit_action="hours.exported",
            audit_target=f"hours:{month.key}",
        ),
    )


async def quota_rows(job: ExportJob) -> AsyncIterator[list[str]]:
    """Made in the export process: one row per person per month (`job.params["month"]`)."""
    t, org = job.t, job.org
    settings: HoursSettings = org.hours
    month = Month.from_code(job.params["month"])
    ledger = HoursLedger(job.db, ZoneInfo(job.timezone))
    # The rule is chosen as on the month's last day (an age reached later does not count).
    on = month.last_day
    members = await ledger.all_members(month, month, settings.birth_date_field)
    tallies = await ledger.month_tallies(month)
    names = await PeopleDirectory(job.db).named(m.telegram_id for m in members)
    job.total = len(members)
    yield [
        t.gettext("Month"),
        t.gettext("Name"),
        t.gettext("Telegram user id"),
        t.gettext("Confirmed hours"),
        t.gettext("From events"),
        t.gettext("From support work"),
        t.gettext("Kinds of work"),
        t.gettext("Monthly quota met"),
    ]
    for member in members:
        tally = tallies.get(member.telegram_id)
        kinds = (
            "; ".join(
                f"{hours_text.kind_label(org, t, kind)}: {t.number(value)}" for kind, value in tally.by_kind.items()
            )
            if tally
            else ""
        )
        met = _meets(settings, member, on)
        yield [
            month.key,
            spreadsheet_cell(names[member.telegram_id].label),
            str(member.telegram_id),
            t.number(member.hours),
            t.number(tally.by_source.get("event", 0) if tally else 0),
            t.number(tally.by_source.get("support", 0) if tally else 0),
            spreadsheet_cell(kinds),
            "" if met is None else (t.gettext("yes") if met else t.gettext("no")),
        ]


def register(routes: Routes) -> None:
    routes.press(QuotaList, quota_list)
    routes.press(HoursCsv, export_month)
