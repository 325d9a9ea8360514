"""The coordinators' forum group (issue 15): linked by an admin, one topic per person, messages
mirrored both ways; the bad input: General, a deleted topic, the bot removed, a blocked person,
members who are not coordinators."""

from __future__ import annotations

from storage.threads import ThreadState
from tests.conftest import ADMIN_ID, COORDINATOR_ID


async def _linked(app, double, coordinator):
    group = double.forum(-100_777, "Koordynatorzy")
    marek = group.member(ADMIN_ID, "Marek", "creator")
    kasia = group.member(COORDINATOR_ID, "Kasia")
    await group.send(marek, "/polacz_grupe")
    assert group.last_in(None).text.startswith("✅ To jest teraz grupa koordynatorów")
    return group, marek, kasia


async def test_a_question_gets_a_topic_and_the_answer_in_the_topic_reaches_the_person(app, double, coordinator):
    group, _marek, kasia = await _linked(app, double, coordinator)
    anna = double.user(user_id=6001, first_name="Anna", last_name="Kowalska")
    await anna.send("/pytanie")
    await anna.send("Kiedy szkolenie? <i>pilne</i>")
    topic = group.topic_named("Anna Kowalska")
    card, question = group.messages_in(topic)
    assert "Anna Kowalska" in card.text and "Status:" in card.text
    assert "Kiedy szkolenie? <i>pilne</i>" in question.text  # escaped, shown as written
    assert not [m for m in coordinator.messages if "Kiedy szkolenie" in m.text]  # not in private chats
    await group.send(kasia, "Jutro o 18:00.", topic=topic)
    assert "Jutro o 18:00." in anna.last.text and "— Kasia" in anna.last.text
    thread = await app.services.threads.current(anna.id)
    assert thread.state == ThreadState.ANSWERED
    # The person's next message lands in the same topic.
    await anna.tap("↩️ Odpisz")
    await anna.send("Dziękuję!")
    assert group.last_in(topic).text.endswith("Dziękuję!")
    assert len(group.topics) == 1
    await group.send(kasia, "/zamknij", topic=topic)
    assert (await app.services.threads.get(thread.id)).state == ThreadState.CLOSED


async def test_linking_is_refused_politely(app, double, coordinator):
    plain = double.forum(-100_778, "Zwykła grupa", is_forum=False)
    marek = plain.member(ADMIN_ID, "Marek", "creator")
    await plain.send(marek, "/polacz_grupe")
    assert plain.last_in(None).text.startswith("Ta grupa nie jest forum")
    forum = double.forum(-100_779, "Forum")
    kasia = forum.member(COORDINATOR_ID, "Kasia")
    await forum.send(kasia, "/polacz_grupe")
    assert forum.last_in(None).text.startswith("Tylko administrator")
    double.set_bot_status(forum.id, "member")
    marek = forum.member(ADMIN_ID, "Marek", "creator")
    await forum.send(marek, "/polacz_grupe")
    assert forum.last_in(None).text.startswith("Nadaj mi w tej grupie uprawnienia administratora")
    assert await app.services.threads.group() is None


async def test_general_topic_and_a_hand_made_topic_get_a_note(app, double, coordinator):
    group, _marek, kasia = await _linked(app, double, coordinator)
    await group.send(kasia, "Czy ktoś odpowie Annie?")
    assert group.last_in(None).text.startswith("ℹ️ To jest wątek Ogólny")


async def test_a_deleted_topic_is_made_again_and_nothing_is_lost(app, double, coordinator):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    anna = double.user(user_id=6002, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pierwsze")
    double.delete_topic(group.id, group.topic_named("Anna"))
    await anna.send("/pytanie")
    await anna.send("Drugie")
    topic = group.topic_named("Anna")
    assert group.last_in(topic).text.endswith("Drugie")


async def test_the_bot_removed_from_the_group_falls_back_to_private_chats(app, double, coordinator, admin):
    group, marek, _kasia = await _linked(app, double, coordinator)
    await admin.send("/start")
    await group.bot_status("kicked", marek)
    assert "Nie mogę pisać w grupie koordynatorów" in admin.last.text
    anna = double.user(user_id=6003, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Halo?")
    assert "Halo?" in coordinator.last.text  # nothing lost: the private chats take over
    # Made an admin again: the group takes the messages again.
    await group.bot_status("administrator", marek)
    assert (await app.services.threads.group()).problem is None
    await anna.send("/pytanie")
    await anna.send("Jeszcze raz")
    assert group.last_in(group.topic_named("Anna")).text.endswith("Jeszcze raz")


async def test_an_answer_to_a_person_who_blocked_the_bot_gets_a_note_in_the_topic(app, double, coordinator):
    group, _marek, kasia = await _linked(app, double, coordinator)
    anna = double.user(user_id=6004, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pytanie")
    anna.block_bot()
    topic = group.topic_named("Anna")
    await group.send(kasia, "Odpowiedź", topic=topic)
    assert group.last_in(topic).text.startswith("⚠️ Nie dostarczono")


async def test_members_who_are_not_coordinators_are_ignored_removed_and_reported(app, double, coordinator, admin):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    await admin.send("/start")
    anna = double.user(user_id=6005, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pytanie")
    topic = group.topic_named("Anna")
    stranger = group.member(6666, "Obcy")
    await group.send(stranger, "Ja też odpowiem", topic=topic)
    assert "Ja też odpowiem" not in anna.last.text
    assert "nie jest osobą koordynującą" in admin.last.text
    assert double.chats[group.id].members[6666]["status"] == "left"
    # Someone who joins and does not coordinate is removed at once.
    await group.joins({"id": 6667, "is_bot": False, "first_name": "Nowy"})
    assert double.chats[group.id].members[6667]["status"] == "left"
    assert "Nowy (id 6667)" in admin.last.text
    # A coordinator removed from coordinators leaves the group too: tests/test_staff_group_privacy.py.


async def test_a_topic_closed_by_hand_is_reopened_when_the_person_writes_again(app, double, coordinator):
    group, _, _ = await _linked(app, double, coordinator)
    anna = double.user(user_id=6006, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pierwsze")
    topic = group.topic_named("Anna")
    await app.bot.close_forum_topic(group.id, topic)
    await anna.send("/pytanie")
    await anna.send("Drugie")
    assert group.last_in(topic).text.endswith("Drugie")
    assert (await app.services.threads.group()).problem is None


async def test_a_person_the_group_does_not_know_is_invited_to_write_privately(app, double):
    other = double.forum(-100_999, "Inna grupa")
    ola = other.member(7001, "Ola")
    await other.send(ola, "Cześć")
    assert "napisz do mnie" in other.last_in(None).text.lower()
    assert await app.services.users.get(7001) is None  # nothing stored


async def test_an_answer_given_in_private_shows_in_the_topic_and_the_card_links_the_conversation(
    app, double, coordinator
):
    from bot.buttons.threads import WriteTo

    group, _, _ = await _linked(app, double, coordinator)
    anna = double.user(user_id=6007, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pytanie")
    topic = group.topic_named("Anna")
    card = group.messages_in(topic)[0]
    link = card.button("📋 Otwórz w bocie").url
    assert link.endswith(f"?start=th_{anna.id}")
    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, WriteTo(person=anna.id).pack())
    await coordinator.send("Odpowiadam z prywatnego czatu.")
    assert "Odpowiadam z prywatnego czatu." in anna.last.text
    assert group.last_in(topic).text.startswith("✍️ Kasia odpowiedział(a) w bocie:")
    await coordinator.send(f"/start th_{anna.id}")
    assert coordinator.last.text.startswith("Rozmowa #1: Anna")
    anna_tries = double.user(user_id=6008, first_name="Ola")
    await anna_tries.send(f"/start th_{anna.id}")
    assert anna_tries.last.text.startswith("Ta funkcja jest dostępna tylko")


async def test_an_edited_answer_gets_a_note_and_the_card_names_the_agreement_in_polish(app, double, coordinator):
    group, _, kasia = await _linked(app, double, coordinator)
    anna = double.user(user_id=6009, first_name="Anna")
    await anna.send("/pytanie")
    await anna.send("Pytanie")
    topic = group.topic_named("Anna")
    await group.send(kasia, "Odpowiedź z błędem", topic=topic)
    await group.edit(kasia, topic, "Odpowiedź poprawiona")
    assert group.last_in(topic).text.startswith("ℹ️ Zmiana wysłanej wiadomości nie dociera")
    assert "Odpowiedź z błędem" in anna.last.text  # the person has what was sent
