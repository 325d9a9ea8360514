"""Coordinators compose announcements for chosen groups, send them now or later, follow and
cancel them. Drafts live in the database (a restart loses nothing); every command and button
re-checks the role, and a draft's buttons work only for the coordinator who wrote it."""

from __future__ import annotations

import html
import logging
import re
from datetime import UTC, datetime, timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler, MessageHandler, filters

from bot.context import SERVICES_KEY, BotContext
from bot.i18n import html_escape
from bot.services import Role
from handlers.broadcast_text import (
    CATEGORY_LABELS,
    GROUP_LABELS,
    STATUS_ICONS,
    audience_lines,
    body_limit,
    event_label,
    final_report,
    progress_text,
    report_markup,
    send_rendered,
    status_name,
    title,
)
from handlers.common import (
    alert,
    audit,
    cb,
    flow,
    keyboard,
    requires_role,
    send_safely,
    show,
    stale_button,
    translator_for,
)
from handlers.menu import COORDINATOR_PANEL, cancel
from storage.broadcasts import Broadcast, BroadcastStatus, Group, Plan, Refused
from storage.preferences import CATEGORIES, Category

log = logging.getLogger(__name__)

END = ConversationHandler.END
TEXT = "text"
WHEN = "when"
_DRAFT = "broadcast_draft"  # user_data: the draft whose text or time is being typed
PAGE_SIZE = 8
LIST = cb("bc", "list", 0)
NEW = cb("bc", "new")
SCHEDULE_HORIZON = timedelta(days=366)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---- loading what a button refers to ------------------------------------------------------------
def _parts(update: Update) -> list[str]:
    return (update.callback_query.data or "").split(":")


async def _draft_from(update: Update, context: BotContext) -> Broadcast | None:
    """The draft named by the button, if it is still a draft of this coordinator."""
    parts = _parts(update)
    found = None
    if len(parts) >= 3 and parts[2].isdecimal():
        found = await context.services.broadcasts.get(int(parts[2]))
    if found is None or found.status != BroadcastStatus.DRAFT or found.created_by != update.effective_user.id:
        await stale_button(update, context)
        return None
    return found


async def _broadcast_from(update: Update, context: BotContext) -> Broadcast | None:
    parts = _parts(update)
    found = None
    if len(parts) >= 3 and parts[2].isdecimal():
        found = await context.services.broadcasts.get(int(parts[2]))
    if found is None or found.status == BroadcastStatus.DRAFT:
        await stale_button(update, context)
        return None
    return found


async def _plan(context: BotContext, broadcast: Broadcast) -> Plan:
    services = context.services
    return await services.broadcasts.plan(
        broadcast.audience,
        services.answer_fields(),
        broadcast.category,
        broadcast.urgent,
        services.clock(),
        services.settings.tz,
    )


async def _event_titles(context: BotContext, broadcast: Broadcast) -> dict[int, str]:
    titles = {}
    for event_id in broadcast.audience.events:
        event = await context.services.broadcasts.event(event_id)
        if event is not None:
            titles[event_id] = event_label(context.t, event)
    return titles


async def _audience_lines(context: BotContext, broadcast: Broadcast) -> list[str]:
    t = context.t
    org = context.services.org
    competences = {c.id: c.label.get(t.locale) for c in org.competence_areas}
    return audience_lines(t, broadcast.audience, org.county_names, competences, await _event_titles(context, broadcast))


def _recipient_lines(t, plan: Plan) -> list[str]:
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


# ---- composing: the text ----------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def compose(update: Update, context: BotContext) -> str:
    """/ogloszenie or "New announcement": ask for the text."""
    context.user_data[_DRAFT] = None
    await _ask_for_content(update, context)
    return TEXT


@requires_role(Role.COORDINATOR)
async def change_text(update: Update, context: BotContext) -> str | int:
    draft = await _draft_from(update, context)
    if draft is None:
        return END
    context.user_data[_DRAFT] = draft.id
    await _ask_for_content(update, context)
    return TEXT


async def _ask_for_content(update: Update, context: BotContext) -> None:
    t = context.t
    text = t._(
        "📣 <b>New announcement</b>\n\nSend me its text. Bold, italics and links stay as you format "
        "them. You can also send a photo or a document with the text as its caption.\n\n"
        "At most %(limit)d characters (%(caption_limit)d with a photo or document). /anuluj to stop.",
        limit=body_limit(False),
        caption_limit=body_limit(True),
    )
    await show(update, context, text, new_message=True)


@requires_role(Role.COORDINATOR)
async def content_received(update: Update, context: BotContext) -> str | int | None:
    t = context.t
    services = context.services
    message = update.effective_message
    kind = file_id = None
    if message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
    elif message.document:
        kind, file_id = "document", message.document.file_id
    if kind:
        body, plain = message.caption_html or "", message.caption or ""
    else:
        body, plain = message.text_html or "", message.text or ""
    limit = body_limit(kind is not None)
    if _utf16_len(plain) > limit:
        await context.bot.send_message(
            update.effective_chat.id,
            t._(
                "This text has %(length)d characters; an announcement can have at most %(limit)d. "
                "Please shorten it and send it again.",
                length=_utf16_len(plain),
                limit=limit,
            ),
        )
        return None
    user_id = update.effective_user.id
    draft = None
    draft_id = context.user_data.pop(_DRAFT, None)
    if draft_id:
        draft = await services.broadcasts.get(draft_id)
    if draft is None or draft.status != BroadcastStatus.DRAFT or draft.created_by != user_id:
        draft = await services.broadcasts.create_draft(user_id, services.clock())
    draft = await services.broadcasts.update_draft(
        draft.id, services.clock(), body_html=body, media_kind=kind, media_file_id=file_id
    )
    await _preview(update, context, draft)
    return END


async def not_content(update: Update, context: BotContext) -> None:
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._("Please send the announcement as text, a photo or a document, or /anuluj to stop."),
    )


async def _preview(update: Update, context: BotContext, draft: Broadcast) -> None:
    t = context.t
    chat_id = update.effective_chat.id
    await context.bot.send_message(chat_id, t._("👁 <b>Preview</b>: recipients will see exactly this:"))
    await send_rendered(context.bot, chat_id, draft, t)
    await _draft_panel(update, context, draft, new_message=True)


@requires_role(Role.COORDINATOR)
async def preview(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is not None:
        await update.callback_query.answer()
        await _preview(update, context, draft)


# ---- composing: the draft panel ----------------------------------------------------------------
async def _draft_panel(update: Update, context: BotContext, draft: Broadcast, *, new_message: bool = False) -> None:
    t = context.t
    plan = await _plan(context, draft)
    lines = [
        str(t._("📝 <b>Draft announcement #%(id)d</b>", id=draft.id)),
        str(t._("Category: %(category)s", category=t.gettext(CATEGORY_LABELS[draft.category]))),
        str(
            t._("⚡ Urgent: yes (sent at once, also during quiet hours)")
            if draft.urgent
            else t._("Urgent: no (people in their quiet hours get it when those end)")
        ),
        *await _audience_lines(context, draft),
        "",
        *_recipient_lines(t, plan),
    ]
    urgent = t.gettext("⚡ Urgent: on") if draft.urgent else t.gettext("⚡ Urgent: off")
    rows = [
        [(t.gettext("👥 Recipients"), cb("bc", "aud", draft.id)), (t.gettext("🏷 Category"), cb("bc", "cat", draft.id))],
        [(urgent, cb("bc", "urg", draft.id))],
        [
            (t.gettext("👁 Preview"), cb("bc", "pv", draft.id)),
            (t.gettext("✏️ Change the text"), cb("bc", "edit", draft.id)),
        ],
        [(t.gettext("🚀 Send now"), cb("bc", "now", draft.id)), (t.gettext("🕒 Schedule"), cb("bc", "sch", draft.id))],
        [(t.gettext("🗑 Discard the draft"), cb("bc", "del", draft.id))],
    ]
    await show(update, context, "\n".join(lines), keyboard(rows), new_message=new_message)


@requires_role(Role.COORDINATOR)
async def draft_panel(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is not None:
        await _draft_panel(update, context, draft)


@requires_role(Role.COORDINATOR)
async def toggle_urgent(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    services = context.services
    draft = await services.broadcasts.update_draft(draft.id, services.clock(), urgent=not draft.urgent)
    await _draft_panel(update, context, draft)


@requires_role(Role.COORDINATOR)
async def category_menu(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    t = context.t
    rows = [
        [(("✅ " if c == draft.category else "") + t.gettext(CATEGORY_LABELS[c]), cb("bc", "cs", draft.id, c.value))]
        for c in CATEGORIES
    ]
    rows.append([(t.gettext("« Back to the draft"), cb("bc", "d", draft.id))])
    text = t._(
        "Which category is announcement #%(id)d? Volunteers choose the categories they want to get.",
        id=draft.id,
    )
    await show(update, context, text, keyboard(rows))


@requires_role(Role.COORDINATOR)
async def set_category(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    parts = _parts(update)
    try:
        category = Category(parts[3])
    except (IndexError, ValueError):
        await stale_button(update, context)
        return
    services = context.services
    draft = await services.broadcasts.update_draft(draft.id, services.clock(), category=category)
    await _draft_panel(update, context, draft)


@requires_role(Role.COORDINATOR)
async def discard(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    await context.services.broadcasts.discard_draft(draft.id)
    t = context.t
    await show(
        update,
        context,
        t._("🗑 Draft #%(id)d discarded.", id=draft.id),
        keyboard([[(t.gettext("📋 Announcements"), LIST)]]),
    )


# ---- composing: the audience --------------------------------------------------------------------
def _check(selected: bool) -> str:
    return "✅ " if selected else "▫️ "


async def _audience_screen(update: Update, context: BotContext, draft: Broadcast) -> None:
    t = context.t
    audience = draft.audience
    plan = await _plan(context, draft)
    lines = [
        str(t._("👥 <b>Who should get announcement #%(id)d?</b>", id=draft.id)),
        str(
            t._(
                "People in any of the groups you tick get it. Counties and competence areas narrow "
                "that down (from the volunteer's application)."
            )
        ),
        "",
        *await _audience_lines(context, draft),
        "",
        *_recipient_lines(t, plan),
    ]
    rows = [
        [(_check(audience.everyone) + t.gettext(GROUP_LABELS[Group.EVERYONE]), cb("bc", "g", draft.id, "everyone"))]
    ]
    for group in (Group.EXPERTS, Group.AWAITING, Group.AGREEMENT):
        rows.append(
            [(_check(group in audience.groups) + t.gettext(GROUP_LABELS[group]), cb("bc", "g", draft.id, group.value))]
        )
    rows.append(
        [
            (
                t.gettext("📅 Registered for an event (%(count)d)", count=len(audience.events)),
                cb("bc", "pe", draft.id),
            )
        ]
    )
    rows.append(
        [
            (t.gettext("📍 Counties (%(count)d)", count=len(audience.counties)), cb("bc", "pc", draft.id)),
            (t.gettext("🧩 Competences (%(count)d)", count=len(audience.competences)), cb("bc", "pk", draft.id)),
        ]
    )
    rows.append([(t.gettext("« Back to the draft"), cb("bc", "d", draft.id))])
    await show(update, context, "\n".join(lines), keyboard(rows))


@requires_role(Role.COORDINATOR)
async def audience_screen(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is not None:
        await _audience_screen(update, context, draft)


@requires_role(Role.COORDINATOR)
async def toggle_group(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    try:
        group = Group(_parts(update)[3])
    except (IndexError, ValueError):
        await stale_button(update, context)
        return
    services = context.services
    draft = await services.broadcasts.update_draft(
        draft.id, services.clock(), audience=draft.audience.toggle_group(group)
    )
    await _audience_screen(update, context, draft)


async def _picker(update: Update, context: BotContext, draft: Broadcast, kind: str) -> None:
    t = context.t
    services = context.services
    audience = draft.audience
    plan = await _plan(context, draft)
    if kind == "c":
        options = [(c.id, c.name, c.id in audience.counties) for c in services.org.counties]
        question = t._("📍 <b>Only in these counties</b> (none ticked: every county)")
        columns = 3
    elif kind == "k":
        options = [(a.id, a.label.get(t.locale), a.id in audience.competences) for a in services.org.competence_areas]
        question = t._("🧩 <b>Only with these competence areas</b> (none ticked: any)")
        columns = 1
    else:
        events = await services.broadcasts.events_to_choose(services.clock())
        chosen = set(audience.events)
        known = {e.id for e in events}
        for event_id in sorted(chosen - known):  # chosen earlier, no longer in the list: still shown
            event = await services.broadcasts.event(event_id)
            if event is not None:
                events.append(event)
        options = [
            (str(e.id), t.gettext("%(event)s (%(count)d)", event=event_label(t, e), count=e.registered), e.id in chosen)
            for e in events
        ]
        question = t._("📅 <b>People registered for these events</b>")
        if not options:
            question += "\n" + t._("There are no published events yet.")
        columns = 1
    buttons = [(_check(on) + label, cb("bc", kind, draft.id, value)) for value, label, on in options]
    rows = [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
    rows.append([(t.gettext("« Back to the recipients"), cb("bc", "aud", draft.id))])
    await show(update, context, "\n".join([str(question), "", *_recipient_lines(t, plan)]), keyboard(rows))


@requires_role(Role.COORDINATOR)
async def open_picker(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is not None:
        await _picker(update, context, draft, _parts(update)[1][1])


@requires_role(Role.COORDINATOR)
async def toggle_option(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    services = context.services
    parts = _parts(update)
    kind, value = parts[1], parts[3] if len(parts) > 3 else ""
    audience = draft.audience
    if kind == "c" and value in services.org.county_names:
        audience = audience.toggle_county(value)
    elif kind == "k" and value in {a.id for a in services.org.competence_areas}:
        audience = audience.toggle_competence(value)
    elif kind == "e" and value.isdecimal() and await services.broadcasts.event(int(value)) is not None:
        audience = audience.toggle_event(int(value))
    else:
        await stale_button(update, context)
        return
    draft = await services.broadcasts.update_draft(draft.id, services.clock(), audience=audience)
    await _picker(update, context, draft, kind)


# ---- sending now ---------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def confirm_now(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    t = context.t
    plan = await _plan(context, draft)
    if plan.recipients == 0:
        await alert(update, t.gettext("Nobody would get this announcement. Choose other recipients."))
        return
    text = t.ngettext(
        "Send announcement #%(id)d now to %(count)d person?",
        "Send announcement #%(id)d now to %(count)d people?",
        plan.recipients,
        id=draft.id,
    )
    if draft.urgent:
        text += "\n" + t._("⚡ It is marked urgent: it goes out also during quiet hours.")
    rows = [
        [(t.gettext("✅ Yes, send"), cb("bc", "go", draft.id)), (t.gettext("« Back"), cb("bc", "d", draft.id))],
    ]
    await show(update, context, text, keyboard(rows))


@requires_role(Role.COORDINATOR)
async def send_now(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    services = context.services
    plan = await _plan(context, draft)
    if plan.recipients == 0:
        await alert(update, context.t.gettext("Nobody would get this announcement. Choose other recipients."))
        return
    chat_id = update.effective_chat.id
    try:
        started = await services.broadcasts.start(
            draft.id, plan, expected=BroadcastStatus.DRAFT, now=services.clock(), status_chat_id=chat_id
        )
    except Refused:
        await stale_button(update, context)
        return
    await update.callback_query.answer()
    _log_start(started, update.effective_user.id)
    await audit(
        context,
        update.effective_user.id,
        "broadcast.sent",
        f"broadcast:{started.id}",
        recipients=started.recipients,
        urgent=started.urgent,
    )
    await _post_status_message(context.application, started)


def _log_start(broadcast: Broadcast, by: int | None) -> None:
    if broadcast.urgent:
        log.warning(
            "URGENT broadcast %d started (by %s) to %d recipients, ignoring quiet hours",
            broadcast.id,
            by,
            broadcast.recipients,
        )
    else:
        log.info("broadcast %d started (by %s) to %d recipients", broadcast.id, by, broadcast.recipients)


async def _post_status_message(app, broadcast: Broadcast) -> None:
    """The coordinator's progress message, edited by the sender every few seconds."""
    services = app.bot_data[SERVICES_KEY]
    chat_id = broadcast.status_chat_id or broadcast.created_by
    t = await translator_for(services, chat_id)
    progress = await services.broadcasts.progress(broadcast.id, services.clock())
    sender = getattr(app, "broadcast_sender", None)
    rate = sender.rate if sender else services.settings.broadcast_rate
    try:
        message = await app.bot.send_message(
            chat_id, progress_text(t, broadcast, progress, rate), reply_markup=report_markup(t, broadcast)
        )
    except Exception:  # the coordinator may have blocked the bot: the broadcast goes on anyway
        log.warning("could not post the progress of broadcast %d", broadcast.id, exc_info=True)
    else:
        await services.broadcasts.set_status_message(broadcast.id, chat_id, message.message_id)
    if sender is not None:
        sender.wake()


# ---- scheduling -----------------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def ask_when(update: Update, context: BotContext) -> str | int:
    draft = await _draft_from(update, context)
    if draft is None:
        return END
    t = context.t
    context.user_data[_DRAFT] = draft.id
    example = context.services.clock() + timedelta(days=1)
    text = t._(
        "🕒 When should announcement #%(id)d go out? Type the date and time (%(zone)s time), e.g. "
        "<code>%(example)s</code>. /anuluj to stop.",
        id=draft.id,
        zone=context.services.settings.timezone,
        example=t.datetime(example.replace(hour=7, minute=0), "dd.MM.y HH:mm"),
    )
    await show(update, context, text, new_message=True)
    return WHEN


_WHEN = re.compile(r"^\s*(\d{1,2})\.(\d{1,2})(?:\.(\d{4}))?[\s,]+(\d{1,2})[:.](\d{2})\s*$")
_ISO_WHEN = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})[\sT]+(\d{1,2}):(\d{2})\s*$")


def parse_when(text: str, now: datetime, tz) -> datetime | None:
    """`24.03.2026 18:00`, `24.03 18:00` (the next such day) or `2026-03-24 18:00`, local time,
    -> UTC; None if it is not a date and time, or the time does not exist (a clock change)."""
    match = _WHEN.match(text)
    if match:
        day, month, year, hour, minute = match.groups()
        years = [int(year)] if year else [now.astimezone(tz).year, now.astimezone(tz).year + 1]
    else:
        match = _ISO_WHEN.match(text)
        if not match:
            return None
        year, month, day, hour, minute = match.groups()
        years = [int(year)]
    for y in years:
        try:
            local = datetime(y, int(month), int(day), int(hour), int(minute), tzinfo=tz)
        except ValueError:
            return None
        moment = local.astimezone(UTC)
        if moment.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
            return None  # skipped by a spring-forward clock change
        if moment > now or y == years[-1]:
            return moment
    return None


@requires_role(Role.COORDINATOR)
async def when_received(update: Update, context: BotContext) -> str | int | None:
    t = context.t
    services = context.services
    now = services.clock()
    draft_id = context.user_data.get(_DRAFT)
    draft = await services.broadcasts.get(draft_id) if draft_id else None
    if draft is None or draft.status != BroadcastStatus.DRAFT or draft.created_by != update.effective_user.id:
        context.user_data.pop(_DRAFT, None)
        return END
    moment = parse_when(update.effective_message.text or "", now, services.settings.tz)
    problem = None
    if moment is None:
        problem = t._("I can't read this as a date and time. Please type it like <code>24.03.2026 18:00</code>.")
    elif moment <= now + timedelta(minutes=1):
        problem = t._("This time has already passed. Please give a time in the future.")
    elif moment > now + SCHEDULE_HORIZON:
        problem = t._("That is more than a year ahead. Please choose an earlier date.")
    if problem is not None:
        await context.bot.send_message(update.effective_chat.id, problem)
        return None
    context.user_data.pop(_DRAFT, None)
    plan = await _plan(context, draft)
    text = "\n".join(
        [
            str(t._("Schedule announcement #%(id)d for %(when)s?", id=draft.id, when=t.datetime(moment))),
            str(
                t.ngettext(
                    "The recipients are chosen at that time; now it would be %(count)d person.",
                    "The recipients are chosen at that time; now it would be %(count)d people.",
                    plan.recipients,
                )
            ),
        ]
    )
    rows = [
        [
            (t.gettext("✅ Yes, schedule"), cb("bc", "sgo", draft.id, int(moment.timestamp()))),
            (t.gettext("« Back"), cb("bc", "d", draft.id)),
        ]
    ]
    await context.bot.send_message(update.effective_chat.id, text, reply_markup=keyboard(rows))
    return END


async def not_when(update: Update, context: BotContext) -> None:
    await context.bot.send_message(
        update.effective_chat.id,
        context.t._("Please type the date and time, e.g. <code>24.03.2026 18:00</code>, or /anuluj to stop."),
    )


@requires_role(Role.COORDINATOR)
async def schedule(update: Update, context: BotContext) -> None:
    draft = await _draft_from(update, context)
    if draft is None:
        return
    t = context.t
    services = context.services
    parts = _parts(update)
    if len(parts) < 4 or not parts[3].isdecimal():
        await stale_button(update, context)
        return
    moment = datetime.fromtimestamp(int(parts[3]), UTC)
    now = services.clock()
    if moment <= now or moment > now + SCHEDULE_HORIZON:
        await alert(update, t.gettext("This time has already passed. Please give a time in the future."))
        return
    try:
        scheduled = await services.broadcasts.schedule(draft.id, moment, now)
    except Refused:
        await stale_button(update, context)
        return
    log.info("broadcast %d scheduled for %s by %s", scheduled.id, moment.isoformat(), update.effective_user.id)
    await audit(
        context, update.effective_user.id, "broadcast.scheduled", f"broadcast:{scheduled.id}", at=moment.isoformat()
    )
    await show(
        update,
        context,
        t._(
            "🕒 Announcement #%(id)d will go out on %(when)s. You can cancel it in /announcements until then.",
            id=scheduled.id,
            when=t.datetime(moment),
        ),
        keyboard([[(t.gettext("📋 Announcements"), LIST)]]),
    )


async def start_due_broadcasts(app) -> int:
    """The job: scheduled broadcasts whose time has come get their outbox and start."""
    services = app.bot_data[SERVICES_KEY]
    now = services.clock()
    started = 0
    for broadcast in await services.broadcasts.due_scheduled(now):
        plan = await services.broadcasts.plan(
            broadcast.audience,
            services.answer_fields(),
            broadcast.category,
            broadcast.urgent,
            now,
            services.settings.tz,
        )
        try:
            running = await services.broadcasts.start(
                broadcast.id, plan, expected=BroadcastStatus.SCHEDULED, now=now, status_chat_id=broadcast.created_by
            )
        except Refused:  # cancelled at the last moment
            continue
        _log_start(running, None)
        started += 1
        await _post_status_message(app, running)
    return started


async def _due_job(context: BotContext) -> None:
    try:
        await start_due_broadcasts(context.application)
    except Exception:
        log.exception("starting scheduled broadcasts failed")


def schedule_jobs(app) -> None:
    app.job_queue.run_repeating(_due_job, interval=timedelta(seconds=30), first=timedelta(seconds=5), name="broadcasts")


# ---- the list, one broadcast, cancelling -------------------------------------------------------------
def _when(t, broadcast: Broadcast) -> str:
    moment = broadcast.scheduled_at if broadcast.status == BroadcastStatus.SCHEDULED else broadcast.started_at
    return t.datetime(moment or broadcast.created_at, "d.MM HH:mm")


@requires_role(Role.COORDINATOR)
async def list_broadcasts(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    page = 0
    if update.callback_query is not None:
        parts = _parts(update)
        page = int(parts[2]) if len(parts) > 2 and parts[2].isdecimal() else 0
    items = await services.broadcasts.recent(page * PAGE_SIZE, PAGE_SIZE + 1)
    more = len(items) > PAGE_SIZE
    items = items[:PAGE_SIZE]
    rows = []
    for b in items:
        progress = await services.broadcasts.progress(b.id, services.clock())
        figures = f" · {progress.sent}/{progress.total}" if b.started_at else ""
        urgent = "⚡" if b.urgent else ""
        rows.append([(f"{STATUS_ICONS[b.status]}{urgent} #{b.id} · {_when(t, b)}{figures}", cb("bc", "o", b.id))])
    nav = []
    if page > 0:
        nav.append((t.gettext("« Previous"), cb("bc", "list", page - 1)))
    if more:
        nav.append((t.gettext("Next »"), cb("bc", "list", page + 1)))
    if nav:
        rows.append(nav)
    rows.append([(t.gettext("✍️ New announcement"), NEW)])
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    text = t._("📣 <b>Announcements</b>") + "\n"
    text += (
        t._("None yet. Write the first one!")
        if not items and page == 0
        else t._("Scheduled ones first, then the latest. Open one to see its figures.")
    )
    await show(update, context, text, keyboard(rows))
    return END


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
    lines += await _audience_lines(context, broadcast)
    lines.append("")
    if broadcast.status == BroadcastStatus.SENDING:
        rate = context.application.broadcast_sender.rate
        lines.append(progress_text(t, broadcast, progress, rate))
    elif broadcast.started_at:
        lines.append(final_report(t, broadcast, progress))
    plain = html.unescape(re.sub(r"<[^>]+>", "", broadcast.body_html or ""))
    snippet = plain if len(plain) <= 300 else plain[:300] + "…"
    if snippet.strip():
        lines += ["", "<i>" + str(html_escape(snippet)) + "</i>"]
    rows = []
    if broadcast.status in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        rows.append([(t.gettext("✖️ Cancel the announcement"), cb("bc", "x", broadcast.id))])
    rows.append([(t.gettext("« Announcements"), LIST)])
    await show(update, context, "\n".join(lines), keyboard(rows))


@requires_role(Role.COORDINATOR)
async def open_one(update: Update, context: BotContext) -> None:
    broadcast = await _broadcast_from(update, context)
    if broadcast is not None:
        await _details(update, context, broadcast)


@requires_role(Role.COORDINATOR)
async def confirm_cancel(update: Update, context: BotContext) -> None:
    broadcast = await _broadcast_from(update, context)
    if broadcast is None:
        return
    t = context.t
    if broadcast.status not in (BroadcastStatus.SCHEDULED, BroadcastStatus.SENDING):
        await alert(update, t.gettext("This announcement has already finished."))
        return
    text = t._("Cancel announcement #%(id)d? Messages that have not gone out yet will not be sent.", id=broadcast.id)
    rows = [
        [
            (t.gettext("✖️ Yes, cancel it"), cb("bc", "xy", broadcast.id)),
            (t.gettext("« Back"), cb("bc", "o", broadcast.id)),
        ]
    ]
    await show(update, context, text, keyboard(rows), new_message=True)


@requires_role(Role.COORDINATOR)
async def cancel_broadcast(update: Update, context: BotContext) -> None:
    broadcast = await _broadcast_from(update, context)
    if broadcast is None:
        return
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


# ---- registration ---------------------------------------------------------------------------------
def handlers() -> list:
    """Stateless broadcast buttons and commands, for the global group."""
    return [
        CommandHandler(["ogloszenia", "announcements"], list_broadcasts),
        CallbackQueryHandler(list_broadcasts, pattern=r"^bc:list:\d+$"),
        CallbackQueryHandler(open_one, pattern=r"^bc:o:"),
        CallbackQueryHandler(confirm_cancel, pattern=r"^bc:x:"),
        CallbackQueryHandler(cancel_broadcast, pattern=r"^bc:xy:"),
        CallbackQueryHandler(draft_panel, pattern=r"^bc:d:"),
        CallbackQueryHandler(preview, pattern=r"^bc:pv:"),
        CallbackQueryHandler(toggle_urgent, pattern=r"^bc:urg:"),
        CallbackQueryHandler(category_menu, pattern=r"^bc:cat:"),
        CallbackQueryHandler(set_category, pattern=r"^bc:cs:"),
        CallbackQueryHandler(discard, pattern=r"^bc:del:"),
        CallbackQueryHandler(audience_screen, pattern=r"^bc:aud:"),
        CallbackQueryHandler(toggle_group, pattern=r"^bc:g:"),
        CallbackQueryHandler(open_picker, pattern=r"^bc:p[cke]:"),
        CallbackQueryHandler(toggle_option, pattern=r"^bc:[cke]:"),
        CallbackQueryHandler(confirm_now, pattern=r"^bc:now:"),
        CallbackQueryHandler(send_now, pattern=r"^bc:go:"),
        CallbackQueryHandler(schedule, pattern=r"^bc:sgo:"),
    ]


def conversation() -> ConversationHandler:
    """Typing (or sending) an announcement's content, and its date and time."""
    content = (filters.TEXT | filters.PHOTO | filters.Document.ALL) & ~filters.COMMAND
    return flow(
        "broadcast",
        entry_points=[
            CommandHandler(["ogloszenie", "announce"], compose),
            CallbackQueryHandler(compose, pattern=r"^bc:new$"),
            CallbackQueryHandler(change_text, pattern=r"^bc:edit:"),
            CallbackQueryHandler(ask_when, pattern=r"^bc:sch:"),
        ],
        states={
            TEXT: [MessageHandler(content, content_received), MessageHandler(~filters.COMMAND, not_content)],
            WHEN: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, when_received),
                MessageHandler(~filters.COMMAND, not_when),
            ],
        },
        cancel=cancel,
    )
