"""Admins manage coordinators in chat (one-time invite links that expire, removal) and read the
audit log of privileged actions (/dziennik), which they can also export.

Everything here is for admins (BOT_ADMIN_IDS) only, re-checked on every command and button.
"""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import timedelta

from telegram import InputFile, Update

from bot.buttons.coordinators import AUDIT_LOG, COORDINATORS, AuditLogPage, CoordinatorButton
from bot.buttons.menu import COORDINATOR_PANEL
from bot.context import BotContext
from bot.i18n import N_, Translator
from bot.replies import confirm
from bot.routing import Routes
from bot.services import Role, Services
from handlers.command_menu import set_chat_commands
from handlers.common import (
    alert,
    audit,
    keyboard,
    requires_role,
    send_safely,
    show,
    stale_button,
    translator_for,
)
from handlers.menu import deep_link, menu_after
from handlers.presses import ignoring_press
from handlers.review import for_role, spreadsheet_cell
from storage.audit import AuditEntry
from storage.coordinators import InviteRefused

log = logging.getLogger(__name__)

AUDIT_PAGE = 15
MAX_PAGE = 100_000  # a forged page number beyond it would overflow the query's offset

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


async def _name(services: Services, telegram_id: int | None, t: Translator) -> str:
    if telegram_id is None:
        return t.gettext("the bot")
    user = await services.users.get(telegram_id)
    if user is None:
        return str(telegram_id)
    name = user.full_name or str(telegram_id)
    return f"{name} (@{user.username})" if user.username else name


# ---- the coordinators --------------------------------------------------------------------------
@requires_role(Role.ADMIN)
async def coordinators(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    people = await services.coordinators.list()
    lines = [t._("<b>👥 Coordinators</b>"), ""]
    if not people:
        lines.append(t._("There are no coordinators yet. Invite the first one with a link."))
    for person in people:
        lines.append(
            t._(
                "• %(name)s, since %(date)s",
                name=await _name(services, person.telegram_id, t),
                date=t.date(person.added_at),
            )
        )
    admins = [await _name(services, admin_id, t) for admin_id in sorted(services.settings.admin_ids)]
    lines += ["", t._("Admins (from the server settings): %(names)s", names=", ".join(admins))]
    open_invites = await services.invites.open_count(services.clock())
    if open_invites:
        lines.append(
            t.ngettext("%(count)d invite link not used yet.", "%(count)d invite links not used yet.", open_invites)
        )
    rows = [[(t.gettext("➕ Invite a coordinator"), CoordinatorButton(act="inv").pack())]]
    rows += [
        [
            (
                t.gettext("🗑 Remove %(name)s", name=p.display_name)[:60],
                CoordinatorButton(act="rm", person=p.telegram_id).pack(),
            )
        ]
        for p in people
    ]
    if open_invites:
        rows.append([(t.gettext("🚫 Revoke unused invites"), CoordinatorButton(act="rvk").pack())])
    rows.append([(t.gettext("📜 Audit log"), AUDIT_LOG), (t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


async def invite(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    t = context.t
    services = context.services
    hours = services.settings.invite_valid_hours
    created = await services.invites.create(update.effective_user.id, timedelta(hours=hours), services.clock())
    await audit(context, update.effective_user.id, "coordinator.invited", expires=created.expires_at.isoformat())
    username = context.bot.username or (await context.bot.get_me()).username
    link = f"https://t.me/{username}?start=inv_{created.token}"
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        t._(
            "Send this link to the new coordinator, privately. It works <b>once</b>, until %(until)s; "
            "whoever opens it first becomes a coordinator.\n\n%(link)s",
            until=t.datetime(created.expires_at),
            link=link,
        ),
        reply_markup=keyboard([[(t.gettext("« Coordinators"), COORDINATORS)]]),
    )


@deep_link("inv")
async def accept_invite(update: Update, context: BotContext, token: str) -> None:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    if context.is_coordinator:
        await menu_after(update, context, t._("You are a coordinator already; the link stays unused."))
        return
    try:
        inviter = await services.invites.redeem(token, user_id, services.clock())
    except InviteRefused as refused:
        log.info("invite refused for %s: %s", user_id, refused.reason)
        message = {
            "expired": t._("This invite link has expired. Ask the admin for a new one."),
            "used": t._("This invite link has been used already. Ask the admin for a new one."),
        }.get(refused.reason, t._("This invite link is not valid. Ask the admin for a new one."))
        await menu_after(update, context, message)
        return
    await audit(context, user_id, "coordinator.joined", f"user:{user_id}", invited_by=inviter)
    context.role = Role.COORDINATOR
    await set_chat_commands(context.bot, user_id, t, Role.COORDINATOR)
    await menu_after(
        update,
        context,
        t._("🎉 You are now a coordinator. The coordinator panel is in the menu below; /pomoc lists your commands."),
    )
    it = await translator_for(services, inviter)
    await send_safely(
        context.bot,
        services,
        inviter,
        it._("%(name)s used your invite link and is now a coordinator.", name=await _name(services, user_id, it)),
    )


async def confirm_remove(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    t = context.t
    person = await _coordinator_from(update, context, press)
    if person is None:
        return
    name = await _name(context.services, person, t)
    await confirm(
        update,
        context,
        t._("Remove %(name)s from the coordinators?", name=name),
        yes=(t.gettext("🗑 Yes, remove"), CoordinatorButton(act="rmy", person=person).pack()),
        no=(t.gettext("« Coordinators"), COORDINATORS),
    )


async def remove(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    t = context.t
    services = context.services
    person = await _coordinator_from(update, context, press)
    if person is None:
        return
    if await services.coordinators.remove(person):
        await audit(context, update.effective_user.id, "coordinator.removed", f"user:{person}")
        pt = await translator_for(services, person)
        await set_chat_commands(context.bot, person, pt, await services.role_of(person))
        await send_safely(context.bot, services, person, pt._("You are no longer a coordinator in this bot."))
        await alert(update, t.gettext("Removed."))
    await coordinators(update, context)


async def _coordinator_from(update: Update, context: BotContext, press: CoordinatorButton) -> int | None:
    """The coordinator the button names, if still one (a second "remove" finds none: stale)."""
    person = press.person
    if person is None or not await context.services.coordinators.is_coordinator(person):
        await stale_button(update, context)
        return None
    return person


async def revoke(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    services = context.services
    revoked = await services.invites.revoke_open(now=services.clock())
    await audit(context, update.effective_user.id, "coordinator.invites_revoked", count=revoked)
    await alert(update, context.t.gettext("Unused invite links revoked: %(count)d.", count=revoked))
    await coordinators(update, context)


# ---- the audit log ------------------------------------------------------------------------------
def describe(entry: AuditEntry, t: Translator) -> str:
    name = ACTION_NAMES.get(entry.action)
    return t.gettext(name) if name else entry.action


@requires_role(Role.ADMIN)
async def audit_log(update: Update, context: BotContext) -> None:
    """/dziennik: the newest page."""
    await _audit_page(update, context, 0)


async def audit_page(update: Update, context: BotContext, press: AuditLogPage) -> None:
    await _audit_page(update, context, min(max(0, press.page), MAX_PAGE))


async def _audit_page(update: Update, context: BotContext, page: int) -> None:
    t = context.t
    services = context.services
    entries, total = await services.audit.latest(offset=page * AUDIT_PAGE, limit=AUDIT_PAGE)
    lines = [t._("<b>📜 Audit log</b>"), ""]
    if not total:
        lines.append(t._("Nothing recorded yet."))
    names: dict[int | None, str] = {}
    for entry in entries:
        if entry.actor_id not in names:
            names[entry.actor_id] = await _name(services, entry.actor_id, t)
        lines.append(
            t._(
                "%(when)s · %(what)s · %(who)s",
                when=t.datetime(entry.at, "d.MM.y HH:mm"),
                who=names[entry.actor_id],
                what=describe(entry, t) + (f" ({entry.target})" if entry.target else ""),
            )
        )
    rows = []
    pages = []
    if (page + 1) * AUDIT_PAGE < total:
        pages.append((t.gettext("« Older"), AuditLogPage(page=page + 1).pack()))
    if page > 0:
        pages.append((t.gettext("Newer »"), AuditLogPage(page=page - 1).pack()))
    if pages:
        rows.append(pages)
    rows.append(
        [(t.gettext("📊 CSV"), CoordinatorButton(act="csv").pack()), (t.gettext("« Coordinators"), COORDINATORS)]
    )
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


async def export_audit(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    t = context.t
    services = context.services
    entries = await services.audit.all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            t.gettext("Time"),
            t.gettext("Who (Telegram id)"),
            t.gettext("Action"),
            t.gettext("Code"),
            t.gettext("Object"),
            t.gettext("Details"),
        ]
    )
    for entry in entries:
        writer.writerow(
            [
                t.datetime(entry.at, "y-MM-dd HH:mm:ss"),
                "" if entry.actor_id is None else str(entry.actor_id),
                describe(entry, t),
                entry.action,
                spreadsheet_cell(entry.target or ""),
                spreadsheet_cell(json.dumps(entry.details, ensure_ascii=False) if entry.details else ""),
            ]
        )
    await audit(context, update.effective_user.id, "audit.exported", count=len(entries))
    await update.callback_query.answer()
    stamp = t.datetime(services.clock(), "y-MM-dd")
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(("\ufeff" + buffer.getvalue()).encode("utf-8"), filename=f"dziennik-{stamp}.csv"),
        caption=t.ngettext("%(count)d entry.", "%(count)d entries.", len(entries)),
    )


_ACTIONS = {
    "ls": ignoring_press(coordinators),
    "inv": invite,
    "rm": confirm_remove,
    "rmy": remove,
    "rvk": revoke,
    "csv": export_audit,
}


async def pressed(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    await _ACTIONS[press.act](update, context, press)


def register(routes: Routes) -> None:
    routes.press(CoordinatorButton, for_role(Role.ADMIN, pressed))
    routes.press(AuditLogPage, for_role(Role.ADMIN, audit_page))
    routes.command(["koordynatorzy", "coordinators"], coordinators)
    routes.command(["dziennik", "audit"], audit_log)
