"""Applying to the Expert Volunteer Team, as a volunteer meets it in chat."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.app import build_application
from bot.double import running
from storage.applications import Status

ANSWERS_PL = {
    "full_name": "Anna Kowalska",
    "email": "Anna.Kowalska@Example.ORG",
    "phone": "600 100 200",
    "county": "lubelski",
    "organisation": "Stowarzyszenie Razem",
    "experience": "Od pięciu lat piszę wnioski o granty dla koła gospodyń wiejskich.",
    "communities": "KGW w Zemborzycach i sołectwo Wólka",
    "heard_from": "Od znajomej",
}


async def begin(chat, command="/zgloszenie"):
    """From the first message to the first question of the form."""
    await chat.send(command)
    assert "Regulamin rekrutacji — najważniejsze punkty" in chat.last.text
    assert "Udział w Eksperckim Zespole Wolontariuszy ma dwa etapy" in chat.last.text
    assert chat.last.keyboard[0][0].url == "https://example.org/regulamin-ezw.pdf"
    await chat.tap("✅ Akceptuję regulamin")
    assert "Administrator danych: Fundacja Razem dla Regionu" in chat.last.text
    await chat.tap("✅ Wyrażam zgodę")
    assert "informacje o innych programach" in chat.last.text
    await chat.tap("Tak")
    assert chat.last.text.startswith("Krok 1 z 12")


async def fill_form(chat, answers=ANSWERS_PL):
    await chat.send(answers["full_name"])
    assert chat.last.text.startswith("Krok 2 z 12")
    await chat.send(answers["email"])
    assert chat.last.text.startswith("Krok 3 z 12")
    assert chat.reply_keyboard == ["📱 Udostępnij mój numer", "« Wstecz"]
    await chat.send(answers["phone"])
    assert chat.last.text.startswith("Krok 4 z 12")
    assert chat.reply_keyboard == []
    await chat.tap("Tak")
    assert chat.last.text.startswith("Krok 5 z 12")
    await chat.send(answers["county"])  # typed instead of pressed: still understood
    assert chat.last.text.startswith("Krok 6 z 12")
    await chat.send(answers["organisation"])
    assert chat.last.text.startswith("Krok 7 z 12")
    await chat.tap("▫️ Budżet obywatelski")
    await chat.tap("▫️ Fundusz sołecki")
    await chat.tap("Gotowe »")
    assert chat.last.text.startswith("Krok 8 z 12")
    await chat.send(answers["experience"])
    assert chat.last.text.startswith("Krok 9 z 12")
    await chat.tap("▫️ Pisanie wniosków o granty")
    await chat.tap("Gotowe »")
    await chat.send(answers["communities"])
    assert chat.last.text.startswith("Krok 11 z 12")
    await chat.tap("5–10 godzin")
    assert chat.last.text.startswith("Krok 12 z 12")
    await chat.send(answers["heard_from"])
    assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")


async def test_the_whole_application_in_polish(app, double, coordinator):
    chat = double.user(user_id=2001, first_name="Anna", language_code="pl")
    await chat.send("/start")
    assert chat.last.buttons[0] == "📝 Zgłoś się do zespołu"
    await chat.tap("📝 Zgłoś się do zespołu")
    assert "Regulamin rekrutacji" in chat.last.text
    await chat.tap("✅ Akceptuję regulamin")
    await chat.tap("✅ Wyrażam zgodę")
    await chat.tap("Nie")
    await fill_form(chat)
    summary = chat.last.text
    for expected in (
        "Imię i nazwisko: Anna Kowalska",
        "E-mail: Anna.Kowalska@example.org",
        "Telefon: +48 600 100 200",
        "Ukończone 18 lat: Tak",
        "Powiat: lubelski",
        "Obszary kompetencji: Budżet obywatelski, Fundusz sołecki",
        "Tematy do rozwoju: Pisanie wniosków o granty",
        "Dostępność: 5–10 godzin",
    ):
        assert expected in summary
    await chat.tap("📨 Wyślij zgłoszenie")
    assert chat.last.text.startswith("📨 Zgłoszenie wysłane!")
    assert chat.last.buttons[0] == "📝 Moje zgłoszenie: wysłane, czeka na decyzję"

    services = app.services
    application = await services.applications.latest(chat.id)
    assert application.status == Status.SUBMITTED
    answers = await services.applications.answers(application.id)
    assert answers["phone"] == "+48600100200"
    assert answers["email"] == "Anna.Kowalska@example.org"
    assert answers["competences"] == ["participatory_budget", "village_fund"]
    consents = {c.kind: c for c in await services.consents.all_for(chat.id)}
    assert consents["rules"].version == "2026-01" and consents["rules"].granted
    assert consents["privacy"].granted
    assert consents["optional:other_programmes"].granted is False

    # The coordinator was told, with a button to open it.
    assert coordinator.last.text.startswith("📥 Nowe zgłoszenie nr")
    assert "Anna Kowalska (lubelski)" in coordinator.last.text


async def test_the_whole_application_in_english(app, double):
    chat = double.user(user_id=2002, first_name="John", language_code="en")
    await chat.send("/apply")
    assert "Recruitment rules — the most important points" in chat.last.text
    await chat.tap("✅ I accept the rules")
    await chat.tap("✅ I consent")
    await chat.tap("Yes")
    assert chat.last.text.startswith("Step 1 of 12")
    await chat.send("John Smith")
    await chat.send("john@example.com")
    await chat.share_contact("48600100200")
    assert chat.last.text.startswith("Step 4 of 12")
    await chat.tap("Yes")
    await chat.tap("Lublin")
    await chat.tap("Skip »")
    await chat.tap("▫️ Local initiative")
    await chat.tap("Done »")
    await chat.send("I have volunteered with local NGOs for years.")
    await chat.tap("Skip »")
    await chat.send("Rural communities near Lublin")
    await chat.tap("more than 20 hours")
    await chat.tap("Skip »")
    assert chat.last.text.startswith("Please check your application")
    assert "Organisation or affiliation: — (skipped)" in chat.last.text
    await chat.tap("📨 Send the application")
    assert chat.last.text.startswith("📨 Application sent!")
    answers = await app.services.applications.answers((await app.services.applications.latest(chat.id)).id)
    assert answers["phone"] == "+48600100200"
    assert answers["organisation"] is None


@pytest.mark.parametrize(
    ("step", "field_answers", "bad", "explanation"),
    [
        (1, [], "Jo", "Odpowiedź jest trochę za krótka: napisz co najmniej 3 znaki."),
        (1, [], "x" * 121, "Odpowiedź jest za długa: skróć ją do 120 znaków (teraz: 121)."),
        (2, ["Anna Nowak"], "anna.example.org", "brakuje znaku @"),
        (2, ["Anna Nowak"], "@example.org", "przed znakiem @ nic nie ma"),
        (2, ["Anna Nowak"], "anna@", "po znaku @ nic nie ma"),
        (2, ["Anna Nowak"], "anna@example", "część po @ powinna zawierać kropkę"),
        (2, ["Anna Nowak"], "anna@@example.org", "ma więcej niż jeden znak @"),
        (2, ["Anna Nowak"], "an na@example.org", "nie może zawierać spacji"),
        (3, ["Anna Nowak", "a@example.org"], "telefon", "To nie wygląda na numer telefonu"),
        (3, ["Anna Nowak", "a@example.org"], "123", "jest za krótki"),
        (3, ["Anna Nowak", "a@example.org"], "600 100 200 300 400", "ma za dużo cyfr"),
        (4, ["Anna Nowak", "a@example.org", "600100200"], "może", "Odpowiedz przyciskiem „Tak” albo „Nie”."),
        (
            5,
            ["Anna Nowak", "a@example.org", "600100200", "tak"],
            "Kraków",
            "Wybierz odpowiedź za pomocą przycisków poniżej.",
        ),
    ],
)
async def test_invalid_answers_are_explained_and_asked_again(app, double, step, field_answers, bad, explanation):
    chat = double.user(user_id=2100 + step)
    await begin(chat)
    for answer in field_answers:
        await chat.send(answer)
    assert chat.last.text.startswith(f"Krok {step} z 12")
    await chat.send(bad)
    assert chat.last.text.startswith("⚠️ ")
    assert explanation in chat.last.text
    assert f"Krok {step} z 12" in chat.last.text
    application = await app.services.applications.latest(chat.id)
    assert sorted((await app.services.applications.answers(application.id)).keys()) == sorted(
        [f.id for f in app.services.org.form[: step - 1]]
    )


async def test_text_where_a_multiple_choice_is_expected_and_none_chosen(app, double):
    chat = double.user(user_id=2201)
    await begin(chat)
    for answer in ("Anna Nowak", "a@example.org", "600100200", "tak", "Lublin", "-"):
        await chat.send(answer)
    assert chat.last.text.startswith("Krok 7 z 12")
    await chat.send("budżet")
    assert "Wybierz odpowiedź za pomocą przycisków poniżej." in chat.last.text
    await chat.tap("Gotowe »")
    assert chat.alerts[-1] == "Wybierz co najmniej jedną odpowiedź."
    await chat.send_sticker()
    assert chat.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    assert "Krok 7 z 12" in chat.last.text


async def test_a_minor_cannot_go_on(app, double):
    chat = double.user(user_id=2202)
    await begin(chat)
    for answer in ("Ola Nowak", "ola@example.org", "600100200"):
        await chat.send(answer)
    await chat.tap("Nie")
    assert chat.last.text.startswith("Ekspercki Zespół Wolontariuszy jest dla osób pełnoletnich.")
    assert chat.last.buttons == ["✏️ Zmień odpowiedź", "« Menu główne"]  # not a dead end
    application = await app.services.applications.latest(chat.id)
    assert (await app.services.applications.answers(application.id)).get("adult") is None  # nothing to go on from


async def test_back_skip_and_keep(app, double):
    chat = double.user(user_id=2203)
    await begin(chat)
    await chat.send("Anna Nowak")
    await chat.tap("« Wstecz")
    assert chat.last.text.startswith("Krok 1 z 12")
    assert "Twoja dotychczasowa odpowiedź: Anna Nowak" in chat.last.text
    await chat.tap("Zostaw tę odpowiedź »")
    assert chat.last.text.startswith("Krok 2 z 12")
    await chat.send("a@example.org")
    await chat.tap("« Wstecz")  # on the phone question the navigation is a reply keyboard
    assert chat.last.text.startswith("Krok 2 z 12")
    await chat.send("b@example.org")
    await chat.send("600100200")
    await chat.tap("Tak")
    await chat.tap("Lublin")
    assert "Pomiń »" in chat.last.buttons  # organisation is optional
    await chat.tap("Pomiń »")
    assert chat.last.text.startswith("Krok 7 z 12")
    answers = await app.services.applications.answers((await app.services.applications.latest(chat.id)).id)
    assert answers["email"] == "b@example.org"
    assert answers["organisation"] is None
    assert answers["county"] == "lublin"


async def test_other_county_is_typed(app, double):
    chat = double.user(user_id=2204)
    await begin(chat)
    for answer in ("Anna Nowak", "a@example.org", "600100200"):
        await chat.send(answer)
    await chat.tap("Tak")
    await chat.tap("Inne…")
    assert chat.last.text == "Wpisz nazwę, której nie ma na liście:"
    await chat.send("powiat kielecki")
    assert chat.last.text.startswith("Krok 6 z 12")
    answers = await app.services.applications.answers((await app.services.applications.latest(chat.id)).id)
    assert answers["county"] == {"other": "powiat kielecki"}


async def test_edit_from_the_summary_returns_to_the_summary(app, double):
    chat = double.user(user_id=2205)
    await begin(chat)
    await fill_form(chat)
    await chat.tap("✏️ E-mail")
    assert chat.last.text.startswith("Krok 2 z 12")
    await chat.send("nowy@example.org")
    assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")
    assert "E-mail: nowy@example.org" in chat.last.text
    await chat.tap("✏️ Obszary kompetencji")
    await chat.tap("✅ Budżet obywatelski")
    await chat.tap("Gotowe »")
    assert "Obszary kompetencji: Fundusz sołecki" in chat.last.text


async def test_cancel_keeps_the_draft_and_coming_back_offers_continue_or_start_over(app, double):
    chat = double.user(user_id=2206)
    await begin(chat)
    await chat.send("Anna Nowak")
    await chat.send("a@example.org")
    await chat.send("/anuluj")
    assert chat.last.text.startswith("Przerwano. Dotychczasowe odpowiedzi są zapisane.")
    assert chat.last.buttons[0] == "📝 Dokończ zgłoszenie"
    await chat.tap("📝 Dokończ zgłoszenie")
    assert chat.last.text.startswith("Masz rozpoczęte zgłoszenie (na razie 2 odpowiedzi).")
    await chat.tap("▶️ Kontynuuj")
    assert chat.last.text.startswith("Krok 3 z 12")
    await chat.send("/anuluj")
    await chat.send("/zgloszenie")
    await chat.tap("🔄 Zacznij od nowa")
    assert chat.last.text.startswith("Krok 1 z 12")
    application = await app.services.applications.latest(chat.id)
    assert await app.services.applications.answers(application.id) == {}


async def test_a_restart_in_the_middle_of_the_form_loses_nothing(settings, double):
    chat = double.user(user_id=2207)
    async with running(build_application(settings, double), double):
        await begin(chat)
        await chat.send("Anna Nowak")
        await chat.send("a@example.org")
    async with running(build_application(settings, double), double) as app:
        await chat.send("600100200")  # answered where it stopped, no command needed
        assert chat.last.text.startswith("Krok 4 z 12")
        answers = await app.services.applications.answers((await app.services.applications.latest(chat.id)).id)
        assert answers == {"full_name": "Anna Nowak", "email": "a@example.org", "phone": "+48600100200"}


async def test_a_second_application_is_not_possible_while_one_is_open(app, double):
    chat = double.user(user_id=2208)
    await begin(chat)
    await fill_form(chat)
    await chat.tap("📨 Wyślij zgłoszenie")
    await chat.send("/zgloszenie")
    assert chat.last.text.startswith("Twoje zgłoszenie")
    assert "Status: wysłane, czeka na decyzję" in chat.last.text
    assert "↩️ Wycofaj zgłoszenie" in chat.last.buttons
    count = await app.services.db.fetch_one("SELECT COUNT(*) FROM applications WHERE telegram_id = ?", (chat.id,))
    assert count[0] == 1


async def test_withdrawing_and_applying_again(app, double):
    chat = double.user(user_id=2209)
    await begin(chat)
    await fill_form(chat)
    await chat.tap("📨 Wyślij zgłoszenie")
    await chat.send("/zgloszenie")
    await chat.tap("↩️ Wycofaj zgłoszenie")
    await chat.tap("Nie, zostaw je")
    assert "Status: wysłane" in chat.last.text
    await chat.tap("↩️ Wycofaj zgłoszenie")
    await chat.tap("Tak, wycofaj")
    assert chat.last.text.startswith("Zgłoszenie zostało wycofane.")
    assert (await app.services.applications.latest(chat.id)).status == Status.WITHDRAWN
    assert chat.last.buttons[0] == "📝 Zgłoś się do zespołu"
    await chat.tap("📝 Zgłoś się do zespołu")
    assert chat.last.text.startswith("Krok 1 z 12")  # rules and consents are still current


async def test_deep_link_opens_the_application(app, double):
    chat = double.user(user_id=2210)
    await chat.send("/start apply")
    assert "Regulamin rekrutacji" in chat.last.text


async def test_stale_buttons_of_the_form_do_not_change_answers(app, double):
    chat = double.user(user_id=2211)
    await begin(chat)
    for answer in ("Anna Nowak", "a@example.org", "600100200"):
        await chat.send(answer)
    question = chat.last
    await chat.tap("Tak")
    # Pressing "No" on the already answered question later changes nothing.
    await chat.press(question.message_id, "ap:yn:adult:no")
    assert chat.last.text.startswith("Krok 5 z 12")
    await chat.press(question.message_id, "ap:c:county:nowhere")
    await chat.press(question.message_id, "ap:edit:no_such_field")
    answers = await app.services.applications.answers((await app.services.applications.latest(chat.id)).id)
    assert answers["adult"] == "yes" and "county" not in answers


async def test_one_reminder_for_an_untouched_draft(settings, double):
    from datetime import UTC, datetime

    from bot.jobs.applications import send_draft_reminders

    now = [datetime(2026, 11, 21, 9, 0, tzinfo=UTC)]
    chat = double.user(user_id=2212)
    submitted = double.user(user_id=2213)
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await begin(chat)
        await chat.send("Anna Nowak")
        await begin(submitted)
        await fill_form(submitted)
        await submitted.tap("📨 Wyślij zgłoszenie")
        now[0] += timedelta(hours=47)
        assert await send_draft_reminders(app) == 0
        now[0] += timedelta(hours=2)
        assert await send_draft_reminders(app) == 1
        assert chat.last.text.startswith("Twoje zgłoszenie do programu „Ekspercki Zespół Wolontariuszy” czeka")
        assert not submitted.last.text.startswith("Twoje zgłoszenie do programu")
        assert await send_draft_reminders(app) == 0
    now[0] += timedelta(days=5)
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        assert await send_draft_reminders(app) == 0  # not again after a restart
        await chat.tap("▶️ Dokończ zgłoszenie")
        assert chat.last.text.startswith("Krok 2 z 12")


async def test_a_deleted_draft_is_gone_and_never_reminded(settings, double):
    from datetime import UTC, datetime

    from bot.jobs.applications import send_draft_reminders

    now = [datetime(2026, 11, 21, 9, 0, tzinfo=UTC)]
    chat = double.user(user_id=2215)
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await begin(chat)
        await chat.send("Anna Nowak")
        await chat.send("/anuluj")
        await chat.send("/zgloszenie")
        await chat.tap("🗑 Usuń wersję roboczą")
        assert chat.last.text.startswith("Wersja robocza została usunięta razem z odpowiedziami.")
        assert await app.services.applications.latest(chat.id) is None
        assert chat.last.buttons[0] == "📝 Zgłoś się do zespołu"
        now[0] += timedelta(days=3)
        assert await send_draft_reminders(app) == 0


async def test_html_in_answers_is_shown_escaped(app, double, coordinator):
    chat = double.user(user_id=2214)
    await begin(chat)
    hostile = dict(ANSWERS_PL, full_name="<b>Ala</b> & </a>", communities="<i>KGW</i> & <script>")
    await fill_form(chat, hostile)
    assert "Imię i nazwisko: <b>Ala</b> & </a>" in chat.last.text
    assert "&lt;b&gt;Ala&lt;/b&gt; &amp; &lt;/a&gt;" in chat.last.html
    await chat.tap("📨 Wyślij zgłoszenie")
    assert "<b>Ala</b> & </a>" in coordinator.last.text
    await coordinator.tap("Otwórz")
    assert "Imię i nazwisko: <b>Ala</b> & </a>" in coordinator.last.text
    assert "Kogo chcesz wspierać: <i>KGW</i> & <script>" in coordinator.last.text
    assert "&lt;i&gt;KGW&lt;/i&gt; &amp; &lt;script&gt;" in coordinator.last.html


async def test_old_form_buttons_after_sending_only_show_the_status(app, double):
    chat = double.user(user_id=2216)
    await begin(chat)
    for answer in ("Anna Nowak", "a@example.org", "600100200"):
        await chat.send(answer)
    adult_question = chat.last.message_id
    no = chat.last.button("Nie").callback_data
    await chat.tap("Tak")
    await fill_rest_after_adult(chat)
    await chat.tap("📨 Wyślij zgłoszenie")
    await chat.press(adult_question, no)
    assert "Status: wysłane, czeka na decyzję" in chat.last.text
    await chat.press(adult_question, "ap:rules:2026-01")  # a form button of an earlier release
    count = await app.services.db.fetch_one("SELECT COUNT(*) FROM applications WHERE telegram_id = ?", (chat.id,))
    assert count[0] == 1


async def fill_rest_after_adult(chat):
    await chat.tap("Lublin")
    await chat.tap("Pomiń »")
    await chat.tap("▫️ Inicjatywa lokalna")
    await chat.tap("Gotowe »")
    await chat.send("Pracuję w stowarzyszeniu od dziesięciu lat.")
    await chat.tap("Pomiń »")
    await chat.send("Sołectwo Wólka")
    await chat.tap("do 5 godzin")
    await chat.tap("Pomiń »")
    assert chat.last.text.startswith("Sprawdź swoje zgłoszenie")


async def test_a_drafts_buttons_pressed_after_sending_show_the_application_and_change_nothing(app, double):
    chat = double.user(user_id=2231)
    await begin(chat)
    await chat.send("Anna Nowak")
    await chat.send("/anuluj")
    await chat.send("/zgloszenie")
    offer = chat.last  # "continue, start over or delete the draft"
    pressed_later = [offer.button(label).callback_data for label in ("🔄 Zacznij od nowa", "🗑 Usuń wersję roboczą")]
    await chat.tap("🔄 Zacznij od nowa")
    await fill_form(chat)
    await chat.tap("📨 Wyślij zgłoszenie")
    sent = await app.services.applications.latest(chat.id)
    answers = await app.services.applications.answers(sent.id)
    for data in pressed_later:
        await chat.press(offer.message_id, data)
        assert "Status: wysłane" in chat.last.text, chat.last.text
    latest = await app.services.applications.latest(chat.id)
    assert (latest.id, latest.status) == (sent.id, sent.status)
    assert await app.services.applications.answers(sent.id) == answers
