"""The panel under attack: what a forged, replayed or hostile request does (nothing, with a clear
answer, never an error page), found in the security review of issue 17."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from bot.double import DEFAULT_TOKEN
from tests.conftest import COORDINATOR_ID
from tests.panel_helpers import PANEL, browser, csrf_of, init_data, link_in, sign_in


async def test_a_mini_app_init_data_replayed_reordered_or_re_encoded_is_refused(app, double, coordinator):
    good = init_data(DEFAULT_TOKEN, COORDINATOR_ID)
    pairs = parse_qsl(good)
    reordered = urlencode(list(reversed(pairs)))
    re_encoded = good.replace("%7B", "%7b").replace("%22", "%22")
    async with browser(app) as client:
        answer = await client.post(PANEL + "/auth/mini-app", data={"init_data": good})
        assert answer.status_code == 200
    for replay in (reordered, re_encoded):
        assert replay != good
        async with browser(app) as attacker:
            again = await attacker.post(PANEL + "/auth/mini-app", data={"init_data": replay})
            assert again.status_code == 403 and again.json() == {"error": "replayed"}, replay
            assert "set-cookie" not in again.headers


async def test_init_data_whose_hash_is_not_ascii_is_refused_not_an_error(app, double, coordinator):
    good = init_data(DEFAULT_TOKEN, COORDINATOR_ID)
    for hostile in (good.rsplit("hash=", 1)[0] + "hash=%C4%85", "user=%7B%7D&hash=%E2%80%8B"):
        async with browser(app) as client:
            answer = await client.post(PANEL + "/auth/mini-app", data={"init_data": hostile})
            assert answer.status_code == 403 and answer.json() == {"error": "invalid"}


async def test_a_one_time_link_posted_from_another_site_signs_nobody_in(app, double, coordinator):
    """Login CSRF: another site's form must not sign the victim's browser in with the attacker's link."""
    async with browser(app) as client:
        await coordinator.send("/panel")
        link = link_in(coordinator.last.text)
        for headers in ({"sec-fetch-site": "cross-site"}, {"origin": "https://evil.example"}):
            answer = await client.post(link, headers=headers)
            assert answer.status_code == 403 and "set-cookie" not in answer.headers
        assert (await client.post(link)).status_code == 303  # the link was not used up


async def test_a_cross_site_token_outside_ascii_is_refused_not_an_error(app, double, coordinator):
    async with browser(app) as client:
        await sign_in(client, coordinator)
        for path in ("/templates", "/logout"):
            answer = await client.post(PANEL + path, data={"title": "x", "pl": "y", "csrf": "ą"})
            assert answer.status_code in (303, 403), path
        assert (await client.get(PANEL + "/applications")).status_code == 200  # not signed out
    assert await app.services.db.fetch_one("SELECT 1 FROM rejection_templates") is None


async def test_signing_in_again_ends_the_browsers_earlier_session(app, double, coordinator):
    async with browser(app) as client:
        await sign_in(client, coordinator)
        earlier = client.cookies.get("vb_panel")
        await sign_in(client, coordinator)
        assert client.cookies.get("vb_panel") != earlier
        assert (await client.get(PANEL + "/applications")).status_code == 200
    async with browser(app) as stolen:
        stolen.cookies.set("vb_panel", earlier, domain="panel.test", path="/panel/")
        assert (await stolen.get(PANEL + "/applications")).status_code == 401


async def test_a_csv_with_a_cell_over_the_csv_modules_limit_is_refused_clearly(app, double, coordinator):
    hostile = ('full_name;email\n"' + "A" * 200_000 + '";x@example.org\n').encode()
    async with browser(app) as client:
        await sign_in(client, coordinator)
        page = await client.get(PANEL + "/import")
        answer = await client.post(
            PANEL + "/import", data={"csrf": csrf_of(page.text)}, files={"file": ("a.csv", hostile, "text/csv")}
        )
        assert answer.status_code == 400 and "Nic nie zostało zaimportowane" in answer.text
    assert await app.services.db.fetch_one("SELECT 1 FROM import_batches") is None


class _PlainSmtpWithAuth:
    """An SMTP server on 127.0.0.1 offering AUTH but no STARTTLS (or a man in the middle who removed
    it): it records every line it is sent."""

    def __init__(self) -> None:
        import socketserver
        import threading

        lines = self.lines = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 plain ESMTP\r\n")
                while line := self.rfile.readline():
                    lines.append(line.decode("utf-8", "replace"))
                    command = line.decode().strip().upper()
                    if command.startswith(("EHLO", "HELO")):
                        self.wfile.write(b"250-plain\r\n250 AUTH PLAIN LOGIN\r\n")
                    elif command.startswith("AUTH"):
                        self.wfile.write(b"235 ok\r\n")
                    elif command == "DATA":
                        self.wfile.write(b"354 go on\r\n")
                        while self.rfile.readline() != b".\r\n":
                            pass
                        self.wfile.write(b"250 queued\r\n")
                    elif command == "QUIT":
                        self.wfile.write(b"221 bye\r\n")
                        return
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


async def test_the_smtp_password_is_never_sent_without_starttls():
    import base64

    import pytest

    from bot import mailer

    server = _PlainSmtpWithAuth()
    try:
        with pytest.raises(mailer.MailFailed) as refused:
            await mailer.send(
                f"smtp://biuro:tajne-haslo@127.0.0.1:{server.port}",
                "biuro@example.org",
                [mailer.message("anna@example.org", "Temat", "Treść")],
            )
    finally:
        server.close()
    sent = "".join(server.lines)
    assert not any(line.upper().startswith("AUTH") for line in server.lines)
    assert "tajne-haslo" not in sent and base64.b64encode(b"\0biuro\0tajne-haslo").decode() not in sent
    assert "tajne-haslo" not in str(refused.value)


async def test_dates_at_the_ends_of_the_calendar_are_ignored_not_an_error(app, double, coordinator):
    queries = [
        "/applications?status=&from=0001-01-01&until=9999-12-31",
        "/hours?from=0001-01-01&until=9999-12-31",
        "/hours.csv?from=0001-01-01&until=9999-12-31",
        "/dashboard?from=0001-01&until=9999-12",
        "/dashboard?until=0001-01",
        "/dashboard/hours.csv?from=0001-01",
        "/dashboard/report.pdf?until=9999-12",
    ]
    async with browser(app) as client:
        await sign_in(client, coordinator)
        for query in queries:
            assert (await client.get(PANEL + query)).status_code == 200, query


FORMULA_AFTER_A_COMMA = "Jan Kowalski,=cmd|' /C calc'!A0"
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _cells_read_with(content: bytes, delimiter: str) -> list[str]:
    """Every cell as a spreadsheet whose list separator is `delimiter` reads the file."""
    import csv
    import io

    return [cell for row in csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter) for cell in row]


async def test_a_csv_has_no_formula_even_read_with_a_comma_or_a_tab_as_the_separator(app, double, coordinator):
    """Excel outside Poland splits a line on commas: a name 'Kowalski,=cmd…' must not start a cell there."""
    from datetime import timedelta

    from tests.test_application import ANSWERS_PL
    from tests.test_panel_dashboard import _event_with_attendance
    from tests.test_review import submitted_application

    hostile = double.user(user_id=3996)
    await submitted_application(hostile, {**ANSWERS_PL, "full_name": FORMULA_AFTER_A_COMMA, "email": "k@example.org"})
    application = await app.services.applications.latest(hostile.id)
    await _event_with_attendance(app, hostile.id, app.services.clock() - timedelta(hours=3), 2)
    spreadsheet = (
        "Imię i nazwisko;E-mail\r\n" + f"{FORMULA_AFTER_A_COMMA.replace('Jan', 'Ewa')};ewa@example.org\r\n"
    ).encode()
    async with browser(app) as client:
        await sign_in(client, coordinator)
        token = csrf_of((await client.get(f"{PANEL}/applications/{application.id}")).text)
        await client.post(f"{PANEL}/applications/{application.id}/decide", data={"action": "accept", "csrf": token})
        hours = (await client.get(PANEL + "/hours.csv")).content
        preview = await client.post(
            PANEL + "/import", data={"csrf": token}, files={"file": ("a.csv", spreadsheet, "text/csv")}
        )
        import re

        data = re.search(r'name="data" value="([^"]+)"', preview.text).group(1)
        await client.post(PANEL + "/import/confirm", data={"data": data, "file_name": "a.csv", "csrf": token})
        page = await client.get(PANEL + "/import")
        links_url = re.search(r'action="(/panel/import/\d+/links)"', page.text).group(1)
        links = (await client.post(links_url, data={"csrf": token})).content
    assert FORMULA_AFTER_A_COMMA in _cells_read_with(hours, ";")  # what was typed, whole, in Polish Excel
    assert FORMULA_AFTER_A_COMMA.replace("Jan", "Ewa") in _cells_read_with(links, ";")
    for content in (hours, links):
        for delimiter in (",", "\t", ";"):
            cells = _cells_read_with(content, delimiter)
            assert not [c for c in cells if c.startswith(TRIGGERS)], (delimiter, content)


async def test_a_draft_is_not_named_nor_decided_through_the_bulk_form(app, double, coordinator):
    """IDOR: the bulk form takes ids; a draft's answers are the volunteer's own, as in the chat."""
    from storage.application_model import Status
    from tests.broadcast_helpers import applicant

    draft = await applicant(app.services, 3997, Status.DRAFT)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        token = csrf_of((await client.get(PANEL + "/applications")).text)
        for confirm in ("", "1"):
            answer = await client.post(
                PANEL + "/applications/bulk",
                data={"action": "accept", "id": [draft.id], "csrf": token, "confirm": confirm},
            )
            assert "Osoba 3997" not in answer.text
    assert (await app.services.applications.get(draft.id)).status == Status.DRAFT


async def test_a_personal_link_waiting_for_consents_is_kept_only_as_its_hash(app, double, coordinator):
    """Only hashes of the import's links are stored: the consent flow too keeps the hash, not the link."""
    from storage.panel_import import VolunteerImports

    _, made = await VolunteerImports(app.services.db).create(
        coordinator.id,
        "a.csv",
        [{"full_name": "Ewa Nowak", "email": "ewa@example.org"}],
        "email",
        "phone",
        app.services.clock(),
    )
    token = made[0][1]
    ewa = double.user(user_id=3998, first_name="Ewa")
    await ewa.send("/start imp_" + token)
    stored = await app.services.db.fetch_all("SELECT data FROM flow_state WHERE telegram_id = ?", (ewa.id,))
    assert stored and token not in stored[0][0]
    await ewa.tap("✅ Akceptuję regulamin")
    await ewa.tap("✅ Wyrażam zgodę")
    assert "połączone" in ewa.last.text.lower()
    assert not await VolunteerImports(app.services.db).usable(token)  # used once


def _spreadsheet(people: int) -> bytes:
    rows = "".join(f"Osoba Nowak;o{n}@example.org;{'x' * 400}\r\n" for n in range(people))
    return ("Imię i nazwisko;E-mail;Uwagi\r\n" + rows).encode()


async def test_a_file_near_1_mb_is_imported_and_one_over_it_refused_when_confirming(app, double, coordinator):
    """The confirming request carries the file again as base64 (a third larger): a file the preview
    took is imported; a file over 1 MB sent straight to the confirmation gets the page saying so."""
    import base64
    import re

    near, over = _spreadsheet(2200), _spreadsheet(2700)
    assert 800_000 < len(near) < 1_048_576 < len(over) and len(base64.b64encode(over)) < 3 * 1_048_576
    async with browser(app) as client:
        await sign_in(client, coordinator)
        token = csrf_of((await client.get(PANEL + "/import")).text)
        refused = await client.post(
            PANEL + "/import/confirm", data={"data": base64.b64encode(over).decode(), "csrf": token}
        )
        assert refused.status_code == 413 and "1 MB" in refused.text
        assert await app.services.db.fetch_one("SELECT 1 FROM import_batches") is None
        preview = await client.post(
            PANEL + "/import", data={"csrf": token}, files={"file": ("a.csv", near, "text/csv")}
        )
        assert preview.status_code == 200
        data = re.search(r'name="data" value="([^"]+)"', preview.text).group(1)
        done = await client.post(PANEL + "/import/confirm", data={"data": data, "file_name": "a.csv", "csrf": token})
        assert done.status_code == 303 and "done=1" in done.headers["location"]
    batch = await app.services.db.fetch_one("SELECT people FROM import_batches")
    assert batch[0] == 2200
