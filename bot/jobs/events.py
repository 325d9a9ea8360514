"""Scheduled work for events: reminders before the start, the attendance question afterwards, and
the notices queued by changes (a new event, a change, a cancellation, a freed seat).

Each is claimed in the database in the transaction that selects it, then sent; so a restart
neither repeats nor loses one. A notice that fails for a passing reason is released and retried.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from telegram import InputFile
from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from bot.buttons.events import ALERTS, EVENTS
from bot.buttons.events import card as event_button
from bot.context import SERVICES_KEY
from bot.event_text import GIVE_UP, calendar_bytes, card, change_lines, changed_fields, short_when, sign_up_label
from bot.i18n import Translator
from bot.replies import keyboard
from bot.sending import send_safely, translator_for
from bot.services import Services
from storage.events import Event, EventStatus, Notice, Seat
from storage.preferences import category_of

log = logging.getLogger(__name__)


def _services(app: Application) -> Services:
    return app.bot_data[SERVICES_KEY]


def _starts_in(t: Translator, minutes: int) -> str:
    if minutes < 60:
        return t.ungettext("in %(count)d minute", "in %(count)d minutes", minutes)
    if minutes < 48 * 60:
        return t.ungettext("in %(count)d hour", "in %(count)d hours", round(minutes / 60))
    return t.ungettext("in %(count)d day", "in %(count)d days", round(minutes / (24 * 60)))


async def send_event_reminders(app: Application) -> int:
    """The reminders due now (organisation file: events.reminder_hours), each at most once."""
    services = _services(app)
    now = services.clock()
    sent = 0
    for due in await services.events.claim_reminders(now, services.org.events.reminder_minutes):
        event = await services.events.get(due.event_id)
        if event is None:
            continue
        t = await translator_for(services, due.telegram_id)
        # Say how long is actually left (a late reminder after downtime must not say "in 24 hours").
        left = max(int((event.starts_at - now).total_seconds() // 60), 1)
        left = due.offset_minutes if abs(left - due.offset_minutes) <= 15 else left
        text = "\n".join(
            [
                t._("⏰ <b>Reminder</b>: %(title)s starts %(when)s.", title=event.title, when=_starts_in(t, left)),
                "",
                card(event, services.org, t, now),
                "",
                t._("Will you come? If not, give your place to someone on the waitlist."),
            ]
        )
        markup = keyboard(
            [
                [
                    (t.gettext("👍 I'll be there"), event_button("rs", event.id, "y")),
                    (t.gettext(GIVE_UP), event_button("rs", event.id, "n")),
                ]
            ]
        )
        if await send_safely(app.bot, services, due.telegram_id, text, markup):
            sent += 1
    if sent:
        log.info("sent %d event reminders", sent)
    return sent


async def ask_about_attendance(app: Application) -> int:
    """Queue "did you come?" for events that ended `attendance_after_hours` ago; returns the events."""
    services = _services(app)
    now = services.clock()
    after = timedelta(hours=services.org.events.attendance_after_hours)
    return len(await services.events.claim_attendance_questions(now - after, now))


async def send_event_notices(app: Application, limit: int = 500) -> int:
    """Send up to `limit` queued notices; returns how many were delivered."""
    services = _services(app)
    delivered = 0
    events: dict[int, Event | None] = {}
    while delivered < limit:
        batch = await services.events.claim_notices(services.clock(), min(100, limit - delivered))
        if not batch:
            break
        for notice in batch:
            if notice.event_id not in events:
                events[notice.event_id] = await services.events.get(notice.event_id)
            event = events[notice.event_id]
            if event is None:
                continue
            wait_until = await _quiet_until(services, notice, event)
            if wait_until is not None:
                await services.events.release_notice(notice.id, not_before=wait_until)
                continue
            outcome = await _send_notice(app, services, notice, event)
            if outcome is None:  # a passing failure: release it for the next run, stop this one
                await services.events.release_notice(notice.id)
                return delivered
            delivered += int(outcome)
    return delivered


# A change of the number of places alone is not news to anyone signed up (see _send_notice).
CAPACITY_ONLY = frozenset({"capacity"})

# Notices that can wait for the morning; a change, a cancellation or a freed seat cannot.
_CAN_WAIT = {"new", "attendance"}


async def _quiet_until(services: Services, notice: Notice, event: Event) -> datetime | None:
    """When a notice that can wait falls in the person's quiet hours, the time it may go out."""
    if notice.kind not in _CAN_WAIT:
        return None
    now = services.clock()
    when = await services.preferences.when_may_receive(
        notice.telegram_id, category_of(event.type), now, services.settings.tz
    )
    if when is None:  # the category is turned off: an announcement is dropped, a question is still asked
        return None
    return when if when > now else None


async def _send_notice(app: Application, services: Services, notice: Notice, event: Event) -> bool | None:
    """True if sent, False if it should not or cannot be sent (blocked, no longer relevant), None to retry."""
    t = await translator_for(services, notice.telegram_id)
    now = services.clock()
    registration = await services.events.registration(event.id, notice.telegram_id)
    seat = registration.status if registration else None
    open_card = (t.gettext("📅 Show the event"), event_button("o", event.id))
    attach_calendar = False
    if notice.kind == "new":
        if event.status != EventStatus.PUBLISHED or event.closed_reason(now) is not None:
            return False
        wanted = await services.preferences.when_may_receive(
            notice.telegram_id, category_of(event.type), now, services.settings.tz
        )
        if wanted is None:  # they turned this category off after asking for alerts: the newer choice wins
            return False
        text = t._("🆕 <b>New event</b>") + "\n\n" + card(event, services.org, t, now)
        rows = [[(sign_up_label(event, t), event_button("j", event.id))], [open_card]]
        rows.append([(t.gettext("🔔 Change alerts"), ALERTS)])
    elif notice.kind == "changed":
        was = notice.was()
        if seat not in (Seat.REGISTERED, Seat.WAITLISTED) or event.status != EventStatus.PUBLISHED:
            return False
        if was and set(was) <= CAPACITY_ONLY:  # concerns only those it promoted, and they get the promotion
            return False
        text = "\n".join(
            [
                t._("✏️ <b>Changed</b>: %(title)s (%(fields)s).", title=event.title, fields=changed_fields(was, t)),
                *change_lines(event, was, services.org, t),
                "",
                card(event, services.org, t, now, registration),
            ]
        )
        rows = [[open_card]]
        attach_calendar = seat == Seat.REGISTERED and any(
            f in was for f in ("starts_at", "ends_at", "place", "online_url", "title")
        )
    elif notice.kind == "cancelled":
        text = t._(
            "❌ <b>Cancelled</b>: %(title)s (%(when)s).\n\nThe reason: %(reason)s\n\nWe are sorry. "
            "See other events in the catalogue.",
            title=event.title,
            when=short_when(event, t),
            reason=event.cancel_reason or "",
        )
        rows = [[(t.gettext("📅 Events and trainings"), EVENTS)]]
        attach_calendar = seat == Seat.REGISTERED
    elif notice.kind == "promoted":
        if seat != Seat.REGISTERED or now >= event.starts_at:
            return False
        text = "\n".join(
            [
                t._("🎉 <b>A place has freed up, and it is yours!</b>"),
                "",
                card(event, services.org, t, now, registration),
                "",
                t._("If you cannot come after all, please give the place back for the next person."),
            ]
        )
        rows = [
            [(t.gettext("📅 Add to calendar"), event_button("ics", event.id))],
            [(t.gettext(GIVE_UP), event_button("l", event.id))],
        ]
    elif notice.kind == "attendance":
        if seat != Seat.REGISTERED or registration.self_attended is not None:
            return False
        text = t._("👋 Did you take part in <b>%(title)s</b> (%(when)s)?", title=event.title, when=short_when(event, t))
        rows = [
            [
                (t.gettext("✅ Yes, I took part"), event_button("at", event.id, "y")),
                (t.gettext("❌ No"), event_button("at", event.id, "n")),
            ]
        ]
    else:
        return False
    try:
        await app.bot.send_message(notice.telegram_id, text, reply_markup=keyboard(rows))
    except Forbidden:
        await services.users.mark_unreachable(notice.telegram_id)
        return False
    except BadRequest as exc:  # e.g. the chat is gone: retrying will not help
        log.warning("event notice %s to %s dropped: %s", notice.id, notice.telegram_id, exc)
        return False
    except TelegramError as exc:  # flood control, network: try again on the next run
        log.warning("event notice %s to %s not sent yet: %s", notice.id, notice.telegram_id, exc)
        return None
    if attach_calendar:
        try:
            await app.bot.send_document(
                notice.telegram_id,
                InputFile(calendar_bytes(services, event), filename=f"wydarzenie-{event.id}.ics"),
                caption=t._("The updated calendar entry."),
            )
        except TelegramError as exc:  # the notice itself went out; the file is a convenience
            log.warning("calendar file for notice %s not sent: %s", notice.id, exc)
    return True
