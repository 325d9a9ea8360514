"""⏱ Moje godziny (/godziny): a volunteer's confirmed hours from every source (the ledger,
storage/hours.py): this month and its progress towards the quota, each month of the last year, the
total and the kinds of work; and a disability declared for the lower quota, which is data of a
special category (GDPR art. 9): asked only here, on its own, with an explicit consent, kept apart
from the application, withdrawn (and deleted) with one tap."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup
from telegram import Update

from bot import hours_text
from bot.buttons.hours import MY_HOURS, MyHours
from bot.buttons.menu import MAIN_MENU
from bot.context import BotContext
from bot.hours_quota import QuotaRule
from bot.routing import Routes
from handlers.common import keyboard, show, stale_button
from storage.hours import Tally
from storage.hours_rules import Month, recent_months

YEAR = 12


def today_of(context: BotContext) -> date:
    return context.services.clock().astimezone(context.services.settings.tz).date()


async def quota_rule(context: BotContext, telegram_id: int, today: date) -> QuotaRule | None:
    """The quota rule that applies to this person today (None: the programme has no quota)."""
    services = context.services
    settings = services.org.hours
    if not settings.quota:
        return None
    birth = await services.hours.birth_date(telegram_id, settings.birth_date_field)
    disability = settings.asks_disability and await services.hours.has_disability(telegram_id)
    return settings.rule_for(birth, disability, today)


def _month_name(context: BotContext, month: Month) -> str:
    return context.t.date(month.first_day, "LLLL y")


def _kinds(context: BotContext, tally: Tally) -> list[Markup | str]:
    t, org = context.t, context.services.org
    return [
        t._("• %(kind)s: %(hours)s", kind=hours_text.kind_label(org, t, kind), hours=hours_text.hours(t, value))
        for kind, value in tally.by_kind.items()
    ]


async def my_hours(update: Update, context: BotContext, note: str | None = None) -> None:
    t = context.t
    services = context.services
    user_id = update.effective_user.id
    today = today_of(context)
    rule = await quota_rule(context, user_id, today)
    # The last year is shown; a rule over more months is counted over all of them.
    counted = recent_months(today, max(YEAR, rule.months if rule else 0))
    tallies = await services.hours.by_month(user_id, counted)
    months = counted[:YEAR]
    this = tallies[months[0]]
    lines: list[Markup | str] = [note, ""] if note else []
    lines += [
        t._("⏱ <b>My hours</b>"),
        t._("Confirmed hours only: events you attended and support work confirmed by the organisation."),
        "",
        t._(
            "<b>This month (%(month)s)</b>: %(hours)s",
            month=_month_name(context, months[0]),
            hours=hours_text.hours(t, this.total),
        ),
    ]
    if rule is not None:
        lines += hours_text.progress(t, this.total, rule)
        lines.append(t._("Your quota: %(rule)s.", rule=hours_text.rule_text(t, rule)))
        met = sum(1 for m in counted[: rule.months] if tallies[m].total + 1e-9 >= rule.monthly_hours)
        lines.append(t._("Months with the quota met: %(count)d of the last %(months)d.", count=met, months=rule.months))
    year = Tally(
        round(sum(tallies[m].total for m in months), 2),
        _summed(tallies[m].by_kind for m in months),
    )
    lines += ["", t._("<b>Month by month</b>")]
    lines += [
        t._("%(month)s: %(hours)s", month=_month_name(context, m), hours=hours_text.hours(t, tallies[m].total))
        for m in months
    ]
    lines += ["", t._("<b>Last 12 months</b>: %(hours)s", hours=hours_text.hours(t, year.total))]
    lines += _kinds(context, year)
    lines.append(t._("<b>All time</b>: %(hours)s", hours=hours_text.hours(t, await services.hours.total(user_id))))
    rows = []
    if services.org.hours.asks_disability:
        if await services.hours.has_disability(user_id):
            rows.append([(t.gettext("♿ Withdraw the disability consent"), MyHours(act="off").pack())])
        else:
            rows.append([(t.gettext("♿ Lower quota: disability"), MyHours(act="dis").pack())])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))


def _summed(kinds) -> dict[str, float]:
    total: dict[str, float] = {}
    for by_kind in kinds:
        for kind, value in by_kind.items():
            total[kind] = total.get(kind, 0.0) + value
    return dict(sorted(total.items(), key=lambda item: (-item[1], item[0])))


async def command(update: Update, context: BotContext) -> None:
    await my_hours(update, context)


async def pressed(update: Update, context: BotContext, press: MyHours) -> None:
    t = context.t
    services = context.services
    settings = services.org.hours
    user_id = update.effective_user.id
    if press.act == "show":
        await my_hours(update, context)
        return
    if not settings.asks_disability:  # no rule depends on it: nothing may be asked or kept
        await stale_button(update, context)
        return
    if press.act == "dis":
        await _ask_consent(update, context)
    elif press.act == "yes":
        await services.hours.declare_disability(user_id, settings.disability_consent_version, services.clock())
        await my_hours(update, context, str(t._("✅ Thank you. The lower quota applies to you from now on.")))
    elif press.act == "no":
        await my_hours(update, context, str(t._("Nothing was saved.")))
    else:  # "off": withdrawn, whether or not it was given (a press delivered twice changes nothing)
        await services.hours.withdraw_disability(user_id)
        await my_hours(
            update,
            context,
            str(t._("Your consent is withdrawn and the information about a disability is deleted.")),
        )


async def _ask_consent(update: Update, context: BotContext) -> None:
    t = context.t
    org = context.services.org
    lower = next((rule for rule in org.hours.quota if rule.disability), None)
    text = "\n\n".join(
        str(line)
        for line in (
            t._("♿ <b>Lower quota for people with a disability</b>"),
            t._(
                "The programme has a lower quota for people with a disability: %(rule)s.",
                rule=hours_text.rule_text(t, lower) if lower else "",
            ),
            t._(
                "Information about a disability is a special category of personal data (Article 9 of the GDPR). "
                "%(controller)s keeps it only with your explicit consent, apart from your application, only to "
                "count your quota. It is in no spreadsheet export; coordinators see only the quota that applies "
                "to you. You can withdraw the consent at any time here: the information is then deleted and the "
                "usual quota applies again.",
                controller=org.organisation.name,
            ),
            t._(
                "Do you declare that you have a disability and consent to this information being kept for this purpose?"
            ),
        )
    )
    rows = [
        [(t.gettext("✅ I declare it and consent"), MyHours(act="yes").pack())],
        [(t.gettext("No, thank you"), MyHours(act="no").pack())],
    ]
    await show(update, context, text, keyboard(rows))


async def mydata_lines(context: BotContext, user_id: int) -> list[Markup | str]:
    """For "Moje dane": the confirmed hours, and a disability declared for the quota (with its consent)."""
    t = context.t
    services = context.services
    lines: list[Markup | str] = []
    total = await services.hours.total(user_id)
    if total:
        lines.append(
            t._("Confirmed hours from every source: %(hours)s (⏱ My hours).", hours=hours_text.hours(t, total))
        )
    declared = await services.hours.declaration(user_id)
    if declared is not None:
        lines.append(
            t._(
                "A disability declared for the lower quota of hours, with consent under Article 9 of the GDPR "
                "(version %(version)s, %(date)s): you can withdraw it under ⏱ My hours.",
                version=declared[0],
                date=t.date(declared[1]),
            )
        )
    return lines


def register(routes: Routes) -> None:
    routes.press(MyHours, pressed)
    routes.command(["godziny", "hours"], command)


__all__ = ["MY_HOURS", "mydata_lines", "quota_rule", "register"]
