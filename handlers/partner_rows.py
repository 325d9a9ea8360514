"""Rows the coordinators' stage-two screens share: the alerts setting under the lists of
organisations and of requests for support (handlers/partner_staff.py sets it), and the way from a
request's card to its work card ("🧾 Praca ekspercka", handlers/work_close.py)."""

from __future__ import annotations

from bot.buttons.organisations import PartnerAlerts
from bot.buttons.work_logs import WorkCard
from bot.context import BotContext
from bot.i18n import N_
from storage.coordinator_alerts import Kind

# The button says what is set now and sets the other state.
_LABELS = {
    "organisations": (N_("🔔 New organisation alerts: on"), N_("🔕 New organisation alerts: off")),
    "requests": (N_("🔔 New request alerts: on"), N_("🔕 New request alerts: off")),
}


async def alerts_row(context: BotContext, user_id: int, kind: Kind) -> list[tuple[str, str]]:
    on = await context.services.coordinator_alerts.wants(user_id, kind)
    label = _LABELS[kind][0 if on else 1]
    return [(context.t.gettext(label), PartnerAlerts(kind=kind, on=not on).pack())]


async def work_rows(context: BotContext, request_id: int) -> list[list[tuple[str, str]]]:
    """The request's work card, once an expert has been assigned to it (as that card requires)."""
    if not await context.services.work_logs.assignments_of_request(request_id):
        return []
    return [[(context.t.gettext("🧾 Support work"), WorkCard(act="o", ref=request_id).pack())]]
