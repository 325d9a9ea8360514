"""The volunteer agreement: from the template to a signed, active agreement, as people meet it in chat."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pypdf
import pytest

from bot.agreements import (
    Volunteer,
    default_scope,
    file_problem,
    names_match,
    needs_written_form,
    parse_period,
    render_agreement,
    text_sha256,
    volunteer_from_answers,
)
from bot.app import build_application
from bot.config import ConfigError
from bot.double import running
from bot.organisation import default_org_text, load_organisation
from bot.pdf import render_pdf
from storage.agreements import COORDINATOR_MAY_END, State, TransitionRefused
from tests.conftest import COORDINATOR_ID
from tests.test_review import open_from_notification, submitted_application

POLISH = "Zażółć gęślą jaźń ZAŻÓŁĆ GĘŚLĄ JAŹŃ"
START = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # a Friday morning in Warsaw


def pdf_text(content: bytes) -> str:
    """The text of every page, with line breaks and spacing made single spaces."""
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages).split())


def words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text))


@pytest.fixture
def now():
    return [START]


@pytest.fixture
async def capp(settings, double, now):
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as application:
        await application.services.coordinators.add(COORDINATOR_ID)
        yield application


@pytest.fixture
def staff(capp, double):
    return double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")


async def accepted(double, staff, user_id: int, language: str = "pl"):
    volunteer = double.user(user_id=user_id, first_name="Anna", language_code="pl")
    await submitted_application(volunteer)
    if language != "pl":
        await volunteer.send("/language")
        await volunteer.tap({"en": "🇬🇧 English", "uk": "🇺🇦 Українська"}[language])
    await open_from_notification(staff)
    await staff.tap("✅ Przyjmij")
    await staff.tap("✅ Tak, przyjmij")
    assert "✍️ Przygotuj porozumienie" in staff.last.buttons
    return volunteer


async def offer(staff, period: str | None = None):
    await staff.tap("✍️ Przygotuj porozumienie")
    assert staff.last.text.startswith("Porozumienie #")
    if period:
        await staff.tap("📅 Okres")
        await staff.send(period)
    await staff.tap("📨 Przekaż do akceptacji")
    await staff.tap("📨 Tak, przekaż")


async def accept(volunteer, name="Anna Kowalska"):
    await volunteer.tap("✍️ Zaakceptuj i podpisz")
    await volunteer.send(name)
    await volunteer.tap("✅ Akceptuję i podpisuję")


# ---- the template, the text, the PDF ---------------------------------------------------------------
def sample(org, **changes):
    values = {
        "agreement_id": 7,
        "year": 2026,
        "volunteer": Volunteer(
            "Żaneta Łącka-Ćwik", "z@example.org", "+48600100200", "łęczyński", "5–10 godzin", ["grants"], POLISH
        ),
        "scope": default_scope(org, ["grants", "village_fund"], POLISH),
        "start": date(2026, 12, 1),
        "end": date(2027, 5, 31),
    }
    values.update(changes)
    return render_agreement(org, **values)


def test_the_pdf_gives_back_the_same_polish_words():
    org = load_organisation()
    text = sample(org)
    assert "Żaneta Łącka-Ćwik" in text and "1 grudnia 2026 r. do 31 maja 2027 r. (182 dni)" in text
    assert "${" not in text and "formy pisemnej" in text
    content = render_pdf(text, title="Porozumienie", footer="SHA-256 " + text_sha256(text), created=START)
    assert content.startswith(b"%PDF-")
    extracted = pdf_text(content)
    assert words(text) <= words(extracted)
    for letter in "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ":
        assert letter in extracted
    assert POLISH in extracted and "Łącka-Ćwik" in extracted


def test_the_hash_is_stable_for_the_same_text_and_changes_with_any_change():
    org = load_organisation()
    text = sample(org)
    assert sample(org) == text and text_sha256(sample(org)) == text_sha256(text)
    assert len(text_sha256(text)) == 64
    different = {
        text_sha256(text.replace("Żaneta", "Zaneta", 1)),
        text_sha256(text + " "),
        text_sha256(sample(org, end=date(2027, 5, 30))),
        text_sha256(sample(org, scope="inny zakres")),
        text_sha256(sample(org, agreement_id=8)),
    }
    assert text_sha256(text) not in different and len(different) == 5


def test_a_short_agreement_is_documentary_and_a_long_one_written():
    org = load_organisation()
    assert not needs_written_form(date(2026, 12, 1), date(2026, 12, 30))  # 30 days
    assert needs_written_form(date(2026, 12, 1), date(2026, 12, 31))  # 31 days
    short = sample(org, end=date(2026, 12, 30))
    assert "formie dokumentowej" in short and "formy pisemnej:" not in short


@pytest.mark.parametrize(
    ("typed", "ok"),
    [
        ("Anna Kowalska", True),
        ("  anna   KOWALSKA ", True),
        ("Anna Kowalska", True),
        ("Ánna Kowalska", True),
        ("Anna Kowalsky", False),
        ("Anna", False),
        ("", False),
    ],
)
def test_names_match_ignoring_case_spacing_and_diacritics(typed, ok):
    assert names_match(typed, "Anna Kowalska") is ok


def test_polish_letters_without_diacritics_still_match():
    assert names_match("lucja zolc-zmijewska", "Łucja Żółć-Żmijewska")
    assert names_match("ŁUCJA ŻÓŁĆ-ŻMIJEWSKA", "Łucja Żółć-Żmijewska")
    assert not names_match("Łucja Żółć", "Łucja Żółć-Żmijewska")


def test_periods_are_parsed_and_checked():
    today = date(2026, 11, 20)
    assert parse_period("1.12.2026 – 31.05.2027", today) == (date(2026, 12, 1), date(2027, 5, 31))
    assert parse_period("od 20.11.2026 do 19.12.2026", today) == (date(2026, 11, 20), date(2026, 12, 19))
    for bad in (
        "jutro",
        "31.02.2027 - 1.03.2027",
        "1.11.2026 - 1.12.2026",
        "1.12.2026 - 1.11.2026",
        "1.12.2026 - 1.12.2036",
    ):
        assert not isinstance(parse_period(bad, today), tuple), bad


def test_periods_are_read_by_the_one_date_parser():
    today = date(2026, 11, 20)
    expected = (date(2026, 12, 1), date(2027, 5, 31))
    for typed in ("od 1 grudnia 2026 do 31 maja 2027", "2026-12-01 – 2027-05-31", "1-12-2026 - 31-05-2027"):
        assert parse_period(typed, today) == expected, typed
    assert parse_period("31.02.2027 - 1.03.2027", today).msgid.startswith("One of these dates does not exist")


def test_the_template_speaks_natural_polish():
    org = load_organisation()
    volunteer = volunteer_from_answers(
        org,
        {"phone": "+48600100200", "availability": "5_to_10", "competences": ["participatory_budget", "village_fund"]},
        "Anna Kowalska",
    )
    text = sample(org, volunteer=volunteer, scope=default_scope(org, volunteer.areas, ""))
    assert "reprezentowana przez Janę Przykładową – Prezeskę Zarządu, zwana dalej „Korzystającym”" in text
    assert "w wymiarze 5–10 godzin miesięcznie," in text
    assert "z zakresu: budżet obywatelski, fundusz sołecki;" in text
    assert "telefon: +48 600 100 200," in text
    assert "Porozumienie zostaje zawarte na okres" in text and "zawiera się" not in text
    assert "Działasz jako wolontariusz/ka" in org.agreement.summary.get("pl")


def test_an_older_organisation_file_without_the_new_fields_still_works(tmp_path):
    source = default_org_text()
    for line in (
        'representative_accusative = "Janę Przykładową – Prezeskę Zarządu"\n',
        'availability_text = "${availability} miesięcznie"\n',
        'availability_unknown = "uzgodnionym z koordynatorem programu"\n',
    ):
        assert line in source
        source = source.replace(line, "")
    source = source.replace("${organisation_representative_accusative}", "${organisation_representative}")
    source = re.sub(r"\n(label|consent_to) = \{ pl = \"[^\n]*innych programach[^\n]*\n", "\n", source)
    path = tmp_path / "org.toml"
    path.write_text(source, "utf-8")
    org = load_organisation(path)
    text = sample(org, volunteer=Volunteer("Anna", "a@b.pl", "—", "—", "", [], ""))
    assert "reprezentowana przez Jana Przykładowa – Prezeska Zarządu" in text
    assert "w wymiarze uzgodnionym z koordynatorem," in text
    assert org.consents[0].label is None
    assert org.consents[0].name("pl") == "Chcę dostawać informacje o innych programach i wydarzeniach fundacji"


def test_consent_labels_are_short(tmp_path):
    source = default_org_text().replace(
        'label = { pl = "Informacje o innych programach"', 'label = { pl = "' + "x" * 61 + '"'
    )
    path = tmp_path / "org.toml"
    path.write_text(source, "utf-8")
    with pytest.raises(ConfigError, match=r"consents\.0\.label"):
        load_organisation(path)
    assert load_organisation().consents[0].name("uk") == "Інформація про інші програми"


def test_uploaded_files_are_checked_by_size_and_content():
    assert file_problem(None, 11 * 1024 * 1024, 10) is not None
    assert file_problem(b"%PDF-1.7 ...", 12, 10) is None
    assert file_problem(b"\xff\xd8\xff\xe0 jpeg", 10, 10) is None
    assert file_problem(b"\x89PNG\r\n\x1a\n", 10, 10) is None
    assert file_problem(b"MZ\x90\x00 an .exe called signed.pdf", 10, 10) is not None
    assert file_problem(b"", 0, 10) is not None


# ---- the whole agreement in chat ---------------------------------------------------------------------
async def test_a_short_agreement_is_offered_read_accepted_and_in_force(capp, double, staff):
    volunteer = await accepted(double, staff, 5001)
    await offer(staff, "20.11.2026 – 19.12.2026")
    assert "Wystarczy forma dokumentowa (do 30 dni)." in staff.last.text
    assert volunteer.last.text.startswith("📄 Twoje porozumienie wolontariackie nr ")
    await volunteer.tap("📄 Moje porozumienie")
    summary = volunteer.last.text
    assert "Status: czeka na Twoją akceptację" in summary
    assert "Okres: 20 listopada 2026 – 19 grudnia 2026 (30 dni)" in summary
    assert "Forma: dokumentowa" in summary and "Masz ubezpieczenie NNW" in summary
    await volunteer.tap("📄 Pobierz PDF")
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    extracted = pdf_text(volunteer.last.document_bytes)
    assert words(agreement.rendered_text) <= words(extracted)
    assert "Anna Kowalska" in extracted and "świadczeń wolontarystycznych" in extracted.lower()

    await volunteer.tap("✍️ Zaakceptuj i podpisz")
    await volunteer.send("Anna Nowak")
    assert volunteer.last.text.startswith("⚠️ To nie jest imię i nazwisko podane w zgłoszeniu.")
    assert agreement.state == State.OFFERED
    await volunteer.send("  anna   KOWALSKA ")
    assert "akceptujesz porozumienie nr FRdR/2026/" in volunteer.last.text
    await volunteer.tap("✅ Akceptuję i podpisuję")
    assert "Porozumienie zaakceptowane." in volunteer.last.text and "Obowiązuje od dziś." in volunteer.last.text
    assert staff.last.text.startswith("✍️ Anna Kowalska – akceptacja porozumienia nr")

    stored = await capp.services.agreements.get(agreement.id)
    acceptance = await capp.services.agreements.acceptance(agreement.id)
    assert stored.state == State.ACTIVE
    assert acceptance.telegram_id == volunteer.id and acceptance.typed_name == "anna KOWALSKA"
    assert acceptance.template_version == "2026-02" and acceptance.accepted_at == START
    assert acceptance.text_sha256 == text_sha256(stored.rendered_text)
    active = await capp.services.db.fetch_all("SELECT telegram_id FROM agreements WHERE state = 'active'")
    assert [r[0] for r in active] == [volunteer.id]

    # Any change to the stored text afterwards shows.
    await staff.tap("Otwórz")
    assert "✅ Zapisana treść jest dokładnie tą zaakceptowaną." in staff.last.text
    await capp.services.db.execute(
        "UPDATE agreements SET rendered_text = replace(rendered_text, 'bez wynagrodzenia', 'za wynagrodzeniem')"
    )
    assert await capp.services.agreements.verify(agreement.id) is False
    await staff.press(staff.last.message_id, f"ga:o:{agreement.id}")
    assert "⚠️ Zapisana treść różni się od zaakceptowanej!" in staff.last.text


async def test_the_summary_is_in_the_volunteers_language_and_the_text_stays_polish(capp, double, staff):
    volunteer = await accepted(double, staff, 5002, language="uk")
    await offer(staff)
    await volunteer.tap("📄 Моя угода")
    assert "Статус: чекає на ваше прийняття" in volunteer.last.text
    assert "Ви застраховані від нещасних випадків" in volunteer.last.text
    assert "dzielenie się wiedzą" in volunteer.last.text  # the scope itself is the Polish legal text
    await volunteer.tap("📄 Завантажити PDF")
    assert "POROZUMIENIE O WYKONYWANIU ŚWIADCZEŃ" in pdf_text(volunteer.last.document_bytes)
    await volunteer.tap("✍️ Прийняти й підписати")
    await volunteer.send("anna kowalska")
    assert "✅ Приймаю й підписую" in volunteer.last.buttons
    assert volunteer.last.text.startswith("Дякуємо, Anna Kowalska.")  # the name as stored, not as typed


async def test_written_form_with_an_upload_confirmed_by_the_coordinator(capp, double, staff):
    volunteer = await accepted(double, staff, 5003)
    await offer(staff)  # the default six months: written form
    assert "Wymagana forma pisemna (ponad 30 dni)." in staff.last.text
    await volunteer.tap("📄 Moje porozumienie")
    assert "Forma: pisemna" in volunteer.last.text
    await accept(volunteer)
    text = volunteer.last.text
    assert "prawo wymaga formy pisemnej" in text
    assert "1️⃣ Wydrukuj PDF, podpisz go własnoręcznie" in text and "2️⃣ Podpisz plik PDF" in text
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    assert agreement.state == State.ACCEPTED

    await volunteer.tap("📤 Wyślij podpisany plik")
    await volunteer.send_document(b"just text, not a signed file", "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith("⚠️ Wyślij plik PDF albo skan w formacie JPEG lub PNG.")
    await volunteer.send("proszę")
    assert volunteer.last.text.startswith("⚠️ ") and "Wyślij podpisane porozumienie jako plik" in volunteer.last.text
    big = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024)
    await volunteer.send_document(big, "duzy.pdf", "application/pdf")
    assert volunteer.last.text.startswith("⚠️ Plik jest za duży: najwyżej 10 MB.")
    signed = b"%PDF-1.7\n% signed with a qualified signature\n"
    await volunteer.send_document(signed, "porozumienie-podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith("📎 Otrzymano: porozumienie-podpisane.pdf.")
    assert staff.last.text.startswith("📎 Anna Kowalska – podpisany egzemplarz porozumienia nr")
    files = await capp.services.agreements.files(agreement.id)
    assert [(f.file_name, f.size, f.mime_type) for f in files] == [
        ("porozumienie-podpisane.pdf", len(signed), "application/pdf")
    ]

    await staff.tap("Otwórz")
    assert "Otrzymano 1 podpisany plik." in staff.last.text
    await staff.tap("📎 porozumienie-podpisane.pdf")
    assert staff.last.document_bytes == signed
    await staff.tap("✅ Potwierdź podpisany plik")
    assert "Podpisany egzemplarz potwierdzony" in staff.last.text
    confirmed = "✅ Osoba koordynująca potwierdziła podpisany egzemplarz Twojego porozumienia."
    assert volunteer.last.text.startswith(confirmed)
    stored = await capp.services.agreements.get(agreement.id)
    assert stored.state == State.ACTIVE and stored.signed_how == "file" and stored.signed_by == COORDINATOR_ID
    history = [h.action for h in await capp.services.agreements.history(agreement.id)]
    assert history == ["created", "offered", "accepted", "file_uploaded", "signed", "activated"]


async def test_stopping_the_upload_says_the_file_was_not_sent(capp, double, staff):
    volunteer = await accepted(double, staff, 5003)
    await offer(staff)  # the default six months: written form
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    await volunteer.tap("📤 Wyślij podpisany plik")
    await volunteer.send("/anuluj")
    assert "Przerwano wysyłanie pliku." in volunteer.last.text


async def test_a_file_sent_without_pressing_the_button_is_taken_when_a_copy_is_awaited(capp, double, staff):
    volunteer = await accepted(double, staff, 5004)
    await volunteer.send_document(b"%PDF-1.4 x", "a.pdf", "application/pdf")
    assert volunteer.last.text.startswith("Nie obsługuję tego rodzaju wiadomości.")
    await offer(staff)
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    await volunteer.send_document(b"\x89PNG\r\n\x1a\nscan", "skan.png", "image/png")
    assert volunteer.last.text.startswith("📎 Otrzymano: skan.png.")


async def test_forged_and_stale_buttons_change_nothing(capp, double, staff):
    volunteer = await accepted(double, staff, 5005)
    await offer(staff)
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    prefix = agreement.text_sha256[:16]
    await volunteer.tap("📄 Moje porozumienie")
    menu = volunteer.last.message_id
    # Pressing the final button without typing the name first.
    await volunteer.press(menu, f"ag:sign:{agreement.id}:{prefix}")
    assert volunteer.alerts[-1].startswith("Najpierw naciśnij „Zaakceptuj i podpisz”")
    # Someone else's agreement, and nonsense.
    intruder = double.user(user_id=5999)
    await intruder.send("/start")
    for forged in (
        f"ag:acc:{agreement.id}:{prefix}",
        f"ag:pdf:{agreement.id}",
        f"ag:sign:{agreement.id}:{prefix}",
        "ag:pdf:x",
    ):
        await intruder.press(intruder.last.message_id, forged)
        assert intruder.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."
    assert not [m for m in intruder.messages if m.document_name]
    # The name typed, then the coordinator takes the offer back to change it: the old button is stale.
    await volunteer.tap("✍️ Zaakceptuj i podpisz")
    await volunteer.send("Anna Kowalska")
    confirm = volunteer.last.message_id
    await staff.send("/porozumienia")
    await staff.tap("Przekazane, jeszcze niezaakceptowane (1)")
    await staff.tap(staff.last.buttons[0])
    await staff.tap("↩️ Cofnij, aby zmienić")
    await volunteer.press(confirm, f"ag:sign:{agreement.id}:{prefix}")
    assert volunteer.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."
    await staff.tap("✏️ Zakres")
    await staff.send("Prowadzenie warsztatów o budżecie obywatelskim w powiecie łęczyńskim.")
    await staff.tap("📨 Przekaż do akceptacji")
    await staff.tap("📨 Tak, przekaż")
    # Offered again with another text: the button for the old text is refused.
    await volunteer.press(confirm, f"ag:sign:{agreement.id}:{prefix}")
    assert volunteer.alerts[-1].startswith("Najpierw naciśnij") or volunteer.alerts[-1].startswith(
        "Porozumienie zostało w międzyczasie zmienione"
    )
    stored = await capp.services.agreements.get(agreement.id)
    assert stored.state == State.OFFERED and await capp.services.agreements.acceptance(agreement.id) is None
    assert "warsztatów o budżecie obywatelskim" in stored.rendered_text
    await volunteer.press(confirm, f"ag:acc:{agreement.id}:{prefix}")
    assert volunteer.alerts[-1] == "Porozumienie zostało w międzyczasie zmienione. Otwórz je ponownie."
    # Accepting the new text works, once.
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    assert (await capp.services.agreements.get(agreement.id)).state == State.ACCEPTED
    await volunteer.press(confirm, f"ag:sign:{agreement.id}:{stored.text_sha256[:16]}")
    assert (await capp.services.db.fetch_one("SELECT COUNT(*) FROM agreement_acceptances"))[0] == 1


async def test_a_volunteer_cannot_confirm_offer_or_end_anything(capp, double, staff):
    volunteer = await accepted(double, staff, 5006)
    await offer(staff)
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    await volunteer.send("/porozumienia")
    assert volunteer.last.text.startswith("Ta funkcja jest dostępna tylko dla osób koordynujących.")
    menu = volunteer.last.message_id
    for forged in (
        f"ga:sg:{agreement.id}:paper",
        f"ga:endy:{agreement.id}",
        f"ga:end:{agreement.id}",
        f"ga:offy:{agreement.id}",
        f"ga:o:{agreement.id}",
        f"ga:rn:{agreement.id}",
        "ga:list",
        "pc:ok:1:1",
    ):
        await volunteer.press(menu, forged)
        assert volunteer.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await volunteer.send("Chcę zakończyć")  # typed text does not reach a coordinator step either
    stored = await capp.services.agreements.get(agreement.id)
    assert stored.state == State.ACCEPTED and stored.signed_at is None and stored.ended_at is None


async def test_invalid_transitions_are_refused(capp, double, staff):
    repo = capp.services.agreements
    volunteer = await accepted(double, staff, 5007)
    draft = await repo.pending_for(volunteer.id)
    with pytest.raises(TransitionRefused):
        await repo.create_draft(volunteer.id, None, date(2026, 12, 1), date(2026, 12, 2), None, START)
    with pytest.raises(TransitionRefused):
        await repo.accept(draft.id, volunteer.id, "Anna Kowalska", "00", START)  # a draft is not offered
    with pytest.raises(TransitionRefused):
        await repo.confirm_signed(draft.id, COORDINATOR_ID, "paper", START)
    with pytest.raises(TransitionRefused):
        await repo.withdraw_offer(draft.id, COORDINATOR_ID, START)
    offered = await repo.offer(draft.id, COORDINATOR_ID, "Tekst", "2026-01", False, START)
    with pytest.raises(TransitionRefused):
        await repo.offer(draft.id, COORDINATOR_ID, "Tekst 2", "2026-01", False, START)
    with pytest.raises(TransitionRefused):
        await repo.set_period(draft.id, date(2026, 12, 1), date(2026, 12, 20), COORDINATOR_ID, START)
    with pytest.raises(TransitionRefused):
        await repo.accept(draft.id, 4242, "Anna Kowalska", offered.text_sha256[:16], START)  # not theirs
    await repo.accept(draft.id, volunteer.id, "Anna Kowalska", offered.text_sha256[:16], START)
    with pytest.raises(TransitionRefused):
        await repo.confirm_signed(draft.id, COORDINATOR_ID, "paper", START)  # documentary: nothing to sign
    with pytest.raises(TransitionRefused):
        await repo.add_file(draft.id, volunteer.id, "a.pdf", "application/pdf", b"%PDF-", START)
    await repo.end(draft.id, COORDINATOR_ID, "koniec", date(2026, 11, 20), COORDINATOR_MAY_END, START)
    with pytest.raises(TransitionRefused):
        await repo.end(draft.id, COORDINATOR_ID, "znowu", date(2026, 11, 20), COORDINATOR_MAY_END, START)
    assert (await repo.get(draft.id)).state == State.ENDED


async def test_either_side_ends_with_a_date_and_a_reason(capp, double, staff):
    volunteer = await accepted(double, staff, 5008)
    await offer(staff, "20.11.2026 – 19.12.2026")
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("⏹ Zakończ porozumienie")
    await volunteer.send("Przeprowadzam się za granicę.")
    await volunteer.tap("⏹ Tak, zakończ")
    assert volunteer.last.text.startswith("Porozumienie zakończyło się dzisiaj.")
    assert staff.last.text.startswith("⏹ Anna Kowalska – porozumienie nr")
    assert "Powód: Przeprowadzam się za granicę." in staff.last.text
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    assert agreement.state == State.ENDED and agreement.ended_on == date(2026, 11, 20)
    assert agreement.ended_by == volunteer.id and agreement.end_reason == "Przeprowadzam się za granicę."
    # The coordinator renews: a new draft with the same length.
    await staff.tap("Otwórz")
    await staff.tap("🔁 Odnów")
    renewal = await capp.services.agreements.pending_for(volunteer.id)
    assert renewal.renewal_of == agreement.id and renewal.start_date == date(2026, 12, 20)
    # The coordinator ends the renewal draft with a reason; the volunteer never saw it.
    await staff.tap("⏹ Zakończ")
    await staff.send("Niepotrzebne")
    await staff.tap("⏹ Tak, zakończ")
    assert (await capp.services.agreements.get(renewal.id)).state == State.ENDED


# ---- reminders, coming into force, expiry -----------------------------------------------------------------
async def test_reminders_are_sent_once_each_and_survive_a_restart(settings, double, now):
    from bot.jobs.agreements import send_agreement_reminders, update_agreement_states

    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        staff = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        waiting = await accepted(double, staff, 5010)
        await offer(staff)
        signing = await accepted(double, staff, 5011)
        await offer(staff)
        await signing.tap("📄 Moje porozumienie")
        await accept(signing)
        short = await accepted(double, staff, 5012)
        await offer(staff, "25.11.2026 – 20.12.2026")
        await short.tap("📄 Moje porozumienie")
        await accept(short)
        assert "Zacznie obowiązywać 25 listopada 2026." in short.last.text

        now[0] = START + timedelta(days=2)
        assert await send_agreement_reminders(app) == 0
        now[0] = START + timedelta(days=3, minutes=1)
        assert await send_agreement_reminders(app) == 1
        assert waiting.last.text.startswith("📄 Twoje porozumienie wolontariackie nr")
        assert await send_agreement_reminders(app) == 0

        now[0] = START + timedelta(days=5)
        assert await update_agreement_states(app) == 1  # the short one comes into force
        assert short.last.text.startswith("✅ Twoje porozumienie wolontariackie nr")
        assert "obowiązuje od dziś" in short.last.text
        assert await update_agreement_states(app) == 0

    now[0] = START + timedelta(days=7, hours=1)
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        staff = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        # The written copy is still missing after 7 days.
        assert await send_agreement_reminders(app) == 1
        assert signing.last.text.startswith("🖊 Podpisany egzemplarz Twojego porozumienia nr")
        assert staff.last.text.startswith("🖊 Wciąż brakuje egzemplarza pisemnego porozumienia nr")
        assert await send_agreement_reminders(app) == 0
        # 14 days before its end, the coordinator is asked whether to renew the short one.
        now[0] = datetime(2026, 12, 5, 22, 0, tzinfo=UTC)  # 5 December 23:00 in Warsaw: 15 days left
        assert await send_agreement_reminders(app) == 0
        now[0] = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # 6 December in Warsaw
        assert await send_agreement_reminders(app) == 1
        assert staff.last.text.startswith("⏳ Porozumienie nr") and "kończy się 20 grudnia 2026" in staff.last.text
        assert await send_agreement_reminders(app) == 0
        await staff.tap("🔁 Odnów")
        renewal = await app.services.agreements.pending_for(short.id)
        assert renewal.start_date == date(2026, 12, 21) and renewal.state == State.DRAFT

    now[0] = datetime(2026, 12, 21, 8, 0, tzinfo=UTC)
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        assert await send_agreement_reminders(app) == 0  # nothing again after a restart
        assert await update_agreement_states(app) >= 1
        states = {a.id: a.state for a in await app.services.agreements.for_volunteer(short.id)}
        assert State.EXPIRED in states.values()
        assert any("wygasło 20 grudnia 2026" in m.text for m in short.messages)


# ---- the attestation -------------------------------------------------------------------------------
async def test_an_attestation_with_hours_and_the_coordinators_opinion(capp, double, staff):
    volunteer = await accepted(double, staff, 5020)
    await offer(staff, "20.11.2026 – 19.12.2026")
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    db = capp.services.db
    await db.execute(
        "INSERT INTO events (id, type, title, starts_at, ends_at, audience, status, created_by, created_at, "
        "updated_at) "
        "VALUES (1, 'training', 'Budżet obywatelski w praktyce', '2026-11-20T15:00:00+00:00', "
        "'2026-11-20T18:00:00+00:00', 'everyone', 'published', 1, 'x', 'x')"
    )
    await db.execute(
        "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at, attendance, "
        "hours) VALUES (1, ?, 'registered', 1, 'x', 'x', 'attended', 3.5)",
        (volunteer.id,),
    )
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📜 Poproś o zaświadczenie")
    assert volunteer.last.document_name.startswith("zaswiadczenie-")
    text = pdf_text(volunteer.last.document_bytes)
    assert "ZAŚWIADCZENIE" in text and "Anna Kowalska" in text and "Fundacja Razem dla Regionu" in text
    assert "od 20 listopada 2026 r. do 20 listopada 2026 r." in text
    assert "dzielenie się wiedzą i doświadczeniem" in text and ": 3,5." in text
    assert "Liczba potwierdzonych godzin świadczeń: 3,5. Rodzaje wykonywanej pracy: Szkolenie." in text
    assert staff.last.text.startswith("📜 Anna Kowalska – prośba o zaświadczenie")
    await staff.tap("📝 Dodaj opinię")
    await staff.send("Rzetelna, życzliwa i świetnie przygotowana do zajęć.")
    assert staff.last.text.startswith("📝 Opinia została dodana")
    assert "Rzetelna, życzliwa i świetnie przygotowana do zajęć." in pdf_text(volunteer.last.document_bytes)
    await staff.press(staff.messages[-3].message_id, "ga:op:1")
    assert staff.alerts[-1] == "Do tego zaświadczenia dodano już opinię."


# ---- the flows: bad input, leaving, restarts ------------------------------------------------------------
def world_of(app, double):
    from tests.conftest import ADMIN_ID
    from tests.flow_paths import World

    return World(
        app=app,
        double=double,
        coordinator=double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl"),
        admin=double.user(user_id=ADMIN_ID, first_name="Marek", language_code="pl"),
    )


async def flow_of(app, chat):
    session = await app.services.sessions.load(chat.id)
    return session.flow


def period_text(app) -> tuple[str, date, date]:
    from bot.agreement_facts import today

    start = today(app.services) + timedelta(days=2)
    end = start + timedelta(days=9)
    return f"{start:%d.%m.%Y} – {end:%d.%m.%Y}", start, end


async def _answer_name(app, chat, agreement_id):
    await chat.send("ola NOWAK")
    assert "akceptujesz porozumienie nr" in chat.last.text
    await chat.tap("✅ Akceptuję i podpisuję")
    assert (await app.services.agreements.acceptance(agreement_id)).typed_name == "ola NOWAK"


async def _answer_reason(app, chat, agreement_id):
    await chat.send("Przeprowadzam się.")
    await chat.tap("⏹ Tak, zakończ")
    ended = await app.services.agreements.get(agreement_id)
    assert ended.state == State.ENDED and ended.end_reason == "Przeprowadzam się."


async def _answer_period(app, chat, agreement_id):
    typed, start, end = period_text(app)
    await chat.send(typed)
    changed = await app.services.agreements.get(agreement_id)
    assert (changed.start_date, changed.end_date) == (start, end)
    assert chat.last.text.startswith("Porozumienie #")


async def _answer_scope(app, chat, agreement_id):
    await chat.send("Warsztaty o funduszu sołeckim.")
    assert (await app.services.agreements.get(agreement_id)).scope == "Warsztaty o funduszu sołeckim."


async def _answer_opinion(app, chat, attestation_id):
    await chat.send("Rzetelna  i życzliwa.")
    assert (await app.services.agreements.attestation(attestation_id)).opinion == "Rzetelna i życzliwa."


RESTARTED = {
    "agn": _answer_name,
    "age": _answer_reason,
    "gap": _answer_period,
    "gas": _answer_scope,
    "gae": _answer_reason,
    "gao": _answer_opinion,
}


@pytest.mark.parametrize("flow", sorted(RESTARTED))
async def test_a_restart_in_the_middle_of_a_flow_continues_there(settings, double, flow):
    from tests.flow_paths import PATHS

    async with running(build_application(settings, double), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        step = {"agn": "name", "age": "reason", "gae": "reason"}.get(flow, {"gap": "period", "gas": "scope"}.get(flow))
        chat = await PATHS[flow](world_of(app, double), step or "opinion")
        state = await flow_of(app, chat)
        assert state.flow == flow
    async with running(build_application(settings, double), double) as app:
        await RESTARTED[flow](app, chat, state.data["id"])
        assert await flow_of(app, chat) is None


async def test_a_restart_before_the_signed_copy_is_sent(settings, double, now):
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        staff = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        volunteer = await accepted(double, staff, 5030)
        await offer(staff)
        await volunteer.tap("📄 Moje porozumienie")
        await accept(volunteer)
        await volunteer.tap("📤 Wyślij podpisany plik")
    async with running(build_application(settings, double, clock=lambda: now[0]), double) as app:
        await volunteer.send_sticker()
        assert volunteer.last.text.startswith("⚠️ Wyślij tutaj plik jako dokument")
        await volunteer.send_photo()
        assert volunteer.last.text.startswith("⚠️ Zdjęcia są kompresowane")
        await volunteer.send_document(b"%PDF-1.7 signed", "podpis.pdf", "application/pdf")
        assert volunteer.last.text.startswith("📎 Otrzymano: podpis.pdf.")
        agreement = (await app.services.agreements.for_volunteer(volunteer.id))[0]
        assert [f.file_name for f in await app.services.agreements.files(agreement.id)] == ["podpis.pdf"]


async def test_a_sticker_or_a_file_where_a_name_or_a_reason_is_expected(capp, double, staff):
    volunteer = await accepted(double, staff, 5031)
    await offer(staff, "20.11.2026 – 19.12.2026")
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("✍️ Zaakceptuj i podpisz")
    await volunteer.send_sticker()
    assert volunteer.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    await volunteer.send_document(b"%PDF-1.4", "imie.pdf", "application/pdf")
    assert volunteer.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    assert await capp.services.agreements.files(agreement.id) == []
    for wrong in ("Anna Nowak", "Ewa Nowak"):
        await volunteer.send(wrong)
        assert "napisz do nas" not in volunteer.last.text
    await volunteer.send("Jan Nowak")
    assert "Jeśli zmieniło się Twoje nazwisko, napisz do nas" in volunteer.last.text  # after three wrong names
    await accept_typed(volunteer)
    assert (await capp.services.agreements.get(agreement.id)).state == State.ACTIVE

    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("⏹ Zakończ porozumienie")
    await volunteer.send_sticker()
    assert volunteer.last.text.startswith("⚠️ Tutaj przyjmę tylko wpisaną odpowiedź")
    await volunteer.send("x" * 2000)
    assert volunteer.last.text.startswith("⚠️ ")
    assert (await capp.services.agreements.get(agreement.id)).state == State.ACTIVE


async def accept_typed(volunteer, name="Anna Kowalska"):
    await volunteer.send(name)
    await volunteer.tap("✅ Akceptuję i podpisuję")


async def test_a_command_in_the_middle_of_a_flow_applies_nothing_half_typed(capp, double, staff):
    volunteer = await accepted(double, staff, 5032)
    await offer(staff, "20.11.2026 – 19.12.2026")
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    # The coordinator begins to end it, switches the language menu on, then types the reason.
    await staff.send("/porozumienia")
    await staff.press(staff.last.message_id, f"ga:o:{agreement.id}")
    await staff.tap("⏹ Zakończ")
    await staff.send("/jezyk")
    await staff.send("Koniec współpracy")
    # The volunteer begins to end it, asks for help, then types the reason.
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("⏹ Zakończ porozumienie")
    await volunteer.send("Przeprowadzam się.")
    question = volunteer.last
    yes = question.button("⏹ Tak, zakończ").callback_data
    await volunteer.send("/pomoc")
    assert volunteer.chat.messages[question.message_id].data.get("reply_markup") is None  # its buttons go
    await volunteer.press(question.message_id, yes)  # pressed anyway (an old client): the agreement as it is
    assert "Status: obowiązuje" in volunteer.last.text
    stored = await capp.services.agreements.get(agreement.id)
    assert stored.state == State.ACTIVE and stored.ended_at is None
    # A period typed after /start changes no period.
    draft = await capp.services.agreements.create_draft(volunteer.id, None, date(2027, 1, 1), date(2027, 1, 20), None)
    await staff.press(staff.last.message_id, f"ga:o:{draft.id}")
    await staff.tap("📅 Okres")
    await staff.send("/start")
    await staff.send("1.02.2027 – 20.02.2027")
    assert (await capp.services.agreements.get(draft.id)).start_date == date(2027, 1, 1)


async def test_presses_delivered_twice_and_stale_buttons_of_ended_flows(capp, double, staff):
    volunteer = await accepted(double, staff, 5033)
    await offer(staff)
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("✍️ Zaakceptuj i podpisz")
    await volunteer.send("Anna Kowalska")
    confirmation = volunteer.last
    sign = confirmation.button("✅ Akceptuję i podpisuję").callback_data
    await volunteer.press(confirmation.message_id, sign)
    await volunteer.press(confirmation.message_id, sign)  # delivered twice: shows the agreement, records nothing
    assert "Status: zaakceptowane w czacie" in volunteer.last.text
    assert (await capp.services.db.fetch_one("SELECT COUNT(*) FROM agreement_acceptances"))[0] == 1
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    # The coordinator confirms the paper copy twice: the second press is refused.
    await staff.send("/porozumienia")
    await staff.press(staff.last.message_id, f"ga:o:{agreement.id}")
    card = staff.last.message_id
    await staff.press(card, f"ga:sg:{agreement.id}:paper")
    await staff.press(card, f"ga:sg:{agreement.id}:paper")
    assert staff.alerts[-1].startswith(f"Porozumienie #{agreement.id} ma teraz status")
    history = [h.action for h in await capp.services.agreements.history(agreement.id)]
    assert history.count("signed") == 1
    # A period button pressed after the period flow was left changes nothing.
    draft = await capp.services.agreements.create_draft(volunteer.id, None, date(2027, 1, 1), date(2027, 1, 20), None)
    await staff.press(card, f"ga:o:{draft.id}")
    await staff.tap("📅 Okres")
    question = staff.last
    await staff.send("/anuluj")
    await staff.press(question.message_id, question.button("1 miesiąc").callback_data)
    assert staff.alerts[-1] == "Ten przycisk należy do rozmowy, która już się zakończyła."
    assert (await capp.services.agreements.get(draft.id)).end_date == date(2027, 1, 20)
    # A reason typed when none is asked any more is not taken.
    await staff.send("Powód, o który nikt nie pytał")
    assert staff.last.text.startswith("Tej wiadomości nie rozumiem")
    assert (await capp.services.agreements.get(draft.id)).state == State.DRAFT
