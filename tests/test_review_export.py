"""The applications CSV: besides the answers, who decided, when and why, the optional consents and
the questions asked with their answers, with names and local times. And the export runner every
export goes through (bot/exports.py): one at a time however often it is pressed, answered at once,
progress for a long one, nothing sent and nothing left behind when it fails."""

from __future__ import annotations

import asyncio
import csv
import io
import tempfile

import pytest

from bot import exports
from bot.app import build_application
from bot.buttons.review import ReviewExport
from bot.double import running
from handlers import application_csv
from storage.exports import ExportClaims
from tests.conftest import COORDINATOR_ID
from tests.events_helpers import Clock
from tests.test_review import open_from_notification, submitted_application

SENT_ALREADY = "Ten plik został przed chwilą wysłany: jest wyżej."
BEING_MADE = "Ten plik jest właśnie przygotowywany: za chwilę będzie tutaj."


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def app(settings, double, clock):
    async with running(build_application(settings, double, clock=clock), double) as application:
        yield application


@pytest.fixture(autouse=True)
def temporary(tmp_path, monkeypatch):
    """Where the exports' temporary files go, to see that none is left."""
    folder = tmp_path / "temporary"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def files(chat) -> list:
    return [m for m in chat.messages if m.document_name is not None]


async def _export(coordinator) -> tuple[bytes, list[list[str]]]:
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    raw = coordinator.last.document_bytes
    return raw, list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


async def test_the_csv_says_who_decided_why_the_consents_and_the_questions(app, double, coordinator, temporary):
    await coordinator.send("/start")
    asked = double.user(user_id=3201, first_name="Anna")
    await submitted_application(asked)
    await open_from_notification(coordinator)
    await coordinator.tap("❓ Poproś o uzupełnienie")
    await coordinator.send("W jakich projektach brałaś udział?")
    await asked.tap("✍️ Odpowiedz na pytanie")
    await asked.send("FIO 2024.")
    await coordinator.tap("Otwórz")
    await coordinator.tap("❌ Nie przyjmuj")
    await coordinator.send("Brak miejsc w tej edycji.")

    raw, rows = await _export(coordinator)
    assert raw.startswith("\ufeff".encode())  # the BOM: Excel reads the Polish letters
    assert coordinator.last.document_name.startswith("zgloszenia-wszystkie-")
    assert coordinator.last.text == "1 zgłoszenie."
    header, row = rows[0], rows[1]
    assert header[:5] == ["ID", "Status", "Data wysłania", "Data decyzji", "Identyfikator w Telegramie"]
    assert header[-4:] == [
        "Osoba decydująca",
        "Powód nieprzyjęcia",
        "Zgoda: Informacje o innych programach",
        "Pytania i odpowiedzi",
    ]
    cell = dict(zip(header, row, strict=True))
    assert cell["Status"] == "nieprzyjęte"
    assert cell["Telefon"] == "'+48 600 100 200"  # a cell starting with + would be run as a formula
    assert cell["Powiat"] == "lubelski"
    assert cell["Osoba decydująca"] == "Kasia"
    assert cell["Powód nieprzyjęcia"] == "Brak miejsc w tej edycji."
    assert cell["Zgoda: Informacje o innych programach"] == "tak"
    application = await app.services.applications.latest(asked.id)
    local = application.decided_at.astimezone(app.services.settings.tz)  # local time, not UTC
    assert cell["Data decyzji"] == local.strftime("%Y-%m-%d %H:%M")
    lines = cell["Pytania i odpowiedzi"].split("\n")
    assert len(lines) == 2
    assert lines[0].endswith(" Kasia: W jakich projektach brałaś udział?")
    assert lines[1].endswith(" Anna Kowalska: FIO 2024.")  # named as in her application
    assert not any(m.text.startswith("⏳") for m in coordinator.messages)  # the note gave way to the file
    assert list(temporary.iterdir()) == []  # the temporary file is gone
    (entry,) = [e for e in await app.services.audit.all() if e.action == "applications.exported"]
    assert entry.details == {"status": "all", "count": 1}


async def test_five_presses_make_one_file_and_the_others_are_answered_politely(app, double, coordinator, clock):
    await submitted_application(double.user(user_id=3401, first_name="Ola"))
    await coordinator.send("/eksport")
    menu = coordinator.last
    data = ReviewExport(scope="all").pack()
    await asyncio.gather(*(coordinator.press(menu.message_id, data) for _ in range(5)))
    assert len(files(coordinator)) == 1
    assert len(coordinator.alerts) == 4
    assert set(coordinator.alerts) <= {SENT_ALREADY, BEING_MADE}
    assert len([e for e in await app.services.audit.all() if e.action == "applications.exported"]) == 1
    clock.advance(seconds=exports.AGAIN_AFTER.total_seconds() + 1)
    await coordinator.press(menu.message_id, data)  # later: a new file, with what changed since
    assert len(files(coordinator)) == 2


async def test_an_export_claimed_by_a_bot_that_stopped_is_made_once_its_claim_runs_out(
    app, double, coordinator, admin, clock
):
    await submitted_application(double.user(user_id=3402, first_name="Ola"))
    # Another bot process on this database claimed the same export, then crashed.
    await ExportClaims(app.services.db).claim(COORDINATOR_ID, "applications:all", clock(), exports.LEASE)
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    assert coordinator.alerts == [BEING_MADE]
    assert files(coordinator) == []
    await coordinator.tap("Przyjęte")  # something else is not held up
    assert files(coordinator)[-1].document_name.startswith("zgloszenia-accepted-")
    await admin.send("/dziennik")  # nor someone else's export
    await admin.tap("📊 CSV")
    assert admin.last.document_name.startswith("dziennik-")

    clock.advance(seconds=exports.LEASE.total_seconds() + 1)
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    assert files(coordinator)[-1].document_name.startswith("zgloszenia-wszystkie-")
    assert coordinator.alerts == [BEING_MADE]


async def test_a_long_export_shows_how_far_it_is(app, double, coordinator, monkeypatch, temporary):
    monkeypatch.setattr(application_csv, "BUILDER", "tests.export_builders:slow")  # as a big database
    monkeypatch.setattr(exports, "PROGRESS_EVERY_S", 0.05)
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    notes = [p["text"] for method, p in double.requests if method == "editMessageText" and "Przygotowuję" in p["text"]]
    assert notes and all(n.startswith("⏳ Przygotowuję plik… ") and n.endswith("%") for n in notes)
    (sent,) = files(coordinator)
    assert sent.document_bytes.decode("utf-8-sig").splitlines() == ["Nr;Wartość"] + [
        f"{n};wiersz {n}" for n in range(1, 6)
    ]
    assert coordinator.last.message_id == sent.message_id  # the note is gone, the file is last
    assert list(temporary.iterdir()) == []


async def test_a_failed_export_sends_no_file_says_so_and_may_be_asked_for_again(
    app, double, coordinator, monkeypatch, temporary
):
    monkeypatch.setattr(application_csv, "BUILDER", "tests.export_builders:broken")
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    assert files(coordinator) == []  # not half a file sent as if it were the whole
    assert coordinator.last.text == (
        "⚠️ Nie udało się przygotować pliku, więc nic nie zostało wysłane. Spróbuj ponownie."
    )
    assert list(temporary.iterdir()) == []
    assert [e for e in await app.services.audit.all() if e.action == "applications.exported"] == []

    monkeypatch.setattr(application_csv, "BUILDER", "tests.export_builders:slow")
    monkeypatch.setattr(exports, "PROGRESS_EVERY_S", 0.05)
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")  # the failed one holds nothing up
    assert len(files(coordinator)) == 1


async def test_the_export_process_stops_and_leaves_no_file_when_the_bot_is_gone(tmp_path):
    """A restart in the middle: the process's reports have nowhere to go, so it stops and deletes
    what it wrote instead of finishing a file nobody will send."""
    import pickle
    import sys

    from bot.export_worker import ExportJob
    from storage import open_database

    db = await open_database(tmp_path / "bot.db")
    await db.close()
    target = tmp_path / "export.csv"
    job = ExportJob(  # db.path: where the worker finds it (a URL on PostgreSQL)
        "tests.export_builders:slow", str(db.path), str(target), "pl", "Europe/Warsaw", None, {"rows": 400}
    )
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot.export_worker", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
    )
    process.stdin.write(pickle.dumps(job))
    process.stdin.close()
    assert (await process.stdout.readline()).startswith(b"total")
    assert target.exists()
    process._transport.get_pipe_transport(1).close()  # the bot is gone
    assert await asyncio.wait_for(process.wait(), 30) != 0
    assert not target.exists()


def test_polish_phone_numbers_are_shown_as_the_application_shows_them():
    """The export formats Polish numbers without parsing them again: the same text as display()."""
    from bot.forms import display
    from bot.i18n import translator
    from bot.organisation import FieldType, FormField

    t = translator("pl")
    phone = FormField.model_validate(
        {"id": "phone", "type": FieldType.PHONE, "label": {"pl": "Telefon"}, "prompt": {"pl": "Telefon?"}}
    )
    cell = application_csv._cell(None, phone, t)
    for number in ("+48600100200", "+48221234567", "+48801123456", "+48123456789", "+48501000000", "+4930123456"):
        assert cell(f'"{number}"') == "'" + display(None, phone, number, t)
    assert cell(None) == ""


async def test_an_events_sign_ups_in_polish_from_the_runner(app, double, coordinator, temporary):
    from tests.events_helpers import published_event, sign_up

    event = await published_event(app)
    ola = double.user(user_id=3501, first_name="=Ola", language_code="pl")  # a name like a formula
    await ola.send(f"/start event_{event.id}")
    await sign_up(ola)
    await coordinator.send(f"/start event_{event.id}")
    await coordinator.tap("🛠 Zarządzaj")
    await coordinator.tap("📊 CSV")
    sent = coordinator.last
    assert sent.document_name == f"wydarzenie-{event.id}-zapisy.csv"
    assert sent.text.startswith("Budżet obywatelski w praktyce: ")
    assert sent.document_bytes.startswith("\ufeff".encode())
    header, row = sent.document_bytes.decode("utf-8-sig").splitlines()
    assert header.startswith("Lp.;Imię i nazwisko;E-mail;Telefon;")
    assert row.startswith("1;'=Ola;")
    assert list(temporary.iterdir()) == []
    (entry,) = [e for e in await app.services.audit.all() if e.action == "event.exported"]
    assert (entry.target, entry.details) == (f"event:{event.id}", {"count": 1})
