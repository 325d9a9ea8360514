"""How a work log reads, and the message asking someone to confirm it: shared by the handlers
(the organisation's contacts are asked when the work is logged) and the job that asks the
coordinators when the organisation has not answered in time (bot/jobs/ cannot import handlers/)."""

from __future__ import annotations

import logging

from telegram.error import TelegramError

from bot import hours_text
from bot.buttons.work_logs import WorkDecide
from bot.i18n import Translator
from bot.replies import keyboard
from storage.work_logs import CONFIRMED, REJECTED, WAITING, WorkLog

log_ = logging.getLogger(__name__)
STATE_MARK = {WAITING: "🕓", CONFIRMED: "✅", REJECTED: "❌"}


def state_text(t: Translator, log: WorkLog) -> str:
    if log.state == CONFIRMED:
        if log.confirmed_hours is not None and abs(log.confirmed_hours - log.hours) > 1e-9:
            return t.gettext(
                "confirmed with corrected hours: %(hours)s", hours=hours_text.hours(t, log.confirmed_hours)
            )
        return t.gettext("confirmed")
    if log.state == REJECTED:
        return t.gettext("not confirmed")
    return t.gettext("waiting for confirmation")


def log_lines(t: Translator, log: WorkLog, expert: str, request_title: str) -> list[str]:
    """The facts of a log (HTML, escaped)."""
    lines = [
        t._("Request for support: %(title)s", title=request_title),
        t._("Expert: %(name)s", name=expert),
        t._("Day: %(day)s", day=t.date(log.day, "dd.MM.y")),
        t._("Hours: %(hours)s", hours=hours_text.hours(t, log.hours)),
        t._("What was done: %(summary)s", summary=log.summary[:1500]),
    ]
    if log.file_id:
        lines.append(t._("Attachment: sent above."))
    return lines


def decide_markup(t: Translator, log_id: int):
    return keyboard(
        [
            [
                (t.gettext("✅ I confirm"), WorkDecide(act="ok", log=log_id).pack()),
                (t.gettext("✏️ Correct"), WorkDecide(act="fix", log=log_id).pack()),
            ],
            [(t.gettext("❌ I do not confirm"), WorkDecide(act="no", log=log_id).pack())],
        ]
    )


def to_confirm(t: Translator, log: WorkLog, expert: str, request_title: str, *, coordinator: bool, wait_hours=None):
    """(text, buttons) asking a contact (or a coordinator, when the organisation did not answer)."""
    if coordinator:
        head = t._(
            "🧾 <b>Work not confirmed by the organisation</b> within %(hours)s. You can confirm or correct it instead.",
            hours=hours_text.hours(t, wait_hours or 0),
        )
    else:
        head = t._("🧾 <b>Please confirm the work done</b> for your organisation.")
    text = "\n".join(str(line) for line in [head, "", *log_lines(t, log, expert, request_title)])
    return text, decide_markup(t, log.id)


async def send_attachment(bot, chat_id: int, log: WorkLog) -> None:
    """The log's photo or document, by Telegram's file_id (nothing when it has none)."""
    if not log.file_id:
        return
    try:
        if log.file_kind == "photo":
            await bot.send_photo(chat_id, log.file_id)
        else:
            await bot.send_document(chat_id, log.file_id)
    except TelegramError as exc:  # blocked, or the file is gone: the card still says what was done
        log_.info("attachment of work log %s not sent to %s: %s", log.id, chat_id, exc)


def request_label(t: Translator, request_id: int, organisation: str) -> str:
    return t.gettext("#%(id)d · %(organisation)s", id=request_id, organisation=organisation)
