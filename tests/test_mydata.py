""" "Moje dane": seeing, correcting and exporting one's data, withdrawing consents, deleting the
account (keeping only what the law requires), and the retention job."""

from __future__ import annotations

import json

import pytest

from bot.app import build_application
from bot.double import running
from bot.jobs.retention import apply_retention
from storage import privacy
from storage.agreements import ACCOUNT_DELETED, State
from storage.db import to_db_time
from storage.sessions import FlowState
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock, published_event
from tests.test_agreements import accept, accepted, offer
from tests.test_review import submitted_application

VOLUNTEER = 2001


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        await application.services.coordinators.add(COORDINATOR_ID)
        yield application


@pytest.fixture
def staff(app, double):
    return double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")


async def rows(app, table: str, telegram_id: int) -> int:
    row = await app.services.db.fetch_one(f"SELECT COUNT(*) FROM {table} WHERE telegram_id = ?", (telegram_id,))
    return row[0]


async def test_my_data_shows_exports_and_corrects(app, double):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    await submitted_application(anna)
    event = await published_event(app)
    await anna.send(f"/start event_{event.id}")
    await anna.tap("✅ Zapisuję się")
    await anna.send("/moje_dane")
    text = anna.last.text
    assert "Moje dane" in text and "Imię i nazwisko: Anna" in text
    assert "anna.kowalska@example.org" in text.lower()
    assert "1 zapis na nadchodzące wydarzenie." in text

    await anna.tap("📦 Pobierz wszystkie moje dane (JSON)")
    export = json.loads(anna.last.document_bytes)
    assert export["telegram_id"] == VOLUNTEER
    tables = export["data"]
    assert tables["users"][0]["first_name"] == "Anna"
    assert {c["kind"] for c in tables["consents"]} >= {"rules", "privacy"}
    assert any(a["field_id"] == "email" for a in tables["application_answers"])
    assert tables["application_history"][0]["action"] == "submitted"
    assert tables["event_registrations"][0]["event_id"] == event.id

    await anna.send("/moje_dane")
    await anna.tap("✏️ Popraw moje dane")
    await anna.tap("E-mail")
    await anna.send("anna@@example")
    assert "e-mail" in anna.last.text.lower()
    await anna.send("anna.nowak@example.org")
    assert "Zapisano. Osoby koordynujące zobaczą zmianę." in anna.messages[-2].text
    application = await app.services.applications.latest(VOLUNTEER)
    assert (await app.services.applications.answers(application.id))["email"] == "anna.nowak@example.org"
    history = await app.services.applications.history(application.id)
    assert (history[-1].action, history[-1].note) == ("corrected", "email")


async def test_optional_consent_can_be_withdrawn_and_given_again(app, double):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    await submitted_application(anna)
    kind = f"optional:{app.services.org.consents[0].id}"
    await anna.send("/moje_dane")
    await anna.tap("🚫 Zgody dobrowolne")
    before = await app.services.consents.current(VOLUNTEER, kind)
    withdraw, give = "Wycofaj zgodę na informacje o innych programach", "Wyraź zgodę na informacje o innych programach"
    label = withdraw if before and before.granted else give
    data = anna.last.button(label).callback_data
    await anna.press(anna.last.message_id, data)
    after = await app.services.consents.current(VOLUNTEER, kind)
    assert after.granted is not (before is not None and before.granted)
    assert anna.alerts[-1] in ("Zgoda wyrażona.", "Zgoda wycofana.")
    # The button carries the state it sets: delivered twice, it records nothing more.
    count = await rows(app, "consents", VOLUNTEER)
    await anna.press(anna.last.message_id, data)
    assert await rows(app, "consents", VOLUNTEER) == count
    assert (await app.services.consents.current(VOLUNTEER, kind)).granted is after.granted
    other = give if label == withdraw else withdraw
    await anna.tap(other)
    assert (await app.services.consents.current(VOLUNTEER, kind)).granted is not after.granted
    # "Moje dane" names the consent by its short label.
    await anna.send("/moje_dane")
    state = "zgoda udzielona" if not after.granted else "brak zgody lub zgoda wycofana"
    assert f"Informacje o innych programach: {state} (wersja 2026-01" in anna.last.text
    assert "fundacji.:" not in anna.last.text


async def test_deleting_the_account_erases_everything_and_allows_a_fresh_start(app, double):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    await submitted_application(anna)
    event = await published_event(app, capacity=1)
    await anna.send(f"/start event_{event.id}")
    await anna.tap("✅ Zapisuję się")
    waiting = double.user(user_id=VOLUNTEER + 1, first_name="Ewa", language_code="pl")
    await waiting.send(f"/start event_{event.id}")
    await waiting.tap("⏳ Zapisuję się na listę rezerwową")
    await anna.send("/moje_dane")
    await anna.tap("🗑 Usuń moje konto")
    assert "Tej operacji nie można cofnąć" in anna.last.text
    assert "Przepisy zobowiązują" not in anna.last.text  # nothing to keep: no agreement
    await anna.tap("🗑 Tak, usuń moje konto")
    assert "Twoje konto zostało usunięte" in anna.last.text
    assert (await app.services.events.registration(event.id, VOLUNTEER + 1)).status == "registered"
    assert "Zwolniło się miejsce — jest Twoje!" in waiting.last.text
    for table in ("users", "consents", "applications", "event_registrations"):
        assert await rows(app, table, VOLUNTEER) == 0, table
    assert await rows(app, "flow_state", VOLUNTEER) == 0
    (entry,) = [e for e in await app.services.audit.all() if e.action == "account.deleted"]
    assert entry.actor_id is None and entry.target is None and str(VOLUNTEER) not in json.dumps(entry.details)
    assert await app.services.db.integrity_check() == "ok"

    await anna.send("/start")
    assert anna.last.buttons[0] == "📝 Zgłoś się do zespołu"
    assert (await app.services.users.get(VOLUNTEER)).first_name == "Anna"
    assert await app.services.applications.latest(VOLUNTEER) is None


async def test_a_signed_agreement_is_kept_when_the_account_is_deleted(app, double, staff):
    anna = await accepted(double, staff, VOLUNTEER)
    await offer(staff)
    await anna.tap("📄 Moje porozumienie")
    await accept(anna)
    agreement = (await app.services.agreements.for_volunteer(VOLUNTEER))[0]
    await anna.send("/moje_dane")
    await anna.tap("🗑 Usuń moje konto")
    assert "przez 5 lat po ich zakończeniu" in anna.last.text
    await anna.tap("🗑 Tak, usuń moje konto")
    assert await rows(app, "agreements", VOLUNTEER) == 1
    assert await rows(app, "applications", VOLUNTEER) == 0
    assert await rows(app, "consents", VOLUNTEER) == 0
    assert await rows(app, "agreement_acceptances", VOLUNTEER) == 1
    profile = await app.services.users.get(VOLUNTEER)
    assert (profile.first_name, profile.username) == ("", None)
    kept = await app.services.agreements.get(agreement.id)  # kept, and ended with the account
    assert (kept.state, kept.end_reason) == (State.ENDED, ACCOUNT_DELETED)


async def test_retention_erases_old_drafts_closed_applications_and_inactive_people(app, double, clock):
    services = app.services
    old, fresh, idle = 3001, 3002, 3003
    for person in (old, fresh, idle):
        chat = double.user(user_id=person, first_name="X", language_code="pl")
        await chat.send("/start")
    await services.applications.start_draft(old, "full_name", clock())
    await services.applications.start_draft(fresh, "full_name", clock())
    clock.advance(days=61)
    await services.db.execute(
        "UPDATE applications SET updated_at = ? WHERE telegram_id = ?", (to_db_time(clock()), fresh)
    )
    await services.db.execute("UPDATE users SET last_seen_at = ? WHERE telegram_id != ?", (to_db_time(clock()), idle))
    counts = await apply_retention(app)
    assert counts["drafts"] == 1
    assert await rows(app, "applications", old) == 0 and await rows(app, "applications", fresh) == 1
    assert counts["people"] == 0
    clock.advance(days=730)
    await services.db.execute(
        "UPDATE users SET last_seen_at = ? WHERE telegram_id IN (?, ?)", (to_db_time(clock()), old, fresh)
    )
    counts = await apply_retention(app)
    assert counts["people"] == 1 and await services.users.get(idle) is None
    assert await services.users.get(old) is not None
    assert [e.action for e in await services.audit.all()][-1] == "retention.purged"
    clock.advance(days=1)
    assert not any((await apply_retention(app)).values())


async def test_my_data_needs_no_application(app, double):
    ola = double.user(user_id=4001, first_name="Ola", language_code="en")
    await ola.send("/start")
    await ola.tap("🔒 My data")
    assert "Profile" in ola.last.text and "✏️ Correct my data" not in ola.last.buttons
    for forged in ("mdf:email", "md:ef:1", "mdc:1:no_such_consent", "md:c:99", "mdd:1"):
        await ola.press(ola.last.message_id, forged)
        assert ola.alerts[-1] == "This button is no longer valid. Type /start for the menu.", forged
    assert await app.services.users.get(4001) is not None
    assert (await app.services.sessions.load(4001)).flow is None


# ---- correcting an answer on the flow engine ----------------------------------------------------
async def start_correcting(anna, label="Imię i nazwisko"):
    await anna.send("/moje_dane")
    await anna.tap("✏️ Popraw moje dane")
    await anna.tap(label)
    assert "(/anuluj, aby przerwać)" in anna.last.text and "Twoja dotychczasowa odpowiedź: " in anna.last.text


async def answers_of(app, telegram_id):
    return await app.services.applications.answers((await app.services.applications.latest(telegram_id)).id)


async def test_a_command_in_the_middle_of_a_correction_changes_nothing(app, double):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    await submitted_application(anna)
    await start_correcting(anna)
    await anna.send("/pomoc")
    await anna.send("Jak mogę zmienić powiat?")
    assert (await answers_of(app, VOLUNTEER))["full_name"] == "Anna Kowalska"
    assert (await app.services.sessions.load(VOLUNTEER)).flow is None
    history = await app.services.applications.history((await app.services.applications.latest(VOLUNTEER)).id)
    assert "corrected" not in [h.action for h in history]


async def test_a_correction_takes_only_text_and_ends_with_the_answer(app, double):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    await submitted_application(anna)
    await start_correcting(anna, "Telefon")
    await anna.send_sticker()
    assert "(/anuluj, aby przerwać)" in anna.last.text
    await anna.send("12")
    assert (await answers_of(app, VOLUNTEER))["phone"] == "+48600100200"
    await anna.send("601 200 300")
    assert (await answers_of(app, VOLUNTEER))["phone"] == "+48601200300"
    await anna.send("602 300 400")  # no longer asked: not taken
    assert (await answers_of(app, VOLUNTEER))["phone"] == "+48601200300"
    await anna.send("/anuluj")
    assert anna.last.text.startswith("W tej chwili nie ma czego przerywać.")


async def test_cancel_in_a_correction_keeps_the_answer(app, double):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    await submitted_application(anna)
    await start_correcting(anna)
    await anna.send("/anuluj")
    assert anna.last.text.startswith("Przerwano. Nic nie zostało zmienione.")
    await anna.send("Ewa Nowak")
    assert (await answers_of(app, VOLUNTEER))["full_name"] == "Anna Kowalska"


async def test_a_restart_in_the_middle_of_a_correction_continues_there(settings, double):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    async with running(build_application(settings, double), double):
        await submitted_application(anna)
        await start_correcting(anna)
    async with running(build_application(settings, double), double) as app:
        await anna.send("Anna Nowak")
        assert "Zapisano. Osoby koordynujące zobaczą zmianę." in anna.messages[-2].text
        assert (await answers_of(app, VOLUNTEER))["full_name"] == "Anna Nowak"


async def test_the_deletion_confirmed_twice_deletes_once(app, double, clock):
    anna = double.user(user_id=VOLUNTEER, first_name="Anna", language_code="pl")
    await anna.send("/moje_dane")
    await anna.tap("🗑 Usuń moje konto")
    confirmation = anna.last
    data = confirmation.button("🗑 Tak, usuń moje konto").callback_data
    await anna.press(confirmation.message_id, data)
    assert "Twoje konto zostało usunięte" in anna.last.text
    clock.advance(minutes=1)
    await anna.press(confirmation.message_id, data)  # delivered again: the new profile stays
    assert anna.alerts[-1].startswith("Ten przycisk jest już nieaktualny.")
    assert await app.services.users.get(VOLUNTEER) is not None
    deleted = [e for e in await app.services.audit.all() if e.action == "account.deleted"]
    assert len(deleted) == 1


async def test_erasing_drops_the_flow_also_when_the_profile_is_kept(app, double, staff):
    anna = await accepted(double, staff, VOLUNTEER)
    await offer(staff)
    await anna.tap("📄 Moje porozumienie")
    await accept(anna)
    ewa = double.user(user_id=VOLUNTEER + 5, first_name="Ewa", language_code="pl")
    await submitted_application(ewa)
    await start_correcting(ewa)
    await app.services.sessions.save_flow(
        VOLUNTEER, FlowState("md_fix", "value", {"field": "email"}), expected_version=None
    )
    assert await rows(app, "flow_state", VOLUNTEER) == 1
    await privacy.erase(app.services.db, VOLUNTEER)  # an agreement is kept, so the profile stays
    assert await app.services.users.get(VOLUNTEER) is not None
    assert await rows(app, "flow_state", VOLUNTEER) == 0
    await privacy.erase(app.services.db, VOLUNTEER + 5)  # the profile goes, and its flow with it
    assert await rows(app, "flow_state", VOLUNTEER + 5) == 0
    assert await app.services.db.integrity_check() == "ok"


async def test_my_data_says_the_rules_were_accepted_and_the_consents_given(app, double):
    from tests.test_review import submitted_application

    chat = double.user(user_id=4801)
    await submitted_application(chat)
    await chat.send("/moje_dane")
    text = chat.last.text
    assert "Regulamin rekrutacji: zaakceptowany (wersja" in text
    assert "Przetwarzanie danych osobowych: zgoda udzielona (wersja" in text
