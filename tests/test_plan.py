"""The individual development plan: chosen by the volunteer, approved or commented on by the coordinator."""

from __future__ import annotations

import pytest

from bot.app import build_application
from bot.double import running
from storage.plans import PlanStatus
from tests.conftest import COORDINATOR_ID
from tests.test_agreements import START, accepted, pdf_text


@pytest.fixture
async def capp(settings, double):
    async with running(build_application(settings, double, clock=lambda: START), double) as application:
        await application.services.coordinators.add(COORDINATOR_ID)
        yield application


@pytest.fixture
def staff(capp, double):
    return double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")


async def test_the_plan_is_chosen_sent_commented_changed_and_approved(capp, double, staff):
    db = capp.services.db
    await db.execute(
        "INSERT INTO events (id, type, title, starts_at, ends_at, audience, status, created_by, created_at, "
        "updated_at) "
        "VALUES (7, 'training', 'Fundusz sołecki od A do Z', '2026-12-03T16:00:00+00:00', "
        "'2026-12-03T19:00:00+00:00', 'everyone', 'published', 1, 'x', 'x')"
    )
    volunteer = await accepted(double, staff, 6001)
    await volunteer.send("/plan")
    text = volunteer.last.text
    assert text.startswith("🌱 Twój indywidualny plan rozwoju")
    assert "▫️ Pisanie wniosków o granty" in text  # from the application
    assert "Budżet obywatelski, Fundusz sołecki" in text and "KGW w Zemborzycach" in text
    await volunteer.tap("📨 Wyślij do zatwierdzenia")
    assert volunteer.alerts[-1] == "Przed wysłaniem uzupełnij: od jednego do trzech celów."

    await volunteer.tap("🎓 Szkolenia")
    await volunteer.tap("▫️ Fundusz sołecki od A do Z (03.12.2026)")
    assert "✅ Fundusz sołecki od A do Z (03.12.2026)" in volunteer.last.buttons
    await volunteer.press(volunteer.last.message_id, "pl:tt:event:999")  # not in the catalogue
    assert volunteer.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."
    await volunteer.tap("Gotowe »")
    await volunteer.tap("🎯 Cele")
    for goal in ("Poprowadzić dwa spotkania o budżecie obywatelskim.", "Pomóc KGW napisać wniosek.", "Trzeci cel."):
        await volunteer.tap("➕ Dodaj cel")
        await volunteer.send(goal)
    assert "➕ Dodaj cel" not in volunteer.last.buttons
    await volunteer.tap("🗑 Usuń cel 3")
    await volunteer.tap("« Plan")
    await volunteer.tap("📨 Wyślij do zatwierdzenia")
    assert "Status: wysłany, czeka na zatwierdzenie" in volunteer.last.text
    assert staff.last.text.startswith("🌱 Anna Kowalska – plan rozwoju do zatwierdzenia (wersja 1)")

    await staff.tap("Otwórz plan")
    await staff.tap("💬 Skomentuj i poproś o zmiany")
    await staff.send("Dodaj proszę konkretną gminę przy pierwszym celu.")
    assert volunteer.last.text.startswith("💬 Osoba koordynująca komentuje Twój plan rozwoju:")
    stale_approve = "pc:ok:1:1"
    await volunteer.tap("🌱 Mój plan rozwoju")
    await volunteer.tap("🎯 Cele")
    await volunteer.tap("🗑 Usuń cel 1")
    await volunteer.tap("➕ Dodaj cel")
    await volunteer.send("Poprowadzić dwa spotkania o budżecie obywatelskim w gminie Wólka.")
    await volunteer.tap("« Plan")
    await volunteer.tap("📨 Wyślij do zatwierdzenia")
    await staff.press(staff.last.message_id, stale_approve)
    assert staff.alerts[-1] == "Ta wersja planu nie czeka już na zatwierdzenie."
    await staff.tap("Otwórz plan")
    await staff.tap("✅ Zatwierdź")
    assert volunteer.last.text.startswith("✅ Osoba koordynująca zatwierdziła Twój plan rozwoju (wersja 2).")

    plan = await capp.services.plans.of(volunteer.id)
    versions = await capp.services.plans.versions(plan.id)
    assert plan.status == PlanStatus.APPROVED and [v.version for v in versions] == [1, 2]
    assert versions[0].approved_at is None and versions[1].approved_by is not None
    assert versions[0].content.goals[0] == "Poprowadzić dwa spotkania o budżecie obywatelskim."
    assert "gminie Wólka" in versions[1].content.goals[-1]

    # Trainings are completed: the attended event by itself, a topic marked by the coordinator.
    await db.execute(
        "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at, attendance, "
        "hours) VALUES (7, ?, 'registered', 1, 'x', 'x', 'attended', 3)",
        (volunteer.id,),
    )
    await staff.tap("✔️ Oznacz ukończone szkolenie")
    assert staff.last.buttons == ["✔️ Pisanie wniosków o granty", "« Plan"]
    await staff.tap("✔️ Pisanie wniosków o granty")
    assert staff.last.text == "Wszystkie szkolenia z planu są ukończone."
    await volunteer.send("/plan")
    assert "✅ Pisanie wniosków o granty" in volunteer.last.text
    assert "✅ Fundusz sołecki od A do Z" in volunteer.last.text
    await volunteer.tap("📄 Plan w PDF")
    assert "INDYWIDUALNY PLAN ROZWOJU WOLONTARIATU EKSPERCKIEGO" in pdf_text(volunteer.last.document_bytes)
    # Editing after approval makes a new working copy; the approved version stays on record.
    await volunteer.tap("🧩 Obszary")
    await volunteer.tap("▫️ Konsultacje społeczne")
    assert (await capp.services.plans.of(volunteer.id)).status == PlanStatus.DRAFT
    assert (await capp.services.plans.approved_version(plan.id)).version == 2


async def test_no_plan_before_acceptance_and_no_review_for_volunteers(capp, double, staff):
    stranger = double.user(user_id=6002)
    await stranger.send("/plan")
    assert stranger.last.text.startswith("Plan rozwoju uzgadnia się po przyjęciu")
    await stranger.press(stranger.last.message_id, "pl:send")
    assert stranger.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."
    for forged in ("pc:o:1", "pc:ok:1:1", "pc:ch:1:1", "pcd:1:topic:grant_writing", "ga:plans"):
        await stranger.press(stranger.last.message_id, forged)
        assert stranger.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."


# ---- presses twice, the typed flows: bad input, leaving, restarts ------------------------------------------
async def test_ticks_set_a_state_so_a_press_delivered_twice_changes_nothing(capp, double, staff):
    volunteer = await accepted(double, staff, 6003)
    await volunteer.send("/plan")
    await volunteer.tap("🎓 Szkolenia")
    menu = volunteer.last
    off = menu.button("✅ Pisanie wniosków o granty").callback_data  # chosen in the application
    await volunteer.press(menu.message_id, off)
    await volunteer.press(menu.message_id, off)  # the same press again: the same state
    assert "topic:grant_writing" not in (await capp.services.plans.of(volunteer.id)).content.trainings
    on = volunteer.last.button("▫️ Pisanie wniosków o granty").callback_data
    await volunteer.press(menu.message_id, on)
    await volunteer.press(menu.message_id, on)
    assert (await capp.services.plans.of(volunteer.id)).content.trainings.count("topic:grant_writing") == 1
    await volunteer.tap("Gotowe »")
    await volunteer.tap("🧩 Obszary")
    areas = volunteer.last
    on = areas.button("▫️ Konsultacje społeczne").callback_data
    await volunteer.press(areas.message_id, on)
    await volunteer.press(areas.message_id, on)
    assert (await capp.services.plans.of(volunteer.id)).content.areas.count("consultations") == 1
    # Goals: removing goal 1 twice removes one goal.
    await volunteer.tap("Gotowe »")
    await volunteer.tap("🎯 Cele")
    for goal in ("Pierwszy cel.", "Drugi cel."):
        await volunteer.tap("➕ Dodaj cel")
        await volunteer.send(goal)
    goals = volunteer.last
    remove = goals.button("🗑 Usuń cel 1").callback_data
    await volunteer.press(goals.message_id, remove)
    await volunteer.press(goals.message_id, remove)
    assert (await capp.services.plans.of(volunteer.id)).content.goals == ["Drugi cel."]


async def test_a_goal_typed_after_leaving_or_finishing_is_not_taken(capp, double, staff):
    volunteer = await accepted(double, staff, 6004)
    await volunteer.send("/plan")
    await volunteer.tap("🎯 Cele")
    await volunteer.tap("➕ Dodaj cel")
    await volunteer.send_sticker()
    assert volunteer.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    await volunteer.send("/jezyk")
    await volunteer.send("Cel wpisany po wyjściu.")
    assert (await capp.services.plans.of(volunteer.id)).content.goals == []
    await volunteer.send("/plan")
    await volunteer.tap("🤝 Organizacje")
    await volunteer.send("  KGW   Wólka ")
    assert volunteer.last.text.startswith("🌱 Twój indywidualny plan rozwoju")
    await volunteer.send("Sołectwo Zemborzyce")  # no longer asked
    assert volunteer.last.text.startswith("Tej wiadomości nie rozumiem")
    assert (await capp.services.plans.of(volunteer.id)).content.communities == "KGW Wólka"


async def _goal(app, chat, plan_id):
    await chat.send("Poprowadzić warsztat.")
    assert (await app.services.plans.get(plan_id)).content.goals == ["Poprowadzić warsztat."]


async def _communities(app, chat, plan_id):
    await chat.send("KGW Wólka")
    assert (await app.services.plans.get(plan_id)).content.communities == "KGW Wólka"


async def _comment(app, chat, plan_id):
    await chat.send("Dodaj gminę.")
    plan = await app.services.plans.get(plan_id)
    assert plan.status == PlanStatus.CHANGES_REQUESTED and plan.comment == "Dodaj gminę."


RESTARTED = {"plg": ("goal", _goal), "plc": ("communities", _communities), "pcc": ("comment", _comment)}


@pytest.mark.parametrize("flow", sorted(RESTARTED))
async def test_a_restart_in_the_middle_of_a_plan_flow_continues_there(settings, double, flow):
    from tests.flow_paths import PATHS
    from tests.test_agreements import flow_of, world_of

    step, answer = RESTARTED[flow]
    async with running(build_application(settings, double), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        chat = await PATHS[flow](world_of(app, double), step)
        state = await flow_of(app, chat)
        assert state.step == step
        plan_id = state.data.get("plan") or (await app.services.plans.of(chat.id)).id
    async with running(build_application(settings, double), double) as app:
        await answer(app, chat, plan_id)
        assert await flow_of(app, chat) is None
