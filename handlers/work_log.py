"""The expert's side of the work on requests for support: "🧾 My support work" (their logs and where
each stands) and logging work as a flow ("wl_new"): which assignment (only their active ones), the
day (not in the future), the hours (a number or a time range; at most 24 in a day with what they
already logged that day), what was done, an optional photo or document, a summary to send. Every
rule is checked again when it is sent (storage/work_logs.py); the organisation's contacts are then
asked to confirm it (handlers/work_decide.py)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from telegram import Message, Update

from bot import hours_text, work_text
from bot.agreement_facts import today
from bot.buttons.menu import MAIN_MENU
from bot.buttons.work_logs import MY_WORK, WorkMine
from bot.context import BotContext
from bot.dates import DateProblem, parse_calendar_date, parse_day_and_time, parse_time
from bot.flow import BUTTONS_ONLY, FILE, Accepted, Choice, End, Flow, FlowRun, Goto, Problem, Prompt, Step
from bot.forms import typed_text
from bot.hour_ranges import read_range
from bot.i18n import N_
from bot.sending import send_safely, translator_for
from handlers.common import alert, audit, keyboard, show
from storage.hours_rules import MAX_HOURS_A_DAY, HoursProblem
from storage.work_logs import SUMMARY_LIMIT, WorkRefused

NAME = "wl_new"
_NUMBER = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(?:h|godz\.?|godzin[ay]?|godzinę|hours?|год\.?|годин[аи]?)?$", re.I)
_CLOCK_RANGE = re.compile(r"^(\d{1,2}[:.]\d{2})\s*[-–—]\s*(\d{1,2}[:.]\d{2})$")

PROBLEMS = {
    HoursProblem.NOT_ASSIGNED: N_("You are not assigned to this request for support (or the assignment has ended)."),
    HoursProblem.NOT_A_NUMBER: N_("Please type the hours as a number greater than zero, e.g. 2 or 1,5."),
    HoursProblem.IN_THE_FUTURE: N_("This day is in the future: you can log only work already done."),
    HoursProblem.TOO_MANY: N_("That is more than 24 hours in one day, counting what you already logged that day."),
}


def read_hours(text: str) -> float | None:
    """ "3", "1,5 h", "10:00-13:30" (the length) or "od 10 do 13" (bot/hour_ranges.py); None when unreadable."""
    cleaned = " ".join((text or "").split()).strip().rstrip(".")
    match = _NUMBER.match(cleaned)
    if match:
        return round(float(match[1].replace(",", ".")), 2)
    match = _CLOCK_RANGE.match(cleaned)
    if match:
        try:
            start, end = parse_time(match[1]), parse_time(match[2])
        except DateProblem:
            return None
        minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
        return round(minutes / 60, 2) if minutes > 0 else None
    typed = read_range(cleaned)
    if typed is not None and typed[1] != float("inf") and typed[0] > 0 and typed[1] <= 24:
        return round(typed[1] - typed[0], 2) or None
    return None


def read_day(text: str, services) -> date:
    """A day of past work: "12.03.2026", "dziś", "12.03" (the latest such day). Raises DateProblem."""
    now = services.clock()
    try:
        return parse_calendar_date(text)
    except DateProblem as problem:
        if problem.code != "unreadable":
            raise
    day = parse_day_and_time(text, now, services.settings.tz).day
    local = today(services)
    if day > local and not re.search(r"\d{4}", text) and re.search(r"\d", text):
        try:  # "12.03" typed in November: the March that has passed
            return day.replace(year=day.year - 1)
        except ValueError:
            return day
    return day


# ---- the menu ------------------------------------------------------------------------------------
async def menu_entry(context: BotContext, user_id: int) -> tuple[str, str] | None:
    """The main menu's row for someone ever assigned to a request for support."""
    if context.services.org.partners is None or not await context.services.work_logs.has_assignments(user_id):
        return None
    return context.t.gettext("🧾 My support work"), MY_WORK


async def my_work(update: Update, context: BotContext, press: WorkMine) -> None:
    t, services = context.t, context.services
    user_id = update.effective_user.id
    if press.act == "new":
        await start_logging(update, context)
        return
    logs = await services.work_logs.of_person(user_id)
    if press.act == "o":
        await _one(update, context, next((log for log in logs if log.id == press.ref), None), user_id)
        return
    active = await services.work_logs.active_assignments(user_id)
    lines = [t._("🧾 <b>My support work</b>")]
    if active:
        lines.append(t._("Active assignments: %(count)s.", count=len(active)))
    lines.append(t._("Only confirmed hours count; they are also under ⏱ My hours."))
    lines.append("")
    lines.append(t._("Your latest logs:") if logs else t._("No work logged yet."))
    rows = [
        [
            (
                f"{work_text.STATE_MARK[log.state]} {t.date(log.day, 'dd.MM.y')} · {hours_text.hours(t, log.hours)}",
                WorkMine(act="o", ref=log.id).pack(),
            )
        ]
        for log in logs[:10]
    ]
    if active:
        rows.insert(0, [(t.gettext("➕ Log work"), WorkMine(act="new").pack())])
    rows.append([(t.gettext("« Main menu"), MAIN_MENU)])
    await show(update, context, "\n".join(str(x) for x in lines), keyboard(rows))


async def _one(update: Update, context: BotContext, log, user_id: int) -> None:
    t = context.t
    if log is None or log.telegram_id != user_id:
        await alert(update, t.gettext("This button is no longer valid. Type /start for the menu."))
        return
    title = await _title(context, log.request_id)
    lines = [t._("🧾 <b>Work log</b> · %(state)s", state=work_text.state_text(t, log))]
    lines += work_text.log_lines(t, log, "—", title)[:1] + work_text.log_lines(t, log, "—", title)[2:]
    if log.note:
        lines.append(t._("Note from the person who decided: <i>%(note)s</i>", note=log.note))
    await show(
        update, context, "\n".join(str(x) for x in lines), keyboard([[(t.gettext("« My support work"), MY_WORK)]])
    )


async def _title(context: BotContext, request_id: int, t=None) -> str:
    t = t or context.t
    request = await context.services.support_requests.get(request_id)
    names = await context.services.organisations.names([request.organisation_id]) if request else {}
    return work_text.request_label(t, request_id, names.get(request.organisation_id, "—") if request else "—")


async def start_logging(update: Update, context: BotContext) -> None:
    active = await context.services.work_logs.active_assignments(update.effective_user.id)
    if not active:
        await alert(update, context.t.gettext("You have no active assignment to log work on."))
        return
    if update.callback_query is not None:
        await update.callback_query.answer()
    if len(active) == 1:  # nothing to choose
        await context.flows.start(update, context, NAME, {"answers": {"assignment": str(active[0].id)}}, step="day")
    else:
        await context.flows.start(update, context, NAME, {})


# ---- the flow ------------------------------------------------------------------------------------
async def _ask_assignment(run: FlowRun) -> Prompt:
    t = run.t
    active = await run.services.work_logs.active_assignments(run.user_id)
    names = await run.services.organisations.names([a.organisation_id for a in active])
    choices = [
        Choice(work_text.request_label(t, a.request_id, names.get(a.organisation_id, "—"))[:60], str(a.id))
        for a in active
    ]
    return Prompt(t._("Which request for support did you work on?"), choices=choices)


async def _ask_day(run: FlowRun) -> Prompt:
    t = run.t
    local = today(run.services)
    choices = [
        Choice(t.gettext("Today"), local.isoformat()),
        Choice(t.gettext("Yesterday"), (local - timedelta(days=1)).isoformat()),
    ]
    return Prompt(t._("Which day did you work? Choose or type the date, e.g. 12.03.2026."), choices=choices, columns=2)


async def _read_day(run: FlowRun, message: Message) -> Accepted | Problem:
    try:
        day = read_day(message.text or "", run.services)
    except DateProblem:
        return Problem(N_("I could not read this date. Please type it like 12.03.2026."))
    return _day_problem(run, day) or Accepted(day.isoformat())


def _day_problem(run: FlowRun, day: date) -> Problem | None:
    return Problem(PROBLEMS[HoursProblem.IN_THE_FUTURE]) if day > today(run.services) else None


async def _pick_day(run: FlowRun, value: str) -> Accepted | Problem:
    return _day_problem(run, date.fromisoformat(value)) or Accepted(value)


async def _ask_hours(run: FlowRun) -> Prompt:
    return Prompt(run.t._("How many hours? Type a number (e.g. 2 or 1,5) or the time, e.g. 10:00-13:30."))


async def _read_hours(run: FlowRun, message: Message) -> Accepted | Problem:
    hours = read_hours(message.text or "")
    if hours is None or hours <= 0:
        return Problem(PROBLEMS[HoursProblem.NOT_A_NUMBER])
    day = date.fromisoformat(run.answers["day"])
    work_logs = run.services.work_logs
    already = await work_logs.day_total(run.user_id, day)
    if already + hours > MAX_HOURS_A_DAY + 1e-9:
        left = max(MAX_HOURS_A_DAY - already, 0)
        return Problem(
            N_(
                "That is more than 24 hours in one day: you already logged %(already)s that day, "
                "so at most %(left)s more."
            ),
            params={"already": hours_text.hours(run.t, already), "left": hours_text.hours(run.t, left)},
        )
    return Accepted(hours)


async def _ask_summary(run: FlowRun) -> Prompt:
    return Prompt(run.t._("What did you do? A few sentences for the organisation."))


async def _read_summary(run: FlowRun, message: Message) -> Accepted | Problem:
    return typed_text(message.text, SUMMARY_LIMIT, 3)


async def _ask_file(run: FlowRun) -> Prompt:
    return Prompt(run.t._("You can add a photo or a document (e.g. an attendance list), or skip this step."))


async def _read_file(run: FlowRun, message: Message) -> Accepted | Problem:
    if message.photo:
        return Accepted([message.photo[-1].file_id, "photo"])
    if message.document is not None:
        return Accepted([message.document.file_id, "document"])
    return Problem(N_("Please send a photo or a document, or skip this step."))


def _steps(run: FlowRun) -> list[Step]:
    return [
        Step("assignment", _ask_assignment, BUTTONS_ONLY, label=lambda r: r.t.gettext("Request")),
        Step("day", _ask_day, frozenset({"text"}), read=_read_day, pick=_pick_day, label=lambda r: r.t.gettext("Day")),
        Step("hours", _ask_hours, frozenset({"text"}), read=_read_hours, label=lambda r: r.t.gettext("Hours")),
        Step(
            "what",
            _ask_summary,
            frozenset({"text"}),
            read=_read_summary,
            label=lambda r: r.t.gettext("What was done"),
        ),
        Step(
            "file",
            _ask_file,
            frozenset({FILE}),
            read=_read_file,
            optional=True,
            label=lambda r: r.t.gettext("Attachment"),
        ),
    ]


async def _summary(run: FlowRun) -> Prompt:
    t, answers = run.t, run.answers
    assignment = await run.services.work_logs.assignment(int(answers.get("assignment") or 0))
    title = await _title(run.context, assignment.request_id) if assignment else "—"
    lines = [
        t._("<b>Please check your work log</b>"),
        t._("Request for support: %(title)s", title=title),
        t._("Day: %(day)s", day=t.date(date.fromisoformat(answers["day"]), "dd.MM.y")),
        t._("Hours: %(hours)s", hours=hours_text.hours(t, answers["hours"])),
        t._("What was done: %(summary)s", summary=answers["what"][:1500]),
        t._("Attachment: %(file)s", file=t.gettext("yes") if answers.get("file") else t.gettext("none")),
        "",
        t._("The organisation's contact person will be asked to confirm it."),
    ]
    return Prompt("\n".join(str(x) for x in lines), actions=[Choice(t.gettext("📨 Send for confirmation"), "send")])


async def _act(run: FlowRun, action: str):
    services, t, answers = run.services, run.t, run.answers
    for step in run.steps():
        if answers.get(step.id) is None and not step.optional:
            return Goto(step.id)
    now = services.clock()
    due = now + timedelta(hours=services.org.work.confirm_within_hours)
    file = answers.get("file")
    try:
        log = await services.work_logs.log(
            run.user_id,
            int(answers["assignment"]),
            date.fromisoformat(answers["day"]),
            float(answers["hours"]),
            answers["what"],
            (file[0], file[1]) if file else None,
            today=today(services),
            now=now,
            due_at=due,
        )
    except WorkRefused as refused:
        return End(t._(PROBLEMS[refused.problem]) + "\n" + t._("Nothing has been sent."))
    assignment = await services.work_logs.assignment(log.assignment_id)
    await audit(
        run.context, run.user_id, "work_log.logged", f"work_log:{log.id}", request=log.request_id, hours=log.hours
    )
    expert = (await services.people.named([run.user_id]))[run.user_id].name
    context = run.context

    async def notify() -> None:
        for contact in await services.organisations.contacts(assignment.organisation_id):
            if contact.telegram_id == log.telegram_id:
                continue  # one's own work is confirmed by someone else
            ct = await translator_for(services, contact.telegram_id)
            await work_text.send_attachment(context.bot, contact.telegram_id, log)
            title = await _title(context, log.request_id, ct)
            await send_safely(
                context.bot,
                services,
                contact.telegram_id,
                *work_text.to_confirm(ct, log, expert, title, coordinator=False),
            )

    return End(
        t._("📨 <b>Work log sent.</b> The organisation's contact person will confirm it; you will be told here."),
        after=notify,
    )


def _cancelled(run: FlowRun) -> str:
    return run.t._("Stopped. Nothing has been sent.")


async def _stale(update: Update, context: BotContext) -> None:
    await my_work(update, context, WorkMine(act="list"))


FLOW = Flow(NAME, _steps, summary=_summary, act=_act, cancelled=_cancelled, stale=_stale)
