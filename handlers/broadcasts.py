"""Coordinators compose announcements for chosen groups, send them now or later, follow and
cancel them. The parts: handlers/broadcast_compose.py (the content and the draft's panel),
broadcast_audience.py (who gets it), broadcast_schedule.py (now or when) and broadcast_list.py
(/ogloszenia). The scheduled-announcements job is in bot/jobs/broadcasts.py, the progress message
in bot/broadcast_status.py.

Drafts live in the database (a restart loses nothing); every command and button re-checks the
role, and a draft's buttons work only for the coordinator who wrote it."""

from __future__ import annotations

from telegram import Update

from bot.buttons.broadcasts import AudienceTick, BroadcastButton, UrgentSwitch
from bot.context import BotContext
from bot.routing import Routes
from handlers import broadcast_audience, broadcast_compose, broadcast_list, broadcast_schedule

_ACTIONS = {
    "list": broadcast_list.list_page,
    "o": broadcast_list.open_one,
    "x": broadcast_list.confirm_cancel,
    "xy": broadcast_list.cancel_broadcast,
    "new": broadcast_compose.compose_pressed,
    "edit": broadcast_compose.change_text,
    "d": broadcast_compose.open_draft,
    "pv": broadcast_compose.preview,
    "cat": broadcast_compose.category_menu,
    "cs": broadcast_compose.set_category,
    "del": broadcast_compose.discard,
    "aud": broadcast_audience.open_audience,
    "pc": broadcast_audience.open_picker,
    "pk": broadcast_audience.open_picker,
    "pe": broadcast_audience.open_picker,
    "now": broadcast_schedule.confirm_now,
    "go": broadcast_schedule.send_now,
    "sch": broadcast_schedule.ask_when,
    "sgo": broadcast_schedule.schedule,
}


async def pressed(update: Update, context: BotContext, press: BroadcastButton) -> None:
    await _ACTIONS[press.act](update, context, press)  # each checks the role itself


def register(routes: Routes) -> None:
    routes.flow(broadcast_compose.TEXT)
    routes.flow(broadcast_schedule.WHEN)
    routes.press(BroadcastButton, pressed)
    routes.press(AudienceTick, broadcast_audience.tick)
    routes.press(UrgentSwitch, broadcast_compose.set_urgent)
    routes.command(["ogloszenie", "announce"], broadcast_compose.compose)
    routes.command(["ogloszenia", "announcements"], broadcast_list.list_command)
