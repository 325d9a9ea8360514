"""What the bot knows of an agreement without Telegram or a handler: today's date where the
organisation is, the agreement's number, and the volunteer's name (shared by the handlers and
the scheduled agreement jobs)."""

from __future__ import annotations

from datetime import date

from bot.agreements import Volunteer, agreement_number, volunteer_from_answers
from bot.services import Services
from storage.agreements import Agreement


def today(services: Services) -> date:
    return services.clock().astimezone(services.settings.tz).date()


def number(services: Services, agreement: Agreement) -> str:
    return agreement_number(services.org, agreement.id, agreement.created_at.year)


async def volunteer_of(services: Services, telegram_id: int, application_id: int | None) -> Volunteer:
    answers = await services.applications.answers(application_id) if application_id else {}
    user = await services.users.get(telegram_id)
    return volunteer_from_answers(services.org, answers, user.full_name if user else str(telegram_id))


async def display_name(services: Services, agreement: Agreement) -> str:
    return (await volunteer_of(services, agreement.telegram_id, agreement.application_id)).name
