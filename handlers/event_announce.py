"""Announcing a published event in one tap: a draft announcement with the event's card and its
sign-up link, opened on the draft's panel so the coordinator chooses who gets it and sends it.

Announcements carry no buttons, so the sign-up is the bot's deep link in the text. A second press
opens the same draft (found by that link among the coordinator's drafts) rather than a new one."""

from __future__ import annotations

import html
import re
from dataclasses import replace

from telegram import Update

from bot.broadcast_text import body_limit, send_rendered
from bot.context import BotContext
from bot.event_text import card
from handlers.broadcast_compose import draft_panel
from handlers.common import audit, stale_button
from handlers.event_manage import link_to
from storage.broadcasts import Broadcast, BroadcastStatus
from storage.events import Event, EventStatus
from storage.preferences import category_of


def _plain_length(markup: str) -> int:
    return len(html.unescape(re.sub(r"<[^>]+>", "", markup)).encode("utf-16-le")) // 2


def announcement_html(context: BotContext, event: Event, link: str) -> str:
    """The event's card and the sign-up link, in the coordinator's language; without the
    description when the whole would be longer than an announcement may be."""
    t = context.t
    services = context.services
    now = services.clock()
    sign_up = t._('👉 <a href="%(link)s">Sign up in the bot</a>', link=link)
    for shown in (event, replace(event, description="")):
        body = "\n\n".join(
            str(part) for part in (t._("🆕 <b>New event</b>"), card(shown, services.org, t, now), sign_up)
        )
        if _plain_length(body) <= body_limit(False):
            break
    return body


async def _own_draft_for(context: BotContext, user_id: int, link: str) -> Broadcast | None:
    """This coordinator's draft already announcing the event (a second press, or coming back)."""
    marker = f'href="{html.escape(link)}"'
    for draft in await context.services.broadcasts.recent(20, drafts_of=user_id):
        if draft.status != BroadcastStatus.DRAFT:
            break  # drafts come first
        if draft.created_by == user_id and marker in (draft.body_html or ""):
            return draft
    return None


async def announce(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    services = context.services
    if event.status != EventStatus.PUBLISHED or event.closed_reason(services.clock()) is not None:
        await stale_button(update, context)
        return
    await update.callback_query.answer()
    user_id = update.effective_user.id
    link = await link_to(context, event.id)
    draft = await _own_draft_for(context, user_id, link)
    if draft is None:
        draft = await services.broadcasts.create_draft(user_id, services.clock())
        draft = await services.broadcasts.update_draft(
            draft.id,
            services.clock(),
            body_html=announcement_html(context, event, link),
            category=category_of(event.type),
        )
        await audit(context, user_id, "event.announcement_drafted", f"event:{event.id}", broadcast=draft.id)
    # As composing does: the preview as recipients get it, then the panel (nobody chosen yet).
    await send_rendered(context.bot, update.effective_chat.id, draft, context.t)
    await draft_panel(update, context, draft, new_message=True, below_preview=True)


ACTIONS = {"ann": announce}
