"""Napisz do koordynatora (issue 15): a person writes to the team, a coordinator answers in private
chat, writes first, closes and hands over; the reminder; the bad input of the issue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.buttons.threads import OfferButton, ThreadButton
from bot.jobs.threads import purge_old_threads, remind_unanswered
from storage.threads import ThreadState
from tests.conftest import ADMIN_ID, COORDINATOR_ID


async def _thread_of(app, person_id):
    return await app.services.threads.current(person_id)


async def test_a_volunteer_asks_from_the_menu_and_gets_the_answer_in_the_same_chat(app, double, coordinator):
    await coordinator.send("/start")
    anna = double.user(user_id=5001, first_name="Anna")
    await anna.send("/start")
    await anna.tap("✉️ Napisz do koordynatora")
    assert "Napisz wiadomość do koordynatorów" in anna.last.text
    await anna.send("Dzień dobry, kiedy następne szkolenie? <b>pilne</b>")
    assert anna.last.text.startswith("✅ Twoja wiadomość dotarła do zespołu")
    thread = await _thread_of(app, anna.id)
    assert thread.state == ThreadState.OPEN
    # The coordinator gets it in private, escaped, with "Odpowiedz".
    question = coordinator.last
    assert "Anna" in question.text and "<b>pilne</b>" in question.text
    await coordinator.tap("✍️ Odpowiedz")
    await coordinator.send("W sobotę o 10:00 w Lublinie.")
    assert coordinator.last.text.startswith("✅ Wysłano do: Anna")
    answer = anna.last
    assert "W sobotę o 10:00 w Lublinie." in answer.text
    assert "— Kasia" in answer.text  # signed with the coordinator's first name
    assert "↩️ Odpisz" in answer.buttons
    thread = await app.services.threads.get(thread.id)
    assert thread.state == ThreadState.ANSWERED and thread.time_to_first_answer is not None
    # The person's next message goes into the same conversation.
    await anna.tap("↩️ Odpisz")
    await anna.send("Dziękuję!")
    again = await _thread_of(app, anna.id)
    assert again.id == thread.id and again.state == ThreadState.OPEN
    messages = await app.services.threads.messages(thread.id, 10)
    assert [m.from_person for m in messages] == [True, False, True]


async def test_free_text_is_offered_and_sent_only_with_one_tap(app, double, coordinator):
    anna = double.user(user_id=5002, first_name="Anna")
    await anna.send("Dzień dobry, kiedy następne szkolenie?")
    assert anna.last.text.startswith("Tej wiadomości nie rozumiem")
    assert anna.last.buttons[0] == "✉️ Wyślij do koordynatorów"
    assert await _thread_of(app, anna.id) is None  # nothing sent without the tap
    offer = anna.last
    await anna.tap("✉️ Wyślij do koordynatorów")
    assert anna.last.text.startswith("✅ Twoja wiadomość dotarła do zespołu")
    thread = await _thread_of(app, anna.id)
    messages = await app.services.threads.messages(thread.id)
    assert messages[0].content.body == "Dzień dobry, kiedy następne szkolenie?"
    assert "kiedy następne szkolenie?" in coordinator.last.text
    # The same button again sends nothing twice.
    await anna.press(offer.message_id, offer.button("✉️ Wyślij do koordynatorów").callback_data)
    assert anna.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    assert len(await app.services.threads.messages(thread.id)) == 1


async def test_the_offered_text_survives_a_restart(settings, double):
    from bot.app import build_application
    from bot.double import running

    anna = double.user(user_id=5003, first_name="Anna")
    async with running(build_application(settings, double), double):
        await anna.send("Mam pytanie o zaświadczenie.")
    async with running(build_application(settings, double), double) as app:
        await anna.tap("✉️ Wyślij do koordynatorów")
        thread = await app.services.threads.current(anna.id)
        assert (await app.services.threads.messages(thread.id))[0].content.body == "Mam pytanie o zaświadczenie."


async def test_a_forged_offer_and_a_forged_answer_button_change_nothing(app, double, coordinator):
    anna = double.user(user_id=5004, first_name="Anna")
    await anna.send("/start")
    await anna.press(anna.last.message_id, OfferButton(at=123).pack())
    assert anna.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    await anna.press(anna.last.message_id, ThreadButton(act="rep", thread=1).pack())
    assert await _thread_of(app, anna.id) is None
    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, ThreadButton(act="rep", thread=999).pack())
    assert coordinator.alerts[-1] == "Ta rozmowa jest zamknięta."


async def test_photos_and_documents_reach_the_team_stickers_get_a_clear_answer(app, double, coordinator):
    anna = double.user(user_id=5005, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send_sticker()
    assert "Naklejek i wiadomości głosowych" in anna.last.text
    await anna.send_photo(b"PHOTO", caption="Zdjęcie dokumentu")
    assert anna.last.text.startswith("✅ Twoja wiadomość dotarła do zespołu")
    assert coordinator.last.text.endswith("Zdjęcie dokumentu")
    photo = coordinator.last
    await coordinator.tap("📋 Rozmowa")  # under a photo: the card comes as a new message
    assert coordinator.last.text.startswith("Rozmowa #1: Anna") and "🖼 Zdjęcie dokumentu" in coordinator.last.text
    assert coordinator.messages[-2].message_id == photo.message_id
    await anna.send("/pytanie")
    await anna.send_document(b"%PDF-1.4", "cv.pdf", "application/pdf")
    assert coordinator.last.document_name == "cv.pdf"
    thread = await _thread_of(app, anna.id)
    kinds = [m.content.kind for m in await app.services.threads.messages(thread.id)]
    assert kinds == ["photo", "document"]


async def test_a_long_question_telegram_split_is_kept_whole_and_relayed_in_parts(app, double, coordinator):
    anna = double.user(user_id=5006, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("a" * 4096)
    await anna.send("b" * 904)
    await app.bot_data["routes"].engine.resume(app)  # not needed when the window passes; fire now
    thread = await _thread_of(app, anna.id)
    assert thread is not None
    body = (await app.services.threads.messages(thread.id))[0].content.body
    assert len(body) == 5000
    parts = [m for m in coordinator.messages if m.text.startswith(("a", "✉️", "b"))]
    assert sum(m.text.count("a") + m.text.count("b") for m in parts) >= 5000


async def test_a_coordinator_writes_first_from_the_application_card(app, double, coordinator):
    anna = double.user(user_id=5007, first_name="Anna")
    await anna.send("/start")
    from bot.buttons.threads import WriteTo

    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, WriteTo(person=anna.id).pack())
    await coordinator.send("Cześć, brakuje nam Twojego numeru telefonu.")
    assert "brakuje nam Twojego numeru" in anna.last.text
    thread = await _thread_of(app, anna.id)
    assert thread.state == ThreadState.ANSWERED and thread.opened_by == COORDINATOR_ID
    assert thread.time_to_first_answer is None  # nobody asked: nothing to time
    # A volunteer cannot use it.
    await anna.press(anna.last.message_id, WriteTo(person=5007).pack())
    assert anna.alerts[-1].startswith("Ta funkcja jest dostępna tylko")


async def test_an_answer_to_a_person_who_blocked_the_bot_is_kept_and_the_coordinator_told(app, double, coordinator):
    anna = double.user(user_id=5008, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pytanie")
    anna.block_bot()
    await coordinator.tap("✍️ Odpowiedz")
    await coordinator.send("Odpowiedź")
    assert "zablokował" in coordinator.last.text or "zablokowała" in coordinator.last.text
    thread = await _thread_of(app, anna.id)
    messages = await app.services.threads.messages(thread.id)
    assert messages[-1].content.body == "Odpowiedź" and not messages[-1].delivered


async def test_list_close_and_hand_over(app, double, coordinator, admin):
    await admin.send("/start")
    for user_id in (5010, 5011):
        person = double.user(user_id=user_id, first_name=f"Osoba{user_id}")
        await person.send("/pytanie")
        await person.send(f"Pytanie {user_id}")
    await coordinator.send("/pytania")
    assert coordinator.last.buttons[0].startswith("#1 Osoba5010")
    assert coordinator.last.buttons[1].startswith("#2 Osoba5011")
    await coordinator.tap(coordinator.last.buttons[0])
    assert "Rozmowa #1" in coordinator.last.text and "Pytanie 5010" in coordinator.last.text
    await coordinator.tap("👤 Przekaż")
    await coordinator.tap("Marek")
    thread = await app.services.threads.get(1)
    assert thread.assigned_to == ADMIN_ID
    assert "przekazał(a) Ci rozmowę #1" in admin.last.text
    await coordinator.tap("✅ Zamknij")
    assert (await app.services.threads.get(1)).state == ThreadState.CLOSED
    await coordinator.send("/pytania")
    assert [b for b in coordinator.last.buttons if b.startswith("#")] == [coordinator.last.buttons[0]]
    assert coordinator.last.buttons[0].startswith("#2 ")


async def test_an_unanswered_question_reminds_once_within_working_hours(app, double, coordinator):
    monday = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)  # 11:00 in Warsaw
    app.services.clock = lambda: monday
    anna = double.user(user_id=5012, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Czy ktoś tu jest?")
    app.services.clock = lambda: monday + timedelta(hours=1)
    assert await remind_unanswered(app) == 0  # not yet: 4 hours by default
    app.services.clock = lambda: monday + timedelta(hours=9)  # 20:00 in Warsaw: after working hours
    assert await remind_unanswered(app) == 0
    app.services.clock = lambda: monday + timedelta(hours=22)  # Tuesday 9:00
    assert await remind_unanswered(app) == 1
    assert "Anna nadal czeka na odpowiedź" in coordinator.last.text
    assert "Czy ktoś tu jest?" in coordinator.last.text and "✍️ Odpowiedz" in coordinator.last.buttons
    assert await remind_unanswered(app) == 0  # once
    # An answer ends the waiting; a new question waits (and may remind) again.
    await coordinator.tap("✍️ Odpowiedz")
    await coordinator.send("Jestem!")
    thread = await _thread_of(app, anna.id)
    assert thread.waiting_since is None and thread.reminded_at is None


async def test_a_conversation_handed_over_goes_to_that_coordinator_only(app, double, coordinator, admin):
    await admin.send("/start")
    anna = double.user(user_id=5014, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pierwsze pytanie")
    await coordinator.tap("📋 Rozmowa")
    await coordinator.tap("👤 Przekaż")
    await coordinator.tap("Marek")
    before = len(coordinator.messages)
    await anna.send("/pytanie")
    await anna.send("Drugie pytanie")
    assert "Drugie pytanie" in admin.last.text
    assert len(coordinator.messages) == before  # handed over: only Marek is told
    # A forged hand-over to someone who does not coordinate is refused.
    await coordinator.press(coordinator.last.message_id, ThreadButton(act="to", thread=1, who=5014).pack())
    assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    assert (await app.services.threads.get(1)).assigned_to == ADMIN_ID


async def test_conversations_are_in_my_data_and_erased_after_the_retention_period(app, double, coordinator):
    from storage.privacy import personal_data

    anna = double.user(user_id=5013, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Moje pytanie")
    await anna.send("/moje_dane")
    assert "Rozmowy z koordynatorami" in anna.last.text and "1 wiadomość, przechowywana 365 dni" in anna.last.text
    data = (await personal_data(app.services.db, anna.id))["data"]
    assert data["threads"][0]["state"] == "open"
    assert data["thread_messages"][0]["body"] == "Moje pytanie"
    app.services.clock = lambda: datetime.now(UTC) + timedelta(days=400)
    assert await purge_old_threads(app) == 1
    assert await _thread_of(app, anna.id) is None


async def test_deleting_the_account_erases_the_conversations(app, double, coordinator):
    from storage.privacy import erase

    anna = double.user(user_id=5015, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pytanie")
    await anna.send("Druga wiadomość poza rozmową")  # held as an offer
    erased = await erase(app.services.db, anna.id)
    assert erased["threads"] == 1 and erased["thread_offers"] == 1
    rows = await app.services.db.fetch_all("SELECT * FROM thread_messages")
    assert rows == []


async def test_a_reply_to_an_announcement_opens_no_conversation_by_itself(app, double, coordinator):
    anna = double.user(user_id=5016, first_name="Anna")
    await anna.send("/start")
    announcement = anna.last  # stands for an announcement or a reminder the bot sent
    reply_to = {"message_id": announcement.message_id, "chat": anna.chat.info, "date": 0, "text": announcement.text}
    await anna.send_other(text="Czy to dotyczy też mnie?", reply_to_message=reply_to)
    assert anna.last.buttons[0] == "✉️ Wyślij do koordynatorów"  # only offered
    assert await _thread_of(app, anna.id) is None
    assert not [m for m in coordinator.messages if "Czy to dotyczy" in m.text]


async def test_a_long_text_written_outside_a_conversation_is_offered_whole(app, double, coordinator):
    anna = double.user(user_id=5017, first_name="Anna")
    await anna.send("a" * 4096)  # Telegram split a 5 000-character message in two
    await anna.send("b" * 904)
    await anna.tap("✉️ Wyślij do koordynatorów")
    thread = await _thread_of(app, anna.id)
    body = (await app.services.threads.messages(thread.id))[0].content.body
    assert body == "a" * 4096 + "b" * 904
    relayed = "".join(m.text for m in coordinator.messages)
    assert relayed.count("a") >= 4096 and relayed.count("b") >= 904


async def test_the_list_pages_by_key_and_the_cards_offer_to_write(app, double, coordinator):
    from tests.flow_paths import World, _sent_application

    for user_id in range(5100, 5111):
        person = double.user(user_id=user_id, first_name=f"Osoba{user_id}")
        await person.send("/pytanie")
        await person.send("Pytanie")
    await coordinator.send("/pytania")
    first_page = [b for b in coordinator.last.buttons if b.startswith("#")]
    assert len(first_page) == 8 and first_page[0].startswith("#1 ")
    await coordinator.tap("Następne »")
    second_page = [b for b in coordinator.last.buttons if b.startswith("#")]
    assert [b.split()[0] for b in second_page] == ["#9", "#10", "#11"]
    await coordinator.tap("« Poprzednie")
    assert [b for b in coordinator.last.buttons if b.startswith("#")] == first_page
    # "✉️ Napisz" on an application card starts a message to that person.
    world = World(app=app, double=double, coordinator=coordinator, admin=double.user(user_id=ADMIN_ID))
    ola = await _sent_application(world, "Ola Nowak")
    await coordinator.send("/zgloszenia")
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("Nowe (")))
    await coordinator.tap(coordinator.last.buttons[0])
    await coordinator.tap("✉️ Napisz")
    assert "Ola Nowak" in coordinator.last.text
    await coordinator.send("Dzień dobry, mamy pytanie o Twoje zgłoszenie.")
    assert "mamy pytanie o Twoje zgłoszenie" in ola.last.text


async def test_a_conversation_of_another_kind_is_answered_by_the_participant_it_is_assigned_to(
    app, double, coordinator
):
    """How the expert-organisation relay of stage two plugs in: a thread of its own kind and
    subject, assigned to the expert, relayed and answered with the same mechanism."""
    from bot.counselling import to_staff
    from storage.threads import Content

    services = app.services
    contact = double.user(user_id=5201, first_name="Ewa")
    expert = double.user(user_id=5202, first_name="Jan")
    other = double.user(user_id=5203, first_name="Obcy")
    for person in (contact, expert, other):
        await person.send("/start")
    thread, message = await services.threads.from_person(
        contact.id, Content("text", "Kiedy możemy się spotkać?"), services.clock(), kind="relay", subject="request:1"
    )
    thread = await services.threads.hand_over(thread.id, expert.id)
    assert await to_staff(app, services, thread, message) == 1
    assert "Kiedy możemy się spotkać?" in expert.last.text and expert.last.buttons == ["✍️ Odpowiedz"]
    assert not [m for m in coordinator.messages if "spotkać" in m.text]
    await other.press(other.last.message_id, ThreadButton(act="rep", thread=thread.id).pack())
    assert other.alerts[-1].startswith("Ta funkcja jest dostępna tylko")
    await expert.tap("✍️ Odpowiedz")
    await expert.send("W czwartek o 17:00.")
    assert "W czwartek o 17:00." in contact.last.text and "— Jan" in contact.last.text
    await expert.press(expert.last.message_id, ThreadButton(act="cls", thread=thread.id).pack())
    assert expert.alerts[-1].startswith("Ta funkcja jest dostępna tylko")  # closing is the coordinators'
    assert (await services.threads.get(thread.id)).state == ThreadState.ANSWERED
    assert await services.threads.current(contact.id) is None  # counselling is another conversation


async def test_answers_signed_with_the_programme_name_and_a_photo_answer(app, double, coordinator):
    from bot.counselling_settings import Counselling

    org = app.services.org
    app.services.org = org.model_copy(update={"counselling": Counselling(signature="programme")})
    anna = double.user(user_id=5018, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pytanie")
    await coordinator.tap("✍️ Odpowiedz")
    await coordinator.send_photo(b"PLAKAT", caption="Plakat <szkolenia> & zapisy")
    answer = anna.last
    programme = org.programme.name.get("pl")
    assert f"— {programme}" in answer.text and "Kasia" not in answer.text
    assert answer.text.endswith("Plakat <szkolenia> & zapisy")  # escaped, shown as written


async def test_a_coordinator_writes_to_one_person_from_an_events_sign_up_list(app, double, coordinator):
    from tests.events_helpers import published_event, sign_up

    event = await published_event(app, coordinator_id=COORDINATOR_ID)
    anna = double.user(user_id=5019, first_name="Anna")
    await anna.send(f"/start event_{event.id}")
    await sign_up(anna)
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Zarządzaj")
    await coordinator.tap("👥 Lista zapisanych")
    await coordinator.tap("✉️ 1")
    await coordinator.send("Prosimy o przyniesienie laptopa.")
    assert "Prosimy o przyniesienie laptopa." in anna.last.text


async def test_a_coordinator_writes_to_the_volunteer_from_the_agreement_card(app, double, coordinator):
    from tests.flow_paths import World, _agreement_card

    world = World(app=app, double=double, coordinator=coordinator, admin=double.user(user_id=ADMIN_ID))
    card_holder = await _agreement_card(world, "draft")
    await card_holder.tap("✉️ Napisz")
    await card_holder.send("Proszę o adres do porozumienia.")
    row = await app.services.db.fetch_one("SELECT telegram_id, opened_by FROM threads")
    agreement = await app.services.agreements.pending_for(row["telegram_id"])
    assert agreement is not None and row["opened_by"] == card_holder.id  # the agreement's volunteer
    volunteer = double.user(user_id=row["telegram_id"], first_name="Ola")
    assert "Proszę o adres do porozumienia." in volunteer.last.text
