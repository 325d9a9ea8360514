"""The panel's people and hours: the team directory, one person's page and the hours of everyone
for a period (table and CSV)."""

from __future__ import annotations

from datetime import timedelta

from tests.panel_helpers import PANEL, browser, csrf_of, sign_in
from tests.test_application import ANSWERS_PL
from tests.test_panel_dashboard import _event_with_attendance
from tests.test_review import submitted_application

HOSTILE = "<img src=x onerror=alert(1)> Ola"


async def _accepted(app, client, volunteer, answers) -> int:
    await submitted_application(volunteer, answers)
    application = await app.services.applications.latest(volunteer.id)
    detail = await client.get(f"{PANEL}/applications/{application.id}")
    await client.post(
        f"{PANEL}/applications/{application.id}/decide", data={"action": "accept", "csrf": csrf_of(detail.text)}
    )
    return application.id


async def test_the_team_directory_a_persons_page_and_the_hours_report(app, double, coordinator):
    anna, ola, waiting = (double.user(user_id=i) for i in (4101, 4102, 4103))
    async with browser(app) as client:
        await sign_in(client, coordinator)
        await _accepted(app, client, anna, ANSWERS_PL)
        await _accepted(app, client, ola, {**ANSWERS_PL, "full_name": HOSTILE, "email": "ola@example.org"})
        await submitted_application(waiting, {**ANSWERS_PL, "full_name": "Czeka Jeszcze", "email": "c@example.org"})
        await _event_with_attendance(app, anna.id, app.services.clock() - timedelta(hours=5), 3)

        team = await client.get(PANEL + "/people")
        assert team.status_code == 200 and "Anna Kowalska" in team.text
        assert HOSTILE not in team.text and "&lt;img src=x onerror=alert(1)&gt; Ola" in team.text
        assert "Czeka Jeszcze" not in team.text  # not accepted: not in the team
        assert team.text.index("&lt;img") < team.text.index("Anna Kowalska")  # the latest to join first
        assert "w przygotowaniu" in team.text  # the agreement prepared on acceptance
        found = await client.get(PANEL + "/people", params={"q": "ola@example"})
        assert "&lt;img" in found.text and "Anna Kowalska" not in found.text

        page = await client.get(f"{PANEL}/people/{anna.id}")
        assert page.status_code == 200 and "anna.kowalska@example.org" in page.text.lower()
        assert "Granty" in page.text and "obecn" in page.text
        assert "Czeka Jeszcze" in (await client.get(f"{PANEL}/people/{waiting.id}")).text  # applied, not yet in
        assert (await client.get(f"{PANEL}/people/999999")).status_code == 404
        assert (await client.get(f"{PANEL}/people/abc")).status_code == 404

        report = await client.get(PANEL + "/hours")
        assert report.status_code == 200 and "Anna Kowalska" in report.text
        csv_file = await client.get(PANEL + "/hours.csv")
        lines = csv_file.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith('"Imię i nazwisko";"E-mail";')  # every cell quoted: whole in any locale
        assert lines[1] == '"Anna Kowalska";"Anna.Kowalska@example.org";"3";"0";"3";"1"'
    assert "hours.exported" in [e.action for e in await app.services.audit.latest(5)]


async def test_a_search_with_a_space_pages_on_with_the_same_search(app, double, coordinator, monkeypatch):
    from handlers import panel_people

    monkeypatch.setattr(panel_people, "PAGE_SIZE", 1)
    anna, ola = (double.user(user_id=i) for i in (4111, 4112))
    async with browser(app) as client:
        await sign_in(client, coordinator)
        await _accepted(app, client, anna, ANSWERS_PL)
        await _accepted(app, client, ola, {**ANSWERS_PL, "full_name": "Ola Kowalska", "email": "ola@example.org"})
        first = await client.get(PANEL + "/people", params={"q": "a Kowalska"})
        assert "q=a+Kowalska&amp;" in first.text  # the next page's link keeps the search, encoded
