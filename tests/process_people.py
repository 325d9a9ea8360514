"""Simulated people for the tests and benchmarks that run real bot processes (tests/process_harness.py):
volunteers who fill the application form and sign up for an event, and a coordinator who accepts
applications. Each action waits for the reply it should bring; a reply that never comes is a
`Lost` action (an update the bot never answered), named with the person and the step.

Also what those people should have left in the database, checked by `stored_effects()`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from bot.double.scenario import BotMessage, UserChat

EVENT_TITLE = "Budżet obywatelski w praktyce"
FIRST_NAMES = ["Anna", "Zofia", "Jan", "Ola", "Piotr", "Ewa", "Marta", "Kuba", "Hanna", "Tomasz"]


# What the bot answers to an update whose effects were stored before a crash and that is handled
# again after it (bot/inbox.py): an answer, though not the screen the action leads to.
REPLAY_NOTICE = "✅ To jest już zapisane."


class Lost(AssertionError):
    """An action whose reply never came."""


def is_replay(message: BotMessage) -> bool:
    return message.text.startswith(REPLAY_NOTICE)


@dataclass
class Pace:
    """How long a simulated person waits: for a reply, and between actions (their "thinking")."""

    reply_timeout: float = 20.0
    think: tuple[float, float] = (0.0, 0.05)
    poll: float = 0.02
    latencies: list[float] = field(default_factory=list)  # action -> the reply it waited for, s
    replays: int = 0  # actions answered with REPLAY_NOTICE


async def expect(chat: UserChat, mark: int, wanted: Callable[[BotMessage], bool], what: str, pace: Pace) -> BotMessage:
    """The first message the bot sent or edited after `mark` that is `wanted`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + pace.reply_timeout
    watch = getattr(chat.double, "watch", None)  # served over HTTP: woken by each call for the chat
    changed = watch(chat.id) if watch else None
    try:
        while True:
            if changed is not None:
                changed.clear()
            for message in chat.changed_since(mark):
                if wanted(message):
                    return message
            remaining = deadline - loop.time()
            if remaining <= 0:
                seen = [m.text[:60] for m in chat.changed_since(mark)]
                raise Lost(
                    f"{chat.user['first_name']} ({chat.id}): no reply to {what} within {pace.reply_timeout} s; "
                    f"saw {seen}"
                )
            if changed is None:
                await asyncio.sleep(pace.poll)
            else:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(changed.wait(), min(remaining, 1.0))
    finally:
        if changed is not None:
            chat.double.unwatch(chat.id, changed)


def starts(prefix: str) -> Callable[[BotMessage], bool]:
    return lambda m: m.text.startswith(prefix)


def has_button(label: str) -> Callable[[BotMessage], bool]:
    return lambda m: label in m.buttons


def has_text(part: str) -> Callable[[BotMessage], bool]:
    return lambda m: part in m.text


@dataclass
class Person:
    chat: UserChat
    pace: Pace
    rng: random.Random
    done: list[str] = field(default_factory=list)  # the steps answered, for the failure message

    async def act(
        self, what: str, action: Callable[[], Awaitable[None]], wanted: Callable[[BotMessage], bool]
    ) -> BotMessage:
        low, high = self.pace.think
        if high:
            await asyncio.sleep(self.rng.uniform(low, high))
        mark = self.chat.mark
        began = time.monotonic()
        await action()
        reply = await expect(self.chat, mark, lambda m: wanted(m) or is_replay(m), what, self.pace)
        self.pace.latencies.append(time.monotonic() - began)
        if is_replay(reply) and not wanted(reply):
            self.pace.replays += 1
        self.done.append(what)
        return reply

    async def send(self, text: str, wanted: Callable[[BotMessage], bool]) -> BotMessage:
        return await self.act(f"typing {text!r}", lambda: self.chat.send(text), wanted)

    async def tap(self, label: str, wanted: Callable[[BotMessage], bool]) -> BotMessage:
        return await self.act(f"pressing {label!r}", lambda: self.chat.tap(label), wanted)


# ---- volunteers -------------------------------------------------------------------------------
def volunteer_answers(n: int) -> dict[str, str]:
    """What volunteer number n types (unique per person), by form field."""
    return {
        "full_name": f"{FIRST_NAMES[n % len(FIRST_NAMES)]} Testowa-{n}",
        "email": f"osoba{n}@example.org",
        "phone": f"600 1{n // 100 % 10}{n // 10 % 10} {n % 10}05",
        "organisation": f"Stowarzyszenie nr {n}",
        "experience": f"Od pięciu lat piszę wnioski o granty dla koła numer {n}.",
        "communities": f"Sołectwo nr {n}",
        "heard_from": f"Od znajomej nr {n}",
    }


def stored_answers(n: int) -> dict[str, object]:
    """The application's answers as the bot stores them (JSON values) for volunteer n."""
    typed = volunteer_answers(n)
    return {
        **{k: typed[k] for k in ("full_name", "email", "organisation", "experience", "communities", "heard_from")},
        "phone": "+48" + typed["phone"].replace(" ", ""),
        "adult": "yes",
        "county": "lubelski",
        "competences": ["participatory_budget"],
        "development": ["grant_writing"],
        "availability": "5_to_10",
    }


async def apply(person: Person, n: int, *, burst: bool = False) -> None:
    """From /start to a submitted application. `burst`: the first three typed answers are sent at
    once without waiting for each question, as a fast typist does."""
    a = volunteer_answers(n)
    await person.send("/start", has_button("📝 Zgłoś się do zespołu"))
    await person.tap("📝 Zgłoś się do zespołu", has_button("✅ Akceptuję regulamin"))
    await person.tap("✅ Akceptuję regulamin", has_button("✅ Wyrażam zgodę"))
    await person.tap("✅ Wyrażam zgodę", has_button("Nie"))
    await person.tap("Nie", starts("Krok 1 z 12"))
    if burst:

        async def three() -> None:
            for text in (a["full_name"], a["email"], a["phone"]):
                await person.chat.send(text)

        await person.act("three answers at once", three, starts("Krok 4 z 12"))
    else:
        await person.send(a["full_name"], starts("Krok 2 z 12"))
        await person.send(a["email"], starts("Krok 3 z 12"))
        await person.send(a["phone"], starts("Krok 4 z 12"))
    await person.tap("Tak", starts("Krok 5 z 12"))
    await person.send("lubelski", starts("Krok 6 z 12"))
    await person.send(a["organisation"], starts("Krok 7 z 12"))
    await person.tap("▫️ Budżet obywatelski", has_button("✅ Budżet obywatelski"))
    await person.tap("Gotowe »", starts("Krok 8 z 12"))
    await person.send(a["experience"], starts("Krok 9 z 12"))
    await person.tap("▫️ Pisanie wniosków o granty", has_button("✅ Pisanie wniosków o granty"))
    await person.tap("Gotowe »", starts("Krok 10 z 12"))
    await person.send(a["communities"], starts("Krok 11 z 12"))
    await person.tap("5–10 godzin", starts("Krok 12 z 12"))
    await person.send(a["heard_from"], starts("Sprawdź swoje zgłoszenie"))
    await person.tap("📨 Wyślij zgłoszenie", lambda m: not m.text.startswith("Sprawdź swoje zgłoszenie"))


async def sign_up_for_the_event(person: Person, attempts: int = 5) -> None:
    """From /wydarzenia to a place at the event. An action answered with REPLAY_NOTICE (handled
    again after a crash) is followed as a person would: open the event again and look."""
    for _ in range(attempts):
        listing = await person.send("/wydarzenia", lambda m: any(EVENT_TITLE in b for b in m.buttons))
        if is_replay(listing):
            continue
        label = next(b for b in listing.buttons if EVENT_TITLE in b)
        card = await person.tap(label, lambda m: "✅ Zapisuję się" in m.buttons or "🙅 Oddaję miejsce" in m.buttons)
        if "🙅 Oddaję miejsce" in card.buttons:
            return  # signed up already (the press was handled before a crash)
        if is_replay(card):
            continue
        signed = await person.tap("✅ Zapisuję się", has_button("🙅 Oddaję miejsce"))
        if not is_replay(signed):
            return
    raise Lost(f"{person.chat.id}: no place at the event after {attempts} attempts")


# ---- a coordinator ----------------------------------------------------------------------------
def shows_name(label: str, full_name: str) -> bool:
    """Whether a list button ("#12 Zofia Testowa-11 · 30.11") is this person's, and not the one of
    a name it begins with (Zofia Testowa-1)."""
    return label.split(" · ", 1)[0].endswith(" " + full_name)


async def accept(person: Person, full_name: str, attempts: int = 5) -> None:
    """Accept the application of `full_name` from the list of new ones; after an action answered
    with REPLAY_NOTICE, from the list again (done once the application has left it)."""
    for _ in range(attempts):
        listing = await person.send("/zgloszenia", lambda m: any(b.startswith("Nowe (") for b in m.buttons))
        if is_replay(listing):
            continue
        new = next(b for b in listing.buttons if b.startswith("Nowe ("))
        shown = await person.tap(new, lambda m: any(b.startswith("#") or b == "« Zgłoszenia" for b in m.buttons))
        if is_replay(shown):
            continue
        label = next((b for b in shown.buttons if shows_name(b, full_name)), None)
        if label is None:
            return  # not new any more: accepted before a crash
        card = await person.tap(label, has_button("✅ Przyjmij"))
        if is_replay(card):
            continue
        question = await person.tap("✅ Przyjmij", starts("Przyjąć zgłoszenie nr"))
        if is_replay(question):
            continue
        await person.tap("✅ Tak, przyjmij", has_text("przyjęte"))
        return
    raise Lost(f"coordinator: {full_name} not accepted after {attempts} attempts")


# ---- what they leave in the database ------------------------------------------------------------
async def add_event(settings, capacity: int = 1000) -> None:
    """The published event the volunteers sign up for, made through the bot's own storage."""
    from bot.app import build_application
    from bot.double import BotApiDouble, running
    from storage.events import Audience

    double = BotApiDouble()
    async with running(build_application(settings, double), double) as app:
        now = app.services.clock()
        starts_at = (now + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0, tzinfo=UTC)
        values = {
            "type": "training",
            "title": EVENT_TITLE,
            "description": "Jak napisać wniosek i zebrać podpisy.",
            "starts_at": starts_at,
            "ends_at": starts_at + timedelta(hours=2),
            "place": "Lublin, ul. Narutowicza 4",
            "county": "lublin",
            "capacity": capacity,
            "audience": Audience.EVERYONE,
        }
        event = await app.services.events.create(values, 9001, now)
        await app.services.events.publish(event.id, now, county_fields=app.services.answer_fields().counties)


async def stored_effects(db, people: dict[int, int], accepted=None, signed=None, maybe_accepted=()) -> list[str]:
    """What is wrong in the database for `people` (telegram id -> volunteer number), each of whom
    applied once, was accepted once (those in `accepted`, default all; either for `maybe_accepted`)
    and signed up once (those in `signed`, default all): their answers exactly as typed, one
    application, 'submitted' (and 'accepted') once in its history, one registration for the event."""
    accepted = set(people) if accepted is None else set(accepted)
    signed = set(people) if signed is None else set(signed)
    problems = []
    for telegram_id, n in sorted(people.items()):
        applications = await db.fetch_all("SELECT id, status FROM applications WHERE telegram_id = ?", (telegram_id,))
        if len(applications) != 1:
            problems.append(f"{telegram_id}: {len(applications)} applications")
            continue
        application_id, status = applications[0][0], applications[0][1]
        rows = await db.fetch_all(
            "SELECT field_id, value FROM application_answers WHERE application_id = ?", (application_id,)
        )
        answers = {r[0]: json.loads(r[1]) for r in rows}
        if answers != stored_answers(n):
            problems.append(f"{telegram_id}: answers {answers} instead of {stored_answers(n)}")
        history = await db.fetch_all(
            "SELECT action FROM application_history WHERE application_id = ? ORDER BY id", (application_id,)
        )
        actions = [r[0] for r in history]
        decided = telegram_id in accepted or (telegram_id in maybe_accepted and status == "accepted")
        if (status, actions) != (("accepted", ["submitted", "accepted"]) if decided else ("submitted", ["submitted"])):
            problems.append(f"{telegram_id}: status {status}, history {actions}")
        registrations = await db.fetch_all(
            "SELECT status FROM event_registrations WHERE telegram_id = ?", (telegram_id,)
        )
        if [r[0] for r in registrations] != (["registered"] if telegram_id in signed else []):
            problems.append(f"{telegram_id}: registrations {[r[0] for r in registrations]}")
    return problems
