"""Coordinators compose, preview, send, schedule, follow and cancel announcements in chat."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import pytest

from bot.app import build_application
from bot.context import ROUTES_KEY
from bot.double import running
from storage.applications import Status
from storage.broadcasts import BroadcastStatus, DeliveryState
from tests.broadcast_helpers import T0, applicant, person
from tests.conftest import COORDINATOR_ID

FOOTER_PL = "🔔 Wybierz, jakie ogłoszenia chcesz dostawać: /powiadomienia"
FOOTER_EN = "🔔 Choose which announcements you get: /notifications"


@pytest.fixture
async def app(settings, double):
    """The bot at noon in Warsaw, so quiet hours never get in the way unless a test wants them."""
    now = [T0]
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as application:
        yield application


def received(chat, needle: str) -> list:
    return [m for m in chat.messages if needle in m.text]


async def compose(
    coordinator, text="Zapraszamy na szkolenie z budżetu obywatelskiego!", entities=None, *, to_everyone=True
):
    """A new draft; `to_everyone`: then "everyone who wrote to the bot" ticked (nobody is chosen by default)."""
    await coordinator.send("/ogloszenie")
    assert coordinator.last.text.startswith("📣 Nowe ogłoszenie")
    if entities:
        await coordinator.send_formatted(text, entities)
    else:
        await coordinator.send(text)
    assert coordinator.last.text.startswith("📝 Szkic ogłoszenia nr")
    if to_everyone:
        await tick_everyone(coordinator)


async def tick_everyone(coordinator):
    await coordinator.tap("👥 Odbiorcy")
    await coordinator.tap("▫️ Wszyscy, którzy pisali do bota")
    await coordinator.tap("« Wróć do szkicu")
    assert "Kto: Wszyscy, którzy pisali do bota" in coordinator.last.text


async def test_compose_preview_choose_recipients_and_send(app, double, coordinator):
    s = app.services
    expert = double.user(user_id=3001, first_name="Ewa")
    await applicant(s, 3001, Status.ACCEPTED, "lublin", ["grants"])
    english = double.user(user_id=3002, first_name="John", language_code="en")
    await applicant(s, 3002, Status.ACCEPTED, "lublin", ["grants"])
    await english.send("/start")
    other_county = double.user(user_id=3003, first_name="Piotr")
    await applicant(s, 3003, Status.ACCEPTED, "zamosc", ["grants"])
    waiting = double.user(user_id=3004, first_name="Iga")
    await applicant(s, 3004, Status.SUBMITTED, "lublin", ["grants"])

    text = "Szkolenie <we wtorek> & link: zapisy"
    entities = [
        {"type": "bold", "offset": 0, "length": 9},
        {"type": "text_link", "offset": 30, "length": 6, "url": "https://example.org/zapisy?a=1&b=2"},
    ]
    await compose(coordinator, text, entities, to_everyone=False)
    preview = coordinator.messages[-2]
    assert preview.html.startswith(
        '<b>Szkolenie</b> &lt;we wtorek&gt; &amp; link: <a href="https://example.org/zapisy?a=1&amp;b=2">zapisy</a>'
    )
    assert preview.text == text + "\n\n" + FOOTER_PL
    panel = coordinator.last.text
    assert "Kategoria: 📢 Ogłoszenia ogólne" in panel and "Kto: nikogo jeszcze nie wybrano" in panel
    assert "Odbiorcy: 0 osób" in panel  # nobody until the coordinator chooses
    await tick_everyone(coordinator)
    assert "Odbiorcy: 5 osób" in coordinator.last.text  # the four volunteers and the coordinator

    await coordinator.tap("👥 Odbiorcy")
    await coordinator.tap("▫️ Osoby przyjęte do zespołu")
    assert "Odbiorcy: 3 osoby" in coordinator.last.text
    await coordinator.tap("📍 Powiaty (0)")
    await coordinator.tap("▫️ Lublin")
    assert "Odbiorcy: 2 osoby" in coordinator.last.text
    await coordinator.tap("« Wróć do odbiorców")
    assert "Tylko z powiatów: Lublin" in coordinator.last.text
    await coordinator.tap("« Wróć do szkicu")
    await coordinator.tap("🏷 Kategoria")
    await coordinator.tap("🎓 Szkolenia")
    assert "Kategoria: 🎓 Szkolenia" in coordinator.last.text
    await coordinator.tap("🚀 Wyślij teraz")
    assert coordinator.last.text.startswith("Wysłać teraz ogłoszenie nr")
    assert "do 2 osób?" in coordinator.last.text
    await coordinator.tap("✅ Tak, wyślij")
    await app.broadcast_sender.wait_idle()

    assert received(expert, "Szkolenie <we wtorek>")[-1].text == text + "\n\n" + FOOTER_PL
    assert received(english, "Szkolenie")[-1].text == text + "\n\n" + FOOTER_EN
    assert received(english, "Szkolenie")[-1].html == preview.html.replace(
        "Wybierz, jakie ogłoszenia chcesz dostawać: /powiadomienia",
        "Choose which announcements you get: /notifications",
    )
    assert not received(other_county, "Szkolenie") and not received(waiting, "Szkolenie")
    report = received(coordinator, "Dostarczono do 2 osób z 2.")
    assert report and "Ogłoszenie nr 1 – wysłane." in report[-1].text
    broadcast = await s.broadcasts.get(1)
    assert broadcast.status == BroadcastStatus.DONE and broadcast.recipients == 2
    assert await s.broadcasts.deliveries(1) == {3001: DeliveryState.SENT, 3002: DeliveryState.SENT}
    (sent,) = [e for e in await s.audit.all() if e.action == "broadcast.sent"]
    assert (sent.actor_id, sent.target, sent.details["recipients"]) == (coordinator.id, "broadcast:1", 2)

    await coordinator.send("/ogloszenia")
    assert coordinator.last.buttons[0].startswith("✅ #1 · ") and coordinator.last.buttons[0].endswith(" · 2/2")
    await coordinator.tap(coordinator.last.buttons[0])
    assert "Dostarczono do 2 osób z 2." in coordinator.last.text
    assert "✖️ Anuluj ogłoszenie" not in coordinator.last.buttons


async def test_a_photo_with_a_caption_goes_out_by_file_id(app, double, coordinator):
    volunteer = double.user(user_id=3010)
    await volunteer.send("/start")
    await coordinator.send("/ogloszenie")
    file_id = await coordinator.send_photo(b"PHOTO", caption="Plakat akcji", caption_entities=None)
    assert coordinator.messages[-2].text == "Plakat akcji\n\n" + FOOTER_PL
    await tick_everyone(coordinator)
    await coordinator.tap("🚀 Wyślij teraz")
    await coordinator.tap("✅ Tak, wyślij")
    await app.broadcast_sender.wait_idle()
    photos = [(m, p) for m, p in double.requests if m == "sendPhoto" and str(p.get("chat_id")) == "3010"]
    assert len(photos) == 1 and photos[0][1]["photo"] == file_id
    assert volunteer.last.text == "Plakat akcji\n\n" + FOOTER_PL


async def test_too_long_text_and_other_content_are_refused_politely(app, double, coordinator):
    app.bot_data[ROUTES_KEY].engine.window = 0.1  # a text this long may be the first part of more
    await coordinator.send("/ogloszenie")
    await coordinator.send("a" * 4090)
    for _ in range(100):  # the window passes: the text alone is read
        if coordinator.last.text.startswith("⚠️"):
            break
        await asyncio.sleep(0.02)
    assert coordinator.last.text.startswith("⚠️ Liczba znaków w tym tekście: 4090, a ogłoszenie może mieć najwyżej")
    assert "📣 Nowe ogłoszenie" in coordinator.last.text  # asked again
    await coordinator.send_sticker()
    assert coordinator.last.text.startswith("⚠️ Wyślij treść ogłoszenia albo zdjęcie lub dokument z podpisem.")
    assert "📣 Nowe ogłoszenie" in coordinator.last.text
    assert await app.services.broadcasts.get(1) is None  # nothing refused became a draft
    await coordinator.send("Krótko 👋")
    assert coordinator.last.text.startswith("📝 Szkic ogłoszenia nr 1")


async def test_urgent_broadcast_ignores_quiet_hours_and_is_logged(settings, double, caplog):
    now = [datetime(2026, 3, 10, 22, 0, tzinfo=UTC)]  # 23:00 in Warsaw
    app = build_application(settings, double, clock=lambda: now[0])
    async with running(app, double):
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia")
        volunteer = double.user(user_id=3020)
        await volunteer.send("/start")
        await compose(coordinator, "Jutrzejsze szkolenie odwołane z powodu burzy.")
        assert "2 z nich mają teraz godziny ciszy" in coordinator.last.text  # with the coordinator
        await coordinator.tap("⚡ Pilne: nie")
        assert "⚡ Pilne: tak (wychodzi od razu" in coordinator.last.text
        await coordinator.tap("🚀 Wyślij teraz")
        assert "wyjdzie także w godzinach ciszy" in coordinator.last.text
        with caplog.at_level(logging.WARNING):
            await coordinator.tap("✅ Tak, wyślij")
            await app.broadcast_sender.wait_idle()
        assert volunteer.last.text.startswith("❗ Pilne\n\nJutrzejsze szkolenie odwołane")
        assert any("URGENT broadcast 1" in r.getMessage() for r in caplog.records)


async def test_quiet_hours_defer_until_the_morning(settings, double):
    now = [datetime(2026, 3, 10, 21, 30, tzinfo=UTC)]  # 22:30 in Warsaw
    app = build_application(settings, double, clock=lambda: now[0])
    async with running(app, double):
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia")
        night_owl = double.user(user_id=3031)
        sleeper = double.user(user_id=3030)
        for chat in (night_owl, sleeper):
            await chat.send("/start")
        await night_owl.send("/powiadomienia")
        await night_owl.tap("🌙 Godziny ciszy: 21:00–08:00")
        await night_owl.tap("Bez godzin ciszy")
        await compose(coordinator, "Nowe materiały w bibliotece.")
        await coordinator.tap("🚀 Wyślij teraz")
        await coordinator.tap("✅ Tak, wyślij")
        await app.broadcast_sender.wait_idle()
        assert received(night_owl, "Nowe materiały") and not received(sleeper, "Nowe materiały")
        deliveries = await app.services.broadcasts.deliveries(1)
        assert deliveries[3030] == DeliveryState.PENDING
        progress = await app.services.broadcasts.progress(1, now[0])
        assert progress.later == 2  # the sleeper and the coordinator, also in quiet hours
        status = [m for m in coordinator.messages if m.text.startswith("📣 Ogłoszenie nr 1")][-1]
        assert "2 osoby dostaną je po godzinach ciszy (od 11.03 08:00)." in status.text

        now[0] = datetime(2026, 3, 11, 7, 0, tzinfo=UTC)  # 08:00 in Warsaw
        app.broadcast_sender.wake()
        await app.broadcast_sender.wait_idle()
        assert received(sleeper, "Nowe materiały")
        assert (await app.services.broadcasts.get(1)).status == BroadcastStatus.DONE


async def test_category_turned_off_is_respected(app, double, coordinator):
    volunteer = double.user(user_id=3040)
    await volunteer.send("/powiadomienia")
    assert volunteer.last.text.startswith("🔔 Powiadomienia")
    await volunteer.tap("✅ 🤝 Spotkania koalicji")
    assert "▫️ 🤝 Spotkania koalicji" in volunteer.last.buttons
    await compose(coordinator, "Spotkanie koalicji w czwartek.")
    await coordinator.tap("🏷 Kategoria")
    await coordinator.tap("🤝 Spotkania koalicji")
    assert "1 osoba wyłączyła tę kategorię i go nie dostanie." in coordinator.last.text
    await coordinator.tap("🚀 Wyślij teraz")
    await coordinator.tap("✅ Tak, wyślij")
    await app.broadcast_sender.wait_idle()
    assert not received(volunteer, "Spotkanie koalicji w czwartek")
    assert "Liczba osób, które wyłączyły tę kategorię: 1." in coordinator.last.text


async def test_typed_quiet_hours_and_bad_input(app, double):
    volunteer = double.user(user_id=3050)
    await volunteer.send("/powiadomienia")
    await volunteer.tap("🌙 Godziny ciszy: 21:00–08:00")
    await volunteer.tap("⌨️ Inne godziny…")
    await volunteer.send("wieczorem")
    assert volunteer.last.text.startswith("⚠️ Nie rozpoznaję tu zakresu godzin.")
    await volunteer.send("22:30-6:45")
    assert "Godziny ciszy: 22:30–06:45." in volunteer.last.text
    assert volunteer.last.text.startswith("Zapisano.")
    await volunteer.press(volunteer.last.message_id, "np:qs:1:2")  # forged preset
    assert volunteer.alerts[-1].startswith("Ten przycisk jest już nieaktualny")


async def test_volunteers_cannot_compose_confirm_or_cancel(app, double, coordinator):
    volunteer = double.user(user_id=3060)
    await volunteer.send("/ogloszenie")
    assert volunteer.last.text == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await volunteer.send("/ogloszenia")
    assert volunteer.last.text == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await compose(coordinator, "Tylko dla ekspertów.")
    draft_id = 1
    message = volunteer.last.message_id
    for data in (
        f"bc:go:{draft_id}",
        f"bca:{draft_id}:g:on:everyone",
        f"bcu:{draft_id}:on",
        f"bc:d:{draft_id}",
        "bc:new",
    ):
        await volunteer.press(message, data)
        assert volunteer.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    draft = await app.services.broadcasts.get(draft_id)
    assert draft.status == BroadcastStatus.DRAFT and not draft.urgent
    # Another coordinator cannot send someone else's draft either.
    other = double.user(user_id=9001, first_name="Marek")  # the admin
    await other.send("/start")
    await other.press(other.last.message_id, f"bc:go:{draft_id}")
    assert other.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    assert (await app.services.broadcasts.get(draft_id)).status == BroadcastStatus.DRAFT
    # Scheduled, then a forged cancel from a volunteer, then a real one.
    await coordinator.tap("🕒 Zaplanuj")
    await coordinator.send("24.12.2026 18:00")
    await coordinator.tap("✅ Tak, zaplanuj")
    assert (await app.services.broadcasts.get(draft_id)).status == BroadcastStatus.SCHEDULED
    await volunteer.press(message, f"bc:xy:{draft_id}")
    assert volunteer.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    assert (await app.services.broadcasts.get(draft_id)).status == BroadcastStatus.SCHEDULED
    await coordinator.press(coordinator.last.message_id, "bc:xy:oops")
    assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    await coordinator.send("/ogloszenia")
    await coordinator.tap(coordinator.last.buttons[0])
    await coordinator.tap("✖️ Anuluj ogłoszenie")
    await coordinator.tap("✖️ Tak, anuluj")
    assert coordinator.last.text == "✖️ Ogłoszenie nr 1 anulowane."
    assert (await app.services.broadcasts.get(draft_id)).status == BroadcastStatus.CANCELLED
    await coordinator.press(coordinator.last.message_id, f"bc:xy:{draft_id}")
    assert coordinator.alerts[-1] == "To ogłoszenie zostało już zakończone."


async def test_a_double_confirmation_sends_once(app, double, coordinator):
    volunteer = double.user(user_id=3070)
    await volunteer.send("/start")
    await compose(coordinator, "Raz i tylko raz.")
    await coordinator.tap("🚀 Wyślij teraz")
    confirm = coordinator.last.message_id
    await coordinator.press(confirm, "bc:go:1")
    await coordinator.press(confirm, "bc:go:1")
    await app.broadcast_sender.wait_idle()
    assert len(received(volunteer, "Raz i tylko raz.")) == 1
    assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny")


async def test_scheduled_broadcast_survives_a_restart(settings, double):
    now = [datetime(2026, 3, 10, 11, 0, tzinfo=UTC)]
    app = build_application(settings, double, clock=lambda: now[0])
    async with running(app, double):
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia")
        volunteer = double.user(user_id=3080)
        await volunteer.send("/start")
        await compose(coordinator, "Przypominamy o jutrzejszym szkoleniu.")
        await coordinator.tap("🕒 Zaplanuj")
        await coordinator.send("jutro rano")
        assert coordinator.last.text.startswith("⚠️ Nie rozpoznaję tu daty i godziny.")
        await coordinator.send("1.03.2026 9:00")
        assert coordinator.last.text.startswith("⚠️ Ta chwila już minęła.")
        await coordinator.send("11.03 9:00")
        assert coordinator.last.text.startswith("Zaplanować ogłoszenie nr 1 na jutro, 11 marca 2026, 09:00?")
        await coordinator.tap("✅ Tak, zaplanuj")
        assert coordinator.last.text.startswith("🕒 Ogłoszenie nr 1 wyjdzie jutro, 11 marca 2026, 09:00.")
        from bot.jobs.broadcasts import start_due_broadcasts

        assert await start_due_broadcasts(app) == 0
    # The bot is down over night; a new process starts after the time has come.
    now[0] = datetime(2026, 3, 11, 8, 5, tzinfo=UTC)  # 09:05 in Warsaw
    restarted = build_application(settings, double, clock=lambda: now[0])
    async with running(restarted, double):
        from bot.jobs.broadcasts import start_due_broadcasts

        assert await start_due_broadcasts(restarted) == 1
        await restarted.broadcast_sender.wait_idle()
        assert received(volunteer, "Przypominamy o jutrzejszym szkoleniu.")
        assert await start_due_broadcasts(restarted) == 0
        assert (await restarted.services.broadcasts.get(1)).status == BroadcastStatus.DONE


async def test_recipients_are_counted_when_nobody_matches(app, double, coordinator):
    await person(app.services, 3090)
    await compose(coordinator, "Dla nikogo.")
    await coordinator.tap("👥 Odbiorcy")
    await coordinator.tap("▫️ Osoby z aktywnym porozumieniem wolontariackim")
    assert "Odbiorcy: 0 osób" in coordinator.last.text
    await coordinator.tap("« Wróć do szkicu")
    await coordinator.tap("🚀 Wyślij teraz")
    assert coordinator.alerts[-1] == "Tego ogłoszenia nikt by nie dostał. Wybierz innych odbiorców."


async def test_menus_lead_to_announcements_and_notifications(app, double, coordinator):
    await coordinator.send("/koordynator")
    await coordinator.tap("📣 Ogłoszenia")
    assert coordinator.last.text.startswith("📣 Ogłoszenia\nJeszcze nie ma żadnych.")
    await coordinator.tap("✍️ Nowe ogłoszenie")
    assert coordinator.last.text.startswith("📣 Nowe ogłoszenie")
    volunteer = double.user(user_id=3100, language_code="uk")
    await volunteer.send("/start")
    await volunteer.tap("🔔 Сповіщення")
    assert volunteer.last.text.startswith("🔔 Сповіщення")
    assert "Години тиші: 21:00–08:00." in volunteer.last.text
    await volunteer.tap("« Головне меню")


# ---- the flows: bad input, presses delivered twice, leaving, restarts ----------------------------
async def test_ticks_and_urgent_set_a_state_so_a_press_delivered_twice_changes_nothing(app, double, coordinator):
    await applicant(app.services, 3201, Status.ACCEPTED, "lublin", ["grants"])
    await compose(coordinator, "Dwa razy to samo.")
    panel = coordinator.last
    urgent = panel.button("⚡ Pilne: nie").callback_data
    await coordinator.press(panel.message_id, urgent)
    await coordinator.press(panel.message_id, urgent)  # delivered again: still urgent
    assert (await app.services.broadcasts.get(1)).urgent
    await coordinator.tap("👥 Odbiorcy")
    screen = coordinator.last
    experts = screen.button("▫️ Osoby przyjęte do zespołu").callback_data
    await coordinator.press(screen.message_id, experts)
    await coordinator.press(screen.message_id, experts)  # delivered again: still ticked
    assert "✅ Osoby przyjęte do zespołu" in coordinator.last.buttons
    assert (await app.services.broadcasts.get(1)).audience.groups == {"experts"}
    await coordinator.tap("📍 Powiaty (0)")
    picker = coordinator.last
    lublin = picker.button("▫️ Lublin").callback_data
    for _ in range(2):
        await coordinator.press(picker.message_id, lublin)
    assert (await app.services.broadcasts.get(1)).audience.counties == {"lublin"}
    # Toggles of earlier releases cannot be told apart from a repeat: they are refused, not applied.
    for data in ("bc:g:1:experts", "bc:urg:1", "bc:c:1:lublin"):
        await coordinator.press(picker.message_id, data)
        assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    draft = await app.services.broadcasts.get(1)
    assert draft.urgent and draft.audience.groups == {"experts"} and draft.audience.counties == {"lublin"}
    # A county or event that does not exist is refused too.
    await coordinator.press(picker.message_id, "bca:1:c:on:atlantyda")
    await coordinator.press(picker.message_id, "bca:1:e:on:999")
    assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    assert (await app.services.broadcasts.get(1)).audience.counties == {"lublin"}


async def test_draft_buttons_after_sending_change_nothing(app, double, coordinator):
    await person(app.services, 3210)
    await compose(coordinator, "Już poszło.")
    panel = coordinator.last
    await coordinator.tap("🚀 Wyślij teraz")
    await coordinator.tap("✅ Tak, wyślij")
    await app.broadcast_sender.wait_idle()
    for label in ("⚡ Pilne: nie", "🗑 Usuń szkic", "✏️ Zmień treść", "🕒 Zaplanuj"):
        await coordinator.press(panel.message_id, panel.button(label).callback_data)
        assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    sent = await app.services.broadcasts.get(1)
    assert sent.status == BroadcastStatus.DONE and not sent.urgent
    state = await app.services.sessions.load(coordinator.id)
    assert state.flow is None  # "change the text" did not open the composer for a sent announcement


async def test_text_after_leaving_the_composer_makes_no_draft(app, double, coordinator):
    await coordinator.send("/ogloszenie")
    await coordinator.send("/ogloszenia")  # a command in the middle: the composer ends
    await coordinator.send("To miało być ogłoszenie.")
    assert coordinator.last.text.startswith("Tej wiadomości nie rozumiem")
    assert await app.services.broadcasts.recent(10) == []


async def test_a_command_while_typing_the_time_schedules_nothing(app, double, coordinator):
    await compose(coordinator, "Na później.")
    await coordinator.tap("🕒 Zaplanuj")
    await coordinator.send_sticker()  # not a date: asked again
    assert coordinator.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    await coordinator.send("/jezyk")  # another flow takes over
    await coordinator.send("24.12.2026 18:00")
    assert coordinator.last.text.startswith("⚠️ Nie znam takiego języka.")
    await coordinator.send("/anuluj")
    await coordinator.send("24.12.2026 18:00")
    assert coordinator.last.text.startswith("Tej wiadomości nie rozumiem")
    assert not [m for m in coordinator.messages if m.text.startswith("Zaplanować ogłoszenie")]
    assert (await app.services.broadcasts.get(1)).status == BroadcastStatus.DRAFT
    # A button of another screen also ends the question.
    await coordinator.tap("🕒 Zaplanuj")
    await coordinator.press(coordinator.messages[-2].message_id, "bc:aud:1")
    await coordinator.send("24.12.2026 18:00")
    assert coordinator.last.text.startswith("Tej wiadomości nie rozumiem")


async def test_the_composer_and_the_time_continue_after_a_restart(settings, double):
    now = [T0]
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia")
        await person(app.services, 3220)
        await coordinator.send("/ogloszenie")
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await coordinator.send("Po restarcie.")  # answers the question asked before the restart
        assert coordinator.last.text.startswith("📝 Szkic ogłoszenia nr 1")
        assert (await app.services.broadcasts.get(1)).body_html == "Po restarcie."
        await tick_everyone(coordinator)
        await coordinator.tap("🕒 Zaplanuj")
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await coordinator.send("11.03 9:00")
        assert coordinator.last.text.startswith("Zaplanować ogłoszenie nr 1 na jutro, 11 marca 2026, 09:00?")
        await coordinator.tap("✅ Tak, zaplanuj")
        assert (await app.services.broadcasts.get(1)).status == BroadcastStatus.SCHEDULED
        await coordinator.press(coordinator.last.message_id, "bc:sgo:1:" + str(int(T0.timestamp()) + 86_400))
        assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny")  # pressed again: once


async def test_another_coordinator_cannot_open_or_type_into_someone_elses_draft(app, double, coordinator):
    await compose(coordinator, "Mój szkic.", to_everyone=False)
    other = double.user(user_id=9001, first_name="Marek")  # the admin
    await other.send("/start")
    for data in ("bc:edit:1", "bc:sch:1", "bcu:1:on", "bca:1:g:on:experts"):
        await other.press(other.last.message_id, data)
        assert other.alerts[-1].startswith("Ten przycisk jest już nieaktualny")
    assert (await app.services.sessions.load(other.id)).flow is None
    draft = await app.services.broadcasts.get(1)
    assert draft.body_html == "Mój szkic." and not draft.urgent and not draft.audience.groups
