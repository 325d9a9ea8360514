"""The coordinators' forum group (issue 15), the one exception to "groups get only an invitation
to write privately, nothing stored" (handlers/session.py): an admin links it with /polacz_grupe
(/link_group) sent in the group; then a coordinator's message in a person's topic goes to that
person (signed, stored in their conversation), /zamknij (/close) in a topic closes the
conversation, and whatever cannot reach anyone gets a note in the right place. Messages from
members who are not coordinators are ignored (they are removed where the bot can, and the admins
told). Sending into topics: bot/staff_group.py.
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from bot.counselling import to_person
from bot.services import Role
from bot.staff_group import group_translator, outsider_in_group, report_problem
from handlers.common import audit
from handlers.counselling import NOT_PASSED, content_of
from storage.threads import Refused

log = logging.getLogger(__name__)

LINK = ("polacz_grupe", "link_group")
CLOSE = ("zamknij", "close")
_REPORTED = "staff_group_outsiders"  # ids already reported in this process (one note each)


def _command(message) -> str | None:
    text = message.text or ""
    if not text.startswith("/") or len(text) < 2:
        return None
    return text[1:].split(maxsplit=1)[0].split("@", 1)[0].lower()


async def on_group_update(update: Update, context: BotContext) -> bool:
    """An update from a group: True when it is the linked staff group's (or a link command) and was
    handled here; False leaves the group rule as it is (an invitation to write privately)."""
    chat = update.effective_chat
    services = context.services
    group = await services.threads.group()
    linked = group is not None and group.chat_id == chat.id
    context.t = group_translator(services)
    joined = update.chat_member
    if joined is not None:
        if linked:
            await _member_changed(context, joined)
        return True
    member = update.my_chat_member
    if member is not None:
        if linked:
            new = member.new_chat_member
            if new.status in ("left", "kicked"):
                await report_problem(context.bot, services, group, "the bot was removed from the group")
            elif new.status != "administrator" or not getattr(new, "can_manage_topics", False):
                await report_problem(context.bot, services, group, "the bot is not an admin who manages topics")
            elif group.problem is not None:  # an admin again, with the right to manage topics
                await services.threads.group_problem(chat.id, None)
        return True
    if update.callback_query is not None:
        if linked:
            await update.callback_query.answer()
        return linked
    if update.edited_message is not None:
        if linked:
            await _edited(update, context, group)
        return linked
    message = update.message
    if message is None:
        return linked
    command = _command(message)
    if command in LINK:
        await link(update, context)
        return True
    if not linked:
        return False
    user = update.effective_user
    for joined in message.new_chat_members or ():
        if not joined.is_bot and await services.role_of(joined.id) < Role.COORDINATOR:
            await outsider_in_group(context.bot, services, joined)
    if user is None or user.is_bot or message.new_chat_members:
        return True
    if await services.role_of(user.id) < Role.COORDINATOR:
        reported = context.bot_data.setdefault(_REPORTED, set())
        if user.id not in reported:  # ignored; the admins are told once
            reported.add(user.id)
            await outsider_in_group(context.bot, services, user)
        return True
    await _from_coordinator(update, context, group, command)
    return True


async def _member_changed(context: BotContext, change) -> None:
    """Someone joined (or came back) without a service message: added by an admin, or by an
    invite link while join messages are hidden. Telegram says so with a chat_member update (asked
    for: allowed_updates is Update.ALL_TYPES); treated as a join message."""
    new = change.new_chat_member
    user = new.user
    if new.status not in ("member", "restricted") or user.is_bot:
        return
    if new.status == "restricted" and not getattr(new, "is_member", True):
        return  # restricted but not in the group
    if await context.services.role_of(user.id) < Role.COORDINATOR:
        await outsider_in_group(context.bot, context.services, user)


async def _edited(update: Update, context: BotContext, group) -> None:
    """A coordinator edited what they wrote in a person's topic: the person has the first version."""
    edited = update.edited_message
    user = update.effective_user
    if user is None or not edited.is_topic_message or await context.services.role_of(user.id) < Role.COORDINATOR:
        return
    if await context.services.threads.person_of_topic(group.chat_id, edited.message_thread_id) is None:
        return
    await edited.reply_text(
        context.t._("ℹ️ A change to a sent message does not reach the person: send the correction as a new message.")
    )


async def _from_coordinator(update: Update, context: BotContext, group, command: str | None) -> None:
    t = context.t
    services = context.services
    message = update.message
    topic = message.message_thread_id if message.is_topic_message else None
    content = content_of(message)
    if content is None and not (message.sticker or message.voice or message.video_note or message.audio):
        return  # a service message (a topic made, renamed...): nothing to answer
    if topic is None:
        await message.reply_text(
            t._(
                "ℹ️ This is the General topic: nobody gets what is written here. To answer a person, write in "
                "their topic."
            )
        )
        return
    person = await services.threads.person_of_topic(group.chat_id, topic)
    if person is None:
        await message.reply_text(t._("ℹ️ This topic is not a conversation with a person: nothing was sent."))
        return
    if command in CLOSE:
        current = await services.threads.current(person)
        try:
            closed = await services.threads.close(current.id, update.effective_user.id, services.clock())
        except (Refused, AttributeError):
            await message.reply_text(t._("There is no open conversation with this person."))
            return
        await audit(context, update.effective_user.id, "thread.closed", f"thread:{closed.id}")
        await message.reply_text(t._("✅ Conversation #%(id)d closed.", id=closed.id))
        return
    if command is not None:
        await message.reply_text(t._("ℹ️ Commands are not passed on. Write the message itself, or /zamknij."))
        return
    if content is None:
        await message.reply_text(t._(NOT_PASSED))
        return
    thread, stored = await services.threads.from_staff(person, update.effective_user.id, content, services.clock())
    await audit(context, update.effective_user.id, "thread.message", f"thread:{thread.id}", person=person)
    if not await to_person(context.bot, services, thread, stored, update.effective_user.first_name):
        await message.reply_text(
            t._(
                "⚠️ Not delivered: the person has blocked the bot. The message is kept in conversation #%(id)d.",
                id=thread.id,
            )
        )


async def link(update: Update, context: BotContext) -> None:
    """/polacz_grupe in a group: only an admin of the bot, only a forum, only with the bot an admin
    that may manage topics; recorded in the database."""
    t = context.t
    services = context.services
    chat = update.effective_chat
    message = update.message
    user = update.effective_user
    if user is None or user.id not in services.settings.admin_ids:
        await message.reply_text(t._("Only an admin of the bot can link this group."))
        return
    if chat.type != "supergroup" or not chat.is_forum:
        await message.reply_text(
            t._("This group is not a forum. Turn on Topics in the group's settings, then send /polacz_grupe again.")
        )
        return
    me = await context.bot.get_chat_member(chat.id, context.bot.id)
    if me.status != "administrator" or not getattr(me, "can_manage_topics", False):
        await message.reply_text(
            t._("Make me an admin of this group with the right to manage topics, then send /polacz_grupe again.")
        )
        return
    await services.threads.link_group(chat.id, chat.title, user.id, services.clock())
    await audit(context, user.id, "staff_group.linked", f"chat:{chat.id}")
    await message.reply_text(
        t._(
            "✅ This is now the coordinators' group. Everyone who writes to the bot gets a topic here, named after "
            "them; write in a topic to answer that person. Only coordinators may be members: I remove anyone else."
        )
    )
