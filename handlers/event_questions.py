"""The questions of the event form (handlers/event_form.py): what each step asks, the buttons
that answer it, and how a typed answer is read (Polish dates and times, lengths, links).

The answers live in the flow's data (JSON): dates as ISO strings, the place as {"address": …} or
{"online": true}, the deadline as null (until the start), {"before": minutes} or {"at": ISO}.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from telegram import Message

from bot.dates import DateProblem, local_datetime, parse_datetime, parse_day_and_time, parse_duration, parse_time
from bot.event_text import AUDIENCE_NAMES
from bot.flow import Choice, FlowRun, Goto, Prompt, Step
from bot.forms import Accepted, Problem, typed_text
from bot.i18n import N_
from storage.events import Audience

TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 1500
PLACE_LIMIT = 200
URL_LIMIT = 300
MAX_CAPACITY = 10_000
PLANNING_HORIZON = timedelta(days=3 * 366)
DURATIONS = (60, 90, 120, 180, 240, 360, 480)
CAPACITIES = (10, 15, 20, 25, 30, 50)
DEADLINES = (1, 24, 48, 168)  # hours before the start
TIMES = ("09:00", "10:00", "12:00", "16:00", "17:00", "18:00")
_TIME_ONLY = re.compile(r"^\d{1,2}[:.]\d{2}$")

PROMPTS = {
    "type": N_("What kind of event is it?"),
    "title": N_("Type the title (at most %(limit)d characters)."),
    "description": N_("Describe the event: the programme, who it is for, what to bring. Or skip it."),
    "start": N_("When does it start? Choose the day, or type the date and time, e.g. <code>12.03 18:00</code>."),
    "start_time": N_("At what time does it start on %(day)s? Choose or type, e.g. <code>18:00</code>."),
    "duration": N_(
        "How long does it last? Choose, or type the hours (<code>2,5</code>) or the end time (<code>20:00</code>)."
    ),
    "place": N_("Where? Type the address, or choose Online."),
    "online_url": N_("Type the link to the online meeting (starting with https://)."),
    "county": N_("In which county? Choose the whole region for an online event."),
    "capacity": N_("How many places are there? Choose, or type a number."),
    "audience": N_("Who can sign up?"),
    "deadline": N_("Until when can people sign up? Choose, or type the date and time."),
}
EDIT_LABELS = {
    "type": N_("Type"),
    "title": N_("Title"),
    "description": N_("Description"),
    "start": N_("Date and time"),
    "duration": N_("Length"),
    "place": N_("Place"),
    "online_url": N_("Online link"),
    "county": N_("County"),
    "capacity": N_("Places"),
    "audience": N_("Who can join"),
    "deadline": N_("Sign-up deadline"),
}
DATE_PROBLEMS = {
    "unreadable": N_(
        "I could not read this date. Please type it like <code>12.03 18:00</code> or <code>12.03.2027 18:00</code>."
    ),
    "bad_time": N_("There is no such time. Please type the hour as <code>18:00</code>."),
    "no_such_date": N_("There is no such day in the calendar. Please check the date."),
    "skipped_hour": N_("This time does not exist that night: the clocks go forward. Please choose another."),
    "time_missing": N_("Please add the time too, e.g. <code>12.03 18:00</code>."),
    "bad_duration": N_("Please give a length between a few minutes and two weeks."),
    "in_past": N_("This moment has already passed. Please give a time in the future."),
    "too_far": N_("Events can be planned up to three years ahead. Please check the year."),
    "end_before_start": N_("The end must be after the start."),
    "deadline_after_start": N_("Sign-up must close before the event starts."),
}
_BUTTONS = Problem(N_("Please choose one of the buttons."))


def date_problem(code: str) -> Problem:
    return Problem(DATE_PROBLEMS.get(code, DATE_PROBLEMS["unreadable"]))


# ---- reading the answers back ----------------------------------------------------------------------------
def starts_at(run: FlowRun) -> datetime | None:
    start = run.answers.get("start")
    if not start:
        return None
    if len(start) > 10:
        return datetime.fromisoformat(start)
    at = run.answers.get("time")
    if not at:
        return None
    try:
        return local_datetime(date.fromisoformat(start), time.fromisoformat(at), run.services.settings.tz)
    except DateProblem:
        return None


def is_online(run: FlowRun) -> bool:
    return bool((run.answers.get("place") or {}).get("online"))


def deadline_of(run: FlowRun, start: datetime) -> datetime | None:
    deadline = run.answers.get("deadline")
    if not deadline:
        return None
    if "at" in deadline:
        return datetime.fromisoformat(deadline["at"])
    return start - timedelta(minutes=deadline["before"])


def time_problem(run: FlowRun, start: datetime) -> Problem | None:
    now = run.services.clock()
    if start <= now:
        return date_problem("in_past")
    if start > now + PLANNING_HORIZON:
        return date_problem("too_far")
    return None


# ---- the steps -----------------------------------------------------------------------------------------
def steps(run: FlowRun) -> list[Step]:
    start = run.answers.get("start")
    steps = [
        _step("type", _ask_type, read=_choose_with_buttons),
        _step("title", _ask_title, read=_read_title),
        _step("description", _ask_description, read=_read_description, optional=True),
        _step("start", _ask_start, read=_read_start, next=_after_start),
    ]
    if start and len(start) == 10:  # a day without a time: the time is asked next
        steps.append(Step("time", _ask_time, read=_read_time, pick=_pick_time, numbered=False))
    steps += [
        _step("duration", _ask_duration, read=_read_duration, pick=_pick_int),
        _step("place", _ask_place, read=_read_place, pick=_pick_place, next=_after_place),
    ]
    if is_online(run):
        steps.append(_step("online_url", _ask_url, read=_read_url))
    steps += [
        _step("county", _ask_county, read=_choose_with_buttons, pick=_pick_county),
        _step("capacity", _ask_capacity, read=_read_capacity, pick=_pick_capacity),
        _step("audience", _ask_audience, read=_choose_with_buttons),
        _step("deadline", _ask_deadline, read=_read_deadline, pick=_pick_deadline),
    ]
    return steps


def _step(step_id: str, ask, **kwargs) -> Step:
    return Step(step_id, ask, label=lambda run: run.t.gettext(EDIT_LABELS[step_id]), **kwargs)


async def _choose_with_buttons(run: FlowRun, message: Message) -> Accepted | Problem:
    return _BUTTONS


def _prompt(run: FlowRun, key: str, **params) -> str:
    return run.t._(PROMPTS[key], **params)


async def _ask_type(run: FlowRun) -> Prompt:
    t = run.t
    return Prompt(
        _prompt(run, "type"), choices=[Choice(c.label.get(t.locale), c.id) for c in run.services.org.event_types]
    )


async def _ask_title(run: FlowRun) -> Prompt:
    return Prompt(_prompt(run, "title", limit=TITLE_LIMIT))


async def _read_title(run: FlowRun, message: Message) -> Accepted | Problem:
    return typed_text(" ".join((message.text or "").split()), TITLE_LIMIT, minimum=3)  # a title is one line


async def _ask_description(run: FlowRun) -> Prompt:
    return Prompt(_prompt(run, "description"))


async def _read_description(run: FlowRun, message: Message) -> Accepted | Problem:
    return typed_text(message.text, DESCRIPTION_LIMIT)


async def _ask_start(run: FlowRun) -> Prompt:
    t = run.t
    today = t.local(run.services.clock()).date()
    days = [today + timedelta(days=n) for n in range(1, 15)]
    text = _prompt(run, "start")
    start = starts_at(run)
    problem = time_problem(run, start) if start is not None else None
    if problem is not None:  # e.g. a draft whose date has passed meanwhile
        text = "⚠️ " + problem.text(t) + "\n\n" + text
    return Prompt(text, choices=[Choice(t.date(d, "EEE d.MM"), d.isoformat()) for d in days], columns=4)


async def _read_start(run: FlowRun, message: Message) -> Accepted | Problem:
    services = run.services
    tz = services.settings.tz
    try:
        typed = parse_day_and_time(message.text or "", services.clock(), tz)
        if typed.at is None:
            return Accepted(typed.day.isoformat())
        start = local_datetime(typed.day, typed.at, tz)
    except DateProblem as problem:
        return date_problem(problem.code)
    return time_problem(run, start) or Accepted(start.isoformat())


def _steps_changed(run: FlowRun) -> None:
    """The time and the online link are asked only after some answers: the engine keeps the list
    of steps for the whole update, so it is built again once such an answer is in."""
    run._steps = None


async def _after_start(run: FlowRun, value: str):
    _steps_changed(run)
    return Goto("time") if len(value) == 10 else None


async def _ask_time(run: FlowRun) -> Prompt:
    t = run.t
    day = date.fromisoformat(run.answers["start"])
    return Prompt(
        _prompt(run, "start_time", day=t.date(day, "EEEE, d MMMM")),
        choices=[Choice(at, at) for at in TIMES],
        columns=3,
    )


async def _read_time(run: FlowRun, message: Message) -> Accepted | Problem:
    try:
        at = parse_time(message.text or "")
    except DateProblem as problem:
        if problem.code == "unreadable":  # only the hour is asked here: say so
            return Problem(N_("I could not read this hour. Please type it like <code>18:00</code>."))
        return date_problem(problem.code)
    return await _pick_time(run, at.strftime("%H:%M"))


async def _pick_time(run: FlowRun, value: str) -> Accepted | Problem:
    try:
        day = date.fromisoformat(run.answers["start"])
        start = local_datetime(day, time.fromisoformat(value), run.services.settings.tz)
    except DateProblem as problem:
        return date_problem(problem.code)
    except (KeyError, ValueError):
        return _BUTTONS
    return time_problem(run, start) or Accepted(value)


def start_in_words(run: FlowRun) -> str:
    """The start as a sentence with the weekday and the year, so a date read differently from what
    was meant ("1.11" taken as next year) is seen before it is used."""
    start = starts_at(run)
    if start is None:
        return ""
    return run.t._("🗓 Starts: <b>%(when)s</b>", when=run.t.datetime(start, "EEEE, d MMMM y, HH:mm")) + "\n\n"


async def _ask_duration(run: FlowRun) -> Prompt:
    t = run.t
    choices = [Choice(t.gettext("%(hours)s h", hours=t.number(m / 60)), str(m)) for m in DURATIONS]
    return Prompt(start_in_words(run) + _prompt(run, "duration"), choices=choices, columns=4)


async def _pick_int(run: FlowRun, value: str) -> Accepted | Problem:
    return Accepted(int(value))


async def _read_duration(run: FlowRun, message: Message) -> Accepted | Problem:
    text = (message.text or "").strip()
    services = run.services
    try:
        return Accepted(int(parse_duration(text).total_seconds() // 60))
    except DateProblem:
        pass
    start = starts_at(run)
    if start is None:
        return date_problem("unreadable")
    tz, t = services.settings.tz, run.t
    try:
        end = parse_datetime(text, services.clock(), tz, default_day=t.local(start).date())
        if end <= start and _TIME_ONLY.match(text):  # 22:00 until 01:00: the next day
            end = parse_datetime(text, services.clock(), tz, default_day=t.local(start).date() + timedelta(days=1))
    except DateProblem as problem:
        return date_problem(problem.code)
    if end <= start:
        return date_problem("end_before_start")
    if end - start > timedelta(days=14):
        return date_problem("bad_duration")
    return Accepted(int((end - start).total_seconds() // 60))


async def _ask_place(run: FlowRun) -> Prompt:
    return Prompt(_prompt(run, "place"), choices=[Choice(run.t.gettext("💻 Online"), "online")])


async def _read_place(run: FlowRun, message: Message) -> Accepted | Problem:
    text = (message.text or "").strip()
    if not 3 <= len(text) <= PLACE_LIMIT:
        return Problem(N_("Please type an address of 3 to %(limit)d characters."), params={"limit": PLACE_LIMIT})
    return Accepted({"address": text})


async def _pick_place(run: FlowRun, value: str) -> Accepted | Problem:
    return Accepted({"online": True})


async def _after_place(run: FlowRun, value: dict):
    _steps_changed(run)
    return Goto("online_url") if value.get("online") and not run.answers.get("online_url") else None


async def _ask_url(run: FlowRun) -> Prompt:
    return Prompt(_prompt(run, "online_url"))


async def _read_url(run: FlowRun, message: Message) -> Accepted | Problem:
    text = (message.text or "").strip()
    parts = urlsplit(text)
    if (
        parts.scheme not in ("http", "https")
        or not parts.netloc
        or re.search(r"[\s\"'<>]", text)
        or len(text) > URL_LIMIT
    ):
        return Problem(N_("This does not look like a link. Please type it starting with https://"))
    return Accepted(text)


async def _ask_county(run: FlowRun) -> Prompt:
    t = run.t
    choices = [Choice(t.gettext("Whole region / online"), "all")]
    choices += [Choice(c.name, str(i)) for i, c in enumerate(run.services.org.counties)]
    return Prompt(_prompt(run, "county"), choices=choices, columns=3)


async def _pick_county(run: FlowRun, value: str) -> Accepted | Problem:
    return Accepted(None if value == "all" else run.services.org.counties[int(value)].id)


async def _ask_capacity(run: FlowRun) -> Prompt:
    choices = [Choice(str(n), str(n)) for n in CAPACITIES] + [Choice(run.t.gettext("No limit"), "none")]
    return Prompt(_prompt(run, "capacity"), choices=choices, columns=3)


async def _read_capacity(run: FlowRun, message: Message) -> Accepted | Problem:
    text = (message.text or "").strip()
    if not text.isdecimal() or not 1 <= int(text) <= MAX_CAPACITY:
        return Problem(N_("Please type a number of places from 1 to %(limit)d."), params={"limit": MAX_CAPACITY})
    return Accepted(int(text))


async def _pick_capacity(run: FlowRun, value: str) -> Accepted | Problem:
    return Accepted(None if value == "none" else int(value))


async def _ask_audience(run: FlowRun) -> Prompt:
    choices = [Choice(run.t.gettext(AUDIENCE_NAMES[a]), a.value) for a in Audience]
    return Prompt(_prompt(run, "audience"), choices=choices)


async def _ask_deadline(run: FlowRun) -> Prompt:
    t = run.t
    choices = [Choice(t.gettext("Until it starts"), "start")]
    for h in DEADLINES:
        label = (
            t.ngettext("%(count)d hour before", "%(count)d hours before", h)
            if h < 24
            else t.ngettext("%(count)d day before", "%(count)d days before", h // 24)
        )
        choices.append(Choice(label, str(h)))
    text = _prompt(run, "deadline")
    start = starts_at(run)
    deadline = deadline_of(run, start) if start is not None else None
    if deadline is not None and deadline > start:  # the start moved before a typed deadline
        text = "⚠️ " + date_problem("deadline_after_start").text(t) + "\n\n" + text
    return Prompt(text, choices=choices, columns=2)


async def _read_deadline(run: FlowRun, message: Message) -> Accepted | Problem:
    services = run.services
    now = services.clock()
    try:
        deadline = parse_datetime(message.text or "", now, services.settings.tz)
    except DateProblem as problem:
        return date_problem(problem.code)
    if deadline <= now:
        return date_problem("in_past")
    start = starts_at(run)
    if start is not None and deadline > start:
        return date_problem("deadline_after_start")
    return Accepted({"at": deadline.isoformat()})


async def _pick_deadline(run: FlowRun, value: str) -> Accepted | Problem:
    return Accepted(None if value == "start" else {"before": int(value) * 60})
