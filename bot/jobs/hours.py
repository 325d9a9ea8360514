"""The reminder before a month ends to those short of this month's quota of confirmed hours.

In the last `[hours] reminder_days_before_end` days of a month, each person the quota concerns
(accepted team members, and anyone with confirmed hours this month or the month before) who is
short of it gets one message. The reminder is claimed by the insert that marks it (one row per
person and month), so it goes exactly once, also across restarts and bot copies. Like the question
after an event, it is about the person's own hours, not an announcement: no category turns it off,
but it waits for the end of their quiet hours (a person in them is not claimed until they end)."""

from __future__ import annotations

import logging

from telegram.ext import Application

from bot import hours_text
from bot.buttons.hours import MY_HOURS
from bot.context import SERVICES_KEY
from bot.replies import keyboard
from bot.sending import tell
from bot.services import Services
from storage.hours_rules import Month, days_left

log = logging.getLogger(__name__)

# At most this many a run (every ten minutes): a programme's whole team is reminded over the first
# hours of the window, not in one burst at Telegram's limit that holds the job for minutes.
PER_RUN = 300


async def remind_short_of_quota(app: Application, limit: int = PER_RUN) -> int:
    services: Services = app.bot_data[SERVICES_KEY]
    settings = services.org.hours
    if not settings.quota:
        return 0
    tz = services.settings.tz
    now = services.clock()
    local = now.astimezone(tz)
    today = local.date()
    left = days_left(today)
    if left > settings.reminder_days_before_end:
        return 0
    month = Month.of(today)
    ledger = services.hours
    done = await ledger.reminded(month)
    minute = local.hour * 60 + local.minute
    short = []  # (member, their quota) for those not reminded yet and short of it
    for member in await ledger.all_members(month, month.previous(), settings.birth_date_field):
        rule = settings.rule_for(member.birth, member.disability, today)
        if member.telegram_id not in done and rule is not None and member.hours + 1e-9 < rule.monthly_hours:
            short.append((member, rule))
    preferences = await services.preferences.many([member.telegram_id for member, _ in short])
    sent = 0
    for member, rule in short:
        if sent >= limit:
            break
        quiet = preferences[member.telegram_id].quiet
        if quiet is not None and quiet.contains(minute):
            continue  # a later run, after their quiet hours, reminds them
        if not await ledger.claim_reminder(member.telegram_id, month, now):
            continue  # another run or process took it
        done_hours, quota = member.hours, rule.monthly_hours

        def compose(t, done_hours=done_hours, quota=quota):
            text = "\n".join(
                str(line)
                for line in (
                    t._("⏱ <b>Your hours this month</b>"),
                    t._(
                        "Confirmed so far: %(done)s of %(quota)s.",
                        done=hours_text.hours(t, done_hours),
                        quota=hours_text.hours(t, quota),
                    ),
                    hours_text.to_go(t, quota - done_hours),
                    hours_text.days_to_go(t, left),
                    "",
                    t._("Work still to be confirmed counts once it is confirmed."),
                )
            )
            return text, keyboard([[(t.gettext("⏱ My hours"), MY_HOURS)]])

        if await tell(app.bot, services, member.telegram_id, compose):
            sent += 1
    if sent:
        log.info("reminded %d people short of the %s quota", sent, month.key)
    return sent
