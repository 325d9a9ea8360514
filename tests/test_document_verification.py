"""Verifiable documents: the code and the QR code on agreements and attestations, a stranger
checking one through the bot (and not being recorded), coordinators revoking and replacing."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf
import pytest
from PIL import Image

from bot.agreements import text_sha256
from bot.app import build_application
from bot.config import ConfigError, Settings
from bot.document_issue import link_of
from bot.documents import document_facts, verification_link
from bot.double import running
from bot.pdf import qr_png
from storage import privacy
from storage.documents import ALPHABET, CODE_LENGTH, Kind, grouped, new_code, normalise_code
from tests.conftest import COORDINATOR_ID
from tests.test_agreements import START, accept, accepted, capp, now, offer, pdf_text, staff  # noqa: F401
from tests.test_pdf import shown

STRANGER = 8123


def qr_images(content: bytes) -> list[Image.Image]:
    return [image.image for page in pypdf.PdfReader(io.BytesIO(content)).pages for image in page.images]


def same_picture(embedded: Image.Image, link: str) -> bool:
    """The QR code in the PDF is, pixel for pixel, the one segno makes of `link`."""
    expected = Image.open(io.BytesIO(qr_png(link))).convert("L")
    return embedded.convert("L").size == expected.size and embedded.convert("L").tobytes() == expected.tobytes()


async def concluded(capp, double, staff, user_id: int):  # noqa: F811
    volunteer = await accepted(double, staff, user_id)
    await offer(staff, "20.11.2026 – 19.12.2026")
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    return volunteer, agreement


async def users_row(capp, telegram_id: int) -> bool:  # noqa: F811
    return await capp.services.db.fetch_one("SELECT 1 FROM users WHERE telegram_id = ?", (telegram_id,)) is not None


async def open_codes(staff, agreement):  # noqa: F811
    await staff.press(staff.last.message_id, f"ga:o:{agreement.id}")
    await staff.tap("🔐 Kody weryfikacyjne")
    assert staff.last.text.startswith(f"Kody weryfikacyjne · porozumienie #{agreement.id}")


# ---- the rules -----------------------------------------------------------------------------------
def test_codes_are_unguessable_and_read_leniently():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == CODE_LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01IO") & set(ALPHABET)  # no look-alikes
    assert grouped("ABCDEFGH2345") == "ABCD-EFGH-2345"
    assert normalise_code("abcd-efgh 2345") == "ABCDEFGH2345"
    for bad in ("", "ABCD", "ABCDEFGH234O", "ABCDEFGH23451", "ABCDEFGH23%5", None):
        assert normalise_code(bad) is None


def test_the_link_is_the_public_page_when_the_bot_has_one_else_the_bot():
    assert verification_link(None, "programme_bot", "ABCDEFGH2345") == (
        "https://t.me/programme_bot?start=verify_ABCDEFGH2345"
    )
    assert verification_link("https://wolontariat.example.org", "programme_bot", "ABCDEFGH2345") == (
        "https://wolontariat.example.org/verify/ABCDEFGH2345"
    )
    assert Settings.from_env({}, load_dotenv=False).public_url is None
    env = {"BOT_PUBLIC_URL": "https://wolontariat.example.org/"}
    assert Settings.from_env(env, load_dotenv=False).public_url == "https://wolontariat.example.org"
    for wrong in ("http://wolontariat.example.org", "wolontariat.example.org", "https://"):
        with pytest.raises(ConfigError, match="BOT_PUBLIC_URL"):
            Settings.from_env({"BOT_PUBLIC_URL": wrong}, load_dotenv=False)


# ---- the agreement's PDF -----------------------------------------------------------------------------
async def test_the_agreement_pdf_has_its_code_and_qr_and_the_same_hash(capp, double, staff):  # noqa: F811
    volunteer = await accepted(double, staff, 6001)
    await offer(staff, "20.11.2026 – 19.12.2026")
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    document = await capp.services.documents.for_agreement_text(agreement.id, agreement.text_sha256)
    assert document is not None and document.kind == Kind.AGREEMENT and document.current
    assert document.number == f"FRdR/2026/{agreement.id}" and document.text_sha256 == agreement.text_sha256
    assert document.facts["name"] == "Anna Kowalska" and document.facts["start"] == "2026-11-20"

    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📄 Pobierz PDF")
    content = volunteer.last.document_bytes
    link = f"https://t.me/volunteer_test_bot?start=verify_{document.code}"
    text = pdf_text(content)
    assert f"Weryfikacja: kod {grouped(document.code)}" in text and link in text
    # The text is fingerprinted as before: what the page shows apart from its footers is exactly it.
    assert agreement.text_sha256 == text_sha256(agreement.rendered_text) and agreement.text_sha256 in text
    assert shown(content) == "".join(agreement.rendered_text.split())
    [qr] = qr_images(content)
    assert same_picture(qr, link)

    await accept(volunteer)
    acceptance = await capp.services.agreements.acceptance(agreement.id)
    assert acceptance.text_sha256 == document.text_sha256  # what was accepted is what the code names


async def test_a_public_address_goes_into_the_qr_code(settings, double, now):  # noqa: F811
    public = settings.with_changes(public_url="https://wolontariat.example.org")
    async with running(build_application(public, double, clock=lambda: now[0]), double) as app:
        await app.services.coordinators.add(COORDINATOR_ID)
        coordinator = double.user(user_id=COORDINATOR_ID, first_name="Kasia", language_code="pl")
        volunteer = await accepted(double, coordinator, 6002)
        await offer(coordinator, "20.11.2026 – 19.12.2026")
        agreement = (await app.services.agreements.for_volunteer(volunteer.id))[0]
        document = (await app.services.documents.of_agreement(agreement.id))[0]
        await coordinator.tap("📄 PDF")
        link = f"https://wolontariat.example.org/verify/{document.code}"
        assert link_of(app.services, "volunteer_test_bot", document) == link
        assert link in pdf_text(coordinator.last.document_bytes)
        [qr] = qr_images(coordinator.last.document_bytes)
        assert same_picture(qr, link)


async def test_documents_issued_before_codes_keep_their_hash_and_get_no_code(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 6003)
    await capp.services.db.execute("DELETE FROM documents")  # as offered before this release
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📄 Pobierz PDF")
    content = volunteer.last.document_bytes
    assert "Weryfikacja" not in pdf_text(content) and qr_images(content) == []
    assert shown(content) == "".join(agreement.rendered_text.split())
    await open_codes(staff, agreement)
    assert "Brak kodów" in staff.last.text and staff.last.buttons == ["« Wróć do porozumienia"]


# ---- checking a code ---------------------------------------------------------------------------------
async def test_a_stranger_checks_a_document_and_nothing_about_them_is_stored(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 6004)
    document = (await capp.services.documents.of_agreement(agreement.id))[0]
    stranger = double.user(user_id=STRANGER, first_name="Ktoś", language_code="pl")
    await stranger.send(f"/start verify_{document.code}")
    text = stranger.last.text
    assert text.startswith(f"🔎 Weryfikacja dokumentu · kod {grouped(document.code)}\n✅ Ważny.")
    assert "Wystawca: Fundacja Razem dla Regionu" in text
    assert f"Dokument: porozumienie wolontariackie nr FRdR/2026/{agreement.id}, wystawiony 20.11.2026" in text
    assert "Osoba: Anna Kowalska" in text and "Okres: 20.11.2026 – 19.12.2026" in text
    assert "Porozumienie obowiązuje do 19.12.2026." in text
    assert "Nie zapisujemy niczego o osobie, która sprawdza." in text
    assert not await users_row(capp, STRANGER)
    assert await capp.services.db.fetch_one("SELECT 1 FROM flow_state WHERE telegram_id = ?", (STRANGER,)) is None

    # In their own language; the code as printed, in small letters, with dashes.
    english = double.user(user_id=STRANGER + 1, first_name="Someone", language_code="en")
    await english.send(f"/start verify_{grouped(document.code).lower()}")
    assert "✅ Valid." in english.last.text and "Person: Anna Kowalska" in english.last.text
    assert not await users_row(capp, STRANGER + 1)
    # Someone the bot knows checks the usual way; every check is counted, never who checked.
    await volunteer.send(f"/start verify_{document.code}")
    assert "✅ Ważny." in volunteer.last.text
    assert (await capp.services.documents.get(document.id)).verifications == 3
    # Writing anything else afterwards makes the stranger a person, as before.
    await stranger.send("/start")
    assert await users_row(capp, STRANGER)


async def test_an_unknown_or_malformed_code_gets_a_clear_answer(capp, double, staff):  # noqa: F811
    _, agreement = await concluded(capp, double, staff, 6005)
    document = (await capp.services.documents.of_agreement(agreement.id))[0]
    stranger = double.user(user_id=STRANGER, first_name="Ktoś", language_code="pl")
    unknown = next(c for c in ("23456789ABCD", "23456789ABCE") if c != document.code)
    await stranger.send(f"/start verify_{unknown}")
    assert stranger.last.text.startswith(f"❓ Żaden dokument nie ma kodu {grouped(unknown)}.")
    for malformed in ("verify_", "verify_0O1I", f"verify_{document.code}X", f"verify_{document.id}"):
        await stranger.send(f"/start {malformed}")
        assert stranger.last.text.startswith("❓ To nie jest kod dokumentu.")
    assert not await users_row(capp, STRANGER)
    assert (await capp.services.documents.get(document.id)).verifications == 0


# ---- revoking and replacing ---------------------------------------------------------------------------
async def test_a_coordinator_revokes_a_document_after_a_confirmation(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 6006)
    document = (await capp.services.documents.of_agreement(agreement.id))[0]
    await open_codes(staff, agreement)
    label = f"✅ porozumienie wolontariackie FRdR/2026/{agreement.id} · 20.11.2026"
    await staff.tap(label)
    assert "✅ Ważny." in staff.last.text and "Dotąd sprawdzono 0 razy." in staff.last.text
    await staff.tap("⛔ Unieważnij")
    assert staff.last.text.startswith(f"Unieważnić porozumienie wolontariackie nr FRdR/2026/{agreement.id}")
    assert (await capp.services.documents.get(document.id)).current  # nothing before the confirmation
    await staff.tap("⛔ Tak, unieważnij")
    assert "⛔ Unieważniony 20.11.2026" in staff.last.text
    assert "⛔ Unieważnij" not in staff.last.buttons and "🔁 Zastąp nowym kodem" not in staff.last.buttons
    assert volunteer.last.text.startswith("⛔ Osoba koordynująca unieważniła Twoje porozumienie wolontariackie nr")
    [entry] = [e for e in await capp.services.audit.latest(20) if e.action == "document.revoked"]
    assert entry.actor_id == COORDINATOR_ID and entry.target == f"document:{document.id}"

    stranger = double.user(user_id=STRANGER, first_name="Ktoś", language_code="pl")
    await stranger.send(f"/start verify_{document.code}")
    assert "⛔ Unieważniony 20.11.2026: ten dokument nie jest ważny." in stranger.last.text
    assert "Porozumienie obowiązuje" not in stranger.last.text
    # The confirmation pressed again changes nothing more.
    await staff.press(staff.last.message_id, f"dc:rvy:{document.id}")
    assert staff.alerts[-1] == "Ten dokument został już unieważniony albo zastąpiony."
    assert len([e for e in await capp.services.audit.latest(20) if e.action == "document.revoked"]) == 1


async def test_a_coordinator_replaces_an_attestation_and_an_agreement(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 6007)
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📜 Poproś o zaświadczenie")
    first = await capp.services.documents.for_attestation(1)
    assert first.kind == Kind.ATTESTATION and first.number == "1"
    content = volunteer.last.document_bytes
    link = f"https://t.me/volunteer_test_bot?start=verify_{first.code}"
    assert link in pdf_text(content) and same_picture(qr_images(content)[0], link)
    assert shown(content) == "".join((await capp.services.agreements.attestation(1)).rendered_text.split())

    await open_codes(staff, agreement)
    await staff.tap("✅ zaświadczenie o wolontariacie 1 · 20.11.2026")
    await staff.tap("🔁 Zastąp nowym kodem")
    assert "wystawione ponownie z dzisiejszymi danymi, pod nowym numerem" in staff.last.text
    await staff.tap("🔁 Tak, zastąp")
    second = await capp.services.documents.for_attestation(2)
    assert second is not None and second.code != first.code and second.issued_by == COORDINATOR_ID
    assert (await capp.services.documents.get(first.id)).replaced_by == second.id
    assert volunteer.last.text.startswith("Twoje zaświadczenie o wolontariacie wystawiono ponownie: nr 2")
    assert f"verify_{second.code}" in pdf_text(volunteer.last.document_bytes)
    assert f"verify_{second.code}" in pdf_text(staff.last.document_bytes)
    assert any(e.action == "document.replaced" for e in await capp.services.audit.latest(20))

    stranger = double.user(user_id=STRANGER, first_name="Ktoś", language_code="pl")
    await stranger.send(f"/start verify_{first.code}")
    assert "↪️ Zastąpiony dokumentem nr 2 wystawionym 20.11.2026: ten nie jest już ważny." in stranger.last.text
    await stranger.send(f"/start verify_{second.code}")
    assert "✅ Ważny." in stranger.last.text and "zaświadczenie o wolontariacie nr 2" in stranger.last.text

    # The agreement: a new copy and code, the accepted text and its hash as they were.
    old = await capp.services.documents.for_agreement_text(agreement.id, agreement.text_sha256)
    await open_codes(staff, agreement)
    await staff.tap(f"✅ porozumienie wolontariackie FRdR/2026/{agreement.id} · 20.11.2026")
    await staff.tap("🔁 Zastąp nowym kodem")
    await staff.tap("🔁 Tak, zastąp")
    new = await capp.services.documents.for_agreement_text(agreement.id, agreement.text_sha256)
    assert new.id != old.id and new.code != old.code and new.facts == old.facts
    stored = await capp.services.agreements.get(agreement.id)
    assert stored.text_sha256 == agreement.text_sha256 == text_sha256(stored.rendered_text)
    assert f"verify_{new.code}" in pdf_text(staff.last.document_bytes)
    await stranger.send(f"/start verify_{old.code}")
    assert f"↪️ Zastąpiony dokumentem nr FRdR/2026/{agreement.id}" in stranger.last.text
    assert not await users_row(capp, STRANGER)


async def test_a_forged_revoke_button_from_a_volunteer_changes_nothing(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 6008)
    document = (await capp.services.documents.of_agreement(agreement.id))[0]
    for act in ("rvy", "rpy", "rv", "o", "list"):
        ref = agreement.id if act == "list" else document.id
        await volunteer.press(volunteer.last.message_id, f"dc:{act}:{ref}")
        assert volunteer.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    assert (await capp.services.documents.get(document.id)).current
    assert len(await capp.services.documents.of_agreement(agreement.id)) == 1
    assert not [e for e in await capp.services.audit.latest(20) if e.action.startswith("document.")]
    # A coordinator's button for a document that does not exist is stale.
    await staff.press(staff.last.message_id, "dc:rvy:999")
    assert staff.alerts[-1] == "Ten przycisk jest już nieaktualny. Wpisz /start, aby otworzyć menu."


async def test_a_deleted_account_keeps_its_agreements_codes_and_loses_its_attestations(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 6009)
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📜 Poproś o zaświadczenie")
    kept = (await capp.services.documents.of_agreement(agreement.id))[-1]
    assert kept.kind == Kind.AGREEMENT
    exported = await privacy.personal_data(capp.services.db, volunteer.id)
    assert {d["kind"] for d in exported["data"]["documents"]} == {"agreement", "attestation"}
    await privacy.erase(capp.services.db, volunteer.id, datetime(2026, 11, 21, tzinfo=UTC), date(2026, 11, 21))
    assert [d.id for d in await capp.services.documents.of_agreement(agreement.id)] == [kept.id]
    stranger = double.user(user_id=STRANGER, first_name="Ktoś", language_code="pl")
    await stranger.send(f"/start verify_{kept.code}")
    assert "Porozumienie zakończyło się 21.11.2026." in stranger.last.text


async def test_the_hours_and_kinds_of_work_a_document_states_are_shown(capp, double, staff):  # noqa: F811
    volunteer, agreement = await concluded(capp, double, staff, 6010)
    facts = document_facts(
        capp.services.org,
        name="Anna Kowalska",
        start=date(2026, 11, 1),
        end=date(2026, 11, 30),
        hours=3.5,
        work=["warsztaty partycypacyjne", "konsultacje"],
    )
    document = await capp.services.documents.issue(
        Kind.ATTESTATION, telegram_id=volunteer.id, agreement_id=agreement.id, number="7", text_sha256="0" * 64,
        facts=facts, now=START,
    )  # fmt: skip
    stranger = double.user(user_id=STRANGER, first_name="Ktoś", language_code="pl")
    await stranger.send(f"/start verify_{document.code}")
    text = stranger.last.text
    assert "Dokument: zaświadczenie o wolontariacie nr 7" in text and "Okres: 01.11.2026 – 30.11.2026" in text
    assert "Liczba godzin w dokumencie: 3,5" in text and "Rodzaje pracy: warsztaty partycypacyjne, konsultacje" in text
    assert "Porozumienie obowiązuje" not in text  # said of agreements only


async def test_an_offer_not_accepted_yet_or_taken_back_is_not_valid(capp, double, staff):  # noqa: F811
    volunteer = await accepted(double, staff, 6011)
    await offer(staff, "20.11.2026 – 19.12.2026")
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    first = (await capp.services.documents.of_agreement(agreement.id))[0]
    stranger = double.user(user_id=STRANGER, first_name="Ktoś", language_code="pl")
    await stranger.send(f"/start verify_{first.code}")
    assert "⏳ Nie obowiązuje: porozumienie przekazano do akceptacji" in stranger.last.text

    await staff.tap("↩️ Cofnij, aby zmienić")
    await stranger.send(f"/start verify_{first.code}")
    assert "⛔ Nieważny: ten tekst wycofano, zanim został zaakceptowany." in stranger.last.text
    assert "🔐 Kody weryfikacyjne" not in staff.last.buttons  # a draft again: nothing to revoke or replace
    # The same text offered again keeps its code: one text, one code.
    await staff.tap("📨 Przekaż do akceptacji")
    await staff.tap("📨 Tak, przekaż")
    assert [d.id for d in await capp.services.documents.of_agreement(agreement.id)] == [first.id]
    # Changed and offered again: a new code for the new text; only that one is accepted and valid.
    await staff.tap("↩️ Cofnij, aby zmienić")
    await staff.tap("📅 Okres")
    await staff.send("21.11.2026 – 19.12.2026")
    await staff.tap("📨 Przekaż do akceptacji")
    await staff.tap("📨 Tak, przekaż")
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    second = (await capp.services.documents.of_agreement(agreement.id))[0]
    assert second.code != first.code and second.facts["start"] == "2026-11-21"
    await stranger.send(f"/start verify_{second.code}")
    assert "✅ Ważny." in stranger.last.text and "Okres: 21.11.2026 – 19.12.2026" in stranger.last.text
    await stranger.send(f"/start verify_{first.code}")
    assert "⛔ Nieważny: ten tekst wycofano" in stranger.last.text


async def test_the_public_page_behind_the_qr_code_tells_a_browser(capp, double, staff):  # noqa: F811
    """Someone without Telegram opens <BOT_PUBLIC_URL>/verify/<code>: no sign-in, their browser's
    language, the same facts as the bot's answer, counted; an unknown or malformed code: 404."""
    from tests.panel_helpers import SITE, browser

    _, agreement = await concluded(capp, double, staff, 6009)
    document = (await capp.services.documents.of_agreement(agreement.id))[0]
    async with browser(capp) as client:
        page = await client.get(f"{SITE}/verify/{grouped(document.code).lower()}", headers={"accept-language": "pl"})
        assert page.status_code == 200 and "<h1>Weryfikacja dokumentu</h1>" in page.text
        assert "✅ <b>Ważny.</b>" in page.text and "Osoba: Anna Kowalska" in page.text and "<p></p>" not in page.text
        assert "<b>" in page.text and "&lt;b&gt;" not in page.text  # the facts' own markup, not escaped twice
        english = await client.get(f"{SITE}/verify/{document.code}", headers={"accept-language": "de, en;q=0.8"})
        assert "✅ <b>Valid.</b>" in english.text and english.headers["content-security-policy"]
        unknown = next(c for c in ("23456789ABCD", "23456789ABCE") if c != document.code)
        missing = await client.get(f"{SITE}/verify/{unknown}")
        assert missing.status_code == 404 and grouped(unknown) in missing.text
        malformed = await client.get(f"{SITE}/verify/<script>")
        assert malformed.status_code == 404 and "<script>" not in malformed.text
    assert (await capp.services.documents.get(document.id)).verifications == 2
