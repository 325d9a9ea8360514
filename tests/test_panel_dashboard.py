"""The panel's dashboard: the figures of a period as charts, tables, CSV files and a PDF report in
Polish; months in the organisation's time zone."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from storage.db import to_db_time
from tests.conftest import COORDINATOR_ID
from tests.panel_helpers import PANEL, browser, csrf_of, sign_in
from tests.test_application import ANSWERS_PL
from tests.test_review import submitted_application


async def _event_with_attendance(app, volunteer_id: int, starts: datetime, hours: float) -> None:
    """An event that took place, one person recorded as attending."""
    stamp = to_db_time(starts)
    async with app.services.db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO events (type, title, starts_at, ends_at, audience, status, created_by, created_at, "
            "updated_at) VALUES ('training', 'Granty', ?, ?, 'everyone', 'published', ?, ?, ?) RETURNING id",
            (stamp, to_db_time(starts + timedelta(hours=3)), COORDINATOR_ID, stamp, stamp),
        )
        registration = await conn.execute(
            "INSERT INTO event_registrations (event_id, telegram_id, status, queued_at, joined_at, updated_at) "
            "VALUES (?, ?, 'registered', 1, ?, ?) RETURNING id",
            ((await cursor.fetchone())[0], volunteer_id, stamp, stamp),
        )
        await conn.execute(  # as attendance taking records it: the ledger's trigger adds the hours
            "UPDATE event_registrations SET attendance = 'attended', hours = ?, attendance_by = ?, attendance_at = ? "
            "WHERE id = ?",
            (hours, COORDINATOR_ID, stamp, (await registration.fetchone())[0]),
        )


async def test_the_dashboard_shows_a_periods_figures_as_charts_tables_csv_and_a_pdf(app, double, coordinator):
    anna = double.user(user_id=4001)
    await submitted_application(anna)
    jan = double.user(user_id=4002)
    await submitted_application(jan, {**ANSWERS_PL, "full_name": "Jan <Nowak>", "email": "jan@example.org"})
    application = await app.services.applications.latest(anna.id)
    now = app.services.clock()
    await _event_with_attendance(app, anna.id, now - timedelta(days=1), 2.5)
    month = now.strftime("%Y-%m")
    async with browser(app) as client:
        await sign_in(client, coordinator)
        detail = await client.get(f"{PANEL}/applications/{application.id}")
        await client.post(
            f"{PANEL}/applications/{application.id}/decide", data={"action": "accept", "csrf": csrf_of(detail.text)}
        )
        page = await client.get(PANEL + "/dashboard", params={"from": month, "until": month})
        assert page.status_code == 200 and "Program w skrócie" in page.text
        assert page.text.count('role="img"') == 4 and "<script>" not in page.text
        assert "1 osoba w zespole" in page.text
        assert '<th scope="row">lubelski</th><td>1</td>' in page.text
        csv_file = await client.get(PANEL + "/dashboard/applications.csv", params={"from": month, "until": month})
        assert csv_file.headers["content-type"].startswith("text/csv")
        lines = csv_file.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith('"Miesiąc";"Nowe";') and lines[0].endswith(';"Razem"')  # every cell quoted
        assert lines[1].endswith(';"1";"0";"1";"0";"0";"2"')
        hours = await client.get(PANEL + "/dashboard/hours.csv", params={"from": month, "until": month})
        assert hours.content.decode("utf-8-sig").splitlines()[1].endswith(';"2,5";"1"')
        events = await client.get(PANEL + "/dashboard/events.csv", params={"from": month, "until": month})
        assert events.content.decode("utf-8-sig").splitlines()[1] == '"Szkolenie";"1";"1";"1"'
        assert (await client.get(PANEL + "/dashboard/other.csv")).status_code == 404
        report = await client.get(PANEL + "/dashboard/report.pdf", params={"from": month, "until": month})
        assert report.headers["content-type"] == "application/pdf" and report.content.startswith(b"%PDF")
        # A period given upside down is turned round; a broken one is the last twelve months.
        assert (await client.get(PANEL + "/dashboard", params={"from": "2030-01", "until": "x"})).status_code == 200
    from pypdf import PdfReader

    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(report.content)).pages)
    assert "EKSPERCKI ZESPÓŁ WOLONTARIUSZY" in text.upper() and "Szkolenie" in text
    assert "dashboard.report" in [e.action for e in await app.services.audit.latest(5)]


async def test_months_are_the_organisations_not_utcs(app):
    from zoneinfo import ZoneInfo

    from storage.dashboard import Dashboard

    # 22:30 UTC on 31 January is 23:30 in Warsaw (January); 23:30 UTC is 00:30 on 1 February there.
    async with app.services.db.transaction() as conn:
        await conn.execute(
            "INSERT INTO users (telegram_id, first_name, created_at, last_seen_at) VALUES (1, 'A', ?, ?)",
            ("2026-01-01T00:00:00+00:00", "2026-01-01T00:00:00+00:00"),
        )
        for n, sent in enumerate(("2026-01-31T22:30:00.000000+00:00", "2026-01-31T23:30:00.000000+00:00")):
            await conn.execute(
                "INSERT INTO applications (telegram_id, status, created_at, updated_at, submitted_at) "
                "VALUES (1, ?, ?, ?, ?)",
                ("withdrawn" if n == 0 else "submitted", sent, sent, sent),
            )
    dashboard = Dashboard(app.services.db, ZoneInfo("Europe/Warsaw"), ("county",))
    figures = await dashboard.figures(datetime(2026, 1, 1, tzinfo=UTC).date(), datetime(2026, 2, 1, tzinfo=UTC).date())
    assert figures.months == ["2026-01", "2026-02"]
    assert figures.applications["2026-01"]["withdrawn"] == 1 and figures.applications["2026-02"]["submitted"] == 1
