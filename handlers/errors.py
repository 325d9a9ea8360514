"""The one error handler: the log gets the traceback and the update id; the user, an apology."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import Forbidden, TelegramError
from telegram.ext import ApplicationHandlerStop

from bot.context import BotContext
from bot.i18n import Translator, resolve_locale, translator
from bot.inbox_applied import AlreadyApplied, retry_later
from storage.errors import database_away

log = logging.getLogger("volunteer_bot.errors")


async def on_error(update: object, context: BotContext) -> None:
    update_id = update.update_id if isinstance(update, Update) else None
    if isinstance(context.error, AlreadyApplied):
        await _already_applied(update, context)
        raise ApplicationHandlerStop
    if database_away(context.error) and retry_later():  # handled again in a moment (bot/inbox.py)
        error = context.error
        log.warning(
            "Update %s: the database is away (%s: %s); handling it again shortly",
            update_id,
            type(error).__name__,
            error,
        )
        raise ApplicationHandlerStop
    log.error("Error while handling update %s", update_id, exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.effective_chat.type != "private" or isinstance(context.error, Forbidden):
        raise ApplicationHandlerStop
    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        t = await _user_translator(update, context)
        await context.bot.send_message(
            update.effective_chat.id,
            t._("Sorry, something went wrong on our side. Please try again in a moment or type /start."),
            parse_mode="HTML",
        )
    except TelegramError as exc:  # nothing more we can do for this user now
        log.warning("could not tell user about the error: %s", exc)
    # One answer per update: after a failure, later handler groups must not answer too.
    raise ApplicationHandlerStop


async def _user_translator(update: Update, context: BotContext) -> Translator:
    """The error context is new, so the user's language is looked up again (and the database
    may be what failed, so Telegram's language is the fallback)."""
    settings = context.services.settings
    user = update.effective_user
    chosen = None
    if user is not None:
        try:
            profile = await context.services.users.get(user.id)
            chosen = profile.chosen_locale if profile else None
        except Exception:
            log.warning("could not read the user's language for the apology")
    telegram_locale = user.language_code if user else None
    return translator(resolve_locale(chosen, telegram_locale, settings.default_locale), settings.timezone)


async def _already_applied(update: object, context: BotContext) -> None:
    """An update handled again after a crash tried to write what it wrote before (refused, rolled
    back): not an error; the person is told it is saved and shown the menu (the reply they missed)."""
    if not isinstance(update, Update) or update.effective_chat is None or update.effective_chat.type != "private":
        return
    log.info("Update %s was applied before a restart; its write was refused, the menu shown", update.update_id)
    from handlers.menu import menu_after

    try:
        if update.callback_query is not None:
            await update.callback_query.answer()
        context.t = await _user_translator(update, context)
        await _who(update, context)  # the error's context is new: the menu is this person's
        await menu_after(update, context, context.t._("✅ That is saved already."))
    except TelegramError as exc:
        log.warning("could not show the menu after a repeated update: %s", exc)


async def _who(update: Update, context: BotContext) -> None:
    from bot.services import Role

    user = update.effective_user
    session = await context.services.sessions.load(user.id) if user is not None else None
    if session is None:
        return
    context.session, context.profile = session, session.user
    if user.id in context.services.settings.admin_ids:
        context.role = Role.ADMIN
    elif session.is_coordinator:
        context.role = Role.COORDINATOR
