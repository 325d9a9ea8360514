"""A range of hours typed instead of pressed ("5-10", "od 5 do 10") is read as the option it names."""

from __future__ import annotations

import math

import pytest

from bot.hour_ranges import read_range
from tests.flow_paths import answer_field, begin_application


@pytest.mark.parametrize(
    "typed",
    ["5-10", "5–10", "5 - 10", "od 5 do 10", "5 do 10 godzin", "5–10 h miesięcznie", "від 5 до 10", "5 to 10 hours"],
)
def test_the_ways_people_type_a_range_of_hours(typed):
    assert read_range(typed) == (5, 10)


def test_open_ranges_and_text_that_is_not_a_range():
    assert read_range("do 5 godzin") == (0, 5)
    assert read_range("ponad 20 godzin") == (20, math.inf)
    assert read_range("2,5-4") == (2.5, 4)
    assert read_range("dużo") is None and read_range("5") is None and read_range("5-10-15") is None


async def _at_availability(app, chat) -> None:
    await begin_application(chat)
    for form_field in app.services.org.form:
        if form_field.id == "availability":
            return
        await answer_field(chat, form_field)


async def _availability(app, chat):
    latest = await app.services.applications.latest(chat.id)
    return (await app.services.applications.answers(latest.id)).get("availability")


@pytest.mark.parametrize(
    ("typed", "choice"),
    [("5-10", "5_to_10"), ("5 – 10", "5_to_10"), ("od 10 do 20", "10_to_20"), ("6-8 godzin", "5_to_10")],
)
async def test_a_typed_range_answers_the_hours_question(app, double, typed, choice):
    chat = double.user(user_id=3301, language_code="pl")
    await _at_availability(app, chat)
    assert "Ile czasu w miesiącu" in chat.last.text
    await chat.send(typed)
    assert await _availability(app, chat) == choice
    assert "Ile czasu w miesiącu" not in chat.last.text  # the form went on


async def test_a_range_no_option_holds_is_refused_with_the_buttons(app, double):
    chat = double.user(user_id=3302, language_code="pl")
    await _at_availability(app, chat)
    await chat.send("15-25")
    assert await _availability(app, chat) is None
    assert "5–10 godzin" in chat.last.buttons
