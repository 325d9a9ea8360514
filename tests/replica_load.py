"""The load of the replica test and of benchmarks/replicas.py: many simulated people at once against
bot processes behind the Bot API double (tests/process_harness.py, tests/process_people.py).

Each volunteer applies (their first three answers typed at once, so they reach the replicas over
parallel connections out of order) and some sign up for the event; one coordinator accepts the
newest applications meanwhile. Optionally one bot process is killed (SIGKILL) mid-run and started
again. Then an announcement to everyone, sent by whichever process runs the scheduled work, is
counted per person and per second.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

from bot.double.http import BotApiServer
from bot.double.rules import FloodControl
from tests.process_harness import BotProcess
from tests.process_people import (
    Lost,
    Pace,
    Person,
    apply,
    has_button,
    has_text,
    is_replay,
    shows_name,
    sign_up_for_the_event,
    starts,
    volunteer_answers,
)

FIRST_VOLUNTEER = 60_000
COORDINATOR = 9001
ANNOUNCEMENT = "Zapraszamy na szkolenie z budżetu obywatelskiego w sobotę"


@dataclass
class Load:
    people: int = 200
    sign_ups: int = 100  # of them, the first this many also sign up for the event
    decisions: int = 30  # applications the coordinator accepts while the others apply
    burst: bool = True
    seed: int = 16
    pace: Pace = field(default_factory=lambda: Pace(reply_timeout=60.0, think=(0.0, 0.1)))


@dataclass
class LoadResult:
    seconds: float
    updates: int
    latencies: list[float]
    lost: list[str]
    accepted: dict[int, int]  # telegram id -> volunteer number
    maybe_accepted: set[int]  # the confirmation answered with REPLAY_NOTICE: the database says
    kills: list[str]

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))] if ordered else float("nan")


def volunteers(load: Load) -> dict[int, int]:
    return {FIRST_VOLUNTEER + n: n for n in range(load.people)}


async def accept_newest(person: Person, names: dict[str, int]) -> int | None:
    """Accept the newest application in the list of new ones: the volunteer number (-1 - it when
    the confirmation was answered with REPLAY_NOTICE); None when the list is empty or an action
    before the confirmation was answered with REPLAY_NOTICE (try again)."""
    listing = await person.send("/zgloszenia", lambda m: any(b.startswith("Nowe (") for b in m.buttons))
    if is_replay(listing):
        return None
    new = next(b for b in listing.buttons if b.startswith("Nowe ("))
    if new == "Nowe (0)":
        return None
    shown = await person.tap(new, lambda m: any(b.startswith("#") for b in m.buttons))
    if is_replay(shown):
        return None
    label = next(b for b in shown.buttons if b.startswith("#"))
    n = next(number for name, number in names.items() if shows_name(label, name))
    for step, wanted in (
        (label, has_button("✅ Przyjmij")),
        ("✅ Przyjmij", starts("Przyjąć zgłoszenie nr")),
    ):
        if is_replay(await person.tap(step, wanted)):
            return None
    decided = await person.tap("✅ Tak, przyjmij", has_text("przyjęte"))
    # REPLAY_NOTICE may answer an earlier press handled again: accepted or not, the list will say.
    return n if not is_replay(decided) else -n - 1


async def run_load(
    telegram: BotApiServer, load: Load, *, victim: BotProcess | None = None, kill_at: float = 0.4
) -> LoadResult:
    """Everyone at once; `victim` is killed once `kill_at` of the expected updates were sent, and
    started again a second later."""
    double = telegram.double
    people = volunteers(load)
    names = {volunteer_answers(n)["full_name"]: n for n in people.values()}
    lost: list[str] = []
    accepted: dict[int, int] = {}
    maybe: set[int] = set()
    kills: list[str] = []
    submitted = asyncio.Event()
    finished = asyncio.Event()
    expected_updates = load.people * 22 + load.sign_ups * 3 + load.decisions * 5
    before = len(telegram.update_records())

    async def volunteer(telegram_id: int, n: int) -> None:
        person = Person(double.user(user_id=telegram_id, first_name=f"V{n}"), load.pace, random.Random(load.seed + n))
        try:
            await apply(person, n, burst=load.burst)
            submitted.set()
            if n < load.sign_ups:
                await sign_up_for_the_event(person)
        except Lost as failure:
            lost.append(f"{failure} (after {person.done[-3:]})")

    async def coordinator() -> None:
        person = Person(double.user(user_id=COORDINATOR, first_name="Marek"), load.pace, random.Random(load.seed))
        await submitted.wait()
        try:
            while len(accepted) + len(maybe - set(accepted)) < load.decisions:
                n = await accept_newest(person, names)
                if n is None:
                    if finished.is_set():
                        return
                    await asyncio.sleep(0.2)
                    continue
                if n < 0:
                    maybe.add(FIRST_VOLUNTEER - n - 1)
                else:
                    accepted[FIRST_VOLUNTEER + n] = n
        except Lost as failure:
            lost.append(f"coordinator: {failure} (after {person.done[-3:]})")

    async def killer() -> None:
        if victim is None:
            return
        while len(telegram.update_records()) - before < expected_updates * kill_at:
            if finished.is_set():
                return
            await asyncio.sleep(0.05)
        await asyncio.to_thread(victim.kill)
        kills.append(f"{victim.name} after {len(telegram.update_records()) - before} updates")
        await asyncio.sleep(1.0)
        victim.start()
        await asyncio.to_thread(victim.wait_ready, 60)

    began = time.monotonic()
    killing = asyncio.create_task(killer())
    deciding = asyncio.create_task(coordinator())
    await asyncio.gather(*(volunteer(t, n) for t, n in people.items()))
    finished.set()
    await deciding
    seconds = time.monotonic() - began
    await killing
    updates = len(telegram.update_records()) - before
    return LoadResult(seconds, updates, list(load.pace.latencies), lost, accepted, maybe - set(accepted), kills)


def stored_out_of_order(telegram: BotApiServer) -> list[float]:
    """For each pair of one person's updates where the later one was accepted (2xx) by a replica
    before the earlier one: how much later the earlier one was (s). Over the reorder window, the
    bot could not have known to wait (for the failure message; not a figure to assert)."""
    by_person: dict[int, list] = {}
    for record in telegram.update_records():
        body = next((v for k, v in record.update.items() if k != "update_id"), {})
        person = (body.get("from") or {}).get("id")
        if person is not None and record.confirmed is not None:
            by_person.setdefault(person, []).append(record)
    lags = []
    for records in by_person.values():
        latest = float("-inf")
        for record in records:  # in update_id order
            if record.confirmed < latest:
                lags.append(latest - record.confirmed)
            latest = max(latest, record.confirmed)
    return sorted(lags)


@dataclass
class BroadcastResult:
    received: Counter  # telegram id -> copies of the announcement
    per_second: list[int]  # sendMessage calls in each second while it was sent
    rejected: int  # 429 answers (Telegram's flood control)
    seconds: float

    @property
    def peak(self) -> int:
        return max(self.per_second, default=0)


async def announce_to_everyone(
    settings, telegram: BotApiServer, recipients: list[int], timeout: float = 120
) -> BroadcastResult:
    """An announcement to everyone, started through the bot's storage; whichever bot process runs
    the scheduled work sends it. Telegram's flood control is on meanwhile (429 beyond ~30/s)."""
    double = telegram.double
    sends: list[float] = []
    double.flood_control = FloodControl()
    double.on_request = lambda method, params: sends.append(time.monotonic()) if method == "sendMessage" else None
    began = time.monotonic()
    await start_announcement(settings)
    wanted = set(recipients)

    def received() -> Counter:
        counts: Counter = Counter()
        with double.lock:
            for chat_id in wanted:
                chat = double.chats.get(chat_id)
                for message in chat.messages.values() if chat else ():
                    if message.from_bot and ANNOUNCEMENT in (message.data.get("text") or ""):
                        counts[chat_id] += 1
        return counts

    deadline = time.monotonic() + timeout
    while len(received()) < len(wanted) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    await asyncio.sleep(1.0)  # anything sent twice would come now
    seconds = time.monotonic() - began
    double.on_request = None
    rejected = double.flood_control.rejected
    double.flood_control = None
    start = sends[0] if sends else 0.0
    per_second = Counter(int(t - start) for t in sends)
    return BroadcastResult(
        received(), [per_second[i] for i in range(max(per_second, default=-1) + 1)], rejected, seconds
    )


async def start_announcement(settings) -> None:
    """Queue an announcement to everyone, as the composer does when a coordinator sends one."""
    from bot.app import build_application
    from bot.double import BotApiDouble
    from storage.broadcasts import Audience, BroadcastStatus, Group

    app = build_application(settings, BotApiDouble())
    async with app:  # initialised only: this process neither takes updates nor sends
        services = app.services
        now = services.clock()
        draft = await services.broadcasts.create_draft(COORDINATOR, now)
        draft = await services.broadcasts.update_draft(draft.id, now, body_html=ANNOUNCEMENT)
        plan = await services.broadcasts.plan(
            Audience(frozenset({Group.EVERYONE})), services.answer_fields(), draft.category, False, now, settings.tz
        )
        await services.broadcasts.start(draft.id, plan, expected=BroadcastStatus.DRAFT, now=now)
