"""The engine's manners, the same for every flow (shown on the application form): state in the
database, one active flow, idempotent presses, answers bound to their question, late presses."""

from __future__ import annotations

from bot.app import build_application
from bot.double import running
from tests.flow_paths import answer_until, draft_answers


async def test_a_typed_answer_delivered_again_is_not_stored_under_the_next_question(app, double):
    chat = double.user(user_id=3101)
    await answer_until(app, chat, "full_name")
    await chat.send("Anna Kowalska")
    assert chat.last.text.startswith("Krok 2 z 12")
    await chat.redeliver()  # after a restart Telegram hands the same update over again
    assert chat.last.text.startswith("Krok 2 z 12")
    assert await draft_answers(app, chat) == {"full_name": "Anna Kowalska"}


async def test_a_tick_pressed_twice_stays_ticked(app, double):
    chat = double.user(user_id=3102)
    await answer_until(app, chat, "competences")
    question = chat.last
    tick = question.button("▫️ Budżet obywatelski").callback_data
    await chat.press(question.message_id, tick)
    await chat.press(question.message_id, tick)  # delivered twice: sets, never toggles
    assert "✅ Budżet obywatelski" in chat.last.buttons
    await chat.tap("Gotowe »")
    assert (await draft_answers(app, chat))["competences"] == ["participatory_budget"]


async def test_a_button_of_an_earlier_question_changes_nothing(app, double):
    chat = double.user(user_id=3103)
    await answer_until(app, chat, "adult")
    question = chat.last
    no = question.button("Nie").callback_data
    await chat.tap("Tak")
    await chat.press(question.message_id, no)
    assert chat.alerts[-1] == "Ten przycisk dotyczy wcześniejszego pytania."
    assert (await draft_answers(app, chat))["adult"] == "yes"
    assert chat.last.text.startswith("Krok 5 z 12")


async def test_a_file_where_text_is_expected_gets_a_polite_hint_and_the_question_again(app, double):
    chat = double.user(user_id=3104)
    await answer_until(app, chat, "email")
    await chat.send_document(b"%PDF-1.4 x", "cv.pdf", "application/pdf")
    assert chat.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    assert "Krok 2 z 12" in chat.last.text
    await chat.send("anna@example.org")
    assert (await draft_answers(app, chat))["email"] == "anna@example.org"


async def test_a_press_handled_late_still_takes_effect_and_shows_its_result(app, double):
    chat = double.user(user_id=3105)
    await answer_until(app, chat, "adult")
    question = chat.last
    await chat.press(question.message_id, question.button("Tak").callback_data, late=True)
    assert (await draft_answers(app, chat))["adult"] == "yes"
    assert chat.last.text.startswith("Krok 5 z 12")


async def test_the_flow_state_is_one_row_written_with_the_answer(app, double):
    chat = double.user(user_id=3106)
    await answer_until(app, chat, "email")
    await chat.send("anna@example.org")
    row = await app.services.db.fetch_one("SELECT flow, step FROM flow_state WHERE telegram_id = ?", (chat.id,))
    assert (row["flow"], row["step"]) == ("ap", "phone")
    await chat.send("/anuluj")
    assert "Przerwano" in chat.last.text
    assert await app.services.db.fetch_one("SELECT 1 FROM flow_state WHERE telegram_id = ?", (chat.id,)) is None
    await chat.send("600 100 200")  # no flow now: not an answer
    assert "phone" not in await draft_answers(app, chat)


async def test_an_edit_from_the_summary_returns_there_also_after_back(app, double):
    chat = double.user(user_id=3107)
    await answer_until(app, chat, "__none__")
    assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")
    await chat.tap("✏️ E-mail")
    await chat.tap("« Wstecz")
    assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")
    await chat.tap("✏️ E-mail")
    await chat.send("nowy@example.org")
    assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")
    assert (await draft_answers(app, chat))["email"] == "nowy@example.org"


async def test_continue_resumes_at_the_summary_when_everything_is_answered(settings, double):
    chat = double.user(user_id=3108)
    async with running(build_application(settings, double), double) as app:
        await answer_until(app, chat, "__none__")
        await chat.send("/pomoc")  # leaves the form; the draft stays
    async with running(build_application(settings, double), double):
        await chat.send("/zgloszenie")
        await chat.tap("▶️ Kontynuuj")
        assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")
