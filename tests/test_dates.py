"""Dates and times as Poles type them, in Europe/Warsaw, across the DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.dates import (
    DateProblem,
    local_datetime,
    parse_calendar_date,
    parse_datetime,
    parse_day_and_time,
    parse_duration,
    parse_time,
    parse_upcoming,
)
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
        # Month names, weekdays and the separators people type
        ("12 grudnia 17:00", datetime(2026, 12, 12, 17, 0)),
        ("12 Grudnia 2027 r. 17:00", datetime(2027, 12, 12, 17, 0)),
        ("3 stycznia o 9", datetime(2027, 1, 3, 9, 0)),
        ("12 marca 18:00", datetime(2027, 3, 12, 18, 0)),
        ("12.12, 17:00", datetime(2026, 12, 12, 17, 0)),
        ("12.12 godz. 17:00", datetime(2026, 12, 12, 17, 0)),
        ("sobota 17:00", datetime(2026, 11, 21, 17, 0)),  # today is Saturday and 17:00 is ahead
        ("sobota 8:00", datetime(2026, 11, 28, 8, 0)),  # 8:00 has passed today: next Saturday
        ("w sobotę o 17", datetime(2026, 11, 21, 17, 0)),
        ("we wtorek 10:00", datetime(2026, 11, 24, 10, 0)),
        ("w środę, 9:15", datetime(2026, 11, 25, 9, 15)),
        ("niedziela 12:00", datetime(2026, 11, 22, 12, 0)),
        ("у суботу о 17", datetime(2026, 11, 21, 17, 0)),
        ("в п’ятницю 9:00", datetime(2026, 11, 27, 9, 0)),
        ("12 грудня 17:00", datetime(2026, 12, 12, 17, 0)),
        ("Friday at 9:00", datetime(2026, 11, 27, 9, 0)),
        ("5 December 18:00", datetime(2026, 12, 5, 18, 0)),
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
        ("12 brumaire 17:00", "unreadable"),
        ("w sobotę", "time_missing"),
        ("31 listopada 10:00", "no_such_date"),
        ("13:06", "unreadable"),  # a time alone needs a day here (see parse_upcoming)
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


def test_the_event_form_reads_a_day_without_a_time():
    assert parse_day_and_time("w sobotę", NOW, WARSAW).day == date(2026, 11, 21)
    assert parse_day_and_time("12 grudnia", NOW, WARSAW).at is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("13:06", datetime(2026, 11, 21, 13, 6)),  # later today
        ("8:30", datetime(2026, 11, 22, 8, 30)),  # passed today: tomorrow
        ("o 17", datetime(2026, 11, 21, 17, 0)),
        ("jutro 9:00", datetime(2026, 11, 22, 9, 0)),
        ("dziś 13:06", datetime(2026, 11, 21, 13, 6)),
        ("w sobotę o 17", datetime(2026, 11, 21, 17, 0)),
    ],
)
def test_a_scheduled_moment_may_be_a_time_alone(typed, expected):
    assert parse_upcoming(typed, NOW, WARSAW) == expected.replace(tzinfo=WARSAW)


def test_a_time_alone_skips_the_hour_the_clocks_go_forward():
    night = datetime(2027, 3, 28, 1, 0, tzinfo=WARSAW)
    assert parse_upcoming("2:30", night, WARSAW) == datetime(2027, 3, 29, 2, 30, tzinfo=WARSAW)
    with pytest.raises(DateProblem) as raised:
        parse_upcoming("jutro rano", NOW, WARSAW)
    assert raised.value.code == "unreadable"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1.12.2026", date(2026, 12, 1)),
        ("01-12-2026", date(2026, 12, 1)),
        ("1/12/2026", date(2026, 12, 1)),
        ("2026-12-01", date(2026, 12, 1)),
        ("1 grudnia 2026", date(2026, 12, 1)),
        ("1 Grudnia 2026 r.", date(2026, 12, 1)),
        ("29 лютого 2028", date(2028, 2, 29)),
    ],
)
def test_a_calendar_date_with_its_year(typed, expected):
    assert parse_calendar_date(typed) == expected


@pytest.mark.parametrize(
    ("typed", "problem"), [("1.12", "unreadable"), ("31.11.2026", "no_such_date"), ("jutro", "unreadable")]
)
def test_a_calendar_date_needs_a_real_day_and_a_year(typed, problem):
    with pytest.raises(DateProblem) as raised:
        parse_calendar_date(typed)
    assert raised.value.code == problem
