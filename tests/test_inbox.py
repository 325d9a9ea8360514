"""The durable update inbox (issue 16), through the real Application and the Bot API double, whose
`deliver` goes through it (stored, handled, done): restarts with stored updates, duplicates,
replays of applied updates, claims that run out, a person's order with a reorder window."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import subprocess
import sys
from datetime import timedelta

from telegram import Update
from telegram.ext import TypeHandler

from bot.app import build_application
from bot.double import running
from storage import open_database
from tests.events_helpers import Clock
from tests.flow_paths import answer_until, draft_answers


async def rows(app, where: str = "1 = 1", params=()):
    return await app.services.db.fetch_all(
        f"SELECT update_id, person, applied_at, done_at, claimed_by, last_error FROM update_inbox WHERE {where} "
        "ORDER BY update_id",
        params,
    )


def message_update(double, chat, text: str) -> dict:
    """An update Telegram has for the bot, without delivering it."""
    content = {"text": text}
    if text.startswith("/"):
        content["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
    return {"update_id": double.next_update_id(), "message": chat._user_message(content)}


async def store_unhandled(settings, updates: list[dict], *, person: int, claimed_by=None, until=None) -> None:
    """As if the bot stored these and stopped (or died) before handling them."""
    db = await open_database(settings.database)
    try:
        for data in updates:
            await db.execute(
                "INSERT INTO update_inbox (update_id, person, body, received_at, claimed_by, claimed_until) "
                "VALUES (?, ?, ?, '2026-01-01T00:00:00.000000+00:00', ?, ?)",
                (data["update_id"], person, json.dumps(data), claimed_by, until),
            )
    finally:
        await db.close()


async def test_every_update_is_stored_handled_and_marked_done_in_its_transaction(app, double):
    chat = double.user(user_id=4101)
    await answer_until(app, chat, "full_name")
    await chat.send("Anna Kowalska")
    update_id = chat.last_update["update_id"]
    await app.inbox.settle()
    (row,) = await rows(app, "update_id = ?", (update_id,))
    assert row["person"] == chat.id
    assert row["applied_at"] is not None  # in the transaction of the answer
    assert row["done_at"] is not None
    assert await draft_answers(app, chat) == {"full_name": "Anna Kowalska"}


async def test_updates_stored_before_a_stop_are_handled_at_the_start_once(settings, double):
    chat = double.user(user_id=4102)
    waiting = [message_update(double, chat, "/start"), message_update(double, chat, "/pomoc")]
    # Claimed by this process before it stopped: taken again at once at the start.
    await store_unhandled(settings, waiting, person=chat.id)
    async with running(build_application(settings, double), double) as app:
        await app.inbox.settle()
        assert [m.text.split("\n")[0] for m in chat.messages][:1]  # answered
        answered = len(chat.messages)
        assert answered >= 2
        assert all(r["done_at"] is not None for r in await rows(app))
    async with running(build_application(settings, double), double) as app:
        await app.inbox.settle()
        assert len(chat.messages) == answered  # not again


async def test_a_duplicate_delivery_is_ignored_also_at_the_same_moment(app, double):
    chat = double.user(user_id=4103)
    update = message_update(double, chat, "/start")
    await asyncio.gather(double.deliver(update), double.deliver(update))
    answered = len(chat.messages)
    await double.deliver(update)  # again later (Telegram's receipt was lost)
    assert len(chat.messages) == answered
    assert len(await rows(app)) == 1


async def test_a_replayed_applied_typed_answer_shows_the_step_again_and_stores_nothing_twice(settings, double):
    chat = double.user(user_id=4104)
    async with running(build_application(settings, double), double) as app:
        await answer_until(app, chat, "full_name")
        await chat.send("Anna Kowalska")
        update_id = chat.last_update["update_id"]
        await app.inbox.settle()
        state = await app.services.db.fetch_one(
            "SELECT version, step FROM flow_state WHERE telegram_id = ?", (chat.id,)
        )
    # The bot died after the answer's transaction committed, before the update was marked done.
    db = await open_database(settings.database)
    await db.execute("UPDATE update_inbox SET done_at = NULL WHERE update_id = ?", (update_id,))
    await db.close()
    before = len(chat.messages)
    async with running(build_application(settings, double), double) as app:
        await app.inbox.settle()
        # The next question was sent before the answer was applied: it is redrawn in place (here
        # unchanged), not sent a second time.
        assert len(chat.messages) == before
        assert chat.last.text.startswith("Krok 2 z 12") and chat.last.buttons
        assert await draft_answers(app, chat) == {"full_name": "Anna Kowalska"}
        again = await app.services.db.fetch_one(
            "SELECT version, step FROM flow_state WHERE telegram_id = ?", (chat.id,)
        )
        assert tuple(again) == tuple(state)  # nothing written by the replay
        (row,) = await rows(app, "update_id = ?", (update_id,))
        assert row["done_at"] is not None
        await chat.send("anna@example.org")  # and the form goes on
        assert (await draft_answers(app, chat))["email"] == "anna@example.org"


async def test_a_replayed_applied_sign_up_press_shows_the_result_and_signs_up_once(settings, double):
    from tests.events_helpers import published_event

    chat = double.user(user_id=4105, language_code="en")
    async with running(build_application(settings, double), double) as app:
        await app.services.coordinators.add(9002)
        event = await published_event(app)
        await chat.send(f"/start event_{event.id}")
        await chat.tap("✅ Sign me up")
        update_id = chat.last_update["update_id"]
        await app.inbox.settle()
    db = await open_database(settings.database)
    await db.execute("UPDATE update_inbox SET done_at = NULL WHERE update_id = ?", (update_id,))
    await db.close()
    async with running(build_application(settings, double), double) as app:
        await app.inbox.settle()
        assert [p.telegram_id for p in await app.services.events.registrants(event.id)] == [chat.id]
        # Its write refused (it was applied): told so, with the menu, never the apology.
        assert chat.last.text.startswith("✅ That is saved already.")
        assert not any("Sorry, something went wrong" in m.text for m in chat.messages)


async def test_a_button_pressed_twenty_seconds_late_takes_effect_and_shows_its_result(app, double, caplog):
    from tests.events_helpers import published_event

    await app.services.coordinators.add(9002)
    event = await published_event(app)
    chat = double.user(user_id=4106, language_code="en")
    await chat.send(f"/start event_{event.id}")
    card = chat.last
    with caplog.at_level(logging.INFO):
        # Telegram stopped waiting for the answer (~15 s): answering it is refused, never raised.
        await chat.press(card.message_id, card.button("✅ Sign me up").callback_data, late=True)
    assert [p.telegram_id for p in await app.services.events.registrants(event.id)] == [chat.id]
    assert chat.last.text.endswith("✅ You have a place.")  # the card shows the result
    assert "answered too late" in caplog.text
    assert "Error while handling" not in caplog.text


async def test_one_persons_updates_arriving_out_of_order_run_in_update_id_order(settings, double):
    seen: list[int] = []

    async def record(update: Update, context) -> None:
        seen.append(update.update_id)

    app = build_application(settings, double)
    app.add_handler(TypeHandler(Update, record), group=-10)
    async with running(app, double):
        app.inbox.window = 2.0  # the webhook's reorder window
        chat = double.user(user_id=4107)
        await chat.send("/start")
        first, second = message_update(double, chat, "1"), message_update(double, chat, "2")
        seen.clear()
        await app.inbox.receive([second])  # the later one came first over another connection
        await asyncio.sleep(0.5)  # ... half a second before the other
        assert seen == []  # waits: a lower number is missing
        await app.inbox.receive([first])
        for _ in range(50):
            await asyncio.sleep(0.02)
            await app.inbox.settle()
            if len(seen) == 2:
                break
        assert seen == [first["update_id"], second["update_id"]]
        # A number that never comes (an update Telegram gave up) holds the next ones for the window only.
        double.next_update_id()
        third = message_update(double, chat, "3")
        await app.inbox.receive([third])
        await asyncio.sleep(0.3)
        assert seen[-1] != third["update_id"]
        for _ in range(150):
            await asyncio.sleep(0.02)
            await app.inbox.settle()
            if seen[-1] == third["update_id"]:
                break
        assert seen[-1] == third["update_id"]


async def test_a_claim_of_another_process_is_respected_until_it_runs_out(settings, double):
    clock = Clock()
    chat = double.user(user_id=4108)
    waiting = [message_update(double, chat, "/start")]
    until = (clock() + timedelta(seconds=30)).isoformat(timespec="microseconds")
    await store_unhandled(settings, waiting, person=chat.id, claimed_by="77@elsewhere", until=until)
    async with running(build_application(settings, double, clock=clock), double) as app:
        await app.inbox.settle()
        assert chat.messages == []  # another process is handling this person
        clock.advance(seconds=31)  # ... and died: its claim ran out
        await app.inbox.claim_now()
        await app.inbox.settle()
        assert chat.messages
        (row,) = await rows(app)
        assert row["done_at"] is not None and row["claimed_by"] != "77@elsewhere"


async def test_a_claim_of_a_dead_process_of_this_machine_is_taken_at_once(settings, double):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    clock = Clock()
    chat = double.user(user_id=4109)
    until = (clock() + timedelta(seconds=30)).isoformat(timespec="microseconds")
    holder = f"{gone.pid}@{socket.gethostname()}"
    await store_unhandled(
        settings, [message_update(double, chat, "/start")], person=chat.id, claimed_by=holder, until=until
    )
    async with running(build_application(settings, double, clock=clock), double) as app:
        await app.inbox.settle()
        assert chat.messages


async def test_an_update_of_a_deleted_account_is_handled_as_a_new_person(app, double):
    chat = double.user(user_id=4111)
    await chat.send("/start")
    await app.services.db.execute("DELETE FROM users WHERE telegram_id = ?", (chat.id,))
    await chat.send("/start")
    assert chat.last.text
    await app.inbox.settle()
    assert all(r["done_at"] is not None for r in await rows(app))


async def test_an_update_that_fails_every_time_is_given_up_after_a_few_attempts(settings, double, caplog):
    chat = double.user(user_id=4112)
    await store_unhandled(settings, [message_update(double, chat, "/start")], person=chat.id)
    db = await open_database(settings.database)
    await db.execute("UPDATE update_inbox SET attempts = 6")  # it killed the process six times
    await db.close()
    with caplog.at_level(logging.ERROR):
        async with running(build_application(settings, double), double) as app:
            await app.inbox.settle()
            (row,) = await rows(app)
    assert row["done_at"] is not None and "given up" in row["last_error"]
    assert chat.messages == []
    assert "is given up" in caplog.text


async def test_an_update_the_database_was_away_for_is_handled_again_without_an_apology(app, double, caplog):
    import sqlite3

    failures = []

    async def database_away_once(update: Update, context) -> None:
        if not failures:
            failures.append(update.update_id)
            raise sqlite3.OperationalError("disk I/O error")

    app.add_handler(TypeHandler(Update, database_away_once), group=-10)
    chat = double.user(user_id=4113)
    with caplog.at_level(logging.WARNING):
        await chat.send("/start")
    assert failures
    assert chat.messages and not any("Sorry" in m.text or "Przepraszam" in m.text for m in chat.messages)
    lines = [r for r in caplog.records if "the database is away" in r.getMessage()]
    assert len(lines) == 1 and lines[0].exc_info is None
    await app.inbox.settle()
    assert all(r["done_at"] is not None for r in await rows(app))


async def test_handled_updates_are_kept_a_day_to_recognise_duplicates_then_forgotten(app, double):
    from bot.inbox import KEEP_DONE

    chat = double.user(user_id=4115)
    await chat.send("/start")
    await app.inbox.settle()
    assert len(await rows(app)) == 1
    repo = app.inbox.repo
    now = app.services.clock()
    assert await repo.purge(now - KEEP_DONE) == 0  # as the inbox purges: kept while a day is not over
    await double.deliver(chat.last_update)
    assert len(await rows(app)) == 1  # a duplicate within the day: recognised, not handled
    assert await repo.purge(now + timedelta(minutes=1)) == 1  # a day and a minute later, less KEEP_DONE
    assert await rows(app) == []


async def test_a_replayed_acceptance_of_an_application_decides_once_and_tells_the_volunteer_once(settings, double):
    from storage.applications import Status
    from tests.conftest import COORDINATOR_ID
    from tests.test_review import open_from_notification, submitted_application

    volunteer = double.user(user_id=4116, first_name="Anna")
    coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia")
    async with running(build_application(settings, double), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        await submitted_application(volunteer)
        await open_from_notification(coordinator)
        await coordinator.tap("✅ Przyjmij")
        await coordinator.tap("✅ Tak, przyjmij")
        update_id = coordinator.last_update["update_id"]
        await app.inbox.settle()
    told = [m.text for m in volunteer.messages if m.text.startswith("🎉")]
    assert len(told) == 1
    db = await open_database(settings.database)
    await db.execute("UPDATE update_inbox SET done_at = NULL WHERE update_id = ?", (update_id,))
    await db.close()
    async with running(build_application(settings, double), double) as app:
        await app.inbox.settle()
        application = await app.services.applications.latest(volunteer.id)
        assert application.status == Status.ACCEPTED
        history = await app.services.db.fetch_all(
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'application.%' AND target = ?",
            (f"application:{application.id}",),
        )
        assert history[0][0] <= 2  # sent and accepted, not accepted twice
    assert [m.text for m in volunteer.messages if m.text.startswith("🎉")] == told
    assert "Sorry" not in coordinator.last.text and "Przepraszamy" not in coordinator.last.text
