"""A coordinator's drafts: nobody is chosen until the coordinator chooses, drafts are listed in
/ogloszenia with the start of their text, discarding one asks first, and composing one sends no
more messages than Telegram lets a chat receive at once."""

from __future__ import annotations

from bot.double import FloodControl
from storage.broadcasts import BroadcastStatus
from tests.broadcast_helpers import person
from tests.test_broadcasts import compose, tick_everyone


async def test_nobody_is_chosen_until_the_coordinator_chooses(app, double, coordinator):
    await person(app.services, 3401)
    await compose(coordinator, "Dla kogo?", to_everyone=False)
    assert "Kto: nikogo jeszcze nie wybrano (👥 Odbiorcy)" in coordinator.last.text
    assert "Odbiorcy: 0 osób" in coordinator.last.text
    for label in ("🚀 Wyślij teraz", "🕒 Zaplanuj"):
        await coordinator.tap(label)
        assert coordinator.alerts[-1] == "Najpierw wybierz odbiorców (👥 Odbiorcy)."
    assert (await app.services.sessions.load(coordinator.id)).flow is None  # no date asked for
    await coordinator.press(coordinator.last.message_id, "bc:go:1")  # a forged "yes, send"
    assert coordinator.alerts[-1] == "Najpierw wybierz odbiorców (👥 Odbiorcy)."
    assert (await app.services.broadcasts.get(1)).status == BroadcastStatus.DRAFT

    # Unticking the last group leaves nobody chosen, not everyone.
    await coordinator.tap("👥 Odbiorcy")
    await coordinator.tap(coordinator.last.buttons[1])  # the accepted ones (its label is being reworded)
    assert "Odbiorcy: 0 osób" in coordinator.last.text  # nobody accepted yet
    await coordinator.tap(coordinator.last.buttons[1])  # unticked again
    assert "Kto: nikogo jeszcze nie wybrano" in coordinator.last.text
    await coordinator.tap("▫️ Wszyscy, którzy pisali do bota")
    assert "Odbiorcy: 2 osoby" in coordinator.last.text  # the volunteer and the coordinator
    await coordinator.tap("✅ Wszyscy, którzy pisali do bota")
    assert "Kto: nikogo jeszcze nie wybrano" in coordinator.last.text
    assert "Odbiorcy: 0 osób" in coordinator.last.text


async def test_drafts_are_listed_and_discarding_one_asks_first(app, double, coordinator):
    await compose(coordinator, "Zapraszamy na szkolenie z budżetu obywatelskiego w Lublinie i okolicach!")
    await compose(coordinator, "Drugi szkic")
    other = double.user(user_id=9001, first_name="Marek")  # the admin, a coordinator too
    await other.send("/ogloszenie")
    await other.send("Szkic kogoś innego")
    await coordinator.send("/ogloszenia")
    assert coordinator.last.buttons[:2] == [
        "📝 #2 · Drugi szkic",
        "📝 #1 · Zapraszamy na szkolenie z budżetu obywa…",
    ]
    assert not any("kogoś innego" in b for b in coordinator.last.buttons)
    await coordinator.tap("📝 #1 · Zapraszamy na szkolenie z budżetu obywa…")
    assert coordinator.last.text.startswith("📝 Szkic ogłoszenia nr 1")
    await coordinator.tap("🗑 Usuń szkic")
    assert coordinator.last.text.startswith("Usunąć szkic nr 1 („Zapraszamy na szkolenie")
    assert coordinator.last.buttons == ["🗑 Tak, usuń", "« Wstecz"]
    assert await app.services.broadcasts.get(1) is not None  # nothing deleted yet
    await coordinator.tap("« Wstecz")
    assert coordinator.last.text.startswith("📝 Szkic ogłoszenia nr 1")
    await coordinator.tap("🗑 Usuń szkic")
    await coordinator.tap("🗑 Tak, usuń")
    assert coordinator.last.text.startswith("🗑 Szkic nr 1 usunięty.")
    assert await app.services.broadcasts.get(1) is None
    await coordinator.tap("📣 Ogłoszenia")
    assert coordinator.last.buttons[0] == "📝 #2 · Drugi szkic" and "📝 #1" not in str(coordinator.last.buttons)
    await coordinator.send("/ogloszenie")
    await coordinator.send_photo(b"PHOTO", caption=None, caption_entities=None)  # a photo without a caption
    await coordinator.send("/ogloszenia")
    assert coordinator.last.buttons[0] == "📝 #4 · 🖼"


async def test_composing_edits_in_place_within_telegrams_per_chat_limit(app, double, coordinator):
    """Telegram lets a private chat receive about a message a second, with a short burst: the
    prompt, the preview and the panel fit it; a fourth message in the same moment would not."""
    clock = [0.0]
    double.flood_control = FloodControl(clock=lambda: clock[0])
    await coordinator.send("/ogloszenie")
    clock[0] += 2  # the coordinator types
    before = len(coordinator.messages)
    await coordinator.send("Krótko i na temat.")
    assert len(coordinator.messages) == before + 2  # the preview and the panel under it
    assert coordinator.messages[-2].text.startswith("Krótko i na temat.")
    assert coordinator.last.text.startswith("📝 Szkic ogłoszenia nr 1\n👆 Powyżej podgląd")
    clock[0] += 3  # reads it
    await tick_everyone(coordinator)
    panel = coordinator.last.message_id
    await coordinator.tap("👁 Podgląd")
    headed = next(m for m in coordinator.messages if m.message_id == panel)
    assert headed.text == "👁 Podgląd: odbiorcy zobaczą dokładnie to:" and not headed.buttons  # edited
    assert coordinator.messages[-2].text.startswith("Krótko i na temat.") and coordinator.last.buttons
    assert double.count_errors(429) == 0
