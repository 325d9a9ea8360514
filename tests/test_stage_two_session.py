"""Stage two in one session, as a coordinator, an organisation's contact person and an expert live
it: a request approved, the expert matched, invited and assigned through the bot, the work logged
and confirmed by the organisation, the hours in "Moje godziny", the request closed and rated."""

from __future__ import annotations

from bot.buttons.organisations import RequestReview
from bot.buttons.work_logs import WorkCard
from tests.test_matching import _approved, expert
from tests.test_work_logs import log_work


async def test_from_a_request_to_confirmed_hours_and_feedback(app, double, coordinator):
    s = app.services
    ola, request = await _approved(app, double)
    await expert(s, 7101, "lubartowski", ["participatory_budget"])
    jan = double.user(user_id=7101, first_name="Jan")

    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, RequestReview(act="o", ref=request.id).pack())
    await coordinator.tap("🔎 Dobierz osoby eksperckie")
    await coordinator.tap("✉️ Zaproś 1. Ekspertka 7101")
    await jan.tap("✅ Biorę to")
    await coordinator.tap("📋 Zaproszenia i odpowiedzi")
    await coordinator.tap("🤝 Przydziel: Ekspertka 7101")
    await coordinator.tap("🤝 Tak, przydziel")
    assert (await s.support_requests.get(request.id)).status == "assigned"

    await jan.send("/start")
    await log_work(jan, hours="2,5")
    await jan.tap("Pomiń »")
    await jan.tap("📨 Wyślij do potwierdzenia")
    assert "Prosimy o potwierdzenie pracy" in ola.last.text and "Godziny: 2,5 h" in ola.last.text
    await ola.tap("✅ Potwierdzam")
    assert "potwierdzona" in jan.last.text
    assert await s.hours.total(7101) == 2.5  # only now it counts

    await jan.send("/start")
    await jan.tap("⏱ Moje godziny")
    assert "2,5" in jan.last.text

    await coordinator.press(coordinator.last.message_id, WorkCard(act="cy", ref=request.id).pack())
    assert (await s.support_requests.get(request.id)).status == "done"
    await jan.tap("⭐ Oceń współpracę")
    await jan.tap("5 ⭐")
    await jan.tap("Pomiń »")
    await ola.tap("⭐ Oceń współpracę")
    await ola.tap("4 ⭐")
    await ola.send("Konkretnie i na czas.")
    await coordinator.press(coordinator.last.message_id, WorkCard(act="o", ref=request.id).pack())
    card = coordinator.last.text
    assert "★★★★★ 5/5" in card and "★★★★ 4/5" in card and "Konkretnie i na czas." in card
    actions = {e.action for e in await s.audit.all()}
    assert {"matching.invited", "matching.assigned", "work_log.logged"} <= actions
