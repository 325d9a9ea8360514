"""Events for coordinators: the list of drafts and current events, the event's card, publishing,
deleting a draft, duplicating, the share link and who signed up (their CSV: handlers/event_export.py).

Every press re-checks the coordinator role (handlers/event_admin.py routes them) and the event.
"""

from __future__ import annotations

import logging

from markupsafe import Markup
from telegram import Update

from bot.buttons.events import MANAGE, NEW_EVENT, ManageEvents, admin
from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.threads import WriteTo
from bot.context import BotContext
from bot.event_text import AUDIENCE_NAMES, card, list_label
from bot.replies import confirm
from handlers.common import alert, audit, keyboard, page_row, show, stale_button
from handlers.event_export import export_csv
from handlers.events import send_notices_now
from storage.events import Event, EventStatus, Seat
from storage.paging import page_of

log = logging.getLogger(__name__)

LIST_PAGE = 8
REGISTRANTS_PAGE = 40


# ---- the list and the card ---------------------------------------------------------------------
async def manage(update: Update, context: BotContext, press: ManageEvents | None = None) -> None:
    t = context.t
    services = context.services
    press = press or ManageEvents()
    now = services.clock()

    async def read(limit: int, **at):
        return await services.events.for_coordinators(now, limit=limit, **at)

    # By key: a place that is gone (a draft deleted, an event ended long ago) or a button of an
    # earlier release (a page number) shows the first page.
    page = await page_of(read, LIST_PAGE, after=press.after, before=press.before)
    events = page.items
    lines = [t._("<b>🗓 Manage events</b>")]
    if not page.earlier:  # how many: on the first page only (a count per page would read them all)
        total = await services.events.count_for_coordinators(now)
        lines.append("")
        lines.append(
            t.ngettext("%(count)d draft or current event.", "%(count)d drafts or current events.", total)
            if total
            else t._("No events yet. Create the first one!")
        )
    rows = [[(t.gettext("➕ New event"), NEW_EVENT)]]
    for event in events:
        label = list_label(event, t)
        if event.status == EventStatus.DRAFT:
            label = t.gettext("📝 draft") + " · " + label
        elif event.capacity is not None:
            label += f" ({event.registered}/{event.capacity})"
        rows.append([(label, admin("o", event.id))])
    paging = []
    if page.earlier:
        paging.append((t.gettext("« Previous"), ManageEvents(before=events[0].id).pack()))
    if page.later:
        paging.append((t.gettext("Next »"), ManageEvents(after=events[-1].id).pack()))
    rows += [paging] if paging else []
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, "\n".join(lines), keyboard(rows))


def admin_buttons(context: BotContext, event: Event) -> list[list[tuple[str, str]]]:
    t = context.t
    now = context.services.clock()
    rows = []
    if event.status == EventStatus.DRAFT:
        rows.append([(t.gettext("📣 Publish"), admin("pub", event.id))])
        rows.append(
            [(t.gettext("✏️ Edit"), admin("ed", event.id)), (t.gettext("🗑 Delete draft"), admin("del", event.id))]
        )
    elif event.status == EventStatus.PUBLISHED:
        rows.append(
            [(t.gettext("👥 Signed up"), admin("rg", event.id, 0)), (t.gettext("📊 CSV"), admin("csv", event.id))]
        )
        if now >= event.starts_at:
            rows.append([(t.gettext("✅ Attendance and hours"), admin("att", event.id, 0))])
        else:
            rows.append([(t.gettext("✏️ Edit"), admin("ed", event.id)), (t.gettext("🔗 Link"), admin("link", event.id))])
            if event.closed_reason(now) is None:
                rows.append([(t.gettext("📣 Announce this event"), admin("ann", event.id))])
            rows.append([(t.gettext("❌ Cancel the event"), admin("cx", event.id))])
    rows.append([(t.gettext("📄 Duplicate"), admin("dup", event.id))])
    rows.append([(t.gettext("« Manage events"), MANAGE)])
    return rows


async def show_admin_card(
    update: Update, context: BotContext, event: Event, note: str = "", *, new_message: bool = False
) -> None:
    services = context.services
    t = context.t
    text = card(event, services.org, t, services.clock())
    if event.status == EventStatus.PUBLISHED:
        text += "\n\n" + t._("🔒 Who can join: %(audience)s.", audience=t.gettext(AUDIENCE_NAMES[event.audience]))
    if note:
        text = note + "\n\n" + text
    await show(update, context, text, keyboard(admin_buttons(context, event)), new_message=new_message)


async def open_admin_card(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    await show_admin_card(update, context, event)


# ---- publishing, deleting a draft, duplicating, the link ---------------------------------------
async def confirm_publish(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    t = context.t
    if event.status != EventStatus.DRAFT:
        await alert(update, t.gettext("This event has been published already."))
        await show_admin_card(update, context, event)
        return
    if event.starts_at <= context.services.clock():
        await alert(update, t.gettext("This event starts in the past. Change the date first."))
        return
    question = t._(
        "Publish <b>%(title)s</b>? Volunteers will see it and can sign up; those who asked for alerts "
        "about such events will get a message.",
        title=event.title,
    )
    await confirm(
        update,
        context,
        question,
        (t.gettext("📣 Yes, publish"), admin("puby", event.id)),
        (t.gettext("« Back"), admin("o", event.id)),
    )


async def publish(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    t = context.t
    services = context.services
    if event.starts_at <= services.clock():
        await alert(update, t.gettext("This event starts in the past. Change the date first."))
        return
    published = await services.events.publish(
        event.id, services.clock(), county_fields=services.answer_fields().counties
    )
    if published is None:
        await alert(update, t.gettext("This event has been published already."))
        await show_admin_card(update, context, await services.events.get(event.id))
        return
    log.info("coordinator %s published event %s", update.effective_user.id, event.id)
    await audit(context, update.effective_user.id, "event.published", f"event:{event.id}")
    note = await published_note(context, published)
    await show_admin_card(update, context, published, note)
    await send_notices_now(context)


async def published_note(context: BotContext, event: Event) -> Markup:
    """The note after publishing: the link, and how many people the new-event alert goes to."""
    t = context.t
    told = await context.services.events.notices_queued(event.id, "new")
    if told:
        alerted = t.ngettext(
            "🔔 %(count)d person who wants alerts about such events is being told about it.",
            "🔔 %(count)d people who want alerts about such events are being told about it.",
            told,
        )
    else:
        alerted = t._("🔔 Nobody has asked for alerts about such events yet, so nobody was told: announce it.")
    link = t._("📣 <b>Published.</b> Share this link: %(link)s", link=await link_to(context, event.id))
    return link + "\n" + alerted


async def link_to(context: BotContext, event_id: int) -> str:
    username = context.bot.username or (await context.bot.get_me()).username
    return f"https://t.me/{username}?start=event_{event_id}"


async def share_link(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._(
            "A link that opens <b>%(title)s</b> in the bot. Share it in e-mails, on social media or on posters:"
            "\n\n%(link)s",
            title=event.title,
            link=await link_to(context, event.id),
        ),
    )


async def confirm_delete_draft(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    t = context.t
    if event.status != EventStatus.DRAFT:
        await stale_button(update, context)
        return
    await confirm(
        update,
        context,
        t._("Delete the draft <b>%(title)s</b>?", title=event.title),
        (t.gettext("🗑 Yes, delete it"), admin("dely", event.id)),
        (t.gettext("« Back"), admin("o", event.id)),
    )


async def delete_draft(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    services = context.services
    if event.status != EventStatus.DRAFT or await services.events.cancel(event.id, "", services.clock()) is None:
        await stale_button(update, context)
        return
    await audit(context, update.effective_user.id, "event.draft_deleted", f"event:{event.id}")
    await alert(update, context.t.gettext("The draft has been deleted."))
    await manage(update, context)


async def duplicate(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    services = context.services
    copy = await services.events.duplicate(event.id, update.effective_user.id, services.clock())
    await audit(context, update.effective_user.id, "event.duplicated", f"event:{copy.id}", source=event.id)
    note = context.t._("📄 A copy is saved as a draft. Change the date (and anything else), then publish it.")
    await show_admin_card(update, context, copy, note)


# ---- who signed up, CSV ---------------------------------------------------------------------------
def seats_summary(context: BotContext, event: Event) -> str:
    t = context.t
    if event.capacity is None:
        return t.ngettext(
            "%(count)d person signed up (no limit).", "%(count)d people signed up (no limit).", event.registered
        )
    return t._(
        "Places taken: %(taken)d of %(capacity)d · waitlist: %(waiting)d",
        taken=event.registered,
        capacity=event.capacity,
        waiting=event.waitlisted,
    )


async def registrants(update: Update, context: BotContext, event: Event, page: int | None) -> None:
    # Paged by number, not by key: the list is one event's sign-ups (its places and waitlist),
    # read whole for the numbering and the summary anyway, and a page is a slice of it in memory.
    t = context.t
    page = max(page or 0, 0)
    people = await context.services.events.registrants(event.id)
    names = await context.services.people.named(p.telegram_id for p in people)
    shown = people[page * REGISTRANTS_PAGE : (page + 1) * REGISTRANTS_PAGE]
    lines = [t._("<b>%(title)s</b>", title=event.title), "", seats_summary(context, event), ""]
    for number, person in enumerate(shown, start=page * REGISTRANTS_PAGE + 1):
        if person.status == Seat.REGISTERED:
            lines.append(t._("%(number)d. %(person)s", number=number, person=names[person.telegram_id].label))
        else:
            lines.append(
                t._(
                    "%(number)d. %(person)s (waitlist: %(position)d)",
                    number=number,
                    person=names[person.telegram_id].label,
                    position=person.position or 0,
                )
            )
    if not people:
        lines.append(t._("Nobody has signed up yet."))
    # "✉️ 3": write to the person numbered 3 (issue 15), four to a row.
    first = page * REGISTRANTS_PAGE + 1
    write = [(f"✉️ {n}", WriteTo(person=p.telegram_id).pack()) for n, p in enumerate(shown, start=first)]
    rows = [write[i : i + 4] for i in range(0, len(write), 4)]
    rows += page_row(t, page, len(people), REGISTRANTS_PAGE, lambda p: admin("rg", event.id, p))
    rows.append([(t.gettext("📊 CSV"), admin("csv", event.id)), (t.gettext("« Back"), admin("o", event.id))])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


ACTIONS = {
    "o": open_admin_card,
    "pub": confirm_publish,
    "puby": publish,
    "link": share_link,
    "del": confirm_delete_draft,
    "dely": delete_draft,
    "dup": duplicate,
    "rg": registrants,
    "csv": export_csv,
}
