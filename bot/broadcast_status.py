"""What happens when an announcement starts, whoever started it (a coordinator's press or the
scheduled job): the log line and the coordinator's progress message, which the paced sender then
keeps up to date."""

from __future__ import annotations

import logging

from bot.broadcast_text import progress_text, report_markup
from bot.context import SERVICES_KEY
from bot.sending import translator_for
from storage.broadcasts import Broadcast

log = logging.getLogger(__name__)


def log_start(broadcast: Broadcast, by: int | None) -> None:
    if broadcast.urgent:
        log.warning(
            "URGENT broadcast %d started (by %s) to %d recipients, ignoring quiet hours",
            broadcast.id,
            by,
            broadcast.recipients,
        )
    else:
        log.info("broadcast %d started (by %s) to %d recipients", broadcast.id, by, broadcast.recipients)


async def post_status_message(app, broadcast: Broadcast) -> None:
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
