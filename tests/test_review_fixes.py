"""A coordinator puts right what went wrong on a sent application: an answer corrected with the
form's own question and validation, a decision taken by mistake undone with a reason. Both are
in the history and the audit log, and the volunteer is told what changed."""

from __future__ import annotations

from storage.agreements import State
from storage.applications import Action, Status
from tests.conftest import COORDINATOR_ID
from tests.test_review import open_from_notification, submitted_application


async def _audit(app) -> list[str]:
    rows = await app.services.db.fetch_all("SELECT action FROM audit_log ORDER BY id")
    return [r["action"] for r in rows]


async def _correct_county(coordinator, *actions) -> None:
    await coordinator.tap("✏️ Popraw odpowiedź")
    assert "Którą odpowiedź chcesz poprawić?" in coordinator.last.text
    assert "✏️ Ukończone 18 lat" not in coordinator.last.buttons  # a gate, not an answer to correct
    await coordinator.tap("✏️ Powiat")
    question = coordinator.last
    assert "poprawiasz: Powiat" in question.text and "W którym powiecie mieszkasz" in question.text
    assert "Krok" not in question.text
    assert "łukowski" in question.buttons and "« Wstecz" in question.buttons
    for action in actions:
        await (coordinator.tap(action) if action in coordinator.last.buttons else coordinator.send(action))


async def test_a_county_given_as_other_is_corrected_to_one_of_the_list(app, double, coordinator):
    volunteer = double.user(user_id=3301, first_name="Anna")
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await _correct_county(coordinator, "Inne…", "powiat warszawski zachodni")
    assert "Powiat: lubelski → " in coordinator.last.text
    await coordinator.tap("« Wróć do zgłoszenia")
    await _correct_county(coordinator, "łukowski")

    assert "Poprawiono w zgłoszeniu nr" in coordinator.last.text
    assert "Powiat: powiat warszawski zachodni → łukowski" in coordinator.last.text
    assert volunteer.last.text == (
        "✏️ Osoba koordynująca poprawiła odpowiedź w Twoim zgłoszeniu:\nPowiat: powiat warszawski zachodni → łukowski"
    )
    application = await app.services.applications.latest(volunteer.id)
    assert (await app.services.applications.answers(application.id))["county"] == "lukowski"
    history = await app.services.applications.history(application.id)
    assert history[-1].action == Action.FIXED and history[-1].actor_id == COORDINATOR_ID
    assert await _audit(app) == ["application.corrected", "application.corrected"]

    await coordinator.tap("« Wróć do zgłoszenia")
    assert "Powiat: łukowski" in coordinator.last.text
    assert (
        "odpowiedź poprawiona przez osobę koordynującą · Kasia\n    Powiat: powiat warszawski zachodni → łukowski"
        in (coordinator.last.text)
    )


async def test_a_typed_correction_gets_the_forms_validation(app, double, coordinator):
    volunteer = double.user(user_id=3302)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("✏️ Popraw odpowiedź")
    await coordinator.tap("✏️ E-mail")
    assert "twoja dotychczasowa odpowiedź: anna.kowalska@example.org" in coordinator.last.text.lower()
    assert coordinator.reply_keyboard == []  # no "share my phone" of the coordinator's own
    await coordinator.send("to nie jest adres")
    assert coordinator.last.text.startswith("⚠️")
    await coordinator.send("anna.nowa@example.org")
    assert "E-mail: Anna.Kowalska@example.org → anna.nowa@example.org".lower() in coordinator.last.text.lower()
    assert "→ anna.nowa@example.org" in volunteer.last.text
    application = await app.services.applications.latest(volunteer.id)
    assert (await app.services.applications.answers(application.id))["email"] == "anna.nowa@example.org"


async def test_the_same_answer_again_changes_nothing_and_cancel_stops(app, double, coordinator):
    volunteer = double.user(user_id=3303)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    before = len(volunteer.messages)
    await coordinator.tap("✏️ Popraw odpowiedź")
    await coordinator.tap("✏️ Imię i nazwisko")
    await coordinator.tap("Zostaw tę odpowiedź »")
    assert coordinator.last.text == "Nic się nie zmieniło: odpowiedź jest taka sama."
    await coordinator.tap("✏️ Popraw odpowiedź")
    await coordinator.tap("✏️ Imię i nazwisko")
    await coordinator.send("/anuluj")
    assert "Przerwano. Nic nie zostało zmienione." in coordinator.last.text
    assert len(volunteer.messages) == before
    application = await app.services.applications.latest(volunteer.id)
    assert [h.action for h in await app.services.applications.history(application.id)] == [Action.SUBMITTED]


async def test_a_rejection_by_mistake_is_undone_with_a_reason(app, double, coordinator):
    volunteer = double.user(user_id=3304)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    assert "↩️ Cofnij decyzję" not in coordinator.last.buttons  # nothing decided yet
    await coordinator.tap("❌ Nie przyjmuj")
    await coordinator.send("Brak miejsc.")
    application = await app.services.applications.latest(volunteer.id)
    await coordinator.send("/zgloszenia")
    await coordinator.tap("Nieprzyjęte (1)")
    await coordinator.tap(coordinator.last.buttons[0])
    await coordinator.tap("↩️ Cofnij decyzję")
    assert coordinator.last.text.startswith(f"Dlaczego cofasz decyzję w sprawie zgłoszenia nr {application.id}?")
    await coordinator.send("Pomyliłam zgłoszenia.")

    assert "została cofnięta: zgłoszenie jest znów wśród nowych" in coordinator.last.text
    assert "została cofnięta, bo zapadła przez pomyłkę" in volunteer.last.text
    assert "Wyjaśnienie: Pomyliłam zgłoszenia." in volunteer.last.text
    reopened = await app.services.applications.get(application.id)
    assert reopened.status == Status.SUBMITTED
    assert reopened.decided_at is None and reopened.decided_by is None and reopened.decision_note is None
    history = await app.services.applications.history(application.id)
    assert [h.action for h in history][-2:] == [Action.REJECTED, Action.REOPENED]
    assert history[-1].note == "Pomyliłam zgłoszenia."
    assert await _audit(app) == ["application.rejected", "application.decision_undone"]
    await coordinator.tap("« Wróć do zgłoszenia")
    assert coordinator.last.buttons[:2] == ["✅ Przyjmij", "❌ Nie przyjmuj"]


async def test_an_undo_is_refused_when_a_newer_application_is_in_progress(app, double, coordinator):
    volunteer = double.user(user_id=3305)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❌ Nie przyjmuj")
    await coordinator.send("Brak miejsc.")
    first = await app.services.applications.latest(volunteer.id)
    await app.services.applications.start_draft(volunteer.id, "full_name")  # applies anew
    await coordinator.send("/zgloszenia")
    await coordinator.tap("Nieprzyjęte (1)")
    await coordinator.tap(coordinator.last.buttons[0])
    await coordinator.tap("↩️ Cofnij decyzję")
    assert "Ta osoba ma już nowsze zgłoszenie" in coordinator.alerts[-1]
    assert (await app.services.applications.get(first.id)).status == Status.REJECTED


async def test_an_acceptance_undone_cancels_the_draft_agreement_but_not_an_offered_one(app, double, coordinator):
    volunteer = double.user(user_id=3306)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("✅ Przyjmij")
    await coordinator.tap("✅ Tak, przyjmij")
    (draft,) = await app.services.agreements.for_volunteer(volunteer.id)
    assert draft.state == State.DRAFT
    application = await app.services.applications.latest(volunteer.id)
    await coordinator.send("/zgloszenia")
    await coordinator.tap("Przyjęte (1)")
    await coordinator.tap(coordinator.last.buttons[0])
    await coordinator.tap("↩️ Cofnij decyzję")
    await coordinator.send("Przyjęte przez pomyłkę.")
    assert (await app.services.applications.get(application.id)).status == Status.SUBMITTED
    assert (await app.services.agreements.get(draft.id)).state == State.ENDED
    assert "została cofnięta" in volunteer.last.text


async def test_an_acceptance_with_an_offered_agreement_is_not_undone(app, double, coordinator):
    volunteer = double.user(user_id=3307)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("✅ Przyjmij")
    await coordinator.tap("✅ Tak, przyjmij")
    application = await app.services.applications.latest(volunteer.id)
    (draft,) = await app.services.agreements.for_volunteer(volunteer.id)
    await app.services.db.execute("UPDATE agreements SET state = 'offered' WHERE id = ?", (draft.id,))
    await coordinator.send("/zgloszenia")
    await coordinator.tap("Przyjęte (1)")
    await coordinator.tap(coordinator.last.buttons[0])
    await coordinator.tap("↩️ Cofnij decyzję")
    assert "Tej osobie zaproponowano już porozumienie" in coordinator.alerts[-1]
    assert (await app.services.applications.get(application.id)).status == Status.ACCEPTED


async def test_a_multiple_choice_answer_is_corrected_with_its_ticks(app, double, coordinator):
    volunteer = double.user(user_id=3308)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("✏️ Popraw odpowiedź")
    await coordinator.tap("✏️ Obszary kompetencji")
    assert "✅ Budżet obywatelski" in coordinator.last.buttons
    await coordinator.tap("✅ Fundusz sołecki")
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("Gotowe")))
    assert "Obszary kompetencji: Budżet obywatelski, Fundusz sołecki → Budżet obywatelski" in coordinator.last.text
    application = await app.services.applications.latest(volunteer.id)
    assert len((await app.services.applications.answers(application.id))["competences"]) == 1


async def test_a_coordinator_removed_while_correcting_changes_nothing(app, double, coordinator):
    volunteer = double.user(user_id=3309)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("✏️ Popraw odpowiedź")
    await coordinator.tap("✏️ Imię i nazwisko")
    await app.services.coordinators.remove(COORDINATOR_ID)
    await coordinator.send("Anna Nowak")
    assert "tylko dla osób koordynujących" in coordinator.last.text
    application = await app.services.applications.latest(volunteer.id)
    assert (await app.services.applications.answers(application.id))["full_name"] == "Anna Kowalska"


async def test_a_forged_undo_of_an_open_application_is_refused(app, double, coordinator):
    from bot.buttons.review import ReviewButton

    volunteer = double.user(user_id=3310)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    application = await app.services.applications.latest(volunteer.id)
    await coordinator.press(coordinator.last.message_id, ReviewButton(act="u", application_id=application.id).pack())
    assert "nie ma decyzji do cofnięcia" in coordinator.alerts[-1]
    assert (await app.services.applications.get(application.id)).status == Status.SUBMITTED
