"""Answers no person means, dead ends after a refusal, and what follows a rejection (issue 12,
items 5–7), through the real Application."""

from __future__ import annotations

from bot.forms import parse_other, typed_text, visible
from tests.flow_paths import answer_until, draft_answers
from tests.test_review import open_from_notification, submitted_application


async def test_a_name_needs_letters_and_two_parts(app, double):
    chat = double.user(user_id=3201)
    await answer_until(app, chat, "full_name")
    for typed, problem in [
        ("😀😀😀", "⚠️ Podaj imię i nazwisko, np. Anna Kowalska."),
        ("Anna 😀", "⚠️ Podaj imię i nazwisko, np. Anna Kowalska."),
        ("\u200b\u200b\u200b", "⚠️ Wpisz odpowiedź."),
        ("Anna", "⚠️ Podaj imię i nazwisko, np. Anna Kowalska."),
    ]:
        await chat.send(typed)
        assert chat.last.text.startswith(problem), typed
        assert "Krok 1 z 12" in chat.last.text
    await chat.send("Anna \u202eKowalska\u200b")  # an RTL override would reverse labels after it
    assert chat.last.text.startswith("Krok 2 z 12")
    assert (await draft_answers(app, chat))["full_name"] == "Anna Kowalska"


async def test_names_in_any_script_are_taken(app, double):
    chat = double.user(user_id=3202)
    await answer_until(app, chat, "full_name")
    await chat.send("Олександр Ковальчук")
    assert chat.last.text.startswith("Krok 2 z 12")
    assert (await draft_answers(app, chat))["full_name"] == "Олександр Ковальчук"


async def test_free_text_needs_letters_or_digits(app, double):
    chat = double.user(user_id=3203)
    await answer_until(app, chat, "communities")
    await chat.send("🌻🌻🌻")
    assert chat.last.text.startswith("⚠️ Odpowiedz słowami: w tej odpowiedzi nie ma liter ani cyfr.")
    assert "communities" not in await draft_answers(app, chat)
    await chat.send("KGW w Zemborzycach\u2066")
    assert (await draft_answers(app, chat))["communities"] == "KGW w Zemborzycach"


async def test_a_dash_for_an_optional_question_is_a_skip_and_emoji_are_no_answer(app, double):
    chat = double.user(user_id=3208)
    await answer_until(app, chat, "organisation")
    await chat.send("🌻")
    assert chat.last.text.startswith("⚠️ Odpowiedz słowami")
    await chat.send("-")
    assert chat.last.text.startswith("Krok 7 z 12")
    assert (await draft_answers(app, chat))["organisation"] is None


def test_the_one_reader_of_typed_text():
    assert typed_text("🌻🌻🌻", 100).msgid.startswith("Please answer in words")
    assert typed_text("12", 100).value == "12"
    assert typed_text("\u200b \ufeff", 100).msgid == "Please type an answer."
    assert parse_other("🌻").msgid.startswith("Please answer in words")
    assert parse_other("powiat \u202ełukowski").value == "powiat łukowski"
    assert visible("a\u200bb\u202ec\u2069") == "abc"
    assert visible("👨\u200d👩\u200d👧") == "👨\u200d👩\u200d👧"  # joiners in free text stay


async def test_no_to_a_must_be_yes_question_can_be_changed(app, double):
    chat = double.user(user_id=3204)
    await answer_until(app, chat, "adult")
    await chat.tap("Nie")
    refusal = chat.last
    assert refusal.buttons == ["✏️ Zmień odpowiedź", "« Menu główne"]
    await chat.send("Pomyliłem się")
    assert "Tej wiadomości nie rozumiem" not in chat.last.text
    assert chat.last.text.startswith("⚠️ Odpowiedz przyciskiem „Tak” albo „Nie”.")
    assert "Czy masz ukończone 18 lat?" in chat.last.text
    assert refusal.message_id != chat.last.message_id
    await chat.tap("Tak")
    assert chat.last.text.startswith("Krok 5 z 12")
    assert (await draft_answers(app, chat))["adult"] == "yes"


async def test_change_the_answer_asks_the_question_again(app, double):
    chat = double.user(user_id=3205)
    await answer_until(app, chat, "adult")
    await chat.tap("Nie")
    await chat.tap("✏️ Zmień odpowiedź")
    assert chat.last.text.startswith("Krok 4 z 12")
    assert "Zachowaj tę odpowiedź »" not in chat.last.buttons  # "no" is not an answer to keep
    await chat.tap("Tak")
    assert chat.last.text.startswith("Krok 5 z 12")


async def test_the_menu_under_a_refusal_leaves_the_form(app, double):
    chat = double.user(user_id=3206)
    await answer_until(app, chat, "adult")
    await chat.tap("Nie")
    await chat.tap("« Menu główne")
    assert await app.services.db.fetch_one("SELECT 1 FROM flow_state WHERE telegram_id = ?", (chat.id,)) is None
    assert (await draft_answers(app, chat)).get("adult") is None


async def test_a_yes_changed_to_no_from_the_summary_is_not_sent(app, double):
    chat = double.user(user_id=3209)
    await answer_until(app, chat, "__none__")
    await chat.tap("✏️ Ukończone 18 lat")
    await chat.tap("Nie")
    assert (await draft_answers(app, chat))["adult"] is None  # the earlier "yes" no longer stands
    await chat.tap("« Menu główne")
    await chat.send("/zgloszenie")
    await chat.tap("▶️ Kontynuuj")
    await chat.tap("📨 Wyślij zgłoszenie")
    assert chat.last.text.startswith("Krok 4 z 12")
    assert (await app.services.applications.latest(chat.id)).status == "draft"


async def test_after_a_rejection_the_decision_comes_before_a_new_form(app, double, coordinator):
    volunteer = double.user(user_id=3207)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❌ Nie przyjmuj")
    await coordinator.send("Brak miejsc w tej edycji.")
    for entry in ("/zgloszenie", "/start"):
        await volunteer.send(entry)
        if entry == "/start":
            await volunteer.tap("📝 Moje zgłoszenie: nieprzyjęte")
        status = volunteer.last.text
        assert "Status: nieprzyjęte" in status
        assert "Wyjaśnienie osoby koordynującej: Brak miejsc w tej edycji." in status
        assert "📝 Złóż nowe zgłoszenie" in volunteer.last.buttons
        assert not await app.services.sessions.people_in("ap")
    await volunteer.tap("📝 Złóż nowe zgłoszenie")
    assert volunteer.last.text.startswith("Krok 1 z 12")  # rules and consents are still current
    await volunteer.send("Anna Kowalska")
    assert (await draft_answers(app, volunteer)) == {"full_name": "Anna Kowalska"}


def test_a_date_question_reads_dates_as_the_one_date_parser_does():
    from bot.forms import Accepted, Problem, parse_text
    from bot.organisation import FormField

    birth = FormField.model_validate({"id": "born", "type": "date", "prompt": "Data urodzenia", "label": "Urodzenie"})
    for typed in ("12.03.1990", "12-03-1990", "1990-03-12", "12 marca 1990", "12 marca 1990 r."):
        assert parse_text(birth, typed) == Accepted("1990-03-12"), typed
    assert parse_text(birth, "31.02.1990").msgid.startswith("There is no such date")
    assert isinstance(parse_text(birth, "wczoraj"), Problem)
