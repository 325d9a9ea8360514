"""The sender: pace, flood control, blocked users, retries, crashes and restarts.

Most tests run in virtual time: the sender's sleeps move a shared clock that the double's flood
control also reads, so "25 messages per second" is checked exactly and without waiting."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter

import pytest

from bot.app import build_application
from bot.broadcast_status import post_status_message
from bot.double import BotApiDouble, FloodControl, running
from storage.broadcasts import Audience, BroadcastStatus, DeliveryState
from storage.db import to_db_time
from tests.broadcast_helpers import T0, VirtualTime, event, queue_broadcast, register

# PTB warns about the future type of RetryAfter.retry_after whenever a 429 is parsed.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after.*:DeprecationWarning")

COORDINATOR = 9002
FIRST = 10_000


async def add_people(app, double, count: int, start: int = FIRST) -> list[int]:
    ids = list(range(start, start + count))
    stamp = to_db_time(T0)
    async with app.services.db.transaction() as conn:
        await conn.executemany(
            "INSERT INTO users (telegram_id, first_name, telegram_locale, created_at, last_seen_at) "
            "VALUES (?, 'Wolontariusz', 'pl', ?, ?)",
            [(i, stamp, stamp) for i in ids],
        )
    for i in ids:
        double.ensure_chat({"id": i, "type": "private", "first_name": "Wolontariusz"})
    return ids


def delivered(double: BotApiDouble, ids: list[int], needle: str = "szkolenie") -> Counter:
    counts: Counter = Counter()
    for i in ids:
        counts[i] = sum(1 for m in double.chats[i].messages.values() if m.from_bot and needle in str(m.data))
    return counts


@contextlib.asynccontextmanager
async def virtual_bot(settings, double, vt: VirtualTime, **kwargs):
    app = build_application(settings, double, clock=vt.now, **kwargs)
    app.broadcast_sender.background = False  # the test drives it
    app.broadcast_sender.use_clock(vt.monotonic, vt.sleep)
    double.ensure_chat({"id": COORDINATOR, "type": "private", "first_name": "Kasia"})
    async with running(app, double):
        yield app


async def settle(app, vt: VirtualTime) -> None:
    """Run the sender until nothing is left, jumping the clock to each retry or morning."""
    sender = app.broadcast_sender
    for _ in range(50):
        await sender.run_until_idle()
        due = await app.services.broadcasts.next_due_at()
        if due is None:
            return
        if due > vt.now():
            vt.advance(due - vt.now())
    raise AssertionError("the outbox never emptied")


@pytest.fixture
def vt():
    return VirtualTime()


@pytest.fixture
def flood(vt):
    return FloodControl(clock=vt.monotonic)


@pytest.fixture
def vdouble(flood):
    return BotApiDouble(flood_control=flood)


async def test_the_rate_is_never_exceeded_and_progress_is_shown(settings, vdouble, flood, vt):
    async with virtual_bot(settings, vdouble, vt) as app:
        ids = await add_people(app, vdouble, 200)
        broadcast = await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        await post_status_message(app, broadcast)
        edits, sends = [], []

        def watch(method, params):
            if method == "editMessageText":
                edits.append(params["text"])
            elif method == "sendMessage" and int(params["chat_id"]) in ids:
                sends.append(vt.seconds)

        vdouble.on_request = watch
        await app.broadcast_sender.run_until_idle()
        assert set(delivered(vdouble, ids).values()) == {1}
        assert flood.rejected == 0 and vdouble.count_errors(429) == 0
        assert flood.peak_per_second <= 25 + 1  # the outbox, and the coordinator's status message
        assert 7.9 <= sends[-1] - sends[0] <= 8.2  # 200 messages at 25/s (less 1 %: the window margin)
        assert any("▓▓▓▓░░░░░░" in e and "Zostało około:" in e for e in edits)  # progress while sending
        assert "<b>Ogłoszenie nr 1</b> – wysłane." in edits[-1] and "Dostarczono do 200 osób z 200." in edits[-1]
        assert (await app.services.broadcasts.get(broadcast.id)).status == BroadcastStatus.DONE


async def test_a_429_in_the_middle_pauses_and_resumes(settings, vdouble, flood, vt):
    async with virtual_bot(settings, vdouble, vt) as app:
        ids = await add_people(app, vdouble, 100)
        await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        sends = []

        def inject(method, params):
            if method == "sendMessage":
                sends.append(vt.seconds)
                if len(sends) == 50:
                    vdouble.fail_next("sendMessage", 429, "Too Many Requests: retry after 5", retry_after=5)

        vdouble.on_request = inject
        await app.broadcast_sender.run_until_idle()
        assert set(delivered(vdouble, ids).values()) == {1}
        assert vdouble.count_errors(429) == 1 and app.broadcast_sender.stats.flood_waits == 1
        assert flood.rejected == 0
        gap = max(b - a for a, b in itertools.pairwise(sends))
        assert gap >= 5.0  # nothing was sent while Telegram asked to wait
        assert vt.seconds >= 100 / 25 + 5 - 0.1


async def test_one_chat_gets_at_most_one_message_a_second(settings, vdouble, flood, vt):
    async with virtual_bot(settings, vdouble, vt) as app:
        ids = await add_people(app, vdouble, 4)
        for _ in range(3):  # three broadcasts at once to the same four people
            await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        await app.broadcast_sender.run_until_idle()
        assert set(delivered(vdouble, ids).values()) == {3}
        assert flood.shortest_chat_gap >= 1.0 and flood.rejected == 0


async def test_a_crash_in_the_middle_and_a_restart_reach_everyone(settings, vdouble, vt):
    recipients = 100
    async with virtual_bot(settings, vdouble, vt) as app:
        ids = await add_people(app, vdouble, recipients)
        broadcast = await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        sender = app.broadcast_sender
        window = sender.window
        drain = asyncio.create_task(sender.drain())
        count = [0]

        def crash(method, params):
            if method == "sendMessage":
                count[0] += 1
                if count[0] == 37:
                    drain.cancel()  # the process dies: nothing more is recorded

        vdouble.on_request = crash
        with contextlib.suppress(asyncio.CancelledError):
            await drain
        vdouble.on_request = None
        states = await app.services.broadcasts.deliveries(broadcast.id)
        recorded = {i for i, s in states.items() if s == DeliveryState.SENT}
        in_doubt = {i for i, s in states.items() if s == DeliveryState.SENDING}
        assert recorded and in_doubt and len(in_doubt) <= window
    before = delivered(vdouble, ids)
    assert 0 < sum(before.values()) < recipients

    async with virtual_bot(settings, vdouble, vt) as restarted:
        await restarted.broadcast_sender.run_until_idle()
        after = delivered(vdouble, ids)
        assert all(after[i] >= 1 for i in ids)  # everyone got it
        duplicates = sum(after.values()) - recipients
        assert duplicates <= window  # the stated bound: ceil(rate / 5) = 5 at 25/s
        assert all(after[i] == 1 for i in recorded)  # recorded as sent: never sent again
        assert (await restarted.services.broadcasts.get(broadcast.id)).status == BroadcastStatus.DONE


async def test_people_who_blocked_the_bot_are_marked_and_left_out(settings, vdouble, vt):
    async with virtual_bot(settings, vdouble, vt) as app:
        ids = await add_people(app, vdouble, 10)
        blocked = ids[2:4]
        for i in blocked:
            vdouble.chats[i].blocked_bot = True
        broadcast = await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        await app.broadcast_sender.run_until_idle()
        states = await app.services.broadcasts.deliveries(broadcast.id)
        assert {i for i, s in states.items() if s == DeliveryState.BLOCKED} == set(blocked)
        for i in blocked:
            assert (await app.services.users.get(i)).unreachable_at is not None
        report = vdouble.chats[COORDINATOR].messages
        assert any("w tym zablokowany bot: 2" in str(m.data) for m in report.values())
        second = await queue_broadcast(app.services, COORDINATOR, "Drugie szkolenie")
        assert second.recipients == 8


async def test_transient_errors_are_retried_with_backoff_a_bounded_number_of_times(settings, vdouble, vt):
    async with virtual_bot(settings, vdouble, vt) as app:
        ids = await add_people(app, vdouble, 3)
        flaky, broken = ids[0], ids[1]
        vdouble.fail_next("sendMessage", 502, "Bad Gateway", chat_id=flaky, times=2)
        vdouble.fail_next("sendMessage", 500, "Internal Server Error", chat_id=broken, times=10)
        broadcast = await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        await settle(app, vt)
        assert delivered(vdouble, ids) == Counter({flaky: 1, broken: 0, ids[2]: 1})
        states = await app.services.broadcasts.deliveries(broadcast.id)
        assert states[flaky] == DeliveryState.SENT and states[broken] == DeliveryState.FAILED
        attempts = [p for m, p in vdouble.requests if m == "sendMessage" and int(p["chat_id"]) == broken]
        assert len(attempts) == 5  # MAX_ATTEMPTS
        assert vt.seconds >= 2 + 4 + 8 + 16  # exponential backoff between them
        assert (await app.services.broadcasts.get(broadcast.id)).status == BroadcastStatus.DONE


async def test_a_running_broadcast_can_be_cancelled(settings, vdouble, vt):
    async with virtual_bot(settings, vdouble, vt) as app:
        ids = await add_people(app, vdouble, 60)
        broadcast = await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        sender = app.broadcast_sender
        count = [0]
        cancelling = []

        def cancel_midway(method, params):
            if method == "sendMessage":
                count[0] += 1
                if count[0] == 20:

                    async def cancel():
                        await app.services.broadcasts.cancel(broadcast.id, COORDINATOR, vt.now())
                        sender.cancelled(broadcast.id)

                    cancelling.append(asyncio.get_running_loop().create_task(cancel()))

        vdouble.on_request = cancel_midway
        await sender.run_until_idle()
        await asyncio.gather(*cancelling)
        await sender.run_until_idle()
        sent = sum(delivered(vdouble, ids).values())
        assert 20 <= sent <= 20 + sender.window + 1
        progress = await app.services.broadcasts.progress(broadcast.id, vt.now())
        assert progress.sent == sent and progress.cancelled == 60 - sent and progress.remaining == 0
        report = [str(m.data) for m in vdouble.chats[COORDINATOR].messages.values()]
        assert any("anulowane" in r and f"Niewysłane z powodu anulowania: {60 - sent}" in r for r in report)


async def test_the_rate_limiter_and_the_sender_do_not_fight(settings, vt):
    """Real time, the production rate limiter, flood control at Telegram's rates: no 429 at a
    modest pace, and a 429 reaches the sender once (the limiter does not retry broadcasts)."""
    flood = FloodControl()
    double = BotApiDouble(flood_control=flood)
    fast = settings.with_changes(broadcast_rate=20.0)
    app = build_application(fast, double, clock=vt.now, rate_limit=True)
    double.ensure_chat({"id": COORDINATOR, "type": "private", "first_name": "Kasia"})
    async with running(app, double):
        ids = await add_people(app, double, 24)
        await queue_broadcast(app.services, COORDINATOR, "Zapraszamy na szkolenie!")
        app.broadcast_sender.wake()
        await app.broadcast_sender.wait_idle()
        assert set(delivered(double, ids).values()) == {1}
        assert double.count_errors(429) == 0 and flood.peak_per_second <= 20

        target = ids[0]
        double.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1, chat_id=target)
        meeting = await event(app.services)
        for i in ids[:3]:
            await register(app.services, meeting, i)
        audience = Audience(events=frozenset({meeting}))
        await queue_broadcast(app.services, COORDINATOR, "Drugie szkolenie", audience=audience)
        app.broadcast_sender.wake()
        await app.broadcast_sender.wait_idle()
        to_target = [p for m, p in double.requests if m == "sendMessage" and int(p["chat_id"]) == target]
        assert len(to_target) == 3  # the first broadcast, the 429, one resend: no retries inside the limiter
        assert delivered(double, [target], "Drugie szkolenie")[target] == 1
        assert app.broadcast_sender.stats.flood_waits == 1 and flood.rejected == 0


@pytest.mark.parametrize("rate", [25.0, 1000.0])
def test_the_duplicate_bound_follows_the_rate(settings, double, rate):
    app = build_application(settings.with_changes(broadcast_rate=rate, broadcast_paid=rate > 30), double)
    assert app.broadcast_sender.window == (5 if rate == 25 else 50)


def test_broadcast_settings_are_read_and_checked():
    from bot.config import ConfigError, Settings
    from storage.preferences import QuietHours

    settings = Settings.from_env({})
    assert settings.broadcast_rate == 25 and not settings.broadcast_paid
    assert settings.default_quiet == QuietHours(21 * 60, 8 * 60)
    paid = Settings.from_env({"BOT_BROADCAST_RATE": "800", "BOT_BROADCAST_PAID": "1", "BOT_QUIET_HOURS": "off"})
    assert paid.broadcast_rate == 800 and paid.broadcast_paid and paid.default_quiet is None
    for env, name in (
        ({"BOT_BROADCAST_RATE": "50"}, "BOT_BROADCAST_RATE"),
        ({"BOT_BROADCAST_RATE": "fast"}, "BOT_BROADCAST_RATE"),
        ({"BOT_BROADCAST_RATE": "0"}, "BOT_BROADCAST_RATE"),
        ({"BOT_BROADCAST_PAID": "maybe"}, "BOT_BROADCAST_PAID"),
        ({"BOT_QUIET_HOURS": "nights"}, "BOT_QUIET_HOURS"),
    ):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env(env)
