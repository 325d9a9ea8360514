"""The audit log of privileged actions as admins read it (/dziennik, pages, CSV): people by the
names coordinators know them by, times in the organisation's time zone, details in words."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from textwrap import shorten
from typing import Any

from telegram import Update

from bot import exports
from bot.buttons.coordinators import COORDINATORS, AuditLogPage, CoordinatorButton
from bot.context import BotContext
from bot.export_worker import ExportJob, local_time, spreadsheet_cell
from bot.i18n import N_, Translator
from bot.routing import Routes
from bot.services import Role
from handlers.common import keyboard, requires_role, show
from handlers.review import for_role
from storage.audit import PERSON_DETAILS, PERSON_TARGET, AuditEntry, AuditLog
from storage.people import PeopleDirectory, Person

AUDIT_PAGE = 15

# What the audit log calls each action; an action without a name here is shown as its code.
ACTION_NAMES = {
    "application.accepted": N_("application accepted"),
    "application.rejected": N_("application not accepted"),
    "application.info_requested": N_("more information requested"),
    "applications.exported": N_("applications exported"),
    "event.published": N_("event published"),
    "event.changed": N_("event changed"),
    "event.cancelled": N_("event cancelled"),
    "event.draft_deleted": N_("event draft deleted"),
    "event.duplicated": N_("event duplicated"),
    "event.attendance": N_("attendance recorded"),
    "event.hours": N_("event hours set"),
    "event.exported": N_("event sign-ups exported"),
    "coordinator.invited": N_("coordinator invite created"),
    "coordinator.joined": N_("coordinator joined by invite"),
    "coordinator.added": N_("coordinator added"),
    "coordinator.removed": N_("coordinator removed"),
    "coordinator.invites_revoked": N_("unused invites revoked"),
    "audit.exported": N_("audit log exported"),
    "account.deleted": N_("an account deleted by its owner"),
    "agreement.offered": N_("agreement offered"),
    "agreement.offer_withdrawn": N_("agreement offer withdrawn"),
    "agreement.signed_copy_confirmed": N_("signed copy of an agreement confirmed"),
    "agreement.ended": N_("agreement ended"),
    "plan.approved": N_("development plan approved"),
    "broadcast.sent": N_("announcement sent"),
    "broadcast.scheduled": N_("announcement scheduled"),
    "broadcast.cancelled": N_("announcement cancelled"),
    "retention.purged": N_("old data erased (retention periods)"),
}

# What the details of an entry are called; a detail without a name here is shown as its code.
DETAIL_NAMES = {
    "count": N_("number"),
    "hours": N_("hours"),
    "person": N_("person"),
    "attended": N_("took part"),
    "expires": N_("valid until"),
    "at": N_("planned for"),
    "fields": N_("fields"),
    "recipients": N_("recipients"),
    "urgent": N_("urgent"),
    "status": N_("status"),
    "source": N_("copy of"),
    "version": N_("version"),
    "invited_by": N_("invited by"),
}

# What an entry was done to, by the kind in its target ("event:12" → "event no. 12").
TARGET_NAMES = {
    "event": N_("event no. %(id)s"),
    "application": N_("application no. %(id)s"),
    "agreement": N_("agreement no. %(id)s"),
    "broadcast": N_("announcement no. %(id)s"),
    "plan": N_("development plan no. %(id)s"),
}
LINE_DETAILS = 120  # characters of details on a line of the log in chat (the CSV has them all)


def describe(entry: AuditEntry, t: Translator) -> str:
    name = ACTION_NAMES.get(entry.action)
    return t.gettext(name) if name else entry.action


def who(people: dict[int, Person], telegram_id: int | None, t: Translator) -> str:
    if telegram_id is None:
        return t.gettext("the bot")
    person = people.get(telegram_id)
    return person.label if person else str(telegram_id)


def target(entry: AuditEntry, people: dict[int, Person], t: Translator) -> str:
    """What the action was done to: a person by name, anything else by its code (event:12)."""
    kind, _, ref = (entry.target or "").partition(":")
    if kind == PERSON_TARGET and ref.lstrip("-").isdigit():
        return who(people, int(ref), t)
    if kind in TARGET_NAMES and ref:
        return t.gettext(TARGET_NAMES[kind], id=ref)
    return entry.target or ""


def _value(key: str, value: Any, people: dict[int, Person], t: Translator) -> str:
    if key in PERSON_DETAILS and isinstance(value, int):
        return who(people, value, t)
    if isinstance(value, bool):
        return t.gettext("yes") if value else t.gettext("no")
    if isinstance(value, float):
        return t.number(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return value
        if moment.tzinfo is not None:  # stored in UTC: shown in the organisation's time
            return t.datetime(moment, "y-MM-dd HH:mm")
    return str(value)


def details(entry: AuditEntry, people: dict[int, Person], t: Translator) -> str:
    return "; ".join(
        f"{t.gettext(DETAIL_NAMES[key]) if key in DETAIL_NAMES else key}: {_value(key, value, people, t)}"
        for key, value in sorted(entry.details.items())
    )


async def _named(context: BotContext, entries: list[AuditEntry]) -> dict[int, Person]:
    return await context.services.people.named(i for entry in entries for i in entry.people)


@requires_role(Role.ADMIN)
async def audit_log(update: Update, context: BotContext) -> None:
    """/dziennik: the newest page."""
    await _audit_page(update, context, AuditLogPage())


async def audit_page(update: Update, context: BotContext, press: AuditLogPage) -> None:
    await _audit_page(update, context, press)


async def _audit_page(update: Update, context: BotContext, press: AuditLogPage) -> None:
    t = context.t
    journal = context.services.audit
    # One more than a page tells whether there is more in the direction of travel.
    entries = await journal.latest(AUDIT_PAGE + 1, before=press.before, after=press.after)
    if press.after is not None:
        newer, older = len(entries) > AUDIT_PAGE, True
        entries = entries[-AUDIT_PAGE:]
    else:
        newer, older = press.before is not None, len(entries) > AUDIT_PAGE
        entries = entries[:AUDIT_PAGE]
    if not entries and (press.before is not None or press.after is not None):  # nothing there: the newest
        entries = await journal.latest(AUDIT_PAGE + 1)
        newer, older = False, len(entries) > AUDIT_PAGE
        entries = entries[:AUDIT_PAGE]
    people = await _named(context, entries)
    lines = [t._("<b>📜 Audit log</b>"), ""]
    if not entries:
        lines.append(t._("Nothing recorded yet."))
    for entry in entries:
        done_to = target(entry, people, t)
        said = details(entry, people, t)
        lines.append(
            t._(
                "%(when)s · %(what)s · %(who)s",
                when=t.datetime(entry.at, "d.MM.y HH:mm"),
                who=who(people, entry.actor_id, t),
                what=describe(entry, t) + (f" ({done_to})" if done_to else ""),
            )
            + (" · " + shorten(said, LINE_DETAILS, placeholder=" …") if said else "")  # Markup + str escapes it
        )
    rows = []
    pages = []
    if older:
        pages.append((t.gettext("« Older"), AuditLogPage(before=entries[-1].id).pack()))
    if newer:
        pages.append((t.gettext("Newer »"), AuditLogPage(after=entries[0].id).pack()))
    if pages:
        rows.append(pages)
    rows.append(
        [(t.gettext("📊 CSV"), CoordinatorButton(act="csv").pack()), (t.gettext("« Coordinators"), COORDINATORS)]
    )
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


async def audit_rows(job: ExportJob) -> AsyncIterator[list[str]]:
    """The whole log, oldest first, as rows of the CSV (made in the export process)."""
    t = job.t
    entries = await AuditLog(job.db).all()
    people = await PeopleDirectory(job.db, None, None).named(i for entry in entries for i in entry.people)
    job.total = len(entries)
    when = local_time(job.timezone, "%Y-%m-%d %H:%M:%S")
    yield [
        t.gettext("Time"),
        t.gettext("Who"),
        t.gettext("Who (Telegram id)"),
        t.gettext("Action"),
        t.gettext("Code"),
        t.gettext("Object"),
        t.gettext("Details"),
    ]
    for entry in entries:
        yield [
            when(entry.at),
            spreadsheet_cell(who(people, entry.actor_id, t)),
            "" if entry.actor_id is None else str(entry.actor_id),
            describe(entry, t),
            entry.action,
            spreadsheet_cell(target(entry, people, t)),
            spreadsheet_cell(details(entry, people, t)),
        ]


async def export_audit(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    t = context.t
    await exports.run(
        update,
        context,
        exports.Export(
            what="audit",
            builder="handlers.audit_log:audit_rows",
            filename=f"dziennik-{t.datetime(context.services.clock(), 'y-MM-dd')}.csv",
            caption=lambda count: t.ngettext("%(count)d entry.", "%(count)d entries.", count),
            audit_action="audit.exported",
        ),
    )


def register(routes: Routes) -> None:
    routes.press(AuditLogPage, for_role(Role.ADMIN, audit_page))
    routes.command(["dziennik", "audit"], audit_log)
