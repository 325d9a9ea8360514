"""Stage two, requests for support: a contact of a verified organisation asks for help, coordinators
approve, decline, ask or correct, the contact follows and withdraws. A contact never sees another
organisation's requests, forged buttons included; bad input gets a clear answer and changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.agreement_facts import today
from bot.buttons.organisations import OrgMine, RequestList, RequestMine, RequestMineList, RequestReview
from storage import privacy
from storage.organisations import Refused
from storage.support_requests import RequestStatus
from tests.conftest import COORDINATOR_ID
from tests.test_organisations import organisation_of, register_organisation

STALE = "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."


def _date(app, days: int) -> str:
    return (today(app.services) + timedelta(days=days)).strftime("%d.%m.%Y")


async def verified_organisation(app, chat, **names):
    await register_organisation(chat, **names)
    organisation = await organisation_of(app, chat)
    await app.services.organisations.verify(organisation.id, COORDINATOR_ID)
    return organisation


async def stored_request(app, organisation, chat, hours=8):
    contact = await app.services.organisations.contact(organisation.id, chat.id)
    start = today(app.services) + timedelta(days=10)
    answers = {
        "kind": "workshop",
        "competences": ["participatory_budget"],
        "county": "lubartowski",
        "mode": "on_site",
        "date_from": start.isoformat(),
        "date_to": (start + timedelta(days=20)).isoformat(),
        "hours": hours,
        "description": "Warsztat o budżecie obywatelskim dla mieszkańców gminy.",
    }
    return await app.services.support_requests.send(organisation.id, contact.id, chat.id, answers)


async def test_a_contact_asks_for_support_and_the_coordinator_approves(app, double, coordinator):
    ola = double.user(user_id=5201, first_name="Ola", language_code="pl")
    await verified_organisation(app, ola)
    await coordinator.send("/start")
    await ola.send("/start")
    await ola.tap("🏢 Moja organizacja")
    await ola.tap("🙋 Poproś o wsparcie")
    assert "Jakiego wsparcia potrzebujecie?" in ola.last.text
    assert ola.last.buttons[:5] == [
        "Konsultacja",
        "Warsztat",
        "Spotkanie lokalne",
        "Pomoc we wniosku (grant, budżet obywatelski, fundusz sołecki)",
        "Techniki partycypacji",
    ]
    await ola.tap("Warsztat")
    await ola.tap("▫️ Budżet obywatelski")
    await ola.tap("Gotowe »")
    await ola.tap("lubartowski")
    await ola.tap("Na miejscu")
    await ola.send(_date(app, -1))
    assert "Ta data już minęła" in ola.last.text
    await ola.send(_date(app, 400))
    assert "Ta data jest zbyt odległa: najpóźniej za 365 dni." in ola.last.text
    await ola.send("31.02.2027")
    assert "Taka data nie istnieje" in ola.last.text
    await ola.send(_date(app, 10))
    await ola.send(_date(app, 5))
    assert "Data zakończenia nie może być wcześniejsza niż data rozpoczęcia" in ola.last.text
    await ola.send(_date(app, 30))
    await ola.send("500")
    assert "od 1 do 200" in ola.last.text
    await ola.send("8")
    await ola.send("Warsztat o budżecie obywatelskim dla mieszkańców gminy.")
    summary = ola.last.text
    assert "Sprawdź swoją prośbę o wsparcie" in summary and "Rodzaj wsparcia: Warsztat" in summary
    assert "Potrzebne kompetencje: Budżet obywatelski" in summary and "Przewidywane godziny: 8" in summary
    await ola.tap("📨 Wyślij prośbę")
    assert "wysłana" in ola.last.text

    organisation = await organisation_of(app, ola)
    (request,) = await app.services.support_requests.of_organisation(organisation.id, 10)
    assert request.status == RequestStatus.SUBMITTED and request.answers["hours"] == 8
    assert "Nowa prośba o wsparcie nr" in coordinator.last.text
    await coordinator.tap("Otwórz")
    card = coordinator.last.text
    assert "Prośba o wsparcie nr" in card and "Organizacja: Stowarzyszenie Razem dla Wsi" in card
    assert "Forma: Na miejscu" in card
    await coordinator.tap("🏢 Organizacja")  # the organisation's card lists its latest requests
    assert any(b.startswith(f"🤝 nr {request.id} Warsztat") for b in coordinator.last.buttons)
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("🤝 nr ")))
    await coordinator.tap("✅ Zatwierdź")
    await coordinator.tap("✅ Tak, zatwierdź")
    assert f"Prośba nr {request.id} zatwierdzona" in coordinator.last.text
    assert "została zatwierdzona" in ola.last.text

    await ola.tap("Otwórz")
    assert "zatwierdzona" in ola.last.text
    await ola.tap("« Nasze prośby")
    assert ola.last.buttons[0].startswith(f"✅ nr {request.id} Warsztat")
    actions = [r["action"] for r in await app.services.db.fetch_all("SELECT action FROM audit_log ORDER BY id")]
    assert "support_request.sent" in actions and "support_request.approved" in actions


async def test_the_coordinator_asks_the_contact_answers_then_declines_with_a_reason(app, double, coordinator):
    ola = double.user(user_id=5202, first_name="Ola", language_code="pl")
    organisation = await verified_organisation(app, ola)
    request = await stored_request(app, organisation, ola)
    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, RequestReview(act="o", ref=request.id).pack())
    await coordinator.tap("❓ Poproś o uzupełnienie")
    await coordinator.send("Ile osób weźmie udział w warsztacie?")
    assert "Ile osób weźmie udział" in ola.last.text
    await ola.tap("✍️ Odpowiedz na pytanie")
    await ola.send("Około dwudziestu.")
    assert "Około dwudziestu." in coordinator.last.text
    assert (await app.services.support_requests.get(request.id)).status == RequestStatus.SUBMITTED
    await coordinator.tap("Otwórz")
    await coordinator.tap("❌ Odrzuć")
    await coordinator.send("W tym terminie nikt z zespołu nie jest dostępny.")
    assert f"Prośba nr {request.id} odrzucona" in coordinator.last.text
    assert "nie możemy zrealizować prośby" in ola.last.text and "nikt z zespołu" in ola.last.text
    await ola.tap("Otwórz")
    assert "odrzucona" in ola.last.text and "↩️ Wycofaj prośbę" not in ola.last.buttons


async def test_the_coordinator_corrects_an_answer_and_the_organisation_is_told(app, double, coordinator):
    ola = double.user(user_id=5203, first_name="Ola", language_code="pl")
    organisation = await verified_organisation(app, ola)
    request = await stored_request(app, organisation, ola)
    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, RequestReview(act="o", ref=request.id).pack())
    await coordinator.tap("✏️ Popraw odpowiedź")
    await coordinator.tap("✏️ Przewidywane godziny")
    await coordinator.send("dużo")
    assert "Wpisz liczbę całkowitą" in coordinator.last.text
    await coordinator.send("12")
    assert "Przewidywane godziny: 8 → 12" in coordinator.last.text
    assert "poprawiła Twoją prośbę" in ola.last.text and "8 → 12" in ola.last.text
    stored = await app.services.support_requests.get(request.id)
    assert stored.answers["hours"] == 12
    row = await app.services.db.fetch_one("SELECT hours FROM support_requests WHERE id = ?", (request.id,))
    assert row["hours"] == 12


async def test_a_contact_withdraws_a_request_and_a_late_approval_is_refused(app, double, coordinator):
    ola = double.user(user_id=5204, first_name="Ola", language_code="pl")
    organisation = await verified_organisation(app, ola)
    request = await stored_request(app, organisation, ola)
    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, RequestReview(act="o", ref=request.id).pack())
    await coordinator.tap("✅ Zatwierdź")  # the confirmation is on screen when the contact withdraws
    await ola.send("/start")
    await ola.press(ola.last.message_id, RequestMineList(org=organisation.id).pack())
    await ola.tap(ola.last.buttons[0])
    await ola.tap("↩️ Wycofaj prośbę")
    await ola.tap("Tak, wycofaj")
    assert "wycofana przez organizację" in ola.last.text
    assert f"Organizacja wycofała prośbę o wsparcie nr {request.id}" in coordinator.last.text
    await coordinator.press(coordinator.last.message_id, RequestReview(act="ay", ref=request.id).pack())
    assert coordinator.alerts[-1].startswith(f"Prośba nr {request.id} została już rozpatrzona")
    assert (await app.services.support_requests.get(request.id)).status == RequestStatus.WITHDRAWN


async def test_a_contact_never_sees_another_organisations_requests(app, double, coordinator):
    ola = double.user(user_id=5205, first_name="Ola", language_code="pl")
    organisation = await verified_organisation(app, ola)
    request = await stored_request(app, organisation, ola)
    ewa = double.user(user_id=5206, first_name="Ewa", language_code="pl")
    other = await verified_organisation(app, ewa, name="Szkoła Podstawowa w Wólce", contact="Ewa Lis")
    await stored_request(app, other, ewa)
    await ewa.send("/start")
    forged = [
        RequestMineList(org=organisation.id),
        RequestMine(act="o", ref=request.id),
        RequestMine(act="w", ref=request.id),
        RequestMine(act="wy", ref=request.id),
        RequestMine(act="ans", ref=request.id),
        OrgMine(act="new", org=organisation.id),
    ]
    for button in forged:
        await ewa.press(ewa.last.message_id, button.pack())
        assert ewa.alerts[-1] == STALE
    assert "Warsztat" not in ewa.last.text
    await ewa.press(ewa.last.message_id, RequestReview(act="o", ref=request.id).pack())
    assert ewa.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    assert (await app.services.support_requests.get(request.id)).status == RequestStatus.SUBMITTED
    # Her own organisation's list shows hers only.
    await ewa.press(ewa.last.message_id, RequestMineList(org=other.id).pack())
    assert len([b for b in ewa.last.buttons if b.startswith("🕓 nr ")]) == 1


async def test_only_a_verified_organisation_asks_for_support(app, double, coordinator):
    ola = double.user(user_id=5207, first_name="Ola", language_code="pl")
    await register_organisation(ola)
    organisation = await organisation_of(app, ola)
    await ola.send("/start")
    await ola.tap("🏢 Moja organizacja")
    assert "🙋 Poproś o wsparcie" not in ola.last.buttons
    await ola.press(ola.last.message_id, OrgMine(act="new", org=organisation.id).pack())
    assert ola.alerts[-1] == "Prośby o wsparcie można wysyłać po weryfikacji organizacji."
    assert await app.services.support_requests.of_organisation(organisation.id, 10) == []


async def test_the_coordinators_list_pages_by_key(app, double, coordinator):
    ola = double.user(user_id=5208, first_name="Ola", language_code="pl")
    organisation = await verified_organisation(app, ola)
    made = [await stored_request(app, organisation, ola) for _ in range(10)]
    await coordinator.send("/koordynator")
    await coordinator.tap("🤝 Prośby o wsparcie")
    assert coordinator.last.buttons[0] == "Nowe (10)"
    await coordinator.tap("Nowe (10)")
    first = [b for b in coordinator.last.buttons if b.startswith("nr ")]
    assert len(first) == 8 and first[0].startswith(f"nr {made[0].id} Warsztat")
    await coordinator.tap("Następne »")
    rest = [b for b in coordinator.last.buttons if b.startswith("nr ")]
    assert [b.split()[1] for b in rest] == [str(made[8].id), str(made[9].id)]
    await coordinator.tap("« Poprzednie")
    assert [b for b in coordinator.last.buttons if b.startswith("nr ")] == first
    await coordinator.press(coordinator.last.message_id, RequestList(status="submitted", after=999_999).pack())
    assert [b for b in coordinator.last.buttons if b.startswith("nr ")] == first  # a forged place: the first page


# ---- the rules in storage, without Telegram -----------------------------------------------------------
async def test_storage_each_change_starts_from_the_states_it_names(app, double):
    ola = double.user(user_id=5290, first_name="Ola", language_code="pl")
    organisation = await verified_organisation(app, ola)
    request = await stored_request(app, organisation, ola)
    repo = app.services.support_requests
    await repo.ask(request.id, COORDINATOR_ID, "Kiedy?")
    with pytest.raises(Refused) as refused:
        await repo.ask(request.id, COORDINATOR_ID, "Jeszcze raz?")  # asked already: waiting for the answer
    assert refused.value.status == "needs_info"
    await repo.withdraw(request.id, ola.id)
    for change in (
        repo.approve(request.id, COORDINATOR_ID),
        repo.decline(request.id, COORDINATOR_ID, "Nie."),
        repo.answer(request.id, ola.id, "Jutro."),
        repo.edit(request.id, COORDINATOR_ID, "hours", 3, 8),
    ):
        with pytest.raises(Refused):
            await change
    assert [h.action for h in await repo.history(request.id)] == ["sent", "info_requested", "withdrawn"]
    # The person who asked erases their data: the request is the organisation's and stays.
    await privacy.erase(app.services.db, ola.id)
    kept = await repo.get(request.id)
    assert kept is not None and kept.contact_id is None
