"""Publishing an event says how many people were told and offers its announcement in one tap;
changing the number of places tells only the people it gives a place (issue 12, item 20)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import build_application
from bot.double import running
from bot.jobs import events as event_jobs
from storage.applications import Status
from storage.events import Audience, Seat
from tests.broadcast_helpers import applicant
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock, published_event, sign_up


@pytest.fixture
async def app(settings, double):
    async with running(build_application(settings, double, clock=Clock()), double) as application:
        yield application


async def _draft(app, title: str = "Budżet obywatelski w praktyce"):
    start = app.services.clock() + timedelta(days=3)
    values = {
        "type": "training",
        "title": title,
        "description": "Jak napisać wniosek & zebrać podpisy.",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "place": "Lublin, ul. Narutowicza 4",
        "county": "lublin",
        "capacity": 5,
        "audience": Audience.EVERYONE,
    }
    return await app.services.events.create(values, COORDINATOR_ID, app.services.clock())


async def _open_draft(kasia, title: str) -> None:
    await kasia.send("/start")
    await kasia.tap("🧭 Coordinator panel")
    await kasia.tap("🗓 Manage events")
    (button,) = [b for b in kasia.last.buttons if title in b]
    await kasia.tap(button)


async def test_publishing_says_how_many_were_told_and_announces_the_event_in_one_tap(app, double, kasia):
    s = app.services
    members = [double.user(user_id=i, first_name="Ola", language_code="pl") for i in (6101, 6102)]
    for member in members:
        await applicant(s, member.id, Status.ACCEPTED, "lublin")  # new trainings in their county
    elsewhere = double.user(user_id=6103, first_name="Piotr", language_code="pl")
    await applicant(s, 6103, Status.ACCEPTED, "zamosc")
    event = await _draft(app)

    await _open_draft(kasia, "Budżet obywatelski")
    await kasia.tap("📣 Publish")
    await kasia.tap("📣 Yes, publish")
    card = kasia.last.text
    assert "Published." in card
    assert "🔔 2 people who want alerts about such events are being told about it." in card
    assert all(any(m.text.startswith("🆕 Nowe wydarzenie") for m in chat.messages) for chat in members)

    await kasia.tap("📣 Announce this event")
    link = f"https://t.me/volunteer_test_bot?start=event_{event.id}"
    preview, panel = kasia.messages[-2], kasia.last
    assert "Budżet obywatelski w praktyce" in preview.text and "Sign up in the bot" in preview.text
    assert f'<a href="{link}">Sign up in the bot</a>' in preview.html
    assert panel.text.startswith("📝 Draft announcement #")
    assert "🎓" in panel.text  # the event's category, trainings
    # A second press opens the same draft, not another one.
    drafts = await s.broadcasts.recent(10, drafts_of=COORDINATOR_ID)
    card_message = next(m for m in reversed(kasia.messages) if "📣 Announce this event" in m.buttons)
    await kasia.press(card_message.message_id, card_message.button("📣 Announce this event").callback_data)
    assert kasia.last.text.startswith(f"📝 Draft announcement #{drafts[0].id}")
    assert [b.id for b in await s.broadcasts.recent(10, drafts_of=COORDINATOR_ID)] == [d.id for d in drafts]
    assert len(drafts) == 1 and drafts[0].audience.chosen is False  # the coordinator chooses

    await kasia.tap("👥 Recipients")
    await kasia.tap("▫️ Everyone who wrote to the bot")
    await kasia.tap("« Back to the draft")
    await kasia.tap("🚀 Send now")
    await kasia.tap("✅ Yes, send")
    await app.broadcast_sender.wait_idle()
    got = [m for m in elsewhere.messages if "Sign up in the bot" in m.text]
    assert len(got) == 1 and f'href="{link}"' in got[0].html


async def test_a_card_whose_sign_up_closed_offers_no_announcement(app, double, kasia):
    event = await published_event(app, capacity=5)
    await kasia.send(f"/start event_{event.id}")
    await kasia.tap("🛠 Manage")
    assert "📣 Announce this event" in kasia.last.buttons
    app.services.clock.advance(days=3, minutes=1)
    await kasia.send(f"/start event_{event.id}")
    await kasia.tap("🛠 Manage")
    assert "📣 Announce this event" not in kasia.last.buttons


async def test_more_places_tell_only_those_promoted_and_fewer_places_tell_nobody(app, double, kasia):
    event = await published_event(app, capacity=1)
    ola, jan, ewa = (
        double.user(user_id=i, first_name=n, language_code="en")
        for i, n in ((6201, "Ola"), (6202, "Jan"), (6203, "Ewa"))
    )
    for chat in (ola, jan, ewa):
        await chat.send(f"/start event_{event.id}")
        await sign_up(chat)
    before = {chat.id: len(chat.messages) for chat in (ola, jan, ewa)}

    await kasia.send(f"/start event_{event.id}")
    await kasia.tap("🛠 Manage")
    await kasia.tap("✏️ Edit")
    await kasia.tap("✏️ Places")
    await kasia.send("2")
    assert "Everyone signed up will be told what changed." not in kasia.last.text
    await kasia.tap("💾 Save the changes")
    assert "1 person from the waitlist got a place and is being told." in kasia.last.text
    assert "Everyone signed up will be told" not in kasia.last.text
    await event_jobs.send_event_notices(app)
    news = {chat.id: [m.text for m in chat.messages[before[chat.id] :]] for chat in (ola, jan, ewa)}
    assert news[6201] == [] and news[6203] == []
    assert len(news[6202]) == 1 and "A place has freed up, and it is yours!" in news[6202][0]

    await kasia.tap("✏️ Edit")
    await kasia.tap("✏️ Places")
    await kasia.send("1")
    await kasia.tap("💾 Save the changes")
    assert "nobody loses their place automatically" in kasia.last.text
    assert "will be told" not in kasia.last.text and "being told" not in kasia.last.text
    await event_jobs.send_event_notices(app)
    assert all(len(chat.messages) == before[chat.id] + (chat is jan) for chat in (ola, jan, ewa))
    seats = [(await app.services.events.registration(event.id, i)).status for i in (6201, 6202, 6203)]
    assert seats == [Seat.REGISTERED, Seat.REGISTERED, Seat.WAITLISTED]
