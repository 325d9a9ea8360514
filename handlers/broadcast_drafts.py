"""What the announcement screens share: the role check for presses, loading what a button names
(re-checked on the server: it exists, it is still a draft, this coordinator wrote it), the plan
of who would receive it, and the lines that describe its audience."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update

from bot.broadcast_text import audience_lines, event_label
from bot.context import BotContext
from bot.services import Role
from handlers.common import requires_role, stale_button
from storage.broadcasts import Broadcast, BroadcastStatus, Headcount, Plan

PressHandler = Callable[[Update, BotContext, Any], Awaitable[Any]]


def coordinators_only(handler: PressHandler) -> PressHandler:
    """`requires_role(Role.COORDINATOR)` for a press handler (update, context, press)."""

    @functools.wraps(handler)
    async def guarded(update: Update, context: BotContext, press: Any) -> Any:
        @requires_role(Role.COORDINATOR)
        @functools.wraps(handler)
        async def checked(update: Update, context: BotContext) -> Any:
            return await handler(update, context, press)

        return await checked(update, context)

    return guarded


async def own_draft(update: Update, context: BotContext, draft_id: int | None) -> Broadcast | None:
    """The draft, if it is still a draft of this coordinator; else "no longer valid" and None."""
    found = await context.services.broadcasts.get(draft_id) if draft_id is not None else None
    if found is None or found.status != BroadcastStatus.DRAFT or found.created_by != update.effective_user.id:
        await stale_button(update, context)
        return None
    return found


async def started(update: Update, context: BotContext, broadcast_id: int | None) -> Broadcast | None:
    """A scheduled, sending or finished announcement (any coordinator's); else None."""
    found = await context.services.broadcasts.get(broadcast_id) if broadcast_id is not None else None
    if found is None or found.status == BroadcastStatus.DRAFT:
        await stale_button(update, context)
        return None
    return found


async def plan_of(context: BotContext, broadcast: Broadcast) -> Plan:
    """Who gets it and from when, one row per person: for sending."""
    services = context.services
    return await services.broadcasts.plan(
        broadcast.audience,
        services.answer_fields(),
        broadcast.category,
        broadcast.urgent,
        services.clock(),
        services.settings.tz,
    )


async def headcount_of(context: BotContext, broadcast: Broadcast) -> Headcount:
    """How many would get it now: what the composer's screens show (counted, not listed)."""
    services = context.services
    return await services.broadcasts.headcount(
        broadcast.audience,
        services.answer_fields(),
        broadcast.category,
        broadcast.urgent,
        services.clock(),
        services.settings.tz,
    )


async def describe_audience(context: BotContext, broadcast: Broadcast) -> list[str]:
    t = context.t
    org = context.services.org
    titles = {}
    for event_id in broadcast.audience.events:
        event = await context.services.broadcasts.event(event_id)
        if event is not None:
            titles[event_id] = event_label(t, event)
    competences = {c.id: c.label.get(t.locale) for c in org.competence_areas}
    return audience_lines(t, broadcast.audience, org.county_names, competences, titles)


def recipient_lines(t, plan: Headcount | Plan) -> list[str]:
    lines = [
        str(t.ngettext("<b>Recipients: %(count)d person</b>", "<b>Recipients: %(count)d people</b>", plan.recipients))
    ]
    if plan.muted:
        lines.append(
            str(
                t.ngettext(
                    "%(count)d more person turned this category off.",
                    "%(count)d more people turned this category off.",
                    plan.muted,
                )
            )
        )
    if plan.waiting:
        lines.append(
            str(
                t.ngettext(
                    "%(count)d of them is in their quiet hours now and gets it when those end.",
                    "%(count)d of them are in their quiet hours now and get it when those end.",
                    plan.waiting,
                )
            )
        )
    return lines
