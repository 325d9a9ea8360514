"""Answering a person: keyboards, a menu edited in place, alerts over the chat, stale buttons.

Used by the handlers, the flow engine and the jobs alike (nothing here knows a capability).
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

log = logging.getLogger(__name__)


def keyboard(rows: Sequence[Sequence[tuple[str, str]]]) -> InlineKeyboardMarkup:
    """Rows of (label, callback data); a data starting with http(s):// makes a link button."""
    return _keyboard(tuple(tuple(row) for row in rows))


# The same question shows everyone the same buttons, and PTB's keyboards are frozen: a keyboard
# is built once and shared (building one was a third of rendering a form step).
@lru_cache(maxsize=2048)
def _keyboard(rows: tuple[tuple[tuple[str, str], ...], ...]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(label, url=data)
                if data.startswith(("http://", "https://", "tg://"))
                else InlineKeyboardButton(label, callback_data=data)
                for label, data in row
            ]
            for row in rows
        ]
    )


def page_row(t, page: int, total: int, size: int, data_for: Callable[[int], str]) -> list[list[tuple[str, str]]]:
    """The "« Previous" / "Next »" row of a paged list (none when it fits one page)."""
    row = []
    if page > 0:
        row.append((t.gettext("« Previous"), data_for(page - 1)))
    if (page + 1) * size < total:
        row.append((t.gettext("Next »"), data_for(page + 1)))
    return [row] if row else []


def key_row(t, page, data_for: Callable[..., str], key: Callable[[Any], int] = lambda item: item.id):
    """The "« Previous" / "Next »" row of a list paged by key (storage/paging.py): each carries the
    item the next page continues from, `data_for(before=…)` or `data_for(after=…)`; none for one page."""
    row = []
    if page.earlier:
        row.append((t.gettext("« Previous"), data_for(before=key(page.items[0]))))
    if page.later:
        row.append((t.gettext("Next »"), data_for(after=key(page.items[-1]))))
    return [row] if row else []


async def show(
    update: Update,
    context,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    *,
    new_message: bool = False,
) -> None:
    """Answer: edit the menu message in place after a button press, else send a new message."""
    query = update.callback_query
    if query is not None and query.message is not None and not new_message:
        await _answer_quietly(update)
        if _shows_already(query.message, text, markup):  # Telegram refuses an edit that changes nothing
            return
        try:
            await query.edit_message_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
            return
        except BadRequest as exc:
            if "not modified" in exc.message:
                return
            if "message to edit not found" not in exc.message and "can't be edited" not in exc.message:
                raise
    elif query is not None:
        await _answer_quietly(update)
    await context.bot.send_message(update.effective_chat.id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


def _shows_already(message, text: str, markup: InlineKeyboardMarkup | None) -> bool:
    """The pressed message already reads this (as Telegram reports it: plain text and buttons)."""
    if getattr(message, "reply_markup", None) != markup:
        return False
    plain = html.unescape(re.sub(r"<[^>]+>", "", str(text))).strip()
    return (getattr(message, "text", None) or "").strip() == plain


async def _answer_quietly(update: Update) -> None:
    try:
        await update.callback_query.answer()
    except BadRequest as exc:  # answered already, or too old: the user is not waiting any more
        log.debug("callback query not answered: %s", exc.message)


async def alert(update: Update, text: str) -> None:
    """A notification over the chat after a button press (plain text, at most 200 characters)."""
    if update.callback_query is not None:
        await update.callback_query.answer(text[:200], show_alert=True)
    elif update.effective_chat is not None:
        await update.get_bot().send_message(update.effective_chat.id, text)


async def stale_button(update: Update, context) -> None:
    """A button that no longer applies (old, forged, or for something gone): say so, change nothing."""
    if update.callback_query is not None:
        log.info("stale or unknown button %r", (update.callback_query.data or "")[:64])
    await alert(update, context.t.gettext("This button is no longer valid. Type /start for the menu."))


async def confirm(
    update: Update, context, question: str, yes: tuple[str, str], no: tuple[str, str], *, new_message: bool = False
) -> None:
    """The one confirmation screen: a question with "yes, do it" and "no" (labels and button data)."""
    await show(update, context, question, keyboard([[yes], [no]]), new_message=new_message)
