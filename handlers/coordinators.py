"""Admins manage coordinators in chat (one-time invite links that expire, removal) and read the
audit log of privileged actions (/dziennik), which they can also export.

Everything here is for admins (BOT_ADMIN_IDS) only, re-checked on every command and button.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from telegram import Update

from bot.buttons.coordinators import AUDIT_LOG, COORDINATORS, CoordinatorButton
from bot.buttons.menu import COORDINATOR_PANEL
from bot.context import BotContext
from bot.replies import confirm
from bot.routing import Routes
from bot.services import Role, Services
from bot.staff_group import STAYS, remove_from_group
from handlers import audit_log
from handlers.audit_log import export_audit
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
from handlers.review import for_role
from storage.coordinators import InviteRefused

log = logging.getLogger(__name__)


async def _name(services: Services, telegram_id: int) -> str:
    return (await services.people.one(telegram_id)).label


# ---- the coordinators --------------------------------------------------------------------------
@requires_role(Role.ADMIN)
async def coordinators(update: Update, context: BotContext) -> None:
    t = context.t
    services = context.services
    people = await services.coordinators.list()
    named = await services.people.named([*(p.telegram_id for p in people), *services.settings.admin_ids])
    lines = [t._("<b>👥 Coordinators</b>"), ""]
    if not people:
        lines.append(t._("There are no coordinators yet. Invite the first one with a link."))
    for person in people:
        lines.append(
            t._(
                "• %(name)s, since %(date)s",
                name=named[person.telegram_id].label,
                date=t.date(person.added_at),
            )
        )
    admins = [named[admin_id].label for admin_id in sorted(services.settings.admin_ids)]
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
                t.gettext("🗑 Remove %(name)s", name=named[p.telegram_id].name)[:60],
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
        it._("%(name)s used your invite link and is now a coordinator.", name=await _name(services, user_id)),
    )


async def confirm_remove(update: Update, context: BotContext, press: CoordinatorButton) -> None:
    t = context.t
    person = await _coordinator_from(update, context, press)
    if person is None:
        return
    name = await _name(context.services, person)
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
        # The coordinators' group, if linked: an admin of the group (or a bot without the right to
        # ban) cannot be removed by the bot; the admin who removed them hears it in the same answer.
        if await remove_from_group(context.bot, services, person) == STAYS:
            await alert(
                update,
                t.gettext(
                    "Removed. They are still in the coordinators' group and I cannot remove them from it: "
                    "please remove them by hand."
                ),
            )
        else:
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
    routes.command(["koordynatorzy", "coordinators"], coordinators)
    audit_log.register(routes)
