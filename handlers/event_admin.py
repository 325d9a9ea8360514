"""Events for coordinators: create (a short form with buttons wherever a button can serve), preview,
publish, edit (people signed up are told what changed), cancel (they are told why), duplicate, see
who signed up and the waitlist, record attendance and hours, export a CSV, share a link.

Every command and button re-checks the coordinator role. The form being filled lives in the
coordinator's user data (stored after every update), so a restart does not lose it.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from datetime import date, datetime, time, timedelta
from urllib.parse import urlsplit

from telegram import InputFile, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.context import BotContext
from bot.dates import DateProblem, local_datetime, parse_datetime, parse_day_and_time, parse_duration, parse_time
from bot.i18n import N_
from bot.services import Role
from handlers.common import alert, audit, cb, flow, keyboard, page_of, page_row, requires_role, show, stale_button
from handlers.event_text import AUDIENCE_NAMES, card, list_label
from handlers.events import send_notices_now
from handlers.menu import COORDINATOR_PANEL, cancel
from handlers.review import spreadsheet_cell
from storage.events import Audience, Event, EventStatus, Seat

log = logging.getLogger(__name__)

END = -1
FIELD, REASON, HOURS = "field", "reason", "hours"
FORM = "event_form"
MANAGE = cb("em", "ls", 0)
NEW = cb("em", "new")
TITLE_LIMIT = 120
DESCRIPTION_LIMIT = 1500
PLACE_LIMIT = 200
REASON_LIMIT = 500
MAX_CAPACITY = 10_000
PLANNING_HORIZON = timedelta(days=3 * 366)
_TIME_ONLY = re.compile(r"^\d{1,2}[:.]\d{2}$")

# The steps of the form, in order. `online_url` is asked after "Online" is chosen as the place.
STEPS = (
    "type",
    "title",
    "description",
    "start",
    "duration",
    "place",
    "online_url",
    "county",
    "capacity",
    "audience",
    "deadline",
)
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
DURATIONS = (60, 90, 120, 180, 240, 360, 480)
CAPACITIES = (10, 15, 20, 25, 30, 50)
DEADLINES = (1, 24, 48, 168)  # hours before the start
TIMES = ("09:00", "10:00", "12:00", "16:00", "17:00", "18:00")


def _date_problem(t, code: str):
    return t._(DATE_PROBLEMS[code])


def _shown_step(step: str) -> str:
    """The time of day is part of the "start" step."""
    return "start" if step == "start_time" else step


# ---- the list and the card ---------------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def manage(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    page = page_of(update)
    if page is None:
        await stale_button(update, context)
        return END
    size = 8
    events, total = await services.events.for_coordinators(services.clock(), offset=page * size, limit=size)
    lines = [t._("<b>🗓 Manage events</b>"), ""]
    lines.append(
        t.ngettext("%(count)d draft or current event.", "%(count)d drafts or current events.", total)
        if total
        else t._("No events yet. Create the first one!")
    )
    rows = [[(t.gettext("➕ New event"), NEW)]]
    for event in events:
        label = list_label(event, t)
        if event.status == EventStatus.DRAFT:
            label = t.gettext("📝 draft") + " · " + label
        elif event.capacity is not None:
            label += f" ({event.registered}/{event.capacity})"
        rows.append([(label, cb("em", "o", event.id))])
    rows += page_row(t, page, total, size, lambda p: cb("em", "ls", p))
    rows.append([(t.gettext("« Coordinator panel"), COORDINATOR_PANEL)])
    await show(update, context, "\n".join(lines), keyboard(rows))
    return END


async def _event_from(update: Update, context: BotContext, position: int = 2) -> Event | None:
    try:
        event_id = int(update.callback_query.data.split(":")[position])
    except (IndexError, ValueError):
        await stale_button(update, context)
        return None
    event = await context.services.events.get(event_id)
    if event is None:
        await stale_button(update, context)
    return event


def admin_buttons(context: BotContext, event: Event) -> list[list[tuple[str, str]]]:
    t = context.t
    now = context.services.clock()
    rows = []
    if event.status == EventStatus.DRAFT:
        rows.append([(t.gettext("📣 Publish"), cb("em", "pub", event.id))])
        rows.append(
            [(t.gettext("✏️ Edit"), cb("em", "ed", event.id)), (t.gettext("🗑 Delete draft"), cb("em", "del", event.id))]
        )
    elif event.status == EventStatus.PUBLISHED:
        rows.append(
            [
                (t.gettext("👥 Signed up"), cb("em", "rg", event.id, 0)),
                (t.gettext("📊 CSV"), cb("em", "csv", event.id)),
            ]
        )
        if now >= event.starts_at:
            rows.append([(t.gettext("✅ Attendance and hours"), cb("em", "att", event.id, 0))])
        else:
            rows.append(
                [(t.gettext("✏️ Edit"), cb("em", "ed", event.id)), (t.gettext("🔗 Link"), cb("em", "link", event.id))]
            )
            rows.append([(t.gettext("❌ Cancel the event"), cb("em", "cx", event.id))])
    rows.append([(t.gettext("📄 Duplicate"), cb("em", "dup", event.id))])
    rows.append([(t.gettext("« Manage events"), MANAGE)])
    return rows


async def show_admin_card(
    update: Update, context: BotContext, event: Event, note: str = "", *, new_message: bool = False
) -> None:
    services = context.services
    t = context.t
    text = card(event, services.org, t, services.clock())
    if event.status == EventStatus.PUBLISHED:
        text += "\n\n" + t._("🔒 Who can join: %(audience)s.", audience=t.gettext(AUDIENCE_NAMES[event.audience]))
    if note:
        text = note + "\n\n" + text
    await show(update, context, text, keyboard(admin_buttons(context, event)), new_message=new_message)


@requires_role(Role.COORDINATOR)
async def open_admin_card(update: Update, context: BotContext) -> int:
    event = await _event_from(update, context)
    if event is not None:
        await show_admin_card(update, context, event)
    return END


# ---- publishing, deleting a draft, duplicating, the link ---------------------------------------
@requires_role(Role.COORDINATOR)
async def confirm_publish(update: Update, context: BotContext) -> int:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return END
    if event.status != EventStatus.DRAFT:
        await alert(update, t.gettext("This event has been published already."))
        await show_admin_card(update, context, event)
        return END
    if event.starts_at <= context.services.clock():
        await alert(update, t.gettext("This event starts in the past. Change the date first."))
        return END
    text = t._(
        "Publish <b>%(title)s</b>? Volunteers will see it and can sign up; those who asked for alerts "
        "about such events will get a message.",
        title=event.title,
    )
    rows = [
        [(t.gettext("📣 Yes, publish"), cb("em", "puby", event.id))],
        [(t.gettext("« Back"), cb("em", "o", event.id))],
    ]
    await show(update, context, text, keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def publish(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    event = await _event_from(update, context)
    if event is None:
        return END
    published = await services.events.publish(event.id, services.clock())
    if published is None:
        await alert(update, t.gettext("This event has been published already."))
        await show_admin_card(update, context, await services.events.get(event.id))
        return END
    log.info("coordinator %s published event %s", update.effective_user.id, event.id)
    await audit(context, update.effective_user.id, "event.published", f"event:{event.id}")
    note = t._("📣 <b>Published.</b> Share this link: %(link)s", link=await _share_link(context, event.id))
    await show_admin_card(update, context, published, note)
    await send_notices_now(context)
    return END


async def _share_link(context: BotContext, event_id: int) -> str:
    username = context.bot.username or (await context.bot.get_me()).username
    return f"https://t.me/{username}?start=event_{event_id}"


@requires_role(Role.COORDINATOR)
async def share_link(update: Update, context: BotContext) -> int:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return END
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        t._(
            "A link that opens <b>%(title)s</b> in the bot. Share it in e-mails, on social media or on posters:"
            "\n\n%(link)s",
            title=event.title,
            link=await _share_link(context, event.id),
        ),
    )
    return END


@requires_role(Role.COORDINATOR)
async def confirm_delete_draft(update: Update, context: BotContext) -> int:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return END
    if event.status != EventStatus.DRAFT:
        await stale_button(update, context)
        return END
    rows = [
        [(t.gettext("🗑 Yes, delete it"), cb("em", "dely", event.id))],
        [(t.gettext("« Back"), cb("em", "o", event.id))],
    ]
    await show(update, context, t._("Delete the draft <b>%(title)s</b>?", title=event.title), keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def delete_draft(update: Update, context: BotContext) -> int:
    services = context.services
    event = await _event_from(update, context)
    if event is None:
        return END
    if event.status != EventStatus.DRAFT or await services.events.cancel(event.id, "", services.clock()) is None:
        await stale_button(update, context)
        return END
    await audit(context, update.effective_user.id, "event.draft_deleted", f"event:{event.id}")
    await alert(update, context.t.gettext("The draft has been deleted."))
    await manage(update, context)
    return END


@requires_role(Role.COORDINATOR)
async def duplicate(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    event = await _event_from(update, context)
    if event is None:
        return END
    copy = await services.events.duplicate(event.id, update.effective_user.id, services.clock())
    await audit(context, update.effective_user.id, "event.duplicated", f"event:{copy.id}", source=event.id)
    note = t._("📄 A copy is saved as a draft. Change the date (and anything else), then publish it.")
    await show_admin_card(update, context, copy, note)
    return END


# ---- the form: creating and editing --------------------------------------------------------------
def _steps(values: dict) -> list[str]:
    """The steps a new event goes through; the link is asked only for an online event."""
    return [s for s in STEPS if s != "online_url" or values.get("online")]


@requires_role(Role.COORDINATOR)
async def start_new(update: Update, context: BotContext) -> str:
    context.user_data[FORM] = {"mode": "new", "step": "type", "values": {}}
    if update.callback_query is not None:
        await update.callback_query.answer()
    await ask(update, context)
    return FIELD


@requires_role(Role.COORDINATOR)
async def edit_menu(update: Update, context: BotContext) -> int:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return END
    if event.status == EventStatus.CANCELLED:
        await alert(update, t.gettext("This event has been cancelled."))
        return END
    buttons = [(t.gettext(EDIT_LABELS[s]), cb("em", "ef", event.id, s)) for s in STEPS]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([(t.gettext("« Back"), cb("em", "o", event.id))])
    text = t._("What would you like to change in <b>%(title)s</b>?", title=event.title)
    if event.status == EventStatus.PUBLISHED and event.registered + event.waitlisted:
        text += "\n\n" + t._("Everyone signed up will be told what changed.")
    await show(update, context, text, keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def start_edit(update: Update, context: BotContext) -> str | int:
    event = await _event_from(update, context)
    parts = update.callback_query.data.split(":")
    if event is None:
        return END
    step = parts[3] if len(parts) > 3 else ""
    if step not in STEPS or event.status == EventStatus.CANCELLED:
        await stale_button(update, context)
        return END
    context.user_data[FORM] = {
        "mode": "edit",
        "event_id": event.id,
        "step": step,
        "values": {},
        "starts_at": event.starts_at.isoformat(),
    }
    await update.callback_query.answer()
    await ask(update, context)
    return FIELD


def _quick_days(context: BotContext) -> list[list[tuple[str, str]]]:
    t = context.t
    today = t.local(context.services.clock()).date()
    buttons = [
        (
            t.date(today + timedelta(days=n), "EEE d.MM"),
            cb("evf", "day", (today + timedelta(days=n)).strftime("%Y%m%d")),
        )
        for n in range(1, 15)
    ]
    return [buttons[i : i + 4] for i in range(0, len(buttons), 4)]


async def ask(update: Update, context: BotContext, problem: str | None = None) -> None:
    """Ask the current step, with its buttons; after bad input, say what was wrong first."""
    t = context.t
    org = context.services.org
    form = context.user_data[FORM]
    step = form["step"]
    lines = []
    if problem:
        lines += [problem, ""]
    if form["mode"] == "new":
        steps = _steps(form["values"])
        shown = _shown_step(step)
        lines.append(
            t._("<b>New event</b> · step %(number)d of %(total)d", number=steps.index(shown) + 1, total=len(steps))
        )
    else:
        lines.append(t._("<b>Editing</b>: %(field)s", field=t.gettext(EDIT_LABELS[_shown_step(step)])))
    if step == "title":
        lines.append(t._(PROMPTS[step], limit=TITLE_LIMIT))
    elif step == "start_time":
        lines.append(t._(PROMPTS[step], day=t.date(date.fromisoformat(form["day"]), "EEEE, d MMMM")))
    else:
        lines.append(t._(PROMPTS[step]))
    rows: list[list[tuple[str, str]]] = []
    if step == "type":
        rows = [[(c.label.get(t.locale), cb("evf", "type", i))] for i, c in enumerate(org.event_types)]
    elif step == "description":
        rows = [[(t.gettext("Skip"), cb("evf", "description", "skip"))]]
    elif step == "start":
        rows = _quick_days(context)
    elif step == "start_time":
        rows = [[(hour, cb("evf", "time", hour.replace(":", ""))) for hour in TIMES[i : i + 3]] for i in (0, 3)]
    elif step == "duration":
        buttons = [(t.gettext("%(hours)s h", hours=t.number(m / 60)), cb("evf", "duration", m)) for m in DURATIONS]
        rows = [buttons[:4], buttons[4:]]
    elif step == "place":
        rows = [[(t.gettext("💻 Online"), cb("evf", "place", "online"))]]
    elif step == "online_url" and form["mode"] == "edit":
        rows = [[(t.gettext("Remove the link"), cb("evf", "online_url", "skip"))]]
    elif step == "county":
        buttons = [(c.name, cb("evf", "county", i)) for i, c in enumerate(org.counties)]
        rows = [[(t.gettext("Whole region / online"), cb("evf", "county", "all"))]]
        rows += [buttons[i : i + 3] for i in range(0, len(buttons), 3)]
    elif step == "capacity":
        buttons = [(str(n), cb("evf", "capacity", n)) for n in CAPACITIES]
        rows = [buttons[:3], buttons[3:], [(t.gettext("No limit"), cb("evf", "capacity", "none"))]]
    elif step == "audience":
        rows = [[(t.gettext(AUDIENCE_NAMES[a]), cb("evf", "audience", a.value))] for a in Audience]
    elif step == "deadline":
        rows = [[(t.gettext("Until it starts"), cb("evf", "deadline", "start"))]]
        rows += [
            [
                (
                    t.ngettext("%(count)d hour before", "%(count)d hours before", h)
                    if h < 24
                    else t.ngettext("%(count)d day before", "%(count)d days before", h // 24),
                    cb("evf", "deadline", h),
                )
                for h in DEADLINES[:2]
            ],
            [
                (t.ngettext("%(count)d day before", "%(count)d days before", h // 24), cb("evf", "deadline", h))
                for h in DEADLINES[2:]
            ],
        ]
    if form["mode"] == "new" and step != "type":
        rows.append([(t.gettext("« Back"), cb("evf", "back", "-"))])
    rows = [[(str(label), data) for label, data in row] for row in rows]
    chat_id = update.effective_chat.id
    await context.bot.send_message(
        chat_id, "\n".join(str(line) for line in lines), reply_markup=keyboard(rows) if rows else None
    )


@requires_role(Role.COORDINATOR)
async def field_button(update: Update, context: BotContext) -> str | int:
    """A button of the form: checked against the step being asked, then taken as the answer."""
    form = context.user_data.get(FORM)
    parts = update.callback_query.data.split(":")
    if form is None or len(parts) != 3:
        await stale_button(update, context)
        return END if form is None else FIELD
    _, kind, value = parts
    step = form["step"]
    if kind == "back" and form["mode"] == "new":
        await update.callback_query.answer()
        steps = _steps(form["values"])
        current = steps.index(_shown_step(step))
        form["step"] = steps[max(current - 1, 0)]
        await ask(update, context)
        return FIELD
    expected = {"start": "day", "start_time": "time"}.get(step, step)
    if kind != expected:
        await stale_button(update, context)
        return FIELD
    await update.callback_query.answer()
    try:
        answer = _button_answer(context, step, value)
    except (ValueError, IndexError):
        await stale_button(update, context)
        return FIELD
    return await _take(update, context, answer)


def _button_answer(context: BotContext, step: str, value: str) -> dict:
    org = context.services.org
    if step == "type":
        return {"type": org.event_types[int(value)].id}
    if step == "description":
        return {"description": ""}
    if step == "start":
        return {"day": datetime.strptime(value, "%Y%m%d").date().isoformat()}
    if step == "start_time":
        return {"time": time(int(value[:2]), int(value[2:])).isoformat()}
    if step == "duration":
        minutes = int(value)
        if minutes not in DURATIONS:
            raise ValueError(value)
        return {"duration": minutes}
    if step == "place" and value == "online":
        return {"place": None, "online": True}
    if step == "online_url" and value == "skip":
        return {"online_url": None}
    if step == "county":
        return {"county": None if value == "all" else org.counties[int(value)].id}
    if step == "capacity":
        if value == "none":
            return {"capacity": None}
        if int(value) not in CAPACITIES:
            raise ValueError(value)
        return {"capacity": int(value)}
    if step == "audience":
        return {"audience": Audience(value).value}
    if step == "deadline":
        if value == "start":
            return {"deadline": None}
        if int(value) not in DEADLINES:
            raise ValueError(value)
        return {"deadline_hours": int(value)}
    raise ValueError(step)


@requires_role(Role.COORDINATOR)
async def field_text(update: Update, context: BotContext) -> str | int:
    """Typed text as the answer to the current step; bad input repeats the question with a hint."""
    t = context.t
    form = context.user_data.get(FORM)
    if form is None:
        return END
    text = (update.effective_message.text or "").strip()
    step = form["step"]
    try:
        answer = await _typed_answer(context, step, text)
    except DateProblem as problem:
        await ask(update, context, _date_problem(t, problem.code))
        return FIELD
    except ValueError as problem:
        await ask(update, context, str(problem))
        return FIELD
    return await _take(update, context, answer)


async def _typed_answer(context: BotContext, step: str, text: str) -> dict:
    t = context.t
    services = context.services
    tz = services.settings.tz
    now = services.clock()
    if step == "title":
        if not 3 <= len(text) <= TITLE_LIMIT or "\n" in text:
            raise ValueError(t._("The title should be one line of 3 to %(limit)d characters.", limit=TITLE_LIMIT))
        return {"title": text}
    if step == "description":
        if len(text) > DESCRIPTION_LIMIT:
            raise ValueError(
                t._(
                    "That is %(length)d characters; please shorten it to %(limit)d.",
                    length=len(text),
                    limit=DESCRIPTION_LIMIT,
                )
            )
        return {"description": text}
    if step == "start":
        typed = parse_day_and_time(text, now, tz)
        if typed.at is None:
            return {"day": typed.day.isoformat()}
        return {"starts_at": local_datetime(typed.day, typed.at, tz).isoformat()}
    if step == "start_time":
        return {"time": parse_time(text).isoformat()}
    if step == "duration":
        try:
            return {"duration": int(parse_duration(text).total_seconds() // 60)}
        except DateProblem:
            start = _start_of(context)
            end = parse_datetime(text, now, tz, default_day=t.local(start).date())
            if end <= start and _TIME_ONLY.match(text.strip()):  # 22:00 until 01:00: the next day
                end = parse_datetime(text, now, tz, default_day=t.local(start).date() + timedelta(days=1))
            if end <= start:
                raise DateProblem("end_before_start") from None
            return {"duration": int((end - start).total_seconds() // 60)}
    if step == "place":
        if not 3 <= len(text) <= PLACE_LIMIT:
            raise ValueError(t._("Please type an address of 3 to %(limit)d characters.", limit=PLACE_LIMIT))
        return {"place": text, "online": False}
    if step == "online_url":
        parts = urlsplit(text)
        if (
            parts.scheme not in ("http", "https")
            or not parts.netloc
            or re.search(r"[\s\"'<>]", text)
            or len(text) > 300
        ):
            raise ValueError(t._("This does not look like a link. Please type it starting with https://"))
        return {"online_url": text}
    if step == "capacity":
        if not text.isdecimal() or not 1 <= int(text) <= MAX_CAPACITY:
            raise ValueError(t._("Please type a number of places from 1 to %(limit)d.", limit=MAX_CAPACITY))
        return {"capacity": int(text)}
    if step == "deadline":
        deadline = parse_datetime(text, now, tz)
        if deadline <= now:
            raise DateProblem("in_past")
        return {"deadline_at": deadline.isoformat()}
    raise ValueError(t._("Please choose one of the buttons."))


def _start_of(context: BotContext) -> datetime:
    form = context.user_data[FORM]
    return datetime.fromisoformat(form["values"].get("starts_at") or form["starts_at"])


async def _take(update: Update, context: BotContext, answer: dict) -> str | int:
    """Store the answer and go on: the next step of a new event, or save the edit."""
    t = context.t
    services = context.services
    form = context.user_data[FORM]
    now = services.clock()
    tz = services.settings.tz
    if "day" in answer:  # a day without a time: ask the time next
        form["day"] = answer["day"]
        form["step"] = "start_time"
        await ask(update, context)
        return FIELD
    if "time" in answer:
        try:
            starts_at = local_datetime(date.fromisoformat(form["day"]), time.fromisoformat(answer["time"]), tz)
        except DateProblem as problem:
            await ask(update, context, _date_problem(t, problem.code))
            return FIELD
        answer = {"starts_at": starts_at.isoformat()}
    if "starts_at" in answer and datetime.fromisoformat(answer["starts_at"]) <= now:
        form["step"] = "start"
        await ask(update, context, _date_problem(t, "in_past"))
        return FIELD
    if "starts_at" in answer and datetime.fromisoformat(answer["starts_at"]) > now + PLANNING_HORIZON:
        form["step"] = "start"
        await ask(update, context, _date_problem(t, "too_far"))
        return FIELD
    if form["mode"] == "edit":
        return await _save_edit(update, context, answer)
    values = form["values"]
    if "deadline_at" in answer:
        deadline = datetime.fromisoformat(answer.pop("deadline_at"))
        if deadline > datetime.fromisoformat(values["starts_at"]):
            await ask(update, context, _date_problem(t, "deadline_after_start"))
            return FIELD
        answer["deadline"] = deadline.isoformat()
    if "deadline_hours" in answer:
        start = datetime.fromisoformat(values["starts_at"])
        answer["deadline"] = max(start - timedelta(hours=answer.pop("deadline_hours")), now).isoformat()
    values.update(answer)
    steps = _steps(values)
    current = steps.index(_shown_step(form["step"]))
    if current + 1 < len(steps):
        form["step"] = steps[current + 1]
        await ask(update, context)
        return FIELD
    event = await services.events.create(_event_values(values), update.effective_user.id, now)
    context.user_data.pop(FORM, None)
    log.info("coordinator %s created event %s (draft)", update.effective_user.id, event.id)
    note = t._("👀 <b>Preview</b>: this is how volunteers will see it. Publish it when ready.")
    await show_admin_card(update, context, event, note, new_message=True)
    return END


def _event_values(values: dict) -> dict:
    starts_at = datetime.fromisoformat(values["starts_at"])
    return {
        "type": values["type"],
        "title": values["title"],
        "description": values.get("description", ""),
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(minutes=values["duration"]),
        "place": values.get("place"),
        "online_url": values.get("online_url"),
        "county": values.get("county"),
        "capacity": values.get("capacity"),
        "audience": Audience(values["audience"]),
        "signup_deadline": datetime.fromisoformat(values["deadline"]) if values.get("deadline") else None,
    }


async def _save_edit(update: Update, context: BotContext, answer: dict) -> str | int:
    t = context.t
    services = context.services
    form = context.user_data[FORM]
    event = await services.events.get(form["event_id"])
    if event is None or event.status == EventStatus.CANCELLED:
        context.user_data.pop(FORM, None)
        await context.bot.send_message(update.effective_chat.id, t._("This event has been cancelled."))
        return END
    now = services.clock()
    changes: dict = {}
    if "starts_at" in answer:
        starts_at = datetime.fromisoformat(answer["starts_at"])
        changes = {"starts_at": starts_at, "ends_at": starts_at + event.duration}
        if event.signup_deadline is not None:  # keep the same distance before the start
            changes["signup_deadline"] = max(starts_at - (event.starts_at - event.signup_deadline), now)
    elif "duration" in answer:
        changes = {"ends_at": event.starts_at + timedelta(minutes=answer["duration"])}
    elif "deadline_at" in answer or "deadline_hours" in answer or "deadline" in answer:
        if "deadline_hours" in answer:
            deadline = max(event.starts_at - timedelta(hours=answer["deadline_hours"]), now)
        elif "deadline_at" in answer:
            deadline = datetime.fromisoformat(answer["deadline_at"])
            if deadline > event.starts_at:
                await ask(update, context, _date_problem(t, "deadline_after_start"))
                return FIELD
        else:
            deadline = None
        changes = {"signup_deadline": deadline}
    elif "online" in answer:
        if answer["online"]:  # online chosen: the link comes next, and both are saved together
            form["step"] = "online_url"
            form["pending"] = {"place": None}
            await ask(update, context)
            return FIELD
        changes = {"place": answer["place"]}
    else:
        changes = {k: (Audience(v) if k == "audience" else v) for k, v in answer.items()}
        changes.update(form.get("pending", {}))
    result = await services.events.update(event.id, changes, now)
    context.user_data.pop(FORM, None)
    if result is None:
        await context.bot.send_message(update.effective_chat.id, t._("This event has been cancelled."))
        return END
    updated, _promoted = result
    log.info("coordinator %s changed event %s: %s", update.effective_user.id, event.id, ", ".join(changes))
    await audit(context, update.effective_user.id, "event.changed", f"event:{event.id}", fields=sorted(changes))
    note = t._("✏️ <b>Saved.</b>")
    if updated.status == EventStatus.PUBLISHED and updated.registered + updated.waitlisted:
        note += " " + t._("Everyone signed up will be told what changed.")
    if updated.capacity is not None and updated.registered > updated.capacity:
        note += " " + t._(
            "More people are signed up than there are places now; nobody loses their place automatically."
        )
    await show_admin_card(update, context, updated, note, new_message=True)
    await send_notices_now(context)
    return END


async def not_text(update: Update, context: BotContext) -> str:
    if FORM in context.user_data:
        await ask(update, context, context.t._("Please type the answer or choose a button."))
    return FIELD


# ---- cancelling a published event ----------------------------------------------------------------
@requires_role(Role.COORDINATOR)
async def start_cancel(update: Update, context: BotContext) -> str | int:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return END
    if event.status != EventStatus.PUBLISHED:
        await alert(update, t.gettext("This event has been cancelled."))
        return END
    context.user_data[FORM] = {"mode": "cancel", "event_id": event.id}
    await update.callback_query.answer()
    people = event.registered + event.waitlisted
    text = t._("Cancel <b>%(title)s</b>?", title=event.title) + "\n\n"
    if people:
        text += t.ngettext(
            "%(count)d person is signed up and will be told. Type the reason they will read "
            "(or /anuluj to keep the event).",
            "%(count)d people are signed up and will be told. Type the reason they will read "
            "(or /anuluj to keep the event).",
            people,
        )
    else:
        text += t._("Nobody has signed up yet. Type the reason, for the record (or /anuluj to keep the event).")
    await context.bot.send_message(update.effective_chat.id, text)
    return REASON


@requires_role(Role.COORDINATOR)
async def cancel_with_reason(update: Update, context: BotContext) -> str | int:
    t = context.t
    services = context.services
    form = context.user_data.get(FORM) or {}
    reason = (update.effective_message.text or "").strip()
    if not 3 <= len(reason) <= REASON_LIMIT:
        await context.bot.send_message(
            update.effective_chat.id,
            t._("Please type a reason of 3 to %(limit)d characters, or /anuluj to keep the event.", limit=REASON_LIMIT),
        )
        return REASON
    context.user_data.pop(FORM, None)
    cancelled = await services.events.cancel(form.get("event_id", 0), reason, services.clock())
    if cancelled is None:
        await context.bot.send_message(update.effective_chat.id, t._("This event has been cancelled."))
        return END
    log.info("coordinator %s cancelled event %s", update.effective_user.id, cancelled.id)
    await audit(context, update.effective_user.id, "event.cancelled", f"event:{cancelled.id}")
    await show_admin_card(
        update,
        context,
        cancelled,
        t._("❌ <b>The event is cancelled.</b> Everyone signed up is being told."),
        new_message=True,
    )
    await send_notices_now(context)
    return END


# ---- who signed up, attendance, hours, CSV ------------------------------------------------------------
REGISTRANTS_PAGE = 40


def _person(registration) -> str:
    name = registration.name or str(registration.telegram_id)
    return f"{name} (@{registration.username})" if registration.username else name


@requires_role(Role.COORDINATOR)
async def registrants(update: Update, context: BotContext) -> int:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return END
    try:
        page = max(int(update.callback_query.data.split(":")[3]), 0)
    except (IndexError, ValueError):
        page = 0
    people = await context.services.events.registrants(event.id)
    shown = people[page * REGISTRANTS_PAGE : (page + 1) * REGISTRANTS_PAGE]
    lines = [t._("<b>%(title)s</b>", title=event.title), "", _seats_summary(context, event), ""]
    for number, person in enumerate(shown, start=page * REGISTRANTS_PAGE + 1):
        if person.status == Seat.REGISTERED:
            lines.append(t._("%(number)d. %(person)s", number=number, person=_person(person)))
        else:
            lines.append(
                t._(
                    "%(number)d. %(person)s (waitlist: %(position)d)",
                    number=number,
                    person=_person(person),
                    position=person.position or 0,
                )
            )
    if not people:
        lines.append(t._("Nobody has signed up yet."))
    rows = []
    rows += page_row(t, page, len(people), REGISTRANTS_PAGE, lambda p: cb("em", "rg", event.id, p))
    rows.append([(t.gettext("📊 CSV"), cb("em", "csv", event.id)), (t.gettext("« Back"), cb("em", "o", event.id))])
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))
    return END


def _seats_summary(context: BotContext, event: Event) -> str:
    t = context.t
    if event.capacity is None:
        return t.ngettext(
            "%(count)d person signed up (no limit).", "%(count)d people signed up (no limit).", event.registered
        )
    return t._(
        "Places taken: %(taken)d of %(capacity)d · waitlist: %(waiting)d",
        taken=event.registered,
        capacity=event.capacity,
        waiting=event.waitlisted,
    )


ATTENDANCE_PAGE = 20


@requires_role(Role.COORDINATOR)
async def attendance(update: Update, context: BotContext) -> int:
    """One button per person with a seat: tap to mark attended / absent. Hours apply to attendees."""
    t = context.t
    services = context.services
    event = await _event_from(update, context)
    if event is None:
        return END
    parts = update.callback_query.data.split(":")
    if services.clock() < event.starts_at:
        await alert(update, t.gettext("Attendance can be recorded once the event has started."))
        return END
    try:
        page = max(int(parts[-1]), 0)
        if parts[1] == "ta":  # a tap on a person
            person_id = int(parts[3])
            current = await services.events.registration(event.id, person_id)
            if current is None or current.status != Seat.REGISTERED:
                await stale_button(update, context)
                return END
            attended = current.attendance != "attended"
            await services.events.record_attendance(
                event.id, person_id, attended, event.hours, update.effective_user.id, services.clock()
            )
            await audit(
                context,
                update.effective_user.id,
                "event.attendance",
                f"event:{event.id}",
                person=person_id,
                attended=attended,
            )
        elif parts[1] == "tall":  # everyone who said they came
            for person in await services.events.registrants(event.id):
                if person.status == Seat.REGISTERED and person.self_attended and person.attendance is None:
                    await services.events.record_attendance(
                        event.id, person.telegram_id, True, event.hours, update.effective_user.id, services.clock()
                    )
                    await audit(
                        context,
                        update.effective_user.id,
                        "event.attendance",
                        f"event:{event.id}",
                        person=person.telegram_id,
                        attended=True,
                    )
    except (IndexError, ValueError):
        await stale_button(update, context)
        return END
    seated = [p for p in await services.events.registrants(event.id) if p.status == Seat.REGISTERED]
    shown = seated[page * ATTENDANCE_PAGE : (page + 1) * ATTENDANCE_PAGE]
    attended = sum(1 for p in seated if p.attendance == "attended")
    lines = [
        t._("<b>Attendance: %(title)s</b>", title=event.title),
        "",
        t._("Tap a person to mark them as present (✅) or absent (❌). 🙋 means they said they came."),
        t._(
            "Present: %(present)d of %(total)d. Hours for each: %(hours)s.",
            present=attended,
            total=len(seated),
            hours=t.number(event.hours),
        ),
    ]
    rows = []
    for person in shown:
        mark = {"attended": "✅", "absent": "❌"}.get(person.attendance or "", "▫️")
        said = " 🙋" if person.self_attended else ""
        rows.append([(f"{mark} {_person(person)}{said}"[:60], cb("em", "ta", event.id, person.telegram_id, page))])
    rows += page_row(t, page, len(seated), ATTENDANCE_PAGE, lambda p: cb("em", "att", event.id, p))
    rows.append([(t.gettext("🙋 Mark all who said they came"), cb("em", "tall", event.id, page))])
    rows.append(
        [(t.gettext("⏱ Set the hours"), cb("em", "hrs", event.id)), (t.gettext("« Back"), cb("em", "o", event.id))]
    )
    await show(update, context, "\n".join(str(line) for line in lines), keyboard(rows))
    return END


@requires_role(Role.COORDINATOR)
async def start_hours(update: Update, context: BotContext) -> str | int:
    t = context.t
    event = await _event_from(update, context)
    if event is None:
        return END
    context.user_data[FORM] = {"mode": "hours", "event_id": event.id}
    await update.callback_query.answer()
    await context.bot.send_message(
        update.effective_chat.id,
        t._(
            "How many hours should each attendee of <b>%(title)s</b> get? Now: %(hours)s. Type a number, "
            "e.g. <code>2,5</code> (or /anuluj).",
            title=event.title,
            hours=t.number(event.hours),
        ),
    )
    return HOURS


@requires_role(Role.COORDINATOR)
async def hours_typed(update: Update, context: BotContext) -> str | int:
    t = context.t
    services = context.services
    form = context.user_data.get(FORM) or {}
    text = (update.effective_message.text or "").strip().replace(",", ".")
    try:
        hours = float(text)
        if not 0 < hours <= 24 * 14:
            raise ValueError(text)
    except ValueError:
        await context.bot.send_message(
            update.effective_chat.id, t._("Please type a number of hours, e.g. <code>2,5</code>.")
        )
        return HOURS
    hours = round(hours * 4) / 4
    context.user_data.pop(FORM, None)
    event_id = form.get("event_id", 0)
    updated = await services.events.set_hours(event_id, hours, update.effective_user.id, services.clock())
    log.info("coordinator %s set %s hours for event %s", update.effective_user.id, hours, event_id)
    await audit(context, update.effective_user.id, "event.hours", f"event:{event_id}", hours=hours)
    await context.bot.send_message(
        update.effective_chat.id,
        t.ngettext(
            "Saved: %(hours)s h for each attendee (%(count)d person so far).",
            "Saved: %(hours)s h for each attendee (%(count)d people so far).",
            updated,
            hours=t.number(hours),
        ),
        reply_markup=keyboard([[(t.gettext("✅ Attendance and hours"), cb("em", "att", event_id, 0))]]),
    )
    return END


@requires_role(Role.COORDINATOR)
async def export_csv(update: Update, context: BotContext) -> int:
    t = context.t
    services = context.services
    event = await _event_from(update, context)
    if event is None:
        return END
    people = await services.events.registrants(event.id)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            t.gettext("No."),
            t.gettext("Name in Telegram"),
            t.gettext("Telegram username"),
            t.gettext("Telegram user id"),
            t.gettext("Status"),
            t.gettext("Signed up"),
            t.gettext("Said they came"),
            t.gettext("Attendance"),
            t.gettext("Hours"),
        ]
    )
    for number, person in enumerate(people, start=1):
        status = (
            t.gettext("has a place")
            if person.status == Seat.REGISTERED
            else t.gettext("waitlist: %(position)d", position=person.position or 0)
        )
        said = {True: t.gettext("yes"), False: t.gettext("no")}.get(person.self_attended, "")
        record = {"attended": t.gettext("present"), "absent": t.gettext("absent")}.get(person.attendance or "", "")
        writer.writerow(
            [
                str(number),
                spreadsheet_cell(person.name),
                spreadsheet_cell(person.username or ""),
                str(person.telegram_id),
                status,
                t.datetime(person.joined_at, "y-MM-dd HH:mm"),
                said,
                record,
                t.number(person.hours) if person.hours is not None else "",
            ]
        )
    await update.callback_query.answer()
    await context.bot.send_document(
        update.effective_chat.id,
        InputFile(("\ufeff" + buffer.getvalue()).encode("utf-8"), filename=f"wydarzenie-{event.id}-zapisy.csv"),
        caption=t._("%(title)s: %(summary)s", title=event.title, summary=_seats_summary(context, event)),
    )
    log.info("coordinator %s exported the sign-ups of event %s", update.effective_user.id, event.id)
    await audit(context, update.effective_user.id, "event.exported", f"event:{event.id}", count=len(people))
    return END


async def not_typed(update: Update, context: BotContext) -> None:
    await context.bot.send_message(update.effective_chat.id, context.t._("Please type the text, or /anuluj to stop."))


# ---- registration ------------------------------------------------------------------------------------
def handlers() -> list:
    return [
        CallbackQueryHandler(manage, pattern=r"^em:ls:"),
        CallbackQueryHandler(open_admin_card, pattern=r"^em:o:"),
        CallbackQueryHandler(confirm_publish, pattern=r"^em:pub:"),
        CallbackQueryHandler(publish, pattern=r"^em:puby:"),
        CallbackQueryHandler(share_link, pattern=r"^em:link:"),
        CallbackQueryHandler(confirm_delete_draft, pattern=r"^em:del:"),
        CallbackQueryHandler(delete_draft, pattern=r"^em:dely:"),
        CallbackQueryHandler(duplicate, pattern=r"^em:dup:"),
        CallbackQueryHandler(edit_menu, pattern=r"^em:ed:"),
        CallbackQueryHandler(registrants, pattern=r"^em:rg:"),
        CallbackQueryHandler(attendance, pattern=r"^em:(att|ta|tall):"),
        CallbackQueryHandler(export_csv, pattern=r"^em:csv:"),
    ]


def conversation():
    """The event form (new or one field), a cancellation reason, the hours."""
    return flow(
        "event_form",
        entry_points=[
            CommandHandler(["nowe_wydarzenie", "new_event"], start_new),
            CallbackQueryHandler(start_new, pattern=r"^em:new$"),
            CallbackQueryHandler(start_edit, pattern=r"^em:ef:"),
            CallbackQueryHandler(start_cancel, pattern=r"^em:cx:"),
            CallbackQueryHandler(start_hours, pattern=r"^em:hrs:"),
        ],
        states={
            FIELD: [
                CallbackQueryHandler(field_button, pattern=r"^evf:"),
                MessageHandler(filters.TEXT & ~filters.COMMAND, field_text),
                MessageHandler(~filters.COMMAND, not_text),
            ],
            REASON: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, cancel_with_reason),
                MessageHandler(~filters.COMMAND, not_typed),
            ],
            HOURS: [
                MessageHandler(filters.TEXT & ~filters.COMMAND, hours_typed),
                MessageHandler(~filters.COMMAND, not_typed),
            ],
        },
        cancel=cancel,
    )
