"""Notification preferences and the language choice as flows: presses that set a state, typed
input, stale buttons, leaving in the middle and restarts."""

from __future__ import annotations

from bot.app import build_application
from bot.double import running
from storage.preferences import Category, QuietHours


async def test_a_category_switch_pressed_twice_stays_off(app, double):
    chat = double.user(user_id=3301)
    await chat.send("/powiadomienia")
    menu = chat.last
    off = menu.button("✅ 🎓 Szkolenia").callback_data
    await chat.press(menu.message_id, off)
    await chat.press(menu.message_id, off)  # delivered again: stays off
    assert "▫️ 🎓 Szkolenia" in chat.last.buttons
    prefs = await app.services.preferences.get(chat.id)
    assert Category.TRAININGS not in prefs.categories and Category.EVENTS in prefs.categories
    # An older release's toggle is refused rather than guessed at.
    await chat.press(menu.message_id, "np:t:trainings")
    assert chat.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    assert Category.TRAININGS not in (await app.services.preferences.get(chat.id)).categories


async def test_presets_and_typed_hours(app, double):
    chat = double.user(user_id=3302)
    await chat.send("/powiadomienia")
    await chat.tap("🌙 Godziny ciszy: 21:00–08:00")
    preset = chat.last.button("22:00–07:00").callback_data
    await chat.press(chat.last.message_id, preset)
    await chat.press(chat.last.message_id, preset)
    assert (await app.services.preferences.get(chat.id)).quiet == QuietHours(22 * 60, 7 * 60)
    await chat.tap("🌙 Godziny ciszy: 22:00–07:00")
    await chat.tap("⌨️ Inne godziny…")
    await chat.send_photo(b"PHOTO", caption="22-6")  # a file where text is expected
    assert chat.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    await chat.send("wyłącz")
    assert chat.last.text.startswith("⚠️ Nie rozpoznaję tu zakresu godzin.")
    await chat.send("off")
    assert chat.last.text.startswith("Zapisano.") and "Godziny ciszy: brak." in chat.last.text
    assert (await app.services.preferences.get(chat.id)).quiet is None
    await chat.send("22-6")  # the question is no longer asked
    assert chat.last.text.startswith("Tej wiadomości nie rozumiem")
    assert (await app.services.preferences.get(chat.id)).quiet is None


async def test_leaving_the_quiet_hours_question_keeps_the_hours(app, double):
    chat = double.user(user_id=3303)
    await chat.send("/powiadomienia")
    await chat.tap("🌙 Godziny ciszy: 21:00–08:00")
    await chat.tap("⌨️ Inne godziny…")
    await chat.send("/start")
    await chat.send("23:00-6:00")
    assert chat.last.text.startswith("Tej wiadomości nie rozumiem")
    assert (await app.services.preferences.get(chat.id)).quiet == QuietHours(21 * 60, 8 * 60)


async def test_quiet_hours_question_continues_after_a_restart(settings, double):
    chat = double.user(user_id=3304)
    async with running(build_application(settings, double), double):
        await chat.send("/powiadomienia")
        await chat.tap("🌙 Godziny ciszy: 21:00–08:00")
        await chat.tap("⌨️ Inne godziny…")
    async with running(build_application(settings, double), double) as app:
        await chat.send("23:30-6:15")
        assert chat.last.text.startswith("Zapisano.") and "23:30–06:15" in chat.last.text
        assert (await app.services.preferences.get(chat.id)).quiet == QuietHours(23 * 60 + 30, 6 * 60 + 15)


async def test_a_language_button_works_after_the_choice_has_ended(app, double):
    chat = double.user(user_id=3305, language_code="pl")
    await chat.send("/jezyk")
    question = chat.last
    english = question.button("🇬🇧 English").callback_data
    await chat.send("/start")  # the choice has ended
    await chat.press(question.message_id, english)
    assert chat.last.text.startswith("Done: from now on I will write in English.")
    await chat.press(question.message_id, english)  # delivered again: still English
    assert (await app.services.users.get(chat.id)).chosen_locale == "en"
    await chat.press(question.message_id, "lang:set:uk")  # an older release's button
    assert chat.last.text.startswith("Готово: відтепер я пишу українською.")
    await chat.press(question.message_id, "lang:set:xx")
    assert chat.alerts[-1].startswith("Ця кнопка")
    assert (await app.services.users.get(chat.id)).chosen_locale == "uk"


async def test_language_menu_button_deep_link_and_stickers(app, double):
    chat = double.user(user_id=3306, language_code="pl")
    await chat.send("/start")
    await chat.tap("🌐 Język")
    assert chat.last.text.startswith("Wybierz język")
    await chat.send_sticker()
    assert chat.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    await chat.send("/start language")
    await chat.send("po angielsku")
    assert chat.last.text.startswith("Done: from now on I will write in English.")
    assert (await app.services.users.get(chat.id)).chosen_locale == "en"


async def test_the_language_choice_continues_after_a_restart(settings, double):
    chat = double.user(user_id=3307, language_code="pl")
    async with running(build_application(settings, double), double):
        await chat.send("/jezyk")
    async with running(build_application(settings, double), double) as app:
        await chat.send("English")
        assert chat.last.text.startswith("Done: from now on I will write in English.")
        assert (await app.services.users.get(chat.id)).chosen_locale == "en"
        await chat.send("English")  # and now the choice is over
        assert chat.last.text.startswith("I didn't understand that")
