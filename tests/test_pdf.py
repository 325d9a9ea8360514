"""PDF documents show every letter of Polish, Ukrainian and Latin-extended names, and what is
fingerprinted (SHA-256) is exactly what the PDF shows: the agreement, the plan and the attestation."""

from __future__ import annotations

import io
import re
from datetime import date

import pypdf
import pytest

from bot.agreements import Volunteer, default_scope, render_agreement, text_sha256
from bot.organisation import load_organisation
from bot.pdf import file_slug, printable, render_pdf
from tests.test_agreements import START, accept, capp, now, offer, staff  # noqa: F401 (fixtures)
from tests.test_application import ANSWERS_PL
from tests.test_review import open_from_notification, submitted_application

NAMES = {
    "pl": ("Katarzyna Żółkiewska-Łęcka", "katarzyna-zolkiewska-lecka"),
    "uk": ("Олександр Ковальчук", "oleksandr-kovalchuk"),
    "vi": ("Nguyễn Thị Ánh", "nguyen-thi-anh"),
    "tr": ("Ayşe Şahin", "ayse-sahin"),
}
# A page's footer, as the Polish documents word it ("… · 1/2"), at the end of the page.
FOOTER = re.compile(r"(PROJEKT do podglądu[^·]*· )?(Porozumienie|Zaświadczenie) nr \S+ · .*?·\s*\d+/\d+\s*$", re.S)


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


def pages(content: bytes) -> str:
    return "\n".join(page_texts(content))


def bare(text: str) -> str:
    """Without the spacing: lines wrap wherever the page ends them."""
    return "".join(text.split())


def shown(content: bytes) -> str:
    """What the PDF shows apart from its footers."""
    return "".join(bare(FOOTER.sub("", page)) for page in page_texts(content))


# ---- the one function that decides what a PDF can show ---------------------------------------------
@pytest.mark.parametrize(
    ("typed", "printed"),
    [
        ("Олександр Ковальчук", "Олександр Ковальчук"),
        ("Nguyễn Thị Ánh", "Nguyễn Thị Ánh"),
        ("Nguye\u0302\u0303n", "Nguyễn"),  # typed as letters and combining marks: one letter each
        ("Ayşe Şahin, Ørsted, Łódź, Ґалина Їжак", "Ayşe Şahin, Ørsted, Łódź, Ґалина Їжак"),
        ("Anna 🌻 Kowalska 👍🏽", "Anna Kowalska"),
        ("❤️ KGW\nw Wólce 🌻\n1️⃣ raz", "KGW\nw Wólce\n1 raz"),
        ("Ala\u200b\u202eMa\u00adKota", "AlaMaKota"),  # zero-width, bidi override, soft hyphen
        ("Ｚｏｆｉａ", "Zofia"),
        ("李 Wang", "? Wang"),  # a script the font lacks stays visible as a mark, not silently gone
    ],
)
def test_printable_keeps_letters_and_drops_what_no_font_shows(typed, printed):
    assert printable(typed) == printed
    assert printable(printed) == printed


def test_file_names_are_readable_ascii():
    for name, slug in NAMES.values():
        assert file_slug(name) == slug
    assert file_slug("FRdR/2026/12") == "frdr-2026-12"
    assert file_slug("🌻") == ""


@pytest.mark.parametrize("key", sorted(NAMES))
def test_every_letter_of_a_name_is_in_the_pdf_and_the_hash_is_of_what_it_shows(key):
    name = NAMES[key][0]
    org = load_organisation()
    volunteer = Volunteer(name, "o@example.org", "+380501234567", "lubelski", "5–10 godzin", ["grants"], "KGW 🌻")
    text = printable(
        render_agreement(
            org,
            agreement_id=3,
            year=2026,
            volunteer=volunteer,
            scope=default_scope(org, ["grants"], "Громада Łęczna 🌻 Nguyễn"),
            start=date(2026, 12, 1),
            end=date(2027, 5, 31),
        )
    )
    footer = f"Porozumienie nr 3 · SHA-256 treści: {text_sha256(text)}"
    content = render_pdf(text, title="Porozumienie", footer=footer, created=START)
    assert name in pages(content).replace("\n", " ")
    assert shown(content) == bare(text)
    assert "🌻" not in text and "Громада Łęczna Nguyễn" in text


# ---- through the bot: agreement, plan and attestation ------------------------------------------------
async def accepted_as(double, coordinator_chat, user_id: int, name: str):
    volunteer = double.user(user_id=user_id, first_name="Ola", language_code="pl")
    await submitted_application(volunteer, dict(ANSWERS_PL, full_name=name, communities="KGW w Wólce 🌻"))
    await open_from_notification(coordinator_chat)
    await coordinator_chat.tap("✅ Przyjmij")
    await coordinator_chat.tap("✅ Tak, przyjmij")
    return volunteer


@pytest.mark.parametrize("key", ["pl", "uk", "vi"])
async def test_the_documents_show_the_name_and_exactly_the_hashed_text(capp, double, staff, key):  # noqa: F811
    name, slug = NAMES[key]
    volunteer = await accepted_as(double, staff, 7001, name)
    await offer(staff, "20.11.2026 – 19.12.2026")
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    text = agreement.rendered_text
    assert name in text and "KGW w Wólce" in text
    assert "🌻" not in text and printable(text) == text
    # The phone as the chat shows it; the foundation represented in natural Polish.
    assert "telefon: +48 600 100 200," in text and "reprezentowana przez Janę Przykładową – Prezeskę" in text
    assert agreement.text_sha256 == text_sha256(text)

    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📄 Pobierz PDF")
    content = volunteer.last.document_bytes
    assert volunteer.last.document_name == f"porozumienie-frdr-2026-{agreement.id}-{slug}.pdf"
    extracted = bare(pages(content))
    assert bare(name) in extracted and text_sha256(text) in extracted
    assert bare("+48 600 100 200") in extracted
    assert shown(content) == bare(text)

    # The plan: the name, and trainings done and planned told apart in words the font has.
    await capp.services.db.execute(
        "INSERT INTO events (id, type, title, starts_at, ends_at, audience, status, created_by, created_at, "
        "updated_at) VALUES (7, 'training', 'Fundusz sołecki od A do Z', '2026-11-20T10:00:00+00:00', "
        "'2026-11-20T12:00:00+00:00', 'everyone', 'published', 1, 'x', 'x')"
    )
    await volunteer.send("/plan")
    await volunteer.tap("🎓 Szkolenia")
    await volunteer.tap("▫️ Fundusz sołecki od A do Z (20.11.2026)")
    await volunteer.tap("Gotowe »")
    await capp.services.db.execute(
        "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at, attendance, "
        "hours) VALUES (7, ?, 'registered', 1, 'x', 'x', 'attended', 2)",
        (volunteer.id,),
    )
    await volunteer.tap("📄 Plan w PDF")
    assert volunteer.last.document_name == f"plan-rozwoju-{slug}-2026-11-20.pdf"
    plan = " ".join(pages(volunteer.last.document_bytes).split())
    assert name in plan
    assert "• Fundusz sołecki od A do Z (20.11.2026) — ukończone" in plan
    assert "• Pisanie wniosków o granty — zaplanowane" in plan
    assert "▫" not in plan and "✅" not in plan

    # The attestation: kept, hashed and shown alike.
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer, name)
    await volunteer.tap("📄 Moje porozumienie")
    await volunteer.tap("📜 Poproś o zaświadczenie")
    assert volunteer.last.document_name == f"zaswiadczenie-{slug}-2026-11-20.pdf"
    attestation = await capp.services.agreements.attestation(1)
    assert name in attestation.rendered_text and printable(attestation.rendered_text) == attestation.rendered_text
    content = volunteer.last.document_bytes
    assert shown(content) == bare(attestation.rendered_text)
    assert text_sha256(attestation.rendered_text) in bare(pages(content))
