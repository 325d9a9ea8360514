"""What the coordinator sees of a broadcast while the sender works: its progress message, edited
every few seconds, and one final report when it ends (sent, failed, blocked, deleted accounts)."""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from bot.broadcast_delivery import send_options
from bot.broadcast_pacer import Pacer
from bot.broadcast_text import final_report, progress_text, report_markup
from bot.sending import translator_for
from storage.broadcasts import Broadcast, BroadcastStatus

log = logging.getLogger(__name__)


class Reports:
    """Its messages take their turn in the sender's pace, like the broadcast's own."""

    def __init__(self, app, pacer: Pacer, *, rate: float, paid: bool):
        self.app = app
        self.pacer = pacer
        self.rate = rate
        self.paid = paid

    async def show_progress(self, services, broadcast_ids: set[int]) -> None:
        for broadcast_id in sorted(broadcast_ids):
            broadcast = await services.broadcasts.get(broadcast_id)
            if broadcast is None or broadcast.status != BroadcastStatus.SENDING or not broadcast.status_message_id:
                continue
            progress = await services.broadcasts.progress(broadcast_id, services.clock())
            t = await translator_for(services, broadcast.status_chat_id)
            await self._edit(broadcast, progress_text(t, broadcast, progress, self.rate), report_markup(t, broadcast))

    async def send_final(self, services, broadcast: Broadcast) -> None:
        """The report of a broadcast that ended; the caller has claimed it (sent once only)."""
        progress = await services.broadcasts.progress(broadcast.id, services.clock())
        chat = broadcast.status_chat_id or broadcast.created_by
        t = await translator_for(services, chat)
        text = final_report(t, broadcast, progress)
        log.info(
            "broadcast %d %s: %d sent, %d failed, %d blocked, %d deleted accounts%s",
            broadcast.id,
            broadcast.status,
            progress.sent,
            progress.failed,
            progress.blocked,
            progress.deleted,
            " (urgent)" if broadcast.urgent else "",
        )
        if broadcast.status_message_id:
            await self._edit(broadcast, text, None)
        await self.pacer.acquire(chat)
        try:
            await self.app.bot.send_message(chat, text, **send_options(self.app.bot, self.paid))
        except TelegramError as exc:  # the coordinator blocked the bot: the figures stay in /ogloszenia
            log.warning("the report of broadcast %d was not delivered: %s", broadcast.id, exc)

    async def _edit(self, broadcast: Broadcast, text: str, markup) -> None:
        await self.pacer.acquire(None)  # an edit adds no message to the chat: only the global pace
        try:
            await self.app.bot.edit_message_text(
                text, chat_id=broadcast.status_chat_id, message_id=broadcast.status_message_id, reply_markup=markup
            )
        except TelegramError as exc:  # "not modified", deleted by the coordinator...
            log.debug("progress of broadcast %d not shown: %s", broadcast.id, exc)
