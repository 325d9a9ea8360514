"""The rules of conversations (storage/threads.py), whatever the interface: one current thread per
person, kind and subject; the states; the first answer timed; a closed thread refuses; reminders
claimed once; retention; the offered text taken once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import open_database
from storage.threads import Content, Refused, ThreadRepository, ThreadState

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture
async def threads(tmp_path):
    db = await open_database(tmp_path / "threads.db")
    yield ThreadRepository(db)
    await db.close()


async def test_a_person_writes_into_one_current_thread_until_it_is_closed(threads):
    first, _ = await threads.from_person(1, Content("text", "Pytanie"), T0)
    again, _ = await threads.from_person(1, Content("text", "Jeszcze"), T0 + timedelta(minutes=5))
    assert first.id == again.id and first.state == ThreadState.OPEN
    assert again.waiting_since == T0  # waiting since the first unanswered message
    answered, _ = await threads.from_staff(1, 99, Content("text", "Odpowiedź"), T0 + timedelta(hours=2))
    assert answered.id == first.id and answered.state == ThreadState.ANSWERED
    assert answered.time_to_first_answer == timedelta(hours=2) and answered.waiting_since is None
    closed = await threads.close(first.id, 99, T0 + timedelta(hours=3))
    assert closed.state == ThreadState.CLOSED
    with pytest.raises(Refused):
        await threads.close(first.id, 99, T0 + timedelta(hours=3))  # twice: refused
    with pytest.raises(Refused):
        await threads.from_staff(1, 99, Content("text", "Za późno"), T0, thread_id=first.id)
    new, _ = await threads.from_person(1, Content("text", "Nowa sprawa"), T0 + timedelta(days=1))
    assert new.id != first.id and new.state == ThreadState.OPEN


async def test_kinds_and_subjects_keep_conversations_apart(threads):
    counselling, _ = await threads.from_person(1, Content("text", "a"), T0)
    about_42, _ = await threads.from_person(1, Content("text", "b"), T0, kind="relay", subject="request:42")
    about_43, _ = await threads.from_person(1, Content("text", "c"), T0, kind="relay", subject="request:43")
    assert len({counselling.id, about_42.id, about_43.id}) == 3
    assert (await threads.current(1, "relay", "request:42")).id == about_42.id
    with pytest.raises(Refused):  # a thread is answered only as the person's
        await threads.from_staff(2, 99, Content("text", "x"), T0, thread_id=about_42.id)


async def test_a_coordinator_who_writes_first_opens_an_answered_thread_with_nothing_to_time(threads):
    thread, message = await threads.from_staff(1, 99, Content("photo", "podpis", "FILE1"), T0)
    assert thread.state == ThreadState.ANSWERED and thread.opened_by == 99
    assert thread.time_to_first_answer is None and not message.from_person
    assert message.content == Content("photo", "podpis", "FILE1")


async def test_reminders_are_claimed_once(threads):
    thread, _ = await threads.from_person(1, Content("text", "a"), T0)
    assert await threads.claim_reminders(T0 - timedelta(minutes=1), T0) == []
    claimed = await threads.claim_reminders(T0 + timedelta(hours=4), T0 + timedelta(hours=4))
    assert [t.id for t in claimed] == [thread.id]
    assert await threads.claim_reminders(T0 + timedelta(hours=5), T0 + timedelta(hours=5)) == []
    await threads.from_staff(1, 99, Content("text", "b"), T0 + timedelta(hours=6))
    await threads.from_person(1, Content("text", "c"), T0 + timedelta(hours=7))
    again = await threads.claim_reminders(T0 + timedelta(hours=12), T0 + timedelta(hours=12))
    assert [t.id for t in again] == [thread.id]  # a new wait may remind again


async def test_the_offered_text_is_taken_once_and_only_as_offered(threads):
    await threads.offer(1, Content("text", "pierwsza"), T0)
    await threads.offer(1, Content("text", "druga"), T0 + timedelta(seconds=30))  # replaces it
    parts, at = await threads.offered(1)
    assert [p.body for p in parts] == ["druga"]
    assert await threads.take_offer(1, T0) is None  # the first offer's button: stale
    assert (await threads.take_offer(1, at)).body == "druga"
    assert await threads.take_offer(1, at) is None  # taken once


async def test_retention_erases_old_conversations_with_their_messages(threads):
    old, _ = await threads.from_person(1, Content("text", "stara"), T0)
    recent, _ = await threads.from_person(2, Content("text", "nowa"), T0 + timedelta(days=300))
    await threads.offer(3, Content("text", "nie wysłana"), T0)
    assert await threads.purge(T0 + timedelta(days=100), T0 + timedelta(days=1)) == 1
    assert await threads.get(old.id) is None and await threads.messages(old.id) == []
    assert await threads.get(recent.id) is not None
    assert await threads.offered(3) is None


async def test_the_waiting_list_is_the_longest_waiting_first_by_key(threads):
    ids = []
    for person in range(1, 6):
        thread, _ = await threads.from_person(person, Content("text", "x"), T0 + timedelta(minutes=10 - person))
        ids.append(thread.id)
    order = [t.id for t in await threads.waiting(10)]
    assert order == ids[::-1]  # the fifth person has waited longest
    assert [t.id for t in await threads.waiting(2, after=order[1])] == order[2:4]
    assert [t.id for t in await threads.waiting(2, before=order[2])] == order[:2]
    assert await threads.waiting(2, after=999) == []  # an unknown place: the caller shows the first page


async def test_a_relay_between_an_expert_and_an_organisation_is_not_the_coordinators_to_answer(threads):
    """The coordinators' open list, its count, their reminders and the "Moje dane" count are about
    conversations with them; a relay's two sides answer it themselves."""
    asked, _ = await threads.from_person(1, Content("text", "Pytanie do zespołu"), T0)
    await threads.from_person(2, Content("text", "Do eksperta"), T0, kind="assignment", subject="assignment:7")
    assert [t.id for t in await threads.waiting(10)] == [asked.id]
    assert await threads.count_waiting() == 1
    reminded = await threads.claim_reminders(T0 + timedelta(hours=1), T0 + timedelta(hours=5))
    assert [t.id for t in reminded] == [asked.id]
    assert await threads.count_of_person(2) == (0, 0)
    assert await threads.count_of_person(1) == (1, 1)
