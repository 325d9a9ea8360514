"""The applications CSV: besides the answers, who decided, when and why, the optional consents and
the questions asked with their answers, with names and local times."""

from __future__ import annotations

import csv
import io

from tests.test_review import open_from_notification, submitted_application


async def _export(coordinator) -> list[list[str]]:
    await coordinator.send("/eksport")
    await coordinator.tap("Wszystkie")
    raw = coordinator.last.document_bytes
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


async def test_the_csv_says_who_decided_why_the_consents_and_the_questions(app, double, coordinator):
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

    rows = await _export(coordinator)
    header, row = rows[0], rows[1]
    assert header[-4:] == [
        "Osoba decydująca",
        "Powód nieprzyjęcia",
        "Zgoda: Informacje o innych programach",
        "Pytania i odpowiedzi",
    ]
    cell = dict(zip(header, row, strict=True))
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


async def test_the_export_answers_at_once_and_a_press_made_meanwhile_makes_no_second_file(app, double, coordinator):
    import asyncio

    from bot.buttons.review import ReviewExport

    await submitted_application(double.user(user_id=3401, first_name="Ola"))
    await coordinator.send("/eksport")
    menu = coordinator.last
    data = ReviewExport(scope="all").pack()
    first = asyncio.create_task(coordinator.press(menu.message_id, data))
    await asyncio.sleep(0)  # the first press is being handled: its file is not sent yet
    await coordinator.press(menu.message_id, data)
    await first
    files = [m for m in coordinator.messages if m.document_name is not None]
    assert len(files) == 1
    assert any(m.text.startswith("⏳ Przygotowuję plik") for m in coordinator.messages)
    assert coordinator.alerts[-1] == "Ten plik został przed chwilą wysłany: jest wyżej."


async def test_a_long_export_shows_how_far_it_is_and_a_failed_one_leaves_no_file(
    app, double, coordinator, monkeypatch, tmp_path
):
    import tempfile
    import time

    from bot.buttons.review import ReviewExport
    from handlers import review_export
    from storage import application_export

    for n in range(3):
        await submitted_application(double.user(user_id=3410 + n, first_name="Ola"))
    real_rows = application_export.rows

    def slow_rows(*args):
        for row in real_rows(*args):
            time.sleep(0.05)  # a big database, as seen from the thread
            yield row

    monkeypatch.setattr(application_export, "rows", slow_rows)
    monkeypatch.setattr(review_export, "PROGRESS_EVERY_S", 0.01)
    await coordinator.send("/eksport")
    await coordinator.press(coordinator.last.message_id, ReviewExport(scope="all").pack())
    note = next(m for m in coordinator.messages if m.text.startswith("⏳ Przygotowuję plik"))
    assert note.text.endswith("%") and note.edited  # the note says how far it is
    assert [m for m in coordinator.messages if m.document_name]

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken(out, *args, **kwargs):
        out.write("half of a file")
        raise OSError("disk full")

    monkeypatch.setattr(review_export, "write_csv", broken)
    files_before = len([m for m in coordinator.messages if m.document_name])
    await coordinator.send("/eksport")
    await coordinator.press(coordinator.last.message_id, ReviewExport(scope="accepted").pack())
    assert len([m for m in coordinator.messages if m.document_name]) == files_before  # nothing sent
    assert list(tmp_path.glob("export-*")) == []  # and nothing left behind
