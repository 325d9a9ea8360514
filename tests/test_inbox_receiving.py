"""Receiving into the inbox (issue 16): polling confirms a batch only once it is stored, the webhook
stores each update before its 200, an update that cannot be read is refused in one line."""

from __future__ import annotations

import asyncio
import logging

from tests.test_inbox import message_update, rows


async def test_polling_confirms_a_batch_only_once_it_is_stored(app, double, caplog):
    from bot.inbox_polling import Poller

    chat = double.user(user_id=4114)
    batch = [message_update(double, chat, "/start"), message_update(double, chat, "/pomoc")]
    offsets: list[int | None] = []
    store = app.inbox.receive
    broken = [True]

    async def get_updates(timeout, limit=None):
        offsets.append(poller.offset)
        if len(offsets) > 3:
            await asyncio.sleep(3600)
        return batch

    async def receive(bodies, **kwargs):
        if broken[0]:  # the database restarts under the bot
            broken[0] = False
            raise ConnectionError("server closed the connection")
        return await store(bodies, **kwargs)

    poller = Poller(app)
    poller._get = get_updates
    app.inbox.receive = receive
    with caplog.at_level(logging.ERROR):
        task = asyncio.create_task(poller.run())
        for _ in range(100):
            await asyncio.sleep(0.05)
            if len(offsets) > 3:
                break
        task.cancel()
    # Not confirmed (no new offset) until stored; then the next getUpdates confirms it.
    assert offsets[:2] == [None, batch[-1]["update_id"] + 1]
    assert len([r for r in caplog.records if "could not store 2 update(s)" in r.getMessage()]) == 1
    await app.inbox.settle()
    assert len(await rows(app)) == 2  # stored once although fetched three times
    assert chat.messages


async def test_the_webhook_stores_each_update_before_its_200(app, double, caplog):
    import httpx

    from bot.web.serve import web_for

    app.inbox.window = 2.0
    chat = double.user(user_id=4117)
    hook = web_for(app, "/hook", "s3cret")
    headers = {"X-Telegram-Bot-Api-Secret-Token": "s3cret"}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=hook), base_url="http://bot") as client:
        update = message_update(double, chat, "/start")
        assert (await client.post("/hook", json=update, headers=headers)).status_code == 200
        assert [r["update_id"] for r in await rows(app)] == [update["update_id"]]  # stored when answered
        assert (await client.post("/hook", json=update, headers=headers)).status_code == 200  # a repeat
        unreadable = {"update_id": double.next_update_id(), "message": {"message_id": "x", "chat": 5}}
        assert (await client.post("/hook", json=unreadable, headers=headers)).status_code == 200
        for _ in range(100):
            await asyncio.sleep(0.02)
            if chat.messages:
                break
        await app.inbox.settle()
        assert chat.messages
        assert len(await rows(app)) == 2 and all(r["done_at"] is not None for r in await rows(app))

        async def away(bodies, **kwargs):
            raise ConnectionError("the database restarts")

        app.inbox.receive = away
        with caplog.at_level(logging.ERROR):
            response = await client.post("/hook", json=message_update(double, chat, "/pomoc"), headers=headers)
        assert response.status_code == 503  # Telegram sends it again later
        assert len([r for r in caplog.records if "could not store update" in r.getMessage()]) == 1


async def test_an_update_that_cannot_be_read_is_refused_in_one_line_and_the_next_is_handled(app, double, caplog):
    chat = double.user(user_id=4110)
    with caplog.at_level(logging.WARNING):
        await double.deliver({"update_id": double.next_update_id(), "message": {"message_id": "x", "chat": 5}})
    assert len([r for r in caplog.records if "cannot be read" in r.getMessage()]) == 1
    (kept,) = await rows(app)  # as handled, with why: its number is not awaited, a repeat recognised
    assert kept["done_at"] is not None and kept["last_error"].startswith("cannot be read")
    await chat.send("/start")
    assert chat.messages
