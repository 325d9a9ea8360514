"""Dates and times typed the way Poles write them: `12.03 18:00`, `12.03.2027 18:00`, `jutro 9:30`.

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
_TIME = r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2}))?"
_DATE = r"(?P<day>\d{1,2})[./](?P<month>\d{1,2})(?:[./](?P<year>\d{2}|\d{4}))?"
_ISO_DATE = r"(?P<iyear>\d{4})-(?P<imonth>\d{1,2})-(?P<iday>\d{1,2})"
_DATE_TIME = re.compile(rf"^(?:{_DATE}|{_ISO_DATE}|(?P<word>\w+))(?:,?\s+(?:o\s+|godz\.?\s*|at\s+)?{_TIME})?$")
_TIME_ONLY = re.compile(rf"^(?:o\s+|godz\.?\s*)?{_TIME}$")


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFC", text).strip().lower()
    text = text.replace("ś", "s")  # "dziś" and "dzis" alike
    return re.sub(r"\s+", " ", text)


def _time_of(match: re.Match) -> time | None:
    if match["hour"] is None:
        return None
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise DateProblem("bad_time")
    return time(hour, minute)


def _date_of(match: re.Match, today: date) -> date:
    if match["word"] is not None:
        if match["word"] not in _RELATIVE_DAYS:
            raise DateProblem("unreadable")
        return today + timedelta(days=_RELATIVE_DAYS[match["word"]])
    if match["iyear"] is not None:
        year, month, day = int(match["iyear"]), int(match["imonth"]), int(match["iday"])
        explicit_year = True
    else:
        day, month = int(match["day"]), int(match["month"])
        explicit_year = match["year"] is not None
        year = int(match["year"]) if explicit_year else today.year
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
    """`12.03 18:00`, `12.03.2027`, `2027-03-12 18:00`, `jutro 9:30`, `dziś o 18`. Raises DateProblem."""
    cleaned = _normalise(text)
    match = _DATE_TIME.match(cleaned)
    if match is None:
        raise DateProblem("unreadable")
    today = now.astimezone(tz).date()
    return Typed(_date_of(match, today), _time_of(match))


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
