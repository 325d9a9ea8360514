"""Events for coordinators: where their presses and commands arrive. Each press re-checks the
coordinator role and that the event it names exists, then goes to the module doing that job:

- handlers/event_manage.py — the list, the card, publishing, deleting a draft, duplicating, the
  share link, who signed up, the CSV;
- handlers/event_announce.py — an announcement of the event, drafted in one tap;
- handlers/event_form.py — creating and editing an event (one flow with the preview);
- handlers/event_cancel.py — cancelling with a typed reason (a one-step flow);
- handlers/event_attendance.py — attendance and the hours (a one-step flow).
"""

from __future__ import annotations

import logging

from telegram import Update

from bot.buttons.events import EventAdmin, ManageEvents, MarkAttendance, NewEvent
from bot.context import BotContext
from bot.routing import Routes
from bot.services import Role
from handlers import event_announce, event_attendance, event_cancel, event_form, event_manage
from handlers.common import alert, requires_role, stale_button
from handlers.event_form import PROMPTS  # noqa: F401  (the fuzz test finds the form's questions by them)

log = logging.getLogger(__name__)

_ACTIONS = {
    **event_manage.ACTIONS,
    **event_announce.ACTIONS,
    "ed": event_form.start_edit,
    "cx": event_cancel.start_cancel,
    "att": event_attendance.attendance,
    "tall": event_attendance.mark_all,
    "hrs": event_attendance.start_hours,
}


async def _refused(update: Update, context: BotContext) -> bool:
    if context.role >= Role.COORDINATOR:
        return False
    log.warning("user %s pressed a coordinator's event button", update.effective_user.id)
    await alert(update, context.t.gettext("This is only available to coordinators."))
    return True


async def pressed(update: Update, context: BotContext, press: EventAdmin) -> None:
    if await _refused(update, context):
        return
    event = await context.services.events.get(press.event_id)
    if event is None:
        await stale_button(update, context)
        return
    await _ACTIONS[press.act](update, context, event, press.page)


async def manage_pressed(update: Update, context: BotContext, press: ManageEvents) -> None:
    if not await _refused(update, context):
        await event_manage.manage(update, context, press)


async def new_pressed(update: Update, context: BotContext, press: NewEvent) -> None:
    if not await _refused(update, context):
        await event_form.start_new(update, context)


@requires_role(Role.COORDINATOR)
async def new_event_command(update: Update, context: BotContext) -> None:
    await event_form.start_new(update, context)


def register(routes: Routes) -> None:
    routes.flow(event_form.FORM)
    routes.flow(event_cancel.CANCEL)
    routes.flow(event_attendance.HOURS)
    routes.press(EventAdmin, pressed)
    routes.press(ManageEvents, manage_pressed)
    routes.press(NewEvent, new_pressed)
    routes.press(MarkAttendance, event_attendance.mark)
    routes.command(["nowe_wydarzenie", "new_event"], new_event_command)
