"""A long answer Telegram splits into several messages is one input, in every flow: accepted whole
or refused whole, never a fragment; the held part lives in the database (issue 12, item 4)."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import build_application
from bot.context import ROUTES_KEY
from bot.double import running
from bot.flow import End, Flow, question, typed_step
from bot.flow_parts import MAX_HELD, units
from tests.flow_paths import answer_field, begin_application, draft_answers

LONG_LIMIT = 10_000
taken: list[str] = []


async def _taken(run, text: str) -> End:
    taken.append(text)
    return End(f"Taken: {len(text)} characters.")


# A flow whose step takes more than one Telegram message can carry (no real step does yet).
LONG = Flow("zz", lambda run: [typed_step("text", question("Paste the long text."), LONG_LIMIT, _taken)])


def _build(settings, double, window: float = 0.3):
    app = build_application(settings, double)
    engine = app.bot_data[ROUTES_KEY].engine
    engine.add(LONG)
    engine.window = window
    return app


def _split(text: str) -> list[str]:
    """As a client sends it: 4 096-unit parts, the last one shorter (cut mid-word)."""
    return [text[i : i + 4096] for i in range(0, len(text), 4096)]


def _words(length: int) -> str:
    return ("Pomagam w pisaniu wniosków. " * (length // 28 + 1))[:length]


async def _eventually(check, seconds: float = 5.0) -> None:
    """Wait for the timer (a PTB job) to have run: at most `seconds`."""
    for _ in range(int(seconds / 0.05)):
        if check():
            return
        await asyncio.sleep(0.05)
    assert check()


async def _fire_timer(app, chat) -> None:
    """Run the person's held-text timer now, as if its window had passed (no waiting on a clock)."""
    jobs = app.job_queue.get_jobs_by_name(f"flow-part:{chat.id}")
    assert jobs, "no timer was armed for the held text"
    for job in jobs:
        await job.run(app)


async def _in_long_flow(app, chat):
    await chat.send("/start")
    await app.services.db.execute(
        "INSERT INTO flow_state (telegram_id, flow, step, data, version, updated_at) "
        "VALUES (?, 'zz', 'text', '{}', 1, '2026-01-01 00:00:00')",
        (chat.id,),
    )


async def _at_experience(app, chat):
    await begin_application(chat)
    for form_field in app.services.org.form:
        if form_field.id == "experience":
            return
        await answer_field(chat, form_field)


@pytest.fixture(autouse=True)
def _clear():
    taken.clear()


async def test_a_split_answer_within_the_limit_is_taken_whole(settings, double):
    text = _words(9000)
    async with running(_build(settings, double, window=5), double) as app:
        chat = double.user(user_id=3301)
        await _in_long_flow(app, chat)
        before = len(chat.messages)
        parts = _split(text)
        assert [units(p) for p in parts] == [4096, 4096, 808]
        for part in parts[:-1]:
            await chat.send(part)
            assert len(chat.messages) == before  # nothing is answered while more may follow
        await chat.send(parts[-1])
        assert taken == [text.strip()]
        assert chat.last.text.startswith("Taken: 9000 characters.")


async def test_a_split_answer_over_the_limit_is_refused_whole(app, double):
    chat = double.user(user_id=3302)
    await _at_experience(app, chat)
    before = len(chat.messages)
    first, second = _split(_words(5000))
    await chat.send(first)
    assert len(chat.messages) == before
    await chat.send(second)  # starts mid-word: on its own it would be a valid answer
    assert len(chat.messages) == before + 1
    assert chat.last.text.startswith("⚠️ Odpowiedź jest za długa: skróć ją do 2000 znaków (teraz: 5000).")
    assert "Krok 8 z 12" in chat.last.text
    assert "experience" not in await draft_answers(app, chat)
    await chat.send("Od pięciu lat piszę wnioski o granty dla koła gospodyń.")
    assert chat.last.text.startswith("Krok 9 z 12")


async def test_a_single_long_message_is_answered_when_nothing_follows(settings, double):
    async with running(_build(settings, double, window=0.3), double) as app:
        chat = double.user(user_id=3303)
        await _at_experience(app, chat)
        before = len(chat.messages)
        await chat.send(_words(3800))
        assert len(chat.messages) == before
        held = await app.services.db.fetch_one("SELECT data FROM flow_state WHERE telegram_id = ?", (chat.id,))
        assert '"_part"' in held["data"]  # held in the database, not in memory
        await _eventually(lambda: len(chat.messages) > before)
        assert len(chat.messages) == before + 1
        assert chat.last.text.startswith("⚠️ Odpowiedź jest za długa: skróć ją do 2000 znaków (teraz: 3800).")
        await chat.send("Od pięciu lat piszę wnioski o granty dla koła gospodyń.")
        assert chat.last.text.startswith("Krok 9 z 12")


async def test_a_long_message_within_the_limit_is_taken_after_the_window(settings, double):
    text = _words(3900)
    async with running(_build(settings, double, window=0.3), double) as app:
        chat = double.user(user_id=3304)
        await _in_long_flow(app, chat)
        await chat.send(text)
        assert taken == []
        await _eventually(lambda: taken)
        assert taken == [text.strip()]
        assert chat.last.text.startswith(f"Taken: {len(text.strip())} characters.")  # no trailing space


async def test_a_restart_between_the_parts(settings, double):
    text = _words(6000)
    first, second = _split(text)
    chat = double.user(user_id=3305)
    async with running(_build(settings, double, window=5), double) as app:
        await _in_long_flow(app, chat)
        await chat.send(first)
    async with running(_build(settings, double, window=5), double):
        await chat.send(second)
        assert taken == [text.strip()]


async def test_a_long_message_held_at_a_restart_is_answered_after_it(settings, double):
    text = _words(3900)
    chat = double.user(user_id=3306)
    async with running(_build(settings, double, window=5), double) as app:
        await _in_long_flow(app, chat)
        await chat.send(text)
    async with running(_build(settings, double, window=0.3), double):
        assert taken == []
        await _eventually(lambda: taken)
        assert taken == [text.strip()]


async def test_a_message_after_the_window_is_not_joined(settings, double):
    """The timer was lost (the process stopped) and no part followed: the held text is answered
    alone, then the new message is read against the next question."""
    async with running(_build(settings, double, window=60), double) as app:
        chat = double.user(user_id=3307)
        await _at_experience(app, chat)
        await chat.send(_words(3800))
        clock = double.clock
        double.clock = lambda: clock() + 120  # two minutes later
        await chat.send("Od pięciu lat piszę wnioski o granty dla koła gospodyń.")
        texts = [m.text for m in chat.messages[-2:]]
        assert texts[0].startswith("⚠️ Odpowiedź jest za długa: skróć ją do 2000 znaków (teraz: 3800).")
        assert texts[1].startswith("Krok 9 z 12")
        assert (await draft_answers(app, chat))["experience"].startswith("Od pięciu lat")


async def test_a_split_answer_to_other_is_refused_whole(app, double):
    chat = double.user(user_id=3308)
    await begin_application(chat)
    for form_field in app.services.org.form:
        if form_field.id == "county":
            break
        await answer_field(chat, form_field)
    await chat.tap("Inne…")
    first, second = _split(_words(4196))
    await chat.send(first)
    await chat.send(second)  # 100 characters: on its own a valid name of a county
    assert chat.last.text.startswith("⚠️ Odpowiedź jest za długa: skróć ją do 100 znaków (teraz: 4196).")
    assert "county" not in await draft_answers(app, chat)


async def test_a_press_while_a_text_is_held_wins(settings, double):
    async with running(_build(settings, double, window=0.3), double) as app:
        chat = double.user(user_id=3309)
        await _at_experience(app, chat)
        await chat.send(_words(3800))
        await chat.tap("« Wstecz")  # the person moved on before the text was answered
        assert chat.last.text.startswith("Krok 7 z 12")
        before = len(chat.messages)
        await _fire_timer(app, chat)  # the held text's window has passed: nothing more is said
        assert len(chat.messages) == before
        state = await app.services.sessions.load(chat.id)
        assert state.flow.step == "competences" and "_part" not in state.flow.data


async def test_a_text_held_when_the_flow_is_cancelled_is_not_answered(settings, double):
    async with running(_build(settings, double, window=0.3), double) as app:
        chat = double.user(user_id=3310)
        await _at_experience(app, chat)
        await chat.send(_words(3800))
        await chat.send("/anuluj")
        assert "Przerwano" in chat.last.text
        before = len(chat.messages)
        await _fire_timer(app, chat)  # the timer fires for a flow that is gone
        assert len(chat.messages) == before
        assert (await app.services.sessions.load(chat.id)).flow is None


async def test_what_is_held_has_a_ceiling(settings, double):
    async with running(_build(settings, double, window=5), double) as app:
        chat = double.user(user_id=3311)
        await _in_long_flow(app, chat)
        before = len(chat.messages)
        for _ in range(MAX_HELD // 4096):
            await chat.send("x" * 4096)
        assert len(chat.messages) == before + 1  # decided at the ceiling, not held for ever
        assert "(teraz: 32768)" in chat.last.text
