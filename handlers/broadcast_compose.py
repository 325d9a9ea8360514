"""Composing an announcement: its content (typed, forwarded, or a photo or document with a
caption) as a flow step, the preview, and the draft's panel: category, urgent, discard.

Drafts live in the database; the flow's data only names the draft whose text is being replaced."""

from __future__ import annotations

from telegram import Message, Update

from bot.broadcast_text import CATEGORY_LABELS, body_limit, entities_html, send_rendered, text_start
from bot.buttons.broadcasts import LIST, BroadcastButton, UrgentSwitch, button
from bot.context import BotContext
from bot.flow import CONTENT, End, Flow, FlowRun, Prompt, Step
from bot.forms import Accepted, Problem
from bot.i18n import N_
from bot.replies import confirm
from bot.services import Role
from handlers.broadcast_drafts import coordinators_only, describe_audience, headcount_of, own_draft, recipient_lines
from handlers.broadcast_press import pressed_on
from handlers.common import keyboard, requires_role, show, stale_button
from storage.broadcasts import Broadcast, BroadcastStatus
from storage.preferences import CATEGORIES, Category

TEXT_FLOW = "bctext"


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ---- the content, as a flow -------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def compose(update: Update, context: BotContext) -> None:
    """/ogloszenie: ask for the text of a new announcement."""
    await _start(update, context, None)


@coordinators_only
async def compose_pressed(update: Update, context: BotContext, press: BroadcastButton) -> None:
    await _start(update, context, None)


@pressed_on(own_draft)
async def change_text(update: Update, context: BotContext, press: BroadcastButton, draft: Broadcast) -> None:
    await _start(update, context, draft.id)


async def _start(update: Update, context: BotContext, draft_id: int | None) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.flows.start(update, context, TEXT_FLOW, {"draft": draft_id})


async def _ask_content(run: FlowRun) -> Prompt:
    t = run.t
    return Prompt(
        t._(
            "📣 <b>New announcement</b>\n\nSend me its text. Bold, italics and links stay as you format "
            "them. You can also send a photo or a document with the text as its caption.\n\n"
            "At most %(limit)d characters (%(caption_limit)d with a photo or document). /anuluj to stop.",
            limit=body_limit(False),
            caption_limit=body_limit(True),
        )
    )


async def _read_content(run: FlowRun, message: Message) -> Accepted | Problem:
    kind = file_id = None
    if message.photo:
        kind, file_id = "photo", message.photo[-1].file_id
    elif message.document:
        kind, file_id = "document", message.document.file_id
    if kind:
        plain, entities = message.caption or "", message.caption_entities
    else:
        plain, entities = message.text or "", message.entities
    body = entities_html(plain, entities)
    limit = body_limit(kind is not None)
    if _utf16_len(plain) > limit:
        return Problem(
            N_(
                "This text has %(length)d characters; an announcement can have at most %(limit)d. "
                "Please shorten it and send it again."
            ),
            params={"length": _utf16_len(plain), "limit": limit},
        )
    return Accepted({"body": body, "kind": kind, "file": file_id})


async def _content_given(run: FlowRun, content: dict) -> End:
    """In the step's transaction: the draft gets the content (a new draft unless one is named)."""
    t = run.t
    if run.context.role < Role.COORDINATOR:
        return End(t._("This is only available to coordinators."))
    services = run.services
    draft = await services.broadcasts.get(run.data["draft"]) if run.data.get("draft") else None
    if draft is None or draft.status != BroadcastStatus.DRAFT or draft.created_by != run.user_id:
        draft = await services.broadcasts.create_draft(run.user_id, services.clock())
    draft = await services.broadcasts.update_draft(
        draft.id,
        services.clock(),
        body_html=content["body"],
        media_kind=content["kind"],
        media_file_id=content["file"],
    )

    async def preview() -> None:
        await _preview(run.update, run.context, draft)

    return End(after=preview)


TEXT = Flow(
    TEXT_FLOW,
    lambda run: [Step("content", _ask_content, frozenset({CONTENT}), read=_read_content, done=_content_given)],
)


# ---- the preview and the draft's panel ---------------------------------------------------------
# Two new messages, not four: the preview (it must be a message of its own, as recipients get it)
# and the panel under it, which says what is above. Telegram allows a private chat about one
# message a second with a short burst; more meets its flood control (429).
async def _preview(update: Update, context: BotContext, draft: Broadcast) -> None:
    await send_rendered(context.bot, update.effective_chat.id, draft, context.t)
    await draft_panel(update, context, draft, new_message=True, below_preview=True)


@pressed_on(own_draft)
async def preview(update: Update, context: BotContext, press: BroadcastButton, draft: Broadcast) -> None:
    # The panel pressed becomes the preview's heading (edited in place); a new panel follows it.
    await show(update, context, context.t._("👁 <b>Preview</b>: recipients will see exactly this:"))
    await _preview(update, context, draft)


async def draft_panel(
    update: Update, context: BotContext, draft: Broadcast, *, new_message: bool = False, below_preview: bool = False
) -> None:
    t = context.t
    plan = await headcount_of(context, draft)
    lines = [
        str(t._("📝 <b>Draft announcement #%(id)d</b>", id=draft.id)),
        *([str(t._("👆 Above is the preview: recipients will see exactly that."))] if below_preview else []),
        str(t._("Category: %(category)s", category=t.gettext(CATEGORY_LABELS[draft.category]))),
        str(
            t._("⚡ Urgent: yes (sent at once, also during quiet hours)")
            if draft.urgent
            else t._("Urgent: no (people in their quiet hours get it when those end)")
        ),
        *await describe_audience(context, draft),
        "",
        *recipient_lines(t, plan),
    ]
    urgent = t.gettext("⚡ Urgent: on") if draft.urgent else t.gettext("⚡ Urgent: off")
    switch = UrgentSwitch(draft=draft.id, state="off" if draft.urgent else "on").pack()
    rows = [
        [(t.gettext("👥 Recipients"), button("aud", draft.id)), (t.gettext("🏷 Category"), button("cat", draft.id))],
        [(urgent, switch)],
        [(t.gettext("👁 Preview"), button("pv", draft.id)), (t.gettext("✏️ Change the text"), button("edit", draft.id))],
        [(t.gettext("🚀 Send now"), button("now", draft.id)), (t.gettext("🕒 Schedule"), button("sch", draft.id))],
        [(t.gettext("🗑 Discard the draft"), button("del", draft.id))],
    ]
    await show(update, context, "\n".join(lines), keyboard(rows), new_message=new_message)


@pressed_on(own_draft)
async def open_draft(update: Update, context: BotContext, press: BroadcastButton, draft: Broadcast) -> None:
    await draft_panel(update, context, draft)


@pressed_on(own_draft, lambda press: press.draft)
async def set_urgent(update: Update, context: BotContext, press: UrgentSwitch, draft: Broadcast) -> None:
    services = context.services
    urgent = press.state == "on"
    if draft.urgent != urgent:  # pressed twice: the second press finds it set already
        draft = await services.broadcasts.update_draft(draft.id, services.clock(), urgent=urgent)
    await draft_panel(update, context, draft)


# ---- the category ----------------------------------------------------------------------------
@pressed_on(own_draft)
async def category_menu(update: Update, context: BotContext, press: BroadcastButton, draft: Broadcast) -> None:
    t = context.t
    rows = [
        [(("✅ " if c == draft.category else "") + t.gettext(CATEGORY_LABELS[c]), button("cs", draft.id, c.value))]
        for c in CATEGORIES
    ]
    rows.append([(t.gettext("« Back to the draft"), button("d", draft.id))])
    text = t._(
        "Which category is announcement #%(id)d? Volunteers choose the categories they want to get.",
        id=draft.id,
    )
    await show(update, context, text, keyboard(rows))


@pressed_on(own_draft)
async def set_category(update: Update, context: BotContext, press: BroadcastButton, draft: Broadcast) -> None:
    if press.value not in {c.value for c in CATEGORIES}:
        await stale_button(update, context)
        return
    services = context.services
    draft = await services.broadcasts.update_draft(draft.id, services.clock(), category=Category(press.value))
    await draft_panel(update, context, draft)


@pressed_on(own_draft)
async def discard(update: Update, context: BotContext, press: BroadcastButton, draft: Broadcast) -> None:
    """Asks first ("del"); the confirmation's button is "del" with the value "y"."""
    t = context.t
    if press.value != "y":
        await confirm(
            update,
            context,
            t._(
                "Discard draft #%(id)d (“%(start)s”)? This cannot be undone.",
                id=draft.id,
                start=text_start(draft, 60),
            ),
            (t.gettext("🗑 Yes, delete it"), button("del", draft.id, "y")),
            (t.gettext("« Back"), button("d", draft.id)),
        )
        return
    await context.services.broadcasts.discard_draft(draft.id)
    await show(
        update,
        context,
        t._("🗑 Draft #%(id)d discarded.", id=draft.id),
        keyboard([[(t.gettext("📋 Announcements"), LIST)]]),
    )
