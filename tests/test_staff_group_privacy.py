"""The coordinators' group and privacy (issue 15, point 5): a person's topic goes with their
conversations (account deletion, the retention periods); a removed coordinator the bot cannot take
out of the group is named to the admin who removed them; someone who joins without a service
message (a chat_member update) is removed and reported like any other outsider."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.jobs.retention import apply_retention
from bot.jobs.threads import purge_old_threads
from tests.conftest import ADMIN_ID, COORDINATOR_ID
from tests.test_staff_group import _linked


async def _asked(double, group, user_id: int, name: str = "Anna"):
    person = double.user(user_id=user_id, first_name=name)
    await person.send("/pytanie")
    await person.send("Pytanie o szkolenie")
    topic = group.topic_named(name)
    assert group.messages_in(topic)  # the header card and the question
    return person, topic


def _in_topic(double, group, topic: int) -> list:
    return [m for m in double.chats[group.id].messages.values() if m.data.get("message_thread_id") == topic]


async def test_deleting_the_account_deletes_the_persons_topic_in_the_group(app, double, coordinator):
    group, _marek, kasia = await _linked(app, double, coordinator)
    anna, topic = await _asked(double, group, 6101)
    await group.send(kasia, "Odpowiedź", topic=topic)
    await anna.send("/moje_dane")
    await anna.tap("🗑 Usuń moje konto")
    await anna.tap("🗑 Tak, usuń moje konto")
    assert "Twoje konto zostało usunięte" in anna.last.text
    assert topic not in group.topics and not _in_topic(double, group, topic)  # the card, the question, the answer
    assert await app.services.threads.topic_record(anna.id) is None


async def test_a_topic_that_cannot_be_deleted_never_blocks_the_deletion_and_the_admins_are_told_once(
    app, double, coordinator, admin
):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    await admin.send("/start")
    anna, topic = await _asked(double, group, 6102)
    double.set_bot_status(group.id, "administrator", can_delete_messages=False)
    told = len(admin.messages)
    await anna.send("/moje_dane")
    await anna.tap("🗑 Usuń moje konto")
    await anna.tap("🗑 Tak, usuń moje konto")
    assert "Twoje konto zostało usunięte" in anna.last.text
    assert await app.services.users.get(anna.id) is None
    assert await app.services.threads.current(anna.id) is None
    assert topic in group.topics  # still there: the admins delete it by hand
    notes = [m.text for m in admin.messages[told:] if "nie udało mi się usunąć" in m.text]
    assert len(notes) == 1
    assert f"https://t.me/c/{str(group.id).removeprefix('-100')}/{topic}" in notes[0]
    # A topic deleted by hand before the erasure: logged and told, the erasure goes on.
    double.set_bot_status(group.id, "administrator")
    ola, ola_topic = await _asked(double, group, 6103, "Ola")
    double.delete_topic(group.id, ola_topic)
    await ola.send("/moje_dane")
    await ola.tap("🗑 Usuń moje konto")
    await ola.tap("🗑 Tak, usuń moje konto")
    assert "Twoje konto zostało usunięte" in ola.last.text
    assert "nie znaleziono" in admin.last.text or "not found" in admin.last.text


async def test_the_retention_period_deletes_the_topics_of_people_with_no_conversation_left(app, double, coordinator):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    _anna, old_topic = await _asked(double, group, 6104)
    later = datetime.now(UTC) + timedelta(days=400)
    app.services.clock = lambda: later
    ola, new_topic = await _asked(double, group, 6105, "Ola")  # writes within the period: her topic stays
    assert await purge_old_threads(app) == 1
    assert old_topic not in group.topics and not _in_topic(double, group, old_topic)
    assert new_topic in group.topics
    assert await app.services.threads.topic_record(ola.id) is not None


async def test_a_person_erased_for_inactivity_loses_their_topic(app, double, coordinator):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    anna, topic = await _asked(double, group, 6106)
    later = datetime.now(UTC) + timedelta(days=3000)
    app.services.clock = lambda: later
    counts = await apply_retention(app)
    assert counts["people"] >= 1
    assert await app.services.users.get(anna.id) is None
    assert topic not in group.topics


async def _remove_kasia(admin) -> None:
    await admin.send("/koordynatorzy")
    await admin.tap(next(b for b in admin.last.buttons if b.startswith("🗑")))
    await admin.tap("🗑 Tak, usuń")


async def test_a_removed_coordinator_leaves_the_group_and_the_admin_hears_it_all_went_well(
    app, double, coordinator, admin
):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    await _remove_kasia(admin)
    assert admin.alerts[-1] == "Usunięto."
    assert double.chats[group.id].members[COORDINATOR_ID]["status"] == "left"


async def test_a_removed_coordinator_who_is_a_group_admin_is_named_to_the_admin(app, double, coordinator, admin):
    group = double.forum(-100_777, "Koordynatorzy")
    marek = group.member(ADMIN_ID, "Marek", "creator")
    group.member(COORDINATOR_ID, "Kasia", "administrator")
    await group.send(marek, "/polacz_grupe")
    await _remove_kasia(admin)
    assert not await app.services.coordinators.is_coordinator(COORDINATOR_ID)
    assert admin.alerts[-1].startswith("Usunięto. Ta osoba nadal jest w grupie koordynatorów")
    assert "usuń ją ręcznie" in admin.alerts[-1]
    assert double.chats[group.id].members[COORDINATOR_ID]["status"] == "administrator"


async def test_a_removed_coordinator_stays_when_the_bot_may_not_ban_and_the_admin_is_told(
    app, double, coordinator, admin
):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    double.set_bot_status(group.id, "administrator", can_restrict_members=False)
    await _remove_kasia(admin)
    assert admin.alerts[-1].startswith("Usunięto. Ta osoba nadal jest w grupie koordynatorów")
    assert double.chats[group.id].members[COORDINATOR_ID]["status"] == "member"


async def test_someone_added_without_a_join_message_is_removed_and_reported(app, double, coordinator, admin):
    group, marek, _kasia = await _linked(app, double, coordinator)
    await admin.send("/start")
    added = {"id": 6201, "is_bot": False, "first_name": "Dodany"}
    await group.member_status(added, "member", by=marek)  # added by an admin: no service message
    assert double.chats[group.id].members[6201]["status"] == "left"
    assert "Dodany (id 6201)" in admin.last.text and "usunięta" in admin.last.text
    restricted = {"id": 6202, "is_bot": False, "first_name": "Ograniczony"}
    await group.member_status(restricted, "restricted")  # joined by an invite link, join messages hidden
    assert double.chats[group.id].members[6202]["status"] == "left"
    assert "Ograniczony (id 6202)" in admin.last.text
    # A coordinator joining so is welcome; someone leaving is nothing to report.
    told = len(admin.messages)
    await group.member_status({"id": COORDINATOR_ID, "is_bot": False, "first_name": "Kasia"}, "member")
    await group.member_status(added, "left")
    assert double.chats[group.id].members[COORDINATOR_ID]["status"] == "member"
    assert len(admin.messages) == told
    # An outsider the bot cannot remove (it may not ban) is reported to be removed by hand.
    double.set_bot_status(group.id, "administrator", can_restrict_members=False)
    await group.member_status({"id": 6203, "is_bot": False, "first_name": "Trzeci"}, "member")
    assert "Trzeci (id 6203)" in admin.last.text and "ręcznie" in admin.last.text


async def test_a_join_told_twice_is_reported_once(app, double, coordinator, admin):
    group, _marek, _kasia = await _linked(app, double, coordinator)
    await admin.send("/start")
    told = len(admin.messages)
    nowy = {"id": 6204, "is_bot": False, "first_name": "Nowy"}
    await group.joins(nowy)  # the service message and the chat_member update Telegram sends too
    assert double.chats[group.id].members[6204]["status"] == "left"
    assert len([m for m in admin.messages[told:] if "Nowy (id 6204)" in m.text]) == 1
