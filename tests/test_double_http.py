"""The Bot API double served over HTTP (bot/double/http.py), spoken to by python-telegram-bot's own
HTTP client as a separate bot process would: parameters, getUpdates with offsets and its 409
Conflict, and the webhook posted with its secret until it is answered with 2xx."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Conflict
from telegram.request import HTTPXRequest

from bot.double.http import BotApiServer, HttpBotApiDouble


@pytest.fixture
def telegram():
    with BotApiServer(retry_delay=0.05) as server:
        yield server


def bot_for(server: BotApiServer) -> Bot:
    request = HTTPXRequest(connection_pool_size=4, proxy=None)
    return Bot(server.double.token, base_url=server.url, request=request, get_updates_request=HTTPXRequest(proxy=None))


async def test_methods_keep_their_parameters_types_and_telegram_rules(telegram):
    anna = telegram.double.user(user_id=2001)
    async with bot_for(telegram) as bot:
        markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tak", callback_data="y:1")]])
        sent = await bot.send_message(anna.id, "5", reply_markup=markup)  # a text that looks like JSON
        await bot.send_message(anna.id, "<b>true</b>", parse_mode="HTML")
        await bot.send_document(anna.id, b"a;b\n1;2\n", filename="lista.csv", caption="Lista")
        with pytest.raises(BadRequest, match="unsupported start tag"):
            await bot.send_message(anna.id, "<x>", parse_mode="HTML")
    assert [m.text for m in anna.messages] == ["5", "true", "Lista"]
    assert anna.messages[0].buttons == ["Tak"] and sent.message_id == anna.messages[0].message_id
    assert anna.messages[2].document_name == "lista.csv"
    assert anna.messages[2].document_bytes == b"a;b\n1;2\n"


async def test_an_update_stays_until_a_later_offset_confirms_it(telegram):
    anna = telegram.double.user(user_id=2002)
    async with bot_for(telegram) as bot:
        await anna.send("/start")
        await anna.send("hej")
        first = await bot.get_updates(timeout=5)
        again = await bot.get_updates(timeout=5)  # not confirmed: given again
        assert [u.update_id for u in first] == [u.update_id for u in again] == [1, 2]
        assert telegram.unconfirmed() == [1, 2]
        assert [u.update_id for u in await bot.get_updates(offset=2)] == [2]
        assert telegram.unconfirmed() == [2]
        assert await bot.get_updates(offset=3, timeout=0) == ()
    assert telegram.unconfirmed() == []
    assert [r.handed for r in telegram.update_records()] == [2, 3]


async def test_a_second_poller_terminates_the_first_with_409(telegram):
    async with bot_for(telegram) as first, bot_for(telegram) as second:
        waiting = asyncio.create_task(first.get_updates(timeout=10))
        await asyncio.sleep(0.3)
        polling = asyncio.create_task(second.get_updates(timeout=1))
        with pytest.raises(Conflict, match="terminated by other getUpdates request"):
            await waiting
        assert await polling == ()
    assert telegram.conflicts == 1


async def test_the_webhook_is_posted_with_its_secret_and_again_until_answered(telegram):
    received: list[tuple[int, str | None]] = []
    refuse = {"times": 2}

    async def hook(request):
        update = json.loads(await request.body())
        received.append((update["update_id"], request.headers.get("x-telegram-bot-api-secret-token")))
        if refuse["times"]:
            refuse["times"] -= 1
            return Response(status_code=500)
        return Response(status_code=200)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/hook", hook, methods=["POST"])]), log_config=None))
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    anna = telegram.double.user(user_id=2003)
    try:
        async with bot_for(telegram) as bot:
            await anna.send("/start")
            telegram.set_webhook_targets([f"http://127.0.0.1:{port}"])  # the reverse proxy
            await bot.set_webhook("https://bot.example.org/hook", secret_token="s3cret", max_connections=5)
            await telegram_delivered(telegram)
            with pytest.raises(Conflict, match="webhook is active"):
                await bot.get_updates()
            info = await bot.get_webhook_info()
            assert info.url == "https://bot.example.org/hook" and info.pending_update_count == 0
    finally:
        server.should_exit = True
        await serving
    assert received == [(1, "s3cret")] * 3
    assert [(r.handed, r.failures) for r in telegram.update_records()] == [(3, 2)]


async def telegram_delivered(telegram: BotApiServer) -> None:
    for _ in range(200):
        if not telegram.unconfirmed():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"still not delivered: {telegram.unconfirmed()}")


async def test_a_button_press_answered_after_15_seconds_is_refused_as_telegram_does():
    now = [1_000_000.0]
    double = HttpBotApiDouble(clock=lambda: now[0])
    with BotApiServer(double) as telegram:
        anna = double.user(user_id=2004)
        async with bot_for(telegram) as bot:
            markup = InlineKeyboardMarkup([[InlineKeyboardButton("Tak", callback_data="y:1")]])
            sent = await bot.send_message(anna.id, "Na pewno?", reply_markup=markup)
            await anna.press(sent.message_id, "y:1")
            await anna.press(sent.message_id, "y:1")
            early, late = await bot.get_updates(timeout=5)
            assert await bot.answer_callback_query(early.callback_query.id)
            now[0] += 16
            with pytest.raises(BadRequest, match="Query is too old"):
                await bot.answer_callback_query(late.callback_query.id)
