"""Runs first for every update: who is writing, in which language, with which role.

Updates from groups and channels stop here: the bot works in private chats only, except in the
coordinators' forum group an admin linked (handlers/staff_group.py, issue 15).
"""

from __future__ import annotations

import re
from collections import OrderedDict

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.flood import FloodGuard
from bot.i18n import resolve_locale, translator
from bot.services import Role
from handlers.command_menu import set_chat_commands
from handlers.common import keyboard, stale_button
from handlers.document_verify import for_a_stranger
from handlers.staff_group import on_group_update
from storage.sessions import SessionRecord
from storage.transaction_hooks import unobserved

_FLOOD_KEY = "flood_guard"
# (role, locale) whose command menu was last set for a chat, in this process.
_MENUS_KEY = "command_menus"


async def load_session(update: Update, context: BotContext) -> None:
    user = update.effective_user
    chat = update.effective_chat
    services = context.services
    settings = services.settings
    if chat is not None and chat.type != ChatType.PRIVATE:
        # Nothing is stored about people who only write in groups.
        telegram_locale = user.language_code if user else None
        context.t = translator(resolve_locale(None, telegram_locale, settings.default_locale), settings.timezone)
        # The one exception: the coordinators' linked forum group (issue 15, handlers/staff_group.py).
        if await on_group_update(update, context):
            raise ApplicationHandlerStop
        await _invite_to_private_chat(update, context)
        raise ApplicationHandlerStop
    if user is None or user.is_bot:
        return
    member = update.my_chat_member
    if member is not None and member.new_chat_member.status in ("kicked", "left"):
        # The person blocked the bot: not a sign of activity; nothing more will reach them.
        with unobserved():  # the same mark again changes nothing
            await services.users.mark_unreachable(user.id, services.clock())
        raise ApplicationHandlerStop
    verdict = _flood_guard(context).check(user.id, services.clock().timestamp())
    if not verdict.allowed:
        if verdict.warn and chat is not None:
            known = await services.users.get(user.id)
            chosen = known.chosen_locale if known else None
            t = translator(
                resolve_locale(chosen, user.language_code, settings.default_locale),
                settings.timezone,
            )
            await context.bot.send_message(
                chat.id,
                t.ngettext(
                    "You are writing faster than I can answer 🙂 I will listen again in %(count)d second.",
                    "You are writing faster than I can answer 🙂 I will listen again in %(count)d seconds.",
                    verdict.retry_in,
                ),
            )
        if update.callback_query is not None:
            await update.callback_query.answer()
        raise ApplicationHandlerStop
    if await for_a_stranger(update, context):  # checking a document does not make anyone a person here
        raise ApplicationHandlerStop
    context.session = await _session(context, user)
    context.profile = context.session.user
    if user.id in settings.admin_ids:
        context.role = Role.ADMIN
    elif context.session.is_coordinator:
        context.role = Role.COORDINATOR
    locale = resolve_locale(context.profile.chosen_locale, user.language_code, settings.default_locale)
    context.t = translator(locale, settings.timezone)
    if chat is not None:
        await sync_chat_menu(context, chat.id)
    if _out_of_range(update):
        # Forged ids beyond SQLite's integers: no handler needs to see them.
        if update.callback_query is not None:
            await stale_button(update, context)
        else:
            await context.bot.send_message(chat.id, context.t._("This link is not valid. Type /start for the menu."))
        raise ApplicationHandlerStop
    if update.edited_message is not None:
        # Answers were taken as first sent; an edit would silently disagree with what is stored.
        await context.bot.send_message(
            chat.id,
            context.t._("Editing a sent message doesn't change my answer. Please send it again instead."),
            parse_mode="HTML",
        )
        raise ApplicationHandlerStop


async def _session(context: BotContext, user) -> SessionRecord:
    """One query for what every update needs; the profile is written only when it changed."""
    services = context.services
    session = await services.sessions.load(user.id)
    if session is None or not services.users.is_current(
        session.user, user.first_name, user.last_name, user.username, user.language_code, services.clock()
    ):
        with unobserved():  # the profile as Telegram sends it: a repeat changes nothing (bot/inbox.py)
            await services.users.record_contact(
                telegram_id=user.id,
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
                telegram_locale=user.language_code,
                now=services.clock(),
            )
        session = await services.sessions.load(user.id)
    return session


_NUMBER = re.compile(r"-?\d+")
_INT64 = 2**63


def _out_of_range(update: Update) -> bool:
    """True when button data or a /start payload carries a number no stored id can have."""
    if update.callback_query is not None:
        carried = update.callback_query.data or ""
    elif update.message is not None and (update.message.text or "").startswith("/start"):
        carried = update.message.text or ""
    else:
        return False
    return any(abs(int(number)) >= _INT64 for number in _NUMBER.findall(carried))


MENUS_REMEMBERED = 10_000  # the chats active lately; one forgotten just gets its menu set again


async def sync_chat_menu(context: BotContext, chat_id: int) -> None:
    """Set the chat's command menu when first seen, and whenever role or language change. What was
    set is remembered for the most recent chats only, so memory does not grow with everyone."""
    menus: OrderedDict[int, tuple[int, str]] = context.bot_data.setdefault(_MENUS_KEY, OrderedDict())
    wanted = (int(context.role), context.t.locale)
    if menus.get(chat_id) == wanted:
        menus.move_to_end(chat_id)
        return
    if await set_chat_commands(context.bot, chat_id, context.t, context.role):
        menus[chat_id] = wanted
        menus.move_to_end(chat_id)
        while len(menus) > MENUS_REMEMBERED:
            menus.popitem(last=False)


async def _invite_to_private_chat(update: Update, context: BotContext) -> None:
    message = update.effective_message
    if update.channel_post or update.edited_channel_post or message is None:
        return
    if update.edited_message is not None:
        return
    t = context.t
    username = context.bot.username
    await message.reply_text(
        t._("Let's talk in private: write to me at @%(bot)s.", bot=username),
        parse_mode="HTML",
        reply_markup=keyboard([[(t.gettext("Write to the bot"), f"https://t.me/{username}")]]),
    )


def _flood_guard(context: BotContext) -> FloodGuard:
    guard = context.bot_data.get(_FLOOD_KEY)
    if guard is None:
        settings = context.services.settings
        guard = FloodGuard(settings.flood_messages, settings.flood_window_seconds)
        context.bot_data[_FLOOD_KEY] = guard
    return guard
