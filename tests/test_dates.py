"""Dates and times as Poles type them, in Europe/Warsaw, across the DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.dates import DateProblem, local_datetime, parse_datetime, parse_duration, parse_time
from tests.events_helpers import WARSAW

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=WARSAW)  # a Saturday


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("28.11 18:00", datetime(2026, 11, 28, 18, 0)),
        ("28.11.2026 18:00", datetime(2026, 11, 28, 18, 0)),
        ("28.11.26 18:00", datetime(2026, 11, 28, 18, 0)),
        ("28/11 18.30", datetime(2026, 11, 28, 18, 30)),
        ("2026-11-28 9:05", datetime(2026, 11, 28, 9, 5)),
        ("12.03 18:00", datetime(2027, 3, 12, 18, 0)),  # March typed in November: next year
        ("jutro 9:30", datetime(2026, 11, 22, 9, 30)),
        ("Dziś o 18", datetime(2026, 11, 21, 18, 0)),
        ("dzis godz. 18:15", datetime(2026, 11, 21, 18, 15)),
        ("pojutrze, 7:00", datetime(2026, 11, 23, 7, 0)),
        ("tomorrow at 10:00", datetime(2026, 11, 22, 10, 0)),
        ("  28.11   18:00 ", datetime(2026, 11, 28, 18, 0)),
    ],
)
def test_polish_formats(typed, expected):
    assert parse_datetime(typed, NOW, WARSAW) == expected.replace(tzinfo=WARSAW)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("31.02 18:00", "no_such_date"),
        ("29.02.2027 10:00", "no_such_date"),
        ("28.11 25:00", "bad_time"),
        ("28.11 18:61", "bad_time"),
        ("28.11", "time_missing"),
        ("w przyszły wtorek", "unreadable"),
        ("🎉", "unreadable"),
        ("", "unreadable"),
        ("28.11 18:00; DROP TABLE events", "unreadable"),
    ],
)
def test_what_cannot_be_read_says_why(typed, problem):
    with pytest.raises(DateProblem) as raised:
        parse_datetime(typed, NOW, WARSAW)
    assert raised.value.code == problem


def test_a_time_alone_is_taken_on_the_given_day():
    assert parse_datetime("20:30", NOW, WARSAW, default_day=date(2026, 12, 1)) == datetime(
        2026, 12, 1, 20, 30, tzinfo=WARSAW
    )
    assert parse_time("o 7") == time(7, 0)


def test_spring_forward_hour_does_not_exist():
    with pytest.raises(DateProblem) as raised:
        local_datetime(date(2027, 3, 28), time(2, 30), WARSAW)
    assert raised.value.code == "skipped_hour"
    before, after = (
        local_datetime(date(2027, 3, 28), time(1, 30), WARSAW),
        local_datetime(date(2027, 3, 28), time(3, 30), WARSAW),
    )
    # Two hours on the wall clock, one real hour.
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(hours=1)


def test_fall_back_hour_means_the_first_one():
    ambiguous = local_datetime(date(2027, 10, 31), time(2, 30), WARSAW)
    assert ambiguous.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still summer time


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("2", 120), ("1,5", 90), ("1.5 h", 90), ("90 min", 90), ("3 godz.", 180), ("2 godziny", 120)],
)
def test_durations(typed, minutes):
    assert parse_duration(typed) == timedelta(minutes=minutes)


@pytest.mark.parametrize("typed", ["0", "20:30", "dwie", "400"])
def test_bad_durations(typed):
    with pytest.raises(DateProblem):
        parse_duration(typed)
