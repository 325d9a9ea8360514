"""Rules about hours that hold whatever the interface: calendar months in the organisation's time
zone, a person's age, and what may be logged as work (no more than 24 hours in one day, no
future dates, only on something the person is assigned to). Plain functions, tested without
Telegram; the hours ledger (storage/hours.py) and the support work log both use them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MAX_HOURS_A_DAY = 24.0


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 12 or not 2000 <= self.year <= 9999:
            raise ValueError(f"no such month: {self.year}-{self.month}")

    @classmethod
    def of(cls, day: date) -> Month:
        return cls(day.year, day.month)

    @classmethod
    def from_code(cls, code: int) -> Month:
        """202611 -> November 2026 (how a button carries a month); ValueError when it is none."""
        return cls(code // 100, code % 100)

    @property
    def code(self) -> int:
        return self.year * 100 + self.month

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self, count: int = 1) -> Month:
        index = self.year * 12 + self.month - 1 - count
        return Month(index // 12, index % 12 + 1)

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The month as UTC times: from its first local midnight to the next month's."""
        return local_midnight(self.first_day, tz), local_midnight(self.next().first_day, tz)


def local_midnight(day: date, tz: ZoneInfo) -> datetime:
    """The start of `day` in `tz`, as a UTC time (how a logged day is stored in the ledger)."""
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def recent_months(today: date, count: int) -> list[Month]:
    """This month and the `count - 1` before it, newest first."""
    this = Month.of(today)
    return [this.previous(n) for n in range(count)]


def age_on(birth: date, day: date) -> int:
    """Full years of age on `day`."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def days_left(today: date) -> int:
    """Days until the month ends, today included (1 on its last day)."""
    return (Month.of(today).last_day - today).days + 1


def whole(hours: float) -> int | None:
    """The hours as a whole number when they are one (for plural forms), else None."""
    return int(hours) if math.isclose(hours, round(hours)) else None


# ---- what may be logged as work -------------------------------------------------------------------
class HoursProblem(StrEnum):
    NOT_A_NUMBER = "not_a_number"  # zero, negative, not finite
    TOO_MANY = "too_many"  # more than 24 h in one day, with what the day already holds
    IN_THE_FUTURE = "in_the_future"
    NOT_ASSIGNED = "not_assigned"


def check_logged_hours(
    day: date, hours: float, *, today: date, already_that_day: float = 0.0, assigned: bool
) -> HoursProblem | None:
    """Why `hours` of work on `day` cannot be logged, or None when they can. `today` is the
    organisation's date; `already_that_day` the hours the person already has on that day (confirmed
    or waiting for confirmation, on any assignment); `assigned`: whether the person is assigned to
    what they log on. The first problem found is returned, the assignment first."""
    if not assigned:
        return HoursProblem.NOT_ASSIGNED
    if not isinstance(hours, int | float) or not math.isfinite(hours) or hours <= 0:
        return HoursProblem.NOT_A_NUMBER
    if day > today:
        return HoursProblem.IN_THE_FUTURE
    if already_that_day + hours > MAX_HOURS_A_DAY + 1e-9:
        return HoursProblem.TOO_MANY
    return None
