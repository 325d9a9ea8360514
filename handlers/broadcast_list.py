"""/ogloszenia: the list of announcements, one announcement's figures, and cancelling one."""

from __future__ import annotations

import logging

from telegram import Update

from bot.broadcast_text import (
    CATEGORY_LABELS,
    STATUS_ICONS,
    final_report,
    progress_text,
    status_name,
    text_start,
    title,
)
from bot.buttons.broadcasts import LIST, NEW, BroadcastButton, button
from bot.buttons.menu import COORDINATOR_PANEL
from bot.context import BotContext
from bot.i18n import html_escape
from bot.services import Role
from handlers.broadcast_drafts import coordinators_only, describe_audience, started
from handlers.broadcast_press import pressed_on
from handlers.common import alert, audit, keyboard, requires_role, send_safely, show, translator_for
from storage.broadcasts import Broadcast, BroadcastStatus, Refused
from storage.paging import page_of

log = logging.getLogger(__name__)

PAGE_SIZE = 8


def _when(t, broadcast: Broadcast) -> str:
    moment = broadcast.scheduled_at if broadcast.status == BroadcastStatus.SCHEDULED else broadcast.started_at
    return t.datetime(moment or broadcast.created_at, "d.MM HH:mm")


@requires_role(Role.COORDINATOR)
async def list_command(update: Update, context: BotContext) -> None:
    await _list(update, context)


@coordinators_only
async def list_page(update: Update, context: BotContext, press: BroadcastButton) -> None:
    # By key: "a" after announcement `id`, "b" before it; a button of an earlier release (`id` was
    # a page number) opens the first page.
    after = press.id if press.value == "a" else None
    before = press.id if press.value == "b" else None
    await _list(update, context, after=after, before=before)


async def _list(update: Update, context: BotContext, *, after: int | None = None, before: int | None = None) -> None:
    t = context.t
    services = context.services

    async def read(limit: int, **at):
        return await services.broadcasts.recent(limit, drafts_of=update.effective_user.id, **at)

    page = await page_of(read, PAGE_SIZE, after=after, before=before)
    items = page.items
    rows = []
    for b in items:
        if b.status == BroadcastStatus.DRAFT:  # the coordinator's own: opens its panel
            start = text_start(b, 40) or {"photo": "🖼", "document": "📎"}.get(b.media_kind or "", "…")
            rows.append([(f"{STATUS_ICONS[b.status]} #{b.id} · {start}", button("d", b.id))])
            continue
        progress = await services.broadcasts.progress(b.id, services.clock())
        figures = f" · {progress.sent}/{progress.total}" if b.started_at else ""
        urgent = "⚡" if b.urgent else ""
        rows.append([(f"{STATUS_ICONS[b.status]}{urgent} #{b.id} · {_when(t, b)}{figures}", button("o", b.id))])
    paging = []
    if page.earlier:
        paging.append((t.gettext("« Previous"), button("list", items[0].id, "b")))
    if page.later:
        paging.append((t.gettext("Next »"), button("list", items[-1].id, "a")))
    rows += [paging] if paging else []
    rows.append([(t.gettext("✍️ New announcement"), NEW)])
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    text = t._("📣 <b>Announcements</b>") + "\n"
    text += (
        t._("None yet. Write the first one!")
        if not items
        else t._(
            "Your drafts first, then scheduled ones, then the latest. Open one to continue it or to see its figures."
        )
    )
    await show(update, context, text, keyboard(rows))


async def _details(update: Update, context: BotContext, broadcast: Broadcast) -> None:
    t = context.t
    services = context.services
    progress = await services.broadcasts.progress(broadcast.id, services.clock())
    author = await services.users.get(broadcast.created_by)
    lines = [
        title(t, broadcast) + " · " + str(html_escape(status_name(t, broadcast.status))),
        str(t._("Category: %(category)s", category=t.gettext(CATEGORY_LABELS[broadcast.category]))),
        str(t._("Written by: %(name)s", name=author.full_name if author else str(broadcast.created_by))),
    ]
    if broadcast.status == BroadcastStatus.SCHEDULED and broadcast.scheduled_at:
        lines.append(str(t._("Goes out on: %(when)s", when=t.datetime(broadcast.scheduled_at))))
    if broadcast.started_at:
        lines.append(str(t._("Started: %(when)s", when=t.datetime(broadcast.started_at))))
    lines += await describe_audience(context, broadcast)
    lines.append("")
    if broadcast.status == BroadcastStatus.SENDING:
        rate = context.application.broadcast_sender.rate
        lines.append(progress_text(t, broadcast, progress, rate))
    elif broadcast.started_at:
        lines.append(final_report(t, broadcast, progress))
    snippet = text_start(broadcast, 300)
    if snippet:
        lines += ["", "<i>" + str(html_escape(snippet)) + "</i>"]
    rows = []
    if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        rows.append([(t.gettext("✖️ Cancel the announcement"), button("x", broadcast.id))])
    rows.append([(t.gettext("« Announcements"), LIST)])
    await show(update, context, "\n".join(lines), keyboard(rows))


@pressed_on(started)
async def open_one(update: Update, context: BotContext, press: BroadcastButton, broadcast: Broadcast) -> None:
    await _details(update, context, broadcast)


@pressed_on(started)
async def confirm_cancel(update: Update, context: BotContext, press: BroadcastButton, broadcast: Broadcast) -> None:
    t = context.t
    if broadcast.status not in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        await alert(update, t.gettext("This announcement has already finished."))
        return
    # The same screen as bot.replies.confirm, but as a new message: the button may sit under the
    # progress message, which the sender keeps editing (it would overwrite the question).
    await show(
        update,
        context,
        t._("Cancel announcement #%(id)d? Messages that have not gone out yet will not be sent.", id=broadcast.id),
        keyboard(
            [
                [(t.gettext("✖️ Yes, cancel it"), button("xy", broadcast.id))],
                [(t.gettext("« Back"), button("o", broadcast.id))],
            ]
        ),
        new_message=True,
    )


@pressed_on(started)
async def cancel_broadcast(update: Update, context: BotContext, press: BroadcastButton, broadcast: Broadcast) -> None:
    t = context.t
    services = context.services
    try:
        cancelled = await services.broadcasts.cancel(broadcast.id, update.effective_user.id, services.clock())
    except Refused:
        await alert(update, t.gettext("This announcement has already finished."))
        return
    log.info("broadcast %d cancelled by %s", cancelled.id, update.effective_user.id)
    await audit(context, update.effective_user.id, "broadcast.cancelled", f"broadcast:{cancelled.id}")
    sender = getattr(context.application, "broadcast_sender", None)
    if sender is not None:
        sender.cancelled(cancelled.id)
        sender.wake()
    await show(
        update,
        context,
        t._("✖️ Announcement #%(id)d cancelled.", id=cancelled.id),
        keyboard([[(t.gettext("📋 Announcements"), LIST)]]),
    )
    if broadcast.status == BroadcastStatus.SCHEDULED and broadcast.created_by != update.effective_user.id:
        author_t = await translator_for(services, broadcast.created_by)
        await send_safely(
            context.bot,
            services,
            broadcast.created_by,
            author_t._("✖️ Your scheduled announcement #%(id)d was cancelled by another coordinator.", id=cancelled.id),
        )
