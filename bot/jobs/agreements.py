"""Scheduled work on agreements: coming into force, expiring, and three reminders.

Each reminder is claimed in the same UPDATE that finds it (a column set once), so it is sent
exactly once, also across restarts: an offer not accepted after N days, a written copy still
missing after N days, an agreement ending within N days (the coordinators are asked whether to renew).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import timedelta

from telegram import InlineKeyboardMarkup
from telegram.ext import Application

from bot.agreement_facts import display_name, number, today
from bot.buttons.agreements import MY_AGREEMENT, AgreementAdmin
from bot.context import SERVICES_KEY
from bot.i18n import Translator
from bot.replies import keyboard
from bot.sending import tell, tell_coordinators
from bot.services import Services
from storage.agreements import Agreement

log = logging.getLogger(__name__)


async def update_agreement_states(app: Application) -> int:
    """Expire what has run out, then bring into force what has begun; tell the volunteers."""
    services: Services = app.bot_data[SERVICES_KEY]
    now = services.clock()
    day = today(services)
    changed = 0
    for agreement in await services.agreements.expire_due(day, now):
        changed += 1
        no = number(services, agreement)
        await tell(
            app.bot,
            services,
            agreement.telegram_id,
            lambda t, no=no, end=agreement.end_date: (
                t._(
                    "Your volunteer agreement no. %(number)s ended on %(date)s. Thank you for your work! "
                    "You can ask for an attestation under “My agreement”.",
                    number=no,
                    date=t.date(end),
                ),
                _my_agreement(t),
            ),
        )
    for agreement in await services.agreements.activate_due(day, now):
        changed += 1
        no = number(services, agreement)
        await tell(
            app.bot,
            services,
            agreement.telegram_id,
            lambda t, no=no: (
                t._("✅ Your volunteer agreement no. %(number)s is in force from today.", number=no),
                None,
            ),
        )
    return changed


async def send_agreement_reminders(app: Application) -> int:
    services: Services = app.bot_data[SERVICES_KEY]
    settings = services.org.agreement
    now = services.clock()
    offers = await services.agreements.claim_offer_reminders(now - timedelta(days=settings.offer_reminder_days), now)
    sent = await _remind_volunteers(app, services, offers, _offer_waiting)
    copies = await services.agreements.claim_copy_reminders(now - timedelta(days=settings.copy_reminder_days), now)
    sent += await _remind_volunteers(app, services, copies, _copy_missing, staff="copy")
    ending_by = today(services) + timedelta(days=settings.ending_notice_days)
    for agreement in await services.agreements.claim_ending_notices(ending_by, now):
        await _tell_staff(app, services, agreement, "ending")
        sent += 1
    if sent:
        log.info("sent %d agreement reminders", sent)
    return sent


def _offer_waiting(t: Translator, no: str) -> str:
    return t._(
        "📄 Your volunteer agreement no. %(number)s is waiting for you. Read it and accept it in this chat, "
        "or write to the coordinator if something should change.",
        number=no,
    )


def _copy_missing(t: Translator, no: str) -> str:
    return t._(
        "🖊 The signed written copy of your agreement no. %(number)s has not reached us yet. Give the signed "
        "printout to the coordinator, or send the signed file here.",
        number=no,
    )


async def _remind_volunteers(
    app: Application,
    services: Services,
    agreements: Iterable[Agreement],
    text: Callable[[Translator, str], str],
    staff: str | None = None,
) -> int:
    """Each volunteer gets `text` with a button to their agreement; the coordinators are told too
    when `staff` names what of. Returns how many volunteers got it."""
    sent = 0
    for agreement in agreements:
        no = number(services, agreement)
        if await tell(app.bot, services, agreement.telegram_id, lambda t, no=no: (text(t, no), _my_agreement(t))):
            sent += 1
        if staff is not None:
            await _tell_staff(app, services, agreement, staff)
    return sent


def _my_agreement(t: Translator) -> InlineKeyboardMarkup:
    return keyboard([[(t.gettext("📄 My agreement"), MY_AGREEMENT)]])


async def _tell_staff(app: Application, services: Services, agreement, kind: str) -> None:
    name = await display_name(services, agreement)
    no = number(services, agreement)

    def compose(t):
        rows = [[(t.gettext("Open"), AgreementAdmin(act="o", ref=agreement.id).pack())]]
        if kind == "ending":
            text = t._(
                "⏳ Agreement no. %(number)s with %(name)s ends on %(date)s. Renew it?",
                number=no,
                name=name,
                date=t.date(agreement.end_date),
            )
            rows.insert(0, [(t.gettext("🔁 Renew"), AgreementAdmin(act="rn", ref=agreement.id).pack())])
        else:
            text = t._(
                "🖊 The written copy of agreement no. %(number)s with %(name)s is still missing.", number=no, name=name
            )
        return text, keyboard(rows)

    await tell_coordinators(app.bot, services, compose)
