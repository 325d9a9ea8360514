"""The coordinators' side of the conversations (issue 15) in private chats: "✍️ Answer" (a flow
step: text, a photo or a document), "✉️ Write" to one person from their cards, /pytania (the open
conversations, longest waiting first, paged by key), a conversation's card, closing it and
handing it to another coordinator. Every press is checked again: the role, the conversation, its
state. Answering in the coordinators' forum group: handlers/staff_group.py.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.menu import COORDINATOR_PANEL
from bot.buttons.threads import THREADS, ThreadButton, ThreadsPage, WriteTo
from bot.context import BotContext
from bot.counselling import to_person
from bot.flow import End, Flow, FlowRun, Prompt, Step
from bot.i18n import html_escape
from bot.routing import Routes
from bot.sending import tell
from bot.services import Role
from bot.staff_group import mirror_answer
from handlers.common import alert, audit, key_row, keyboard, requires_role, show, stale_button
from handlers.counselling import CONTENT_KINDS, read_content
from handlers.menu import deep_link
from storage.paging import page_of
from storage.threads import COUNSELLING, Content, Refused, Thread, ThreadState

log = logging.getLogger(__name__)

REPLY_FLOW = "thr"
PAGE_SIZE = 8
SHOWN_MESSAGES = 5
EXCERPT = 300


def _button(act: str, thread: Thread, who: int | None = None) -> str:
    return ThreadButton(act=act, thread=thread.id, who=who).pack()


# ---- answering, or writing first ---------------------------------------------------------------------
async def _ask(run: FlowRun) -> Prompt:
    person = await run.services.people.one(run.data["person"])
    return Prompt(
        run.t._(
            "✍️ Write your message to %(name)s: text, a photo or a document. It is signed as the organisation "
            "file says. /anuluj to stop.",
            name=person.name,
        ),
        numbered=False,
    )


async def _send(run: FlowRun, value: dict) -> End:
    t = run.t
    services = run.services
    thread_id = run.data.get("thread")
    answering = await services.threads.get(thread_id) if thread_id is not None else None
    if not await may_answer(services, run.user_id, answering):
        return End(t._("This is only available to coordinators."))
    person_id = run.data["person"]
    try:
        thread, message = await services.threads.from_staff(
            person_id, run.user_id, Content.from_dict(value), services.clock(), thread_id=run.data.get("thread")
        )
    except Refused:
        return End(t._("This conversation has been closed meanwhile; nothing was sent."))
    person = await services.people.one(person_id)
    bot = run.context.bot
    chat_id = run.update.effective_chat.id

    author = run.update.effective_user.first_name
    app = run.context.application

    async def deliver() -> None:
        if thread.kind == COUNSELLING:  # the group's topic shows it too
            await mirror_answer(app, services, thread, message, author)
        if not await to_person(bot, services, thread, message):
            await bot.send_message(
                chat_id,
                t._(
                    "⚠️ %(name)s could not get it: they have blocked the bot. The message is kept in "
                    "conversation #%(id)d.",
                    name=person.name,
                    id=thread.id,
                ),
            )

    await audit(run.context, run.user_id, "thread.message", f"thread:{thread.id}", person=person_id)
    return End(t._("✅ Sent to %(name)s (conversation #%(id)d).", name=person.name, id=thread.id), after=deliver)


REPLY = Flow(
    REPLY_FLOW,
    lambda run: [Step("msg", _ask, CONTENT_KINDS, read=read_content, done=_send, numbered=False)],
    cancelled=lambda run: run.t._("Stopped. Nothing was sent."),
)


async def may_answer(services, user_id: int, thread: Thread | None) -> bool:
    """Coordinators answer every conversation. In a conversation of another kind (the expert-
    organisation relay of stage two) the participant it is assigned to, the expert, answers too."""
    if await services.role_of(user_id) >= Role.COORDINATOR:
        return True
    return thread is not None and thread.kind != COUNSELLING and thread.assigned_to == user_id


async def _current(update: Update, context: BotContext, thread_id: int) -> Thread | None:
    """The conversation a press names, while it is not closed; else the press is stale."""
    thread = await context.services.threads.get(thread_id)
    if thread is None or thread.state == ThreadState.CLOSED:
        await alert(update, context.t.gettext("This conversation is closed."))
        return None
    return thread


@requires_role(Role.COORDINATOR)
async def write_to(update: Update, context: BotContext, press: WriteTo) -> None:
    if await context.services.users.get(press.person) is None:
        await stale_button(update, context)
        return
    await update.callback_query.answer()
    await context.flows.start(update, context, REPLY_FLOW, {"person": press.person})


# ---- the list and the card -------------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def list_threads(update: Update, context: BotContext, press: ThreadsPage | None = None) -> None:
    t = context.t
    services = context.services

    async def read(limit: int, **at):
        return await services.threads.waiting(limit, **at)

    page = await page_of(read, PAGE_SIZE, after=press.after if press else None, before=press.before if press else None)
    names = await services.people.named([thread.telegram_id for thread in page.items])
    rows = [
        [
            (
                f"#{th.id} {names[th.telegram_id].name[:30]} · {t.datetime(th.waiting_since, 'd.MM, HH:mm')}",
                _button("o", th),
            )
        ]
        for th in page.items
    ]
    rows += key_row(t, page, lambda **key: ThreadsPage(**key).pack())
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    if page.items:
        text = t._("<b>Conversations waiting for an answer</b> (the longest waiting first):")
    else:
        text = t._("<b>Conversations waiting for an answer</b>\n\nNobody is waiting for an answer. 🎉")
    await show(update, context, text, keyboard(rows))


async def list_command(update: Update, context: BotContext) -> None:
    await list_threads(update, context, None)


async def card(update: Update, context: BotContext, thread: Thread, *, new_message: bool = False) -> None:
    t = context.t
    services = context.services
    person = await services.people.one(thread.telegram_id)
    states = {
        ThreadState.OPEN: t.gettext("waiting for an answer"),
        ThreadState.ANSWERED: t.gettext("answered"),
        ThreadState.CLOSED: t.gettext("closed"),
    }
    lines = [
        t._("<b>Conversation #%(id)d</b> with %(name)s", id=thread.id, name=person.label),
        t._("State: %(state)s", state=states[thread.state]),
        t._("Opened: %(when)s", when=t.datetime(thread.opened_at)),
    ]
    if thread.time_to_first_answer is not None:
        minutes = int(thread.time_to_first_answer.total_seconds() // 60)
        lines.append(t._("First answer after %(hours)d h %(minutes)d min", hours=minutes // 60, minutes=minutes % 60))
    if thread.assigned_to is not None:
        lines.append(t._("Handled by: %(name)s", name=(await services.people.one(thread.assigned_to)).name))
    lines.append("")
    for message in await services.threads.messages(thread.id, SHOWN_MESSAGES):
        who = person.name if message.from_person else (await services.people.one(message.author_id)).name
        body = (message.content.body or "")[:EXCERPT]
        kind = {"photo": "🖼 ", "document": "📎 "}.get(message.content.kind, "")
        mark = "" if message.delivered else " ⚠️"
        lines.append(
            f"<b>{html_escape(who)}</b>, {t.datetime(message.sent_at, 'd.MM HH:mm')}{mark}: {kind}{html_escape(body)}"
        )
    rows = []
    if thread.state != ThreadState.CLOSED:
        rows.append([(t.gettext("✍️ Answer"), _button("rep", thread))])
        rows.append(
            [(t.gettext("✅ Close"), _button("cls", thread)), (t.gettext("👤 Hand over"), _button("hand", thread))]
        )
    rows.append([(t.gettext("« Conversations"), THREADS)])
    query = update.callback_query
    if query is not None and query.message is not None and not getattr(query.message, "text", None):
        new_message = True  # pressed under a photo or a document: there is no text to edit
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows), new_message=new_message)


async def pressed(update: Update, context: BotContext, press: ThreadButton) -> None:
    if press.act == "rep":  # the one press a relay's participant may make too (may_answer)
        thread = await context.services.threads.get(press.thread)
        if not await may_answer(context.services, update.effective_user.id, thread):
            await alert(update, context.t.gettext("This is only available to coordinators."))
            return
        if await _current(update, context, press.thread) is not None:
            await update.callback_query.answer()
            data = {"person": thread.telegram_id, "thread": thread.id}
            await context.flows.start(update, context, REPLY_FLOW, data)
        return
    await _managed(update, context, press)


@requires_role(Role.COORDINATOR)
async def _managed(update: Update, context: BotContext, press: ThreadButton) -> None:
    services = context.services
    t = context.t
    if press.act in ("o", "n"):
        thread = await services.threads.get(press.thread)
        if thread is None:
            await stale_button(update, context)
            return
        await card(update, context, thread, new_message=press.act == "n")  # n: the relayed message stays
        return
    thread = await _current(update, context, press.thread)
    if thread is None:
        return
    actor = update.effective_user.id
    if press.act == "cls":
        try:
            thread = await services.threads.close(thread.id, actor, services.clock())
        except Refused:
            await alert(update, t.gettext("This conversation is closed."))
            return
        await audit(context, actor, "thread.closed", f"thread:{thread.id}")
        await card(update, context, thread)
    elif press.act == "hand":
        staff = [s for s in await services.staff_ids() if s != actor]
        names = await services.people.named(staff)
        rows = [[(names[s].name[:40], _button("to", thread, s))] for s in staff]
        rows.append([(t.gettext("« Back"), _button("o", thread))])
        text = (
            t._("Who should take conversation #%(id)d?", id=thread.id)
            if staff
            else t._("There is no other coordinator.")
        )
        await show(update, context, text, keyboard(rows))
    elif press.act == "to":
        if press.who is None or press.who not in await services.staff_ids():
            await stale_button(update, context)
            return
        thread = await services.threads.hand_over(thread.id, press.who)
        await audit(context, actor, "thread.handed_over", f"thread:{thread.id}", to=press.who)
        person = await services.people.one(thread.telegram_id)
        giver = update.effective_user.first_name

        def compose(pt):
            return (
                pt._(
                    "👤 %(giver)s handed you conversation #%(id)d with %(name)s.",
                    giver=giver,
                    id=thread.id,
                    name=person.name,
                ),
                keyboard([[(pt.gettext("📋 Conversation"), _button("n", thread))]]),
            )

        await tell(context.bot, services, press.who, compose)
        await card(update, context, thread)


@deep_link("th")
async def thread_link(update: Update, context: BotContext, argument: str) -> None:
    """t.me/<bot>?start=th_<person> (the header card of a person's topic): their conversation's card."""
    t = context.t
    if not context.is_coordinator:
        await context.bot.send_message(update.effective_chat.id, t._("This is only available to coordinators."))
        return
    person = int(argument) if argument.isdecimal() and len(argument) <= 19 else None
    thread = await context.services.threads.latest(person) if person is not None else None
    if thread is None:
        await context.bot.send_message(
            update.effective_chat.id, t._("This link is not valid. Type /start for the menu.")
        )
        return
    await card(update, context, thread)


def register(routes: Routes) -> None:
    routes.flow(REPLY)
    routes.press(ThreadButton, pressed)
    routes.press(ThreadsPage, list_threads)
    routes.press(WriteTo, write_to)
    routes.command(["pytania", "questions"], list_command)
