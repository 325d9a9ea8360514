"""Writing to someone who did not just write to us: in their language, safely."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from telegram.error import Forbidden, TelegramError

from bot.i18n import Translator, resolve_locale, translator

log = logging.getLogger(__name__)


async def translator_for(services, telegram_id: int) -> Translator:
    """The language a person chose (or their Telegram language), for messages sent to them."""
    settings = services.settings
    user = await services.users.get(telegram_id)
    locale = resolve_locale(
        user.chosen_locale if user else None,
        user.telegram_locale if user else None,
        settings.default_locale,
    )
    return translator(locale, settings.timezone)


async def send_safely(bot, services, chat_id: int, text: str, markup=None) -> bool:
    """Send a notification; a user who blocked the bot is marked unreachable, not an error."""
    try:
        await bot.send_message(chat_id, text, reply_markup=markup)
    except Forbidden:
        await services.users.mark_unreachable(chat_id)
        return False
    except TelegramError as exc:
        log.warning("could not send a message to %s: %s", chat_id, exc)
        return False
    return True


# What to tell one coordinator, written in their language: (text, buttons), or None for nothing.
Compose = Callable[[Translator], "tuple[str, Any] | None"]


async def tell_coordinators(
    bot,
    services,
    compose: Compose,
    *,
    recipients: Iterable[int] | None = None,
    wants: Callable[[int], Awaitable[bool]] | None = None,
) -> int:
    """Send every coordinator and admin (or `recipients`) a message in their own language; `wants`
    lets a person's settings leave them out. Returns how many received it."""
    sent = 0
    for staff_id in await services.staff_ids() if recipients is None else recipients:
        if (wants is None or await wants(staff_id)) and await tell(bot, services, staff_id, compose):
            sent += 1
    return sent


async def tell(bot, services, telegram_id: int, compose: Compose) -> bool:
    """Send one person a message written in their language (`compose(t)`; None sends nothing)."""
    message = compose(await translator_for(services, telegram_id))
    return message is not None and await send_safely(bot, services, telegram_id, *message)
