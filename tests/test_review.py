"""Coordinators review applications in the same bot; volunteers hear the outcome."""

from __future__ import annotations

import asyncio
import csv
import io

from bot.app import build_application
from bot.double import running
from bot.organisation import default_org_text
from storage.applications import Action, Status
from tests.conftest import ADMIN_ID, COORDINATOR_ID
from tests.test_application import ANSWERS_PL, begin, fill_form


async def submitted_application(chat, answers=ANSWERS_PL):
    await begin(chat)
    await fill_form(chat, answers)
    await chat.tap("📨 Wyślij zgłoszenie")


async def open_from_notification(coordinator):
    """Open an application as a coordinator would: from the alert just received or, when it came
    within minutes of the last alert (it waits for the digest), the newest from the list."""
    if coordinator.last.text.startswith("📥 Nowe zgłoszenie nr"):
        await coordinator.tap("Otwórz")
        return
    await coordinator.send("/zgloszenia")
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("Nowe (")))
    await coordinator.tap([b for b in coordinator.last.buttons if b.startswith("#")][-1])


async def test_lists_counts_and_one_application_with_all_answers(app, double, coordinator):
    volunteer = double.user(user_id=3001, first_name="Anna", username="anna_k")
    await submitted_application(volunteer)
    await coordinator.send("/zgloszenia")
    assert coordinator.last.text.startswith("Zgłoszenia\nŁącznie 1 zgłoszenie.")
    assert coordinator.last.buttons[:2] == ["Nowe (1)", "Do uzupełnienia (0)"]
    await coordinator.tap("Nowe (1)")
    label = coordinator.last.buttons[0]
    assert label.startswith("#") and "Anna Kowalska" in label
    await coordinator.tap(label)
    text = coordinator.last.text
    assert "Zgłoszenie nr" in text and "wysłane, czeka na decyzję" in text
    assert "Telegram: Anna (@anna_k)" in text
    assert "Doświadczenie: Od pięciu lat piszę wnioski" in text
    assert "Historia" in text and "wysłane · Anna Kowalska" in text  # the name from the application
    assert coordinator.last.buttons[:3] == ["✅ Przyjmij", "❌ Nie przyjmuj", "❓ Poproś o uzupełnienie"]


async def test_accepting_tells_the_volunteer_in_their_language(app, double, coordinator):
    volunteer = double.user(user_id=3002, first_name="John", language_code="pl")
    await submitted_application(volunteer)
    await volunteer.send("/language")
    await volunteer.tap("🇬🇧 English")
    await open_from_notification(coordinator)
    await coordinator.tap("✅ Przyjmij")
    assert coordinator.last.text.startswith("Przyjąć zgłoszenie nr")
    await coordinator.tap("✅ Tak, przyjmij")
    assert "przyjęte" in coordinator.last.text
    assert volunteer.last.text.startswith(
        "🎉 Congratulations! Your application to Expert Volunteer Team has been accepted."
    )
    application = await app.services.applications.latest(volunteer.id)
    assert application.status == Status.ACCEPTED
    assert application.decided_by == COORDINATOR_ID and application.decided_at is not None
    await volunteer.tap("📝 My application")
    assert "Status: accepted" in volunteer.last.text


async def test_rejecting_asks_for_a_reason_and_sends_it(app, double, coordinator):
    volunteer = double.user(user_id=3003)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❌ Nie przyjmuj")
    assert coordinator.last.text.startswith("Dlaczego nie przyjmujesz zgłoszenia nr")
    await coordinator.send("Brak miejsc w tej edycji <b>programu</b> & zapraszamy za rok")
    assert "nieprzyjęte" in coordinator.last.text
    assert "Niestety tym razem nie możemy go przyjąć." in volunteer.last.text
    assert (
        "Wyjaśnienie osoby koordynującej: Brak miejsc w tej edycji <b>programu</b> & zapraszamy za rok"
        in volunteer.last.text
    )
    application = await app.services.applications.latest(volunteer.id)
    assert application.status == Status.REJECTED
    assert application.decision_note.startswith("Brak miejsc")
    # After a rejection, a new application may be started (the decision is shown first).
    await volunteer.send("/zgloszenie")
    await volunteer.tap("📝 Złóż nowe zgłoszenie")
    assert volunteer.last.text.startswith("Krok 1 z 12")


async def test_asking_for_more_information_round_trip(app, double, coordinator):
    volunteer = double.user(user_id=3004)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❓ Poproś o uzupełnienie")
    await coordinator.send("W jakich projektach grantowych brałaś udział?")
    assert coordinator.last.text.startswith("❓ Pytanie zostało wysłane.")
    assert volunteer.last.text.startswith("Osoba koordynująca prosi o uzupełnienie Twojego zgłoszenia:")
    await volunteer.send("/start")
    assert volunteer.last.buttons[0] == "📝 Moje zgłoszenie: osoba koordynująca prosi o uzupełnienie"
    await volunteer.tap("📝 Moje zgłoszenie: osoba koordynująca prosi o uzupełnienie")
    assert "Osoba koordynująca pyta: W jakich projektach" in volunteer.last.text
    await volunteer.tap("✍️ Odpowiedz na pytanie")
    await volunteer.send("FIO 2024 i Działaj Lokalnie 2025.")
    assert volunteer.last.text.startswith("Dziękujemy! Twoja odpowiedź trafiła do osoby koordynującej.")
    assert coordinator.last.text.startswith("✍️ Odpowiedź na Twoje pytanie w sprawie zgłoszenia nr")
    assert "FIO 2024 i Działaj Lokalnie 2025." in coordinator.last.text
    application = await app.services.applications.latest(volunteer.id)
    assert application.status == Status.SUBMITTED
    history = await app.services.applications.history(application.id)
    assert [h.action for h in history] == [Action.SUBMITTED, Action.INFO_REQUESTED, Action.INFO_GIVEN]
    assert history[2].note == "FIO 2024 i Działaj Lokalnie 2025."


async def test_two_coordinators_deciding_at_once_exactly_one_wins(app, double, coordinator, admin):
    volunteer = double.user(user_id=3005)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    await open_from_notification(coordinator)
    await open_from_notification(admin)
    await coordinator.tap("✅ Przyjmij")
    await admin.tap("✅ Przyjmij")
    first = coordinator.last.message_id
    second = admin.last.message_id
    data = f"rv:ay:{application.id}"
    await asyncio.gather(coordinator.press(first, data), admin.press(second, data))
    decided = await app.services.applications.get(application.id)
    assert decided.status == Status.ACCEPTED
    history = await app.services.applications.history(application.id)
    assert [h.action for h in history].count(Action.ACCEPTED) == 1
    loser = admin if decided.decided_by == COORDINATOR_ID else coordinator
    assert loser.alerts[-1].startswith(f"Zgłoszenie nr {application.id} ma już inny status: przyjęte")
    congratulations = [m for m in volunteer.messages if m.text.startswith("🎉 Gratulacje!")]
    assert len(congratulations) == 1


async def test_a_late_reject_after_accept_is_refused(app, double, coordinator, admin):
    volunteer = double.user(user_id=3006)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await open_from_notification(admin)
    await coordinator.tap("✅ Przyjmij")
    await coordinator.tap("✅ Tak, przyjmij")
    await admin.tap("❌ Nie przyjmuj")
    assert admin.alerts[-1].endswith("ma już inny status: przyjęte.")
    await admin.send("Za późno")
    assert (await app.services.applications.latest(volunteer.id)).status == Status.ACCEPTED


async def test_volunteers_cannot_use_review_commands_or_forged_buttons(app, double, coordinator):
    volunteer = double.user(user_id=3007)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    intruder = double.user(user_id=3999)
    await intruder.send("/zgloszenia")
    assert intruder.last.text == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await intruder.send("/eksport")
    assert intruder.last.text == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await intruder.send("/start")
    menu = intruder.last.message_id
    for forged in (
        f"rv:ay:{application.id}",
        f"rv:r:{application.id}",
        f"rv:q:{application.id}",
        f"rv:o:{application.id}",
        f"rv:a:{application.id}",
        "rvx:all",
        "rv:list",
        "rv:x",
        "rva:0",
        "rvs:submitted:0",
    ):
        await intruder.press(menu, forged)
        assert intruder.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await intruder.send("Odrzucam!")
    assert (await app.services.applications.get(application.id)).status == Status.SUBMITTED
    assert not [m for m in intruder.messages if m.document_name]


async def test_a_coordinator_removed_meanwhile_loses_access_at_once(app, double, coordinator):
    volunteer = double.user(user_id=3008)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await app.services.coordinators.remove(COORDINATOR_ID)
    await coordinator.tap("✅ Przyjmij")
    assert coordinator.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    assert (await app.services.applications.latest(volunteer.id)).status == Status.SUBMITTED


async def test_csv_export_is_excel_friendly_and_safe(app, double, coordinator):
    hostile = dict(ANSWERS_PL, full_name="<b>Ala</b> & </a>", communities='=HYPERLINK("http://x")')
    volunteer = double.user(user_id=3009)
    await submitted_application(volunteer, hostile)
    other = double.user(user_id=3010)
    await submitted_application(other)
    await open_from_notification(coordinator)
    await coordinator.tap("✅ Przyjmij")
    await coordinator.tap("✅ Tak, przyjmij")

    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    document = coordinator.last
    assert document.document_name.startswith("zgloszenia-wszystkie-") and document.document_name.endswith(".csv")
    assert document.text == "2 zgłoszenia."
    raw = document.document_bytes
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:5] == ["ID", "Status", "Data wysłania", "Data decyzji", "Identyfikator w Telegramie"]
    form = app.services.org.form
    assert header[5 : 5 + len(form)] == [f.label.get("pl") for f in form]
    by_name = {row[5]: row for row in rows[1:]}
    assert "<b>Ala</b> & </a>" in by_name  # the exact text, not HTML entities
    row = by_name["<b>Ala</b> & </a>"]
    assert row[header.index("Kogo chcesz wspierać")] == '\'=HYPERLINK("http://x")'
    assert row[header.index("Obszary kompetencji")] == "Budżet obywatelski, Fundusz sołecki"

    await coordinator.send("/eksport")
    await coordinator.tap("Przyjęte")
    assert coordinator.last.text == "1 zgłoszenie."


async def test_new_application_alerts_can_be_switched_off(app, double, coordinator):
    await coordinator.send("/zgloszenia")
    await coordinator.tap("🔔 Powiadomienia o zgłoszeniach: włączone")
    assert "🔕 Powiadomienia o zgłoszeniach: wyłączone" in coordinator.last.buttons
    before = len(coordinator.messages)
    await submitted_application(double.user(user_id=3011))
    assert len(coordinator.messages) == before


async def test_a_new_version_of_the_rules_is_accepted_again(settings, double, tmp_path):
    from bot.jobs.applications import ask_to_accept_new_rules

    volunteer = double.user(user_id=3012)
    drafting = double.user(user_id=3013)
    async with running(build_application(settings, double), double) as app:
        await submitted_application(volunteer)
        await begin(drafting)
        assert await ask_to_accept_new_rules(app) == 0

    org_file = tmp_path / "org.toml"
    org_file.write_text(default_org_text().replace('version = "2026-01"\nurl', 'version = "2027-01"\nurl'), "utf-8")
    async with running(build_application(settings.with_changes(org_file=org_file), double), double) as app:
        assert await ask_to_accept_new_rules(app) == 2
        assert await ask_to_accept_new_rules(app) == 0  # once per version
        assert volunteer.last.text.startswith("Regulamin rekrutacji się zmienił (wersja 2027-01).")
        await volunteer.tap("✅ Akceptuję nowy regulamin")
        assert volunteer.last.text.startswith("Dziękujemy! Nowy regulamin został zaakceptowany.")
        assert await app.services.consents.has_current(volunteer.id, "rules", "2027-01")
        # An old button for a version no longer current does nothing.
        await volunteer.press(volunteer.last.message_id, "rules:accept:2026-01")
        assert volunteer.alerts[-1].startswith("Ten przycisk jest już nieaktualny.")
        # Someone still filling in the form meets the new rules when they come back.
        await drafting.send("/zgloszenie")
        assert "Regulamin rekrutacji — najważniejsze punkty" in drafting.last.text
        await drafting.tap("✅ Akceptuję regulamin")
        assert drafting.last.text.startswith("Krok 1 z 12")  # consents still current


CUSTOM_FORM = """
[[form]]
id = "full_name"
type = "text"
label = { pl = "Imię i nazwisko" }
prompt = { pl = "Imię i nazwisko?" }

[[form]]
id = "birth_date"
type = "date"
label = { pl = "Data urodzenia" }
prompt = { pl = "Kiedy się urodziłeś lub urodziłaś?" }

[[form]]
id = "hours"
type = "number"
min_value = 1
max_value = 40
label = { pl = "Godziny w tygodniu" }
prompt = { pl = "Ile godzin w tygodniu?" }

[[form]]
id = "car"
type = "yes_no"
required = false
label = { pl = "Samochód" }
prompt = { pl = "Masz samochód?" }
"""


async def test_a_custom_organisation_file_with_another_form_works_end_to_end(settings, double, tmp_path):
    text = default_org_text()
    text = text[: text.index("[[form]]")] + CUSTOM_FORM
    org_file = tmp_path / "custom.toml"
    org_file.write_text(text, encoding="utf-8")
    coordinator_settings = settings.with_changes(org_file=org_file)
    async with running(build_application(coordinator_settings, double), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia")
        chat = double.user(user_id=3014)
        await begin_custom(chat)
        assert chat.last.text.startswith("Krok 1 z 4")
        await chat.send("Jan Nowak")
        await chat.send("31.02.1990")
        assert "Taka data nie istnieje." in chat.last.text
        await chat.send("12.03.1990")
        await chat.send("99")
        assert "Wpisz liczbę od 1 do 40." in chat.last.text
        await chat.send("12")
        await chat.tap("Pomiń »")
        assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")
        assert "Data urodzenia: 12.03.1990" in chat.last.text
        assert "Godziny w tygodniu: 12" in chat.last.text
        await chat.tap("📨 Wyślij zgłoszenie")
        assert coordinator.last.text.startswith("📥 Nowe zgłoszenie nr")
        await coordinator.send("/eksport")
        await coordinator.tap("Wszystkie")
        rows = list(csv.reader(io.StringIO(coordinator.last.document_bytes.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][5:9] == ["Imię i nazwisko", "Data urodzenia", "Godziny w tygodniu", "Samochód"]
        assert rows[1][5:9] == ["Jan Nowak", "12.03.1990", "12", ""]
        assert ADMIN_ID in app.services.settings.admin_ids


async def begin_custom(chat):
    await chat.send("/zgloszenie")
    await chat.tap("✅ Akceptuję regulamin")
    await chat.tap("✅ Wyrażam zgodę")
    await chat.tap("Tak")


async def test_an_application_full_of_emoji_opens_in_messages_telegram_accepts(app, double, coordinator):
    # Telegram counts UTF-16 units: each of these emoji is two, so the answers fill more than a message.
    # "a": an answer has letters; under 3 500 units: a text that long waits for its possible rest.
    answers = dict(ANSWERS_PL, experience="a" + "😀" * 1700, communities="a" + "🙂" * 999)
    volunteer = double.user(user_id=3001, first_name="Anna")
    await submitted_application(volunteer, answers)
    before = len(coordinator.messages)
    await open_from_notification(coordinator)
    shown = "".join(m.text for m in coordinator.messages[before:])
    assert shown.count("😀") == 1700 and shown.count("🙂") == 999
    assert "✅ Przyjmij" in coordinator.last.buttons


# ---- the typed reason and question on the flow engine ----------------------------------------------
async def test_a_command_in_the_middle_of_a_rejection_rejects_nothing(app, double, coordinator):
    volunteer = double.user(user_id=3020)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❌ Nie przyjmuj")
    assert coordinator.last.text.startswith("Dlaczego nie przyjmujesz zgłoszenia nr")
    await coordinator.send("/jezyk")
    await coordinator.tap("🇬🇧 English")
    await coordinator.send("Hello")
    application = await app.services.applications.latest(volunteer.id)
    assert application.status == Status.SUBMITTED and application.decision_note is None
    assert not [m for m in volunteer.messages if "Niestety" in m.text]
    assert "Hello" not in "".join(m.text for m in coordinator.messages[-2:])
    assert (await app.services.sessions.load(COORDINATOR_ID)).flow is None


async def test_cancel_while_typing_a_question_asks_nothing(app, double, coordinator):
    volunteer = double.user(user_id=3021)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❓ Poproś o uzupełnienie")
    await coordinator.send("/anuluj")
    assert coordinator.last.text.startswith("Przerwano. Nic nie zostało zmienione.")
    await coordinator.send("Jakie masz doświadczenie?")
    assert (await app.services.applications.latest(volunteer.id)).status == Status.SUBMITTED
    assert not [m for m in volunteer.messages if m.text.startswith("Osoba koordynująca prosi")]


async def test_a_sticker_or_an_empty_reason_is_asked_again(app, double, coordinator):
    volunteer = double.user(user_id=3022)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❌ Nie przyjmuj")
    await coordinator.send_sticker()
    assert "Dlaczego nie przyjmujesz zgłoszenia nr" in coordinator.last.text
    await coordinator.send("x" * 1001)
    assert "Dlaczego nie przyjmujesz zgłoszenia nr" in coordinator.last.text
    assert (await app.services.applications.latest(volunteer.id)).status == Status.SUBMITTED
    await coordinator.send("Brak miejsc.")
    assert (await app.services.applications.latest(volunteer.id)).status == Status.REJECTED


async def test_a_reason_typed_after_someone_else_decided_changes_nothing(app, double, coordinator, admin):
    volunteer = double.user(user_id=3023)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await open_from_notification(admin)
    await coordinator.tap("❌ Nie przyjmuj")
    await admin.tap("✅ Przyjmij")
    await admin.tap("✅ Tak, przyjmij")
    await coordinator.send("Brak miejsc.")
    assert "ma już inny status: przyjęte" in coordinator.last.text
    application = await app.services.applications.latest(volunteer.id)
    assert application.status == Status.ACCEPTED and application.decision_note is None
    assert (await app.services.sessions.load(COORDINATOR_ID)).flow is None


async def test_a_coordinator_removed_while_typing_a_reason_rejects_nothing(app, double, coordinator):
    volunteer = double.user(user_id=3024)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    await coordinator.tap("❌ Nie przyjmuj")
    await app.services.coordinators.remove(COORDINATOR_ID)
    await coordinator.send("Brak miejsc.")
    assert "tylko dla osób koordynujących" in coordinator.last.text
    assert (await app.services.applications.latest(volunteer.id)).status == Status.SUBMITTED


async def test_pressing_reject_twice_and_accept_twice_decides_once(app, double, coordinator):
    volunteer = double.user(user_id=3025)
    await submitted_application(volunteer)
    await open_from_notification(coordinator)
    card = coordinator.last
    reject = card.button("❌ Nie przyjmuj").callback_data
    await coordinator.press(card.message_id, reject)
    await coordinator.press(card.message_id, reject)
    prompts = [m for m in coordinator.messages if m.text.startswith("Dlaczego nie przyjmujesz")]
    assert len(prompts) == 2
    await coordinator.send("Brak miejsc.")
    assert (await app.services.applications.latest(volunteer.id)).status == Status.REJECTED
    await coordinator.send("Jeszcze raz")  # no flow any more: the short hint, nothing decided again
    history = await app.services.applications.history((await app.services.applications.latest(volunteer.id)).id)
    assert [h.action for h in history].count(Action.REJECTED) == 1
    # The accept confirmation pressed late, twice: refused both times, the rejection stands.
    application = await app.services.applications.latest(volunteer.id)
    await coordinator.press(card.message_id, f"rv:ay:{application.id}")
    await coordinator.press(card.message_id, f"rv:ay:{application.id}")
    assert coordinator.alerts[-1].endswith("ma już inny status: nieprzyjęte.")
    assert (await app.services.applications.get(application.id)).status == Status.REJECTED


async def test_alerts_switch_carries_the_state_it_sets(app, double, coordinator):
    await coordinator.send("/zgloszenia")
    menu = coordinator.last.message_id
    off = coordinator.last.button("🔔 Powiadomienia o zgłoszeniach: włączone").callback_data
    await coordinator.press(menu, off)
    await coordinator.press(menu, off)  # delivered twice: still off
    assert not await app.services.coordinator_settings.notify_applications(COORDINATOR_ID)
    assert "🔕 Powiadomienia o zgłoszeniach: wyłączone" in coordinator.last.buttons
    await coordinator.tap("🔕 Powiadomienia o zgłoszeniach: wyłączone")
    assert await app.services.coordinator_settings.notify_applications(COORDINATOR_ID)


async def test_a_restart_while_typing_a_reason_continues_there(settings, double):
    volunteer = double.user(user_id=3026)
    async with running(build_application(settings, double), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        await submitted_application(volunteer)
        await open_from_notification(coordinator)
        await coordinator.tap("❌ Nie przyjmuj")
    async with running(build_application(settings, double), double) as app:
        await coordinator.send("Brak miejsc w tej edycji.")
        assert "nieprzyjęte" in coordinator.last.text
        application = await app.services.applications.latest(volunteer.id)
        assert (application.status, application.decision_note) == (Status.REJECTED, "Brak miejsc w tej edycji.")
        assert "Wyjaśnienie osoby koordynującej: Brak miejsc w tej edycji." in volunteer.last.text


async def test_a_restart_while_typing_a_question_continues_there(settings, double):
    volunteer = double.user(user_id=3027)
    async with running(build_application(settings, double), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        await submitted_application(volunteer)
        await open_from_notification(coordinator)
        await coordinator.tap("❓ Poproś o uzupełnienie")
    async with running(build_application(settings, double), double) as app:
        await coordinator.send("Gdzie pracujesz?")
        assert coordinator.last.text.startswith("❓ Pytanie zostało wysłane.")
        assert (await app.services.applications.latest(volunteer.id)).status == Status.NEEDS_INFO
        assert "Gdzie pracujesz?" in volunteer.last.text


async def test_old_list_buttons_and_forged_pages_are_answered_safely(app, double, coordinator):
    await submitted_application(double.user(user_id=3028))
    await coordinator.send("/zgloszenia")
    menu = coordinator.last.message_id
    for old in ("rv:s:submitted:0", "rv:n", "rv:xs:all", "rvs:draft:0", "rvx:draft", "rv:o:999999"):
        await coordinator.press(menu, old)
        assert coordinator.alerts[-1].startswith("Ten przycisk jest już nieaktualny."), old
    await coordinator.press(menu, "rvs:submitted:-3")
    assert coordinator.last.buttons[0].startswith("#")
    await coordinator.press(coordinator.last.message_id, f"rvs:submitted:{2**62}")
    assert coordinator.last.buttons[0].startswith("#")  # an unknown place in the list: its first page


async def test_the_list_pages_forward_and_back_by_key(app, double, coordinator):
    for n in range(19):  # three pages of eight
        await app.services.users.record_contact(9500 + n, f"Osoba {n}", None, None, "pl")
        await app.services.applications.submit(
            (await app.services.applications.start_draft(9500 + n, "full_name")).id, 9500 + n
        )
    await coordinator.send("/zgloszenia")
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("Nowe (")))
    seen = [coordinator.last.buttons[:8]]
    assert "« Poprzednie" not in coordinator.last.buttons
    await coordinator.tap("Następne »")
    seen.append(coordinator.last.buttons[:8])
    await coordinator.tap("Następne »")
    last = [b for b in coordinator.last.buttons if b.startswith("#")]
    assert len(last) == 3 and "Następne »" not in coordinator.last.buttons
    ids = [int(b[1:].split()[0]) for page in seen for b in page] + [int(b[1:].split()[0]) for b in last]
    assert ids == sorted(ids) and len(set(ids)) == 19  # every application once, in the order sent
    await coordinator.tap("« Poprzednie")
    assert coordinator.last.buttons[:8] == seen[1]
    await coordinator.tap("« Poprzednie")
    assert coordinator.last.buttons[:8] == seen[0] and "« Poprzednie" not in coordinator.last.buttons
