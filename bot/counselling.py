"""Relaying a conversation's messages (storage/threads.py): to the person, signed, and to the staff,
in their private chats with "Answer" or, when a coordinators' forum group is linked, in the
person's topic there (bot/staff_group.py). Used by the handlers and the reminder job alike.

Every text people wrote is escaped; a text longer than Telegram takes is sent in parts.
"""

from __future__ import annotations

import logging

from telegram import Message
from telegram.error import BadRequest, Forbidden, TelegramError

from bot.buttons.threads import ASK, ThreadButton
from bot.i18n import Translator, html_escape
from bot.replies import keyboard
from bot.sending import translator_for
from storage.threads import COUNSELLING, Content, Thread, ThreadMessage

log = logging.getLogger(__name__)

TEXT_ROOM = 3800  # of Telegram's 4096 characters, what a part of a text takes (a header goes first)
CAPTION_ROOM = 900  # of 1024


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def parts_of(text: str, room: int = TEXT_ROOM) -> list[str]:
    """`text` in parts of at most `room` UTF-16 units (as Telegram counts), cut at a line break or a
    space where one is near."""
    parts = []
    while utf16_len(text) > room:
        cut, used = 0, 0
        for index, char in enumerate(text):
            used += 2 if ord(char) > 0xFFFF else 1
            if used > room:
                break
            cut = index + 1
        space = max(text.rfind("\n", 0, cut), text.rfind(" ", 0, cut))
        if space > cut // 2:
            cut = space + 1
        parts.append(text[:cut])
        text = text[cut:]
    parts.append(text)
    return [p for p in parts if p.strip()] or [text]


async def send_content(bot, chat_id: int, header: str, content: Content, markup=None, **where) -> Message:
    """`header` (HTML) and the content: a text in as many parts as it needs, a photo or a document
    with the header and its caption. The buttons go on the last message; returns it."""
    body = content.body or ""
    if content.kind == "text":
        parts = parts_of(body)
        sent = None
        for index, part in enumerate(parts):
            text = (header + "\n\n" if index == 0 else "") + html_escape(part)
            last = index == len(parts) - 1
            sent = await bot.send_message(chat_id, text, reply_markup=markup if last else None, **where)
        return sent
    short = utf16_len(body) <= CAPTION_ROOM
    caption = header + ("\n\n" + html_escape(body) if body and short else "")
    send = bot.send_photo if content.kind == "photo" else bot.send_document
    sent = await send(
        chat_id, content.file_id, caption=caption, reply_markup=markup if short or not body else None, **where
    )
    if body and not short:
        for index, part in enumerate(parts := parts_of(body)):
            last = index == len(parts) - 1
            sent = await bot.send_message(chat_id, html_escape(part), reply_markup=markup if last else None, **where)
    return sent


def signature(services, t: Translator, author_first_name: str | None) -> str:
    """How an answer is signed (plain text: escaped where it is shown)."""
    programme = services.org.programme.name.get(t.locale)
    if services.org.counselling.signature == "coordinator" and author_first_name:
        return t.gettext("— %(name)s, %(programme)s", name=author_first_name, programme=programme)
    return t.gettext("— %(programme)s", programme=programme)


async def to_person(bot, services, thread: Thread, message: ThreadMessage, author_name: str | None = None) -> bool:
    """A coordinator's message to the person, signed, with "Reply". False when it could not reach
    them (blocked the bot): the message stays stored, marked undelivered."""
    t = await translator_for(services, thread.telegram_id)
    author = await services.users.get(message.author_id)
    header = t._("💬 <b>Message from the coordinators</b>")
    content = message.content
    sign = signature(services, t, (author.first_name if author else None) or author_name)
    if content.kind == "text":  # signed below the text; a file's caption has it under the header
        content = Content("text", (content.body or "") + "\n\n" + sign)
    else:
        header = header + "\n" + html_escape(sign)
    markup = keyboard([[(t.gettext("↩️ Reply"), ASK)]])
    try:
        await send_content(bot, thread.telegram_id, header, content, markup)
    except Forbidden:
        await services.threads.undelivered(message.id)
        await services.users.mark_unreachable(thread.telegram_id, services.clock())
        return False
    except TelegramError as exc:
        log.warning("an answer in thread %s could not be sent: %s", thread.id, exc)
        await services.threads.undelivered(message.id)
        return False
    return True


def staff_header(t: Translator, name: str, thread: Thread, *, reminder: bool = False) -> str:
    if reminder:
        return t._("⏰ <b>%(name)s</b> is still waiting for an answer (conversation #%(id)d):", name=name, id=thread.id)
    return t._("✉️ <b>%(name)s</b> writes (conversation #%(id)d):", name=name, id=thread.id)


def staff_buttons(t: Translator, thread: Thread, *, card: bool = True):
    rows = [[(t.gettext("✍️ Answer"), ThreadButton(act="rep", thread=thread.id).pack())]]
    if card:  # the conversation's card is the coordinators' (an expert in a relay only answers)
        rows.append([(t.gettext("📋 Conversation"), ThreadButton(act="n", thread=thread.id).pack())])
    return keyboard(rows)


async def staff_recipients(services, thread: Thread) -> list[int]:
    """Who is told: the coordinator it was handed to (while they still coordinate), else everyone.
    A conversation of another kind (the relay of stage two) goes to the participant it is assigned
    to, the expert, whether or not they coordinate."""
    staff = await services.staff_ids()
    if thread.assigned_to is not None and (thread.assigned_to in staff or thread.kind != COUNSELLING):
        return [thread.assigned_to]
    return staff


async def to_staff(app, services, thread: Thread, message: ThreadMessage, *, reminder: bool = False) -> int:
    """The person's message to the coordinators: into the person's topic of the linked group when
    it works, else to each coordinator's private chat with "Answer". Returns how many got it."""
    from bot.staff_group import to_topic

    name = (await services.people.one(thread.telegram_id)).name
    if thread.kind == COUNSELLING and await to_topic(app, services, thread, message, name, reminder=reminder):
        return 1
    staff = set(await services.staff_ids())
    sent = 0
    for staff_id in await staff_recipients(services, thread):
        t = await translator_for(services, staff_id)
        try:
            await send_content(
                app.bot,
                staff_id,
                staff_header(t, name, thread, reminder=reminder),
                message.content,
                staff_buttons(t, thread, card=staff_id in staff),
            )
            sent += 1
        except Forbidden:
            await services.users.mark_unreachable(staff_id, services.clock())
        except BadRequest as exc:
            log.warning("a message of thread %s did not reach coordinator %s: %s", thread.id, staff_id, exc)
    return sent
