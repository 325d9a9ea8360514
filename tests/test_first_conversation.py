"""The first conversation: /start, the menu, help, language, fallbacks, groups and bad input."""

from __future__ import annotations

import logging

from telegram import BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.ext import CommandHandler

from tests.conftest import ADMIN_ID, COORDINATOR_ID

MENU_PL = [
    "📝 Zgłoś się do zespołu",
    "📄 Moje porozumienie",
    "🏢 Zarejestruj organizację",
    "📅 Wydarzenia i szkolenia",
    "⏱ Moje godziny",
    "🔒 Moje dane",
    "✉️ Napisz do koordynatora",
    "🔔 Powiadomienia",
    "❓ Pomoc",
    "🌐 Język",
]


async def test_start_greets_by_name_explains_and_shows_the_menu(app, double):
    chat = double.user(first_name="Zofia", language_code="pl")
    await chat.send("/start")
    assert chat.last.text.startswith("Cześć, Zofia! 👋")
    assert "Ekspercki Zespół Wolontariuszy" in chat.last.text
    assert chat.last.text.endswith("Co chcesz zrobić?")
    assert chat.last.buttons == MENU_PL
    user = await app.services.users.get(chat.id)
    assert user.first_name == "Zofia" and user.telegram_locale == "pl"


async def test_english_telegram_users_get_english(app, double):
    chat = double.user(first_name="John", language_code="en-GB")
    await chat.send("/start")
    assert chat.last.text.startswith("Hello, John! 👋")
    assert "Expert Volunteer Team is a group" in chat.last.text
    assert "📝 Apply to the team" in chat.last.buttons


async def test_unsupported_telegram_language_falls_back_to_polish(app, double):
    chat = double.user(first_name="Hans", language_code="de")
    await chat.send("/start")
    assert chat.last.text.startswith("Cześć, Hans!")


async def test_a_name_with_html_is_shown_as_written(app, double):
    chat = double.user(first_name="<b>Ola</b> & Co")
    await chat.send("/start")
    assert chat.last.text.startswith("Cześć, <b>Ola</b> & Co! 👋")
    assert "&lt;b&gt;Ola&lt;/b&gt; &amp; Co" in chat.last.html


async def test_help_lists_what_a_user_can_do_and_menus_edit_in_place(app, double):
    chat = double.user()
    await chat.send("/start")
    menu_id = chat.last.message_id
    await chat.tap("❓ Pomoc")
    assert chat.last.message_id == menu_id and chat.last.edited
    for line in ("/pomoc – Pomoc", "/jezyk – Zmień język", "/anuluj – Przerwij bieżącą czynność"):
        assert line in chat.last.text
    assert "wolontariat@example.org" in chat.last.text
    await chat.tap("« Menu główne")
    assert chat.last.buttons == MENU_PL
    await chat.send("/help")
    assert chat.last.text.startswith("Pomoc")


async def test_language_switch_with_a_button_is_stored_and_changes_everything(app, double):
    chat = double.user(first_name="Ola", language_code="pl")
    await chat.send("/jezyk")
    assert "Wybierz język" in chat.last.text
    assert chat.last.buttons == ["🇵🇱 Polski ✓", "🇬🇧 English", "🇺🇦 Українська"]
    await chat.tap("🇺🇦 Українська")
    assert chat.last.text.startswith("Готово: відтепер я пишу українською.")
    assert "📝 Подати заявку до команди" in chat.last.buttons
    assert (await app.services.users.get(chat.id)).chosen_locale == "uk"
    await chat.send("/start")
    assert chat.last.text.startswith("Вітаємо, Ола") or chat.last.text.startswith("Вітаємо, Ola")
    # The chat's own command menu follows the chosen language.
    scope = BotCommandScopeChat(chat.id).to_dict()
    commands = await app.bot.get_my_commands(scope=BotCommandScopeChat(chat.id))
    assert scope and {"start", "events", "help", "language", "cancel", "agreement"} <= {c.command for c in commands}
    assert {c.command: c.description for c in commands}["language"] == "Змінити мову"


async def test_language_can_be_typed(app, double):
    chat = double.user(language_code="pl")
    await chat.send("/language")
    await chat.send("klingoński")
    assert chat.last.text.startswith("⚠️ Nie znam takiego języka.")  # and the choice again
    await chat.send("  ENGLISH ")
    assert chat.last.text.startswith("Done: from now on I will write in English.")
    await chat.send("/jezyk")
    await chat.send("po polsku")
    assert chat.last.text.startswith("Gotowe: od teraz piszę po polsku.")


async def test_cancel_leaves_the_conversation_and_outside_says_nothing_to_stop(app, double):
    chat = double.user()
    await chat.send("/jezyk")
    await chat.send("/anuluj")
    assert chat.last.text.startswith("Przerwano.")
    await chat.send("English")  # no longer choosing a language
    assert chat.last.text.startswith("Tej wiadomości nie rozumiem")
    await chat.send("/cancel")
    assert chat.last.text.startswith("W tej chwili nie ma czego przerywać.")


async def test_start_in_the_middle_of_a_conversation_ends_it(app, double):
    chat = double.user()
    await chat.send("/jezyk")
    await chat.send("/start")
    assert chat.last.buttons == MENU_PL
    await chat.send("English")
    assert chat.last.text.startswith("Tej wiadomości nie rozumiem")
    assert (await app.services.users.get(chat.id)).chosen_locale is None


async def test_command_menus_are_set_per_language_and_for_coordinators(app, double, coordinator):
    private = BotCommandScopeAllPrivateChats()
    polish = await app.bot.get_my_commands(scope=private, language_code="pl")
    english = await app.bot.get_my_commands(scope=private, language_code="en")
    default = await app.bot.get_my_commands(scope=private)
    # Polish names for Polish clients, English ones for everyone else; the main menu first.
    assert polish[0].command == "start" and {"pomoc", "jezyk", "anuluj"} <= {c.command for c in polish}
    assert english[0].command == "start"
    assert {"help", "language", "cancel"} <= {c.command for c in english}
    assert not {"pomoc", "koordynator"} & {c.command for c in english}
    assert default == polish
    await coordinator.send("/start")
    mine = await app.bot.get_my_commands(scope=BotCommandScopeChat(COORDINATOR_ID))
    assert "koordynator" in [c.command for c in mine]
    assert "koordynator" not in [c.command for c in polish]


async def test_unknown_text_gets_a_hint_and_the_menu(app, double):
    chat = double.user()
    await chat.send("dzień dobry 🌞🇵🇱")
    assert chat.last.text.startswith("Tej wiadomości nie rozumiem 🙂")
    # ... and the offer to pass it on to the coordinators with one tap (issue 15)
    assert chat.last.buttons == ["✉️ Wyślij do koordynatorów", *MENU_PL]


async def test_unknown_command_is_named_escaped(app, double):
    chat = double.user()
    await chat.send("/zrób&<to>")
    assert chat.last.text.startswith("Nie znam polecenia /zrób&<to>.")


async def test_a_huge_message_and_odd_unicode_are_answered(app, double):
    chat = double.user()
    await chat.send("ą" * 4096)
    assert chat.last.text.startswith("Tej wiadomości nie rozumiem")
    await chat.send("\u202eabc\u200b\u200d👨‍👩‍👧")
    assert chat.last.text.startswith("Tej wiadomości nie rozumiem")


async def test_stickers_and_locations_are_answered(app, double):
    chat = double.user()
    await chat.send_sticker()
    assert chat.last.text.startswith("Nie obsługuję tego rodzaju wiadomości.")
    await chat.send_other(location={"latitude": 51.25, "longitude": 22.57})
    assert chat.last.text.startswith("Nie obsługuję tego rodzaju wiadomości.")


async def test_edited_messages_get_a_hint(app, double):
    chat = double.user()
    await chat.send("cześć")
    await chat.edit("cześć", "czołem")
    assert chat.last.text.startswith("Zmiany w wysłanej już wiadomości do mnie nie docierają.")


async def test_groups_get_a_one_line_invitation_and_nothing_is_stored(app, double):
    group = double.user(user_id=3003, first_name="Piotr", chat_type="group")
    await group.send("/start")
    assert group.last.text == "Porozmawiajmy prywatnie: napisz do mnie na @volunteer_test_bot."
    assert group.last.keyboard[0][0].url == "https://t.me/volunteer_test_bot"
    assert await app.services.users.get(3003) is None


async def test_channel_posts_are_ignored(app, double):
    channel = double.ensure_chat({"id": -1009, "type": "channel", "title": "Kanał"})
    await double.deliver(
        {
            "update_id": double.next_update_id(),
            "channel_post": {"message_id": 1, "chat": channel.info, "date": 0, "text": "hej"},
        }
    )
    assert not [m for m in channel.messages.values() if m.from_bot]


async def test_stale_and_forged_buttons_are_answered_and_change_nothing(app, double):
    chat = double.user()
    await chat.send("/start")
    menu = chat.last
    for forged in ("ev:join:999", "x" * 64, "lang:set:xx", "menu:main:extra", "🙂"):
        await chat.press(menu.message_id, forged)
        assert chat.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."
    assert chat.last.message_id == menu.message_id and not chat.last.edited
    assert (await app.services.users.get(chat.id)).chosen_locale is None


async def test_buttons_of_sections_from_an_older_release_say_so(app, double):
    # Menus sent by the previous release had "coming soon" buttons; pressing one still gets an answer.
    chat = double.user(language_code="en")
    await chat.send("/start")
    await chat.press(chat.last.message_id, "soon:mydata")
    assert chat.alerts[-1] == "This part of the bot is still being prepared. Check back soon!"


async def test_coordinators_see_their_panel_and_volunteers_do_not(app, double, coordinator):
    await coordinator.send("/start")
    assert "🧭 Panel koordynatora" in coordinator.last.buttons
    await coordinator.tap("🧭 Panel koordynatora")
    assert coordinator.last.text.startswith("Panel koordynatora")
    assert "👥 Osoby koordynujące" not in coordinator.last.buttons  # admins only

    volunteer = double.user(user_id=4004)
    await volunteer.send("/start")
    assert "🧭 Panel koordynatora" not in volunteer.last.buttons
    await volunteer.send("/koordynator")
    assert volunteer.last.text.startswith("Ta funkcja jest dostępna tylko dla osób koordynujących.")
    await volunteer.press(volunteer.last.message_id, "menu:coord")
    assert volunteer.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await volunteer.press(volunteer.last.message_id, "bc:list:0")
    assert volunteer.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."


async def test_admins_are_coordinators_too(app, double, admin):
    await admin.send("/koordynator")
    assert "👥 Osoby koordynujące" in admin.last.buttons
    assert ADMIN_ID in app.services.settings.admin_ids


async def test_deep_links_are_routed_and_unknown_ones_give_the_plain_start(app, double):
    chat = double.user()
    await chat.send("/start help")
    assert chat.last.text.startswith("Pomoc")
    await chat.send("/start language")
    assert "Wybierz język" in chat.last.text
    await chat.send("/start no_such_thing")
    assert chat.last.buttons == MENU_PL


async def test_an_error_gets_an_apology_in_the_users_language_and_a_log_without_the_token(app, double, caplog):
    async def broken(update, context):
        raise RuntimeError(f"kaboom with {context.bot.token}")

    app.add_handler(CommandHandler("boom", broken), group=-5)
    chat = double.user(language_code="uk")
    with caplog.at_level(logging.ERROR):
        await chat.send("/boom")
    assert chat.last.text.startswith("Вибачте, у нас щось пішло не так.")
    record = next(r for r in caplog.records if r.name == "volunteer_bot.errors")
    assert "Error while handling update" in record.getMessage()
    # What the log handler prints goes through the redacting formatter.
    from bot.logs import RedactingFormatter

    printed = RedactingFormatter("%(message)s", (double.token,)).format(record)
    assert "kaboom" in printed and double.token not in printed


async def test_a_user_who_floods_is_asked_to_slow_down_once_then_ignored(settings, double):
    from bot.app import build_application
    from bot.double import running

    now = [1_000_000.0]
    from datetime import UTC, datetime

    app = build_application(
        settings.with_changes(flood_messages=5, flood_window_seconds=10.0),
        double,
        clock=lambda: datetime.fromtimestamp(now[0], UTC),
    )
    async with running(app, double):
        chat = double.user()
        for _ in range(5):
            await chat.send("hej")
        before = len(chat.messages)
        await chat.send("hej")
        assert chat.last.text.startswith("Piszesz szybciej, niż nadążam odpowiadać 🙂")
        assert chat.last.text.endswith("za 10 sekund.")
        await chat.send("hej")
        await chat.send("/start")
        assert len(chat.messages) == before + 1  # one warning, then silence
        now[0] += 11
        await chat.send("/start")
        assert chat.last.buttons == MENU_PL


async def test_blocking_the_bot_marks_the_person_unreachable_and_is_not_activity(app, double):
    chat = double.user(user_id=4321, first_name="Ola", language_code="pl")
    await chat.send("/start")
    seen = (await app.services.users.get(4321)).last_seen_at
    chat.block_bot(True)
    bot = double.bot_user
    await double.deliver(
        {
            "update_id": double.next_update_id(),
            "my_chat_member": {
                "chat": chat.chat.info,
                "from": chat.user,
                "date": 1_800_000_000,
                "old_chat_member": {"status": "member", "user": bot},
                "new_chat_member": {"status": "kicked", "user": bot, "until_date": 0},
            },
        }
    )
    profile = await app.services.users.get(4321)
    assert profile.unreachable_at is not None and profile.last_seen_at == seen


async def test_the_remembered_command_menus_are_bounded_and_a_forgotten_one_is_set_again(app, double, monkeypatch):
    from handlers import session

    monkeypatch.setattr(session, "MENUS_REMEMBERED", 2)
    chats = [double.user(user_id=7100 + n) for n in range(3)]
    for chat in chats:
        await chat.send("/start")
    remembered = app.bot_data["command_menus"]
    assert list(remembered) == [7101, 7102]  # the oldest forgotten
    calls = len(double.requests)
    await chats[0].send("/pomoc")  # forgotten: its menu is set again
    assert [m for m, params in double.requests[calls:] if m == "setMyCommands" and params.get("scope")]
    assert list(remembered) == [7102, 7100]
