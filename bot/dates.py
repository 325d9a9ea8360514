"""Dates and times typed the way Poles write them: `12.03 18:00`, `12.03.2027 18:00`, `jutro 9:30`,
`12 grudnia 17:00`, `sobota 17:00`, `w sobotę o 17`, `12.12, 17:00`, `12.12 godz. 17:00` (Ukrainian
and English words too). The one reader of every date a person types: the event form and the
announcements both call it.

Plain functions without Telegram. Everything is interpreted as wall-clock time in the bot's time
zone and returned as an aware datetime; a time that does not exist on the day the clocks go
forward is refused, an ambiguous one on the day they go back means the first (summer) hour.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class DateProblem(ValueError):
    """Why a typed date or time was refused; `code` picks the message shown to the user."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


_RELATIVE_DAYS = {
    "dzis": 0,
    "dzisiaj": 0,
    "today": 0,
    "сьогодні": 0,
    "jutro": 1,
    "tomorrow": 1,
    "завтра": 1,
    "pojutrze": 2,
    "післязавтра": 2,
}
# Months as they follow a day ("12 grudnia"), also in the nominative and shortened; Ukrainian and English.
_MONTH_NAMES = (
    ("stycznia styczen sty january jan січня січень", 1),
    ("lutego luty lut february feb лютого лютий", 2),
    ("marca marzec mar march березня березень", 3),
    ("kwietnia kwiecien kwi april apr квітня квітень", 4),
    ("maja maj may травня травень", 5),
    ("czerwca czerwiec cze june jun червня червень", 6),
    ("lipca lipiec lip july jul липня липень", 7),
    ("sierpnia sierpien sie august aug серпня серпень", 8),
    ("wrzesnia wrzesien wrz september sep sept вересня вересень", 9),
    ("pazdziernika pazdziernik paz october oct жовтня жовтень", 10),
    ("listopada listopad lis november nov листопада листопад", 11),
    ("grudnia grudzien gru december dec грудня грудень", 12),
)
# Weekdays as typed alone ("sobota") or after "w" ("w sobotę"): the next such day.
_WEEKDAY_NAMES = (
    "poniedzialek pon monday mon понеділок",
    "wtorek wt tuesday tue вівторок",
    "sroda srode sr wednesday wed середа середу",
    "czwartek czw thursday thu четвер",
    "piatek pt friday fri пятниця пятницю",
    "sobota sobote sob saturday sat субота суботу",
    "niedziela niedziele ndz sunday sun неділя неділю",
)


def _plain(text: str) -> str:
    """Lower case without diacritics or apostrophes: "Środę" and "srode", "п'ятниця" and "пятниця" alike."""
    decomposed = unicodedata.normalize("NFD", text.lower())
    kept = "".join(c for c in decomposed if unicodedata.category(c) != "Mn" and c not in "'’ʼ`")
    return unicodedata.normalize("NFC", kept)


_RELATIVE = {_plain(word): days for word, days in _RELATIVE_DAYS.items()}
_MONTHS = {_plain(name): month for names, month in _MONTH_NAMES for name in names.split()}
_WEEKDAYS = {_plain(name): day for day, names in enumerate(_WEEKDAY_NAMES) for name in names.split()}

_TIME = r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?"
_DATE = r"(?P<day>\d{1,2})[./](?P<month>\d{1,2})(?:[./](?P<year>\d{2}|\d{4}))?"
_ISO_DATE = r"(?P<iyear>\d{4})-(?P<imonth>\d{1,2})-(?P<iday>\d{1,2})"
_NAMED_DATE = r"(?P<nday>\d{1,2})\.?\s*(?P<mname>[^\W\d_]+)\.?(?:\s+(?P<nyear>\d{4})(?:\s*r\.?)?)?"
_WORD = r"(?:(?:w|we|on|в|у)\s+)?(?P<word>[^\W\d_]+)"
_AT = r"(?:,?\s+|,\s*)(?:(?:o|at|о|об)\s+|godz\.?\s*)?"
_DATE_TIME = re.compile(rf"^(?:{_DATE}|{_ISO_DATE}|{_NAMED_DATE}|{_WORD})(?:{_AT}{_TIME})?$")
_TIME_ONLY = re.compile(rf"^(?:(?:o|at|о|об)\s+|godz\.?\s*)?{_TIME}$")


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", _plain(unicodedata.normalize("NFC", text)).strip())


def _time_of(match: re.Match) -> time | None:
    if match["hour"] is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise DateProblem("bad_time")
    return time(hour, minute)


def _day_of_word(word: str, today: date) -> date:
    if word in _RELATIVE:
        return today + timedelta(days=_RELATIVE[word])
    if word in _WEEKDAYS:
        return today + timedelta(days=(_WEEKDAYS[word] - today.weekday()) % 7)
    raise DateProblem("unreadable")


def _date_of(match: re.Match, today: date) -> date:
    if match["word"] is not None:
        return _day_of_word(match["word"], today)
    if match["iyear"] is not None:
        year, month, day = int(match["iyear"]), int(match["imonth"]), int(match["iday"])
        explicit_year = True
    else:
        if match["mname"] is not None:
            if match["mname"] not in _MONTHS:
                raise DateProblem("unreadable")
            day, month, typed_year = int(match["nday"]), _MONTHS[match["mname"]], match["nyear"]
        else:
            day, month, typed_year = int(match["day"]), int(match["month"]), match["year"]
        explicit_year = typed_year is not None
        year = int(typed_year) if explicit_year else today.year
        if explicit_year and year < 100:
            year += 2000
    try:
        found = date(year, month, day)
    except ValueError:
        raise DateProblem("no_such_date") from None
    if not explicit_year and found < today:
        # "12.03" typed in November means next March.
        try:
            found = date(year + 1, month, day)
        except ValueError:  # 29.02 without a leap year ahead
            raise DateProblem("no_such_date") from None
    return found


def local_datetime(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware datetime of a wall-clock time; refuses the hour skipped when clocks go forward."""
    wall = datetime.combine(day, at, tzinfo=tz)
    if wall.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None):
        raise DateProblem("skipped_hour")
    return wall


@dataclass(frozen=True)
class Typed:
    """What a person typed: a day, and the time if they gave one."""

    day: date
    at: time | None


def parse_day_and_time(text: str, now: datetime, tz: ZoneInfo) -> Typed:
    """`12.03 18:00`, `12.03.2027`, `2027-03-12 18:00`, `jutro 9:30`, `dziś o 18`, `12 grudnia`,
    `w sobotę o 17` (the next Saturday: today unless that time has passed). Raises DateProblem."""
    cleaned = _normalise(text)
    match = _DATE_TIME.match(cleaned)
    if match is None:
        raise DateProblem("unreadable")
    local_now = now.astimezone(tz)
    day, at = _date_of(match, local_now.date()), _time_of(match)
    if match["word"] in _WEEKDAYS and at is not None and day == local_now.date() and at <= local_now.time():
        day += timedelta(days=7)  # "sobota 17:00" typed on Saturday evening: next Saturday
    return Typed(day, at)


def parse_time(text: str) -> time:
    """`18:00`, `18.30`, `9`, `o 18`. Raises DateProblem."""
    match = _TIME_ONLY.match(_normalise(text))
    if match is None:
        raise DateProblem("unreadable")
    at = _time_of(match)
    assert at is not None
    return at


def parse_datetime(text: str, now: datetime, tz: ZoneInfo, *, default_day: date | None = None) -> datetime:
    """A full date and time; a time alone is taken on `default_day` when one is given."""
    try:
        typed = parse_day_and_time(text, now, tz)
    except DateProblem as problem:
        if default_day is None or problem.code != "unreadable":
            raise
        return local_datetime(default_day, parse_time(text), tz)
    if typed.at is None:
        raise DateProblem("time_missing")
    return local_datetime(typed.day, typed.at, tz)


_FULL_DATE = re.compile(
    rf"^(?:(?P<day>\d{{1,2}})[./-](?P<month>\d{{1,2}})[./-](?P<year>\d{{4}})|{_ISO_DATE}|"
    rf"(?P<nday>\d{{1,2}})\.?\s*(?P<mname>[^\W\d_]+)\.?\s+(?P<nyear>\d{{4}})(?:\s*r\.?)?)$"
)


def parse_calendar_date(text: str) -> date:
    """A day with its year, as in a birth date or an agreement's period: `1.12.2026`, `1-12-2026`,
    `2026-12-01`, `1 grudnia 2026 r.`. Raises DateProblem."""
    match = _FULL_DATE.match(_normalise(text))
    if match is None:
        raise DateProblem("unreadable")
    if match["iyear"] is not None:
        year, month, day = int(match["iyear"]), int(match["imonth"]), int(match["iday"])
    elif match["mname"] is not None:
        if match["mname"] not in _MONTHS:
            raise DateProblem("unreadable")
        year, month, day = int(match["nyear"]), _MONTHS[match["mname"]], int(match["nday"])
    else:
        year, month, day = int(match["year"]), int(match["month"]), int(match["day"])
    try:
        return date(year, month, day)
    except ValueError:
        raise DateProblem("no_such_date") from None


def parse_upcoming(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """A moment a person schedules: everything `parse_datetime` reads, and a time alone (`13:06`,
    `o 17`) meaning today, or tomorrow once that time has passed today."""
    try:
        return parse_datetime(text, now, tz)
    except DateProblem as problem:
        if problem.code != "unreadable":
            raise
    at = parse_time(text)
    today = now.astimezone(tz).date()
    for day in (today, today + timedelta(days=1)):
        try:
            moment = local_datetime(day, at, tz)
        except DateProblem:
            continue  # today's hour skipped by the clock change: tomorrow's exists
        if moment > now:
            return moment
    raise DateProblem("skipped_hour")


def parse_duration(text: str) -> timedelta:
    """`2`, `1,5`, `1.5 h`, `90 min` → a positive duration of at most two weeks. (`20:30` is not a
    length: it is read as an end time by the caller.)"""
    cleaned = _normalise(text).replace(",", ".")
    match = re.fullmatch(r"(\d{1,3}(?:\.\d{1,2})?)\s*(h|godz\.?|godzin[ya]?|min|minut[y]?)?", cleaned)
    if not match:
        raise DateProblem("unreadable")
    amount = float(match[1])
    minutes = amount if (match[2] or "h").startswith("min") else amount * 60
    if not 0 < minutes <= 14 * 24 * 60:
        raise DateProblem("bad_duration")
    return timedelta(minutes=round(minutes))
