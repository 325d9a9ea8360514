"""Coordinators' shortcuts to stage two: `/organizacje` (`/organisations`) and `/prosby` (`/requests`)
open the lists the coordinator panel has as "🏢 Organizacje" and "🤝 Prośby o wsparcie", and each
coordinator turns their alerts about new organisations and new requests for support on or off
under those lists (handlers/partner_rows.py). The role is read at every command and press."""

from __future__ import annotations

from telegram import Update

from bot.buttons.organisations import PartnerAlerts
from bot.context import BotContext
from bot.routing import Routes
from bot.services import Role
from handlers import org_review, request_review
from handlers.common import requires_role, show
from handlers.partner_common import for_coordinators, partners


async def _if_partners(update: Update, context: BotContext) -> bool:
    """A command, unlike a panel button, may be typed when the organisation file has no [partners]."""
    if partners(context) is None:
        await show(update, context, context.t._("This programme does not work with organisations in the bot."))
        return False
    return True


@requires_role(Role.COORDINATOR)
async def organisations_command(update: Update, context: BotContext) -> None:
    if await _if_partners(update, context):
        await org_review.overview(update, context)


@requires_role(Role.COORDINATOR)
async def requests_command(update: Update, context: BotContext) -> None:
    if await _if_partners(update, context):
        await request_review.overview(update, context)


async def set_alerts(update: Update, context: BotContext, press: PartnerAlerts) -> None:
    await context.services.coordinator_alerts.set(update.effective_user.id, press.kind, press.on)
    await (org_review.overview if press.kind == "organisations" else request_review.overview)(update, context)


def register(routes: Routes) -> None:
    routes.command(["organizacje", "organisations"], organisations_command)
    routes.command(["prosby", "requests"], requests_command)
    routes.press(PartnerAlerts, for_coordinators(set_alerts))
