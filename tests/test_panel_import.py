"""Importing the volunteers an organisation already has: a preview with per-row problems writes
nothing; confirmed, the correct rows are stored; each person's link connects their Telegram account
once (an accepted application made from the record); bad files get a clear answer."""

from __future__ import annotations

import csv
import io
import re

from storage.applications import Status
from tests.panel_helpers import PANEL, browser, csrf_of, sign_in
from tests.test_review import submitted_application

CSV = (
    "Imię i nazwisko;E-mail;Telefon;Powiat\r\n"
    "Jan Nowak;jan.nowak@example.org;600 700 800;lubelski\r\n"
    "Ewa Zła;to-nie-email;;lubelski\r\n"
    '=HYPERLINK("http://x");formula@example.org;;\r\n'
    "Jan Nowak Drugi;JAN.NOWAK@example.org;;\r\n"
    "Anna Znana;anna.kowalska@example.org;;\r\n"
    "Olga Dobra;olga@example.org;+48 501 234 567;Nieznany powiat\r\n"
    "Piotr Prosty;piotr@example.org;;\r\n"
)


async def _preview(client, content: bytes, name: str = "wolontariusze.csv"):
    page = await client.get(PANEL + "/import")
    token = csrf_of(page.text)
    answer = await client.post(PANEL + "/import", data={"csrf": token}, files={"file": (name, content, "text/csv")})
    return answer, token


async def test_a_preview_then_an_import_then_a_personal_link_connects_once(app, double, coordinator):
    known = double.user(user_id=4401)
    await submitted_application(known)  # anna.kowalska@example.org is in the bot already
    async with browser(app) as client:
        await sign_in(client, coordinator)
        preview, token = await _preview(client, CSV.encode("utf-8"))
        assert preview.status_code == 200
        text = preview.text
        assert "2 poprawne wiersze zostaną zaimportowane" in text
        assert "5 wierszy z problemami zostanie pominiętych" in text
        assert "Powtórzenie wiersza 2." in text  # the same e-mail in another case
        assert "Już jest w bocie" in text
        assert "nie jest jedną z opcji" in text  # an unknown county
        assert "=HYPERLINK(&#34;http://x&#34;)" in text  # shown escaped, and refused as a name
        assert await app.services.db.fetch_one("SELECT 1 FROM imported_people") is None  # nothing written
        data = re.search(r'name="data" value="([^"]+)"', text).group(1)
        done = await client.post(
            PANEL + "/import/confirm", data={"data": data, "file_name": "wolontariusze.csv", "csrf": token}
        )
        assert "done=1" in done.headers["location"]
        page = await client.get(done.headers["location"])
        assert "wolontariusze.csv" in page.text
        links_url = re.search(r'action="(/panel/import/\d+/links)"', page.text).group(1)
        links = await client.post(links_url, data={"csrf": token})
    rows = list(csv.reader(io.StringIO(links.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Imię i nazwisko", "E-mail", "Telefon", "Link osobisty"]
    assert sorted(r[0] for r in rows[1:]) == ["Jan Nowak", "Piotr Prosty"]
    jan_link = next(r[3] for r in rows if r[0] == "Jan Nowak")
    assert jan_link.startswith("https://t.me/") and "?start=imp_" in jan_link

    # The spreadsheet carried no consent: the person accepts the rules and the data notice first.
    refusing = double.user(user_id=4404, first_name="Piotr")
    piotr_link = next(r[3] for r in rows if r[0] == "Piotr Prosty")
    await refusing.send("/start " + piotr_link.split("start=")[1])
    await refusing.tap("✅ Akceptuję regulamin")
    await refusing.tap("❌ Nie wyrażam zgody")
    assert "nie możemy połączyć" in refusing.last.text
    assert await app.services.applications.latest(refusing.id) is None

    jan = double.user(user_id=4402, first_name="Jan")
    await jan.send("/start " + jan_link.split("start=")[1])
    assert await app.services.applications.latest(jan.id) is None  # nothing before the consents
    await jan.tap("✅ Akceptuję regulamin")
    await jan.tap("✅ Wyrażam zgodę")
    assert "połączone" in jan.last.text.lower()
    assert await app.services.consents.has_current(jan.id, "rules", app.services.org.rules.version)
    application = await app.services.applications.latest(jan.id)
    assert application.status == Status.ACCEPTED
    answers = await app.services.applications.answers(application.id)
    assert (
        answers["full_name"] == "Jan Nowak" and answers["phone"] == "+48600700800" and answers["county"] == "lubelski"
    )
    someone_else = double.user(user_id=4403)
    await someone_else.send("/start " + jan_link.split("start=")[1])
    assert "nie działa" in someone_else.last.text
    assert await app.services.applications.latest(someone_else.id) is None
    facts = await app.services.db.fetch_one("SELECT expert FROM users WHERE telegram_id = ?", (jan.id,))
    assert facts[0] == 1  # in the team: the directory and the audiences see them
    actions = [e.action for e in await app.services.audit.latest(10)]
    assert {"volunteers.imported", "volunteers.import_links", "volunteers.connected"} <= set(actions)


async def test_files_that_are_not_a_csv_of_volunteers_get_a_clear_answer(app, double, coordinator):
    async with browser(app) as client:
        await sign_in(client, coordinator)
        xlsx, _ = await _preview(client, b"PK\x03\x04" + b"\x00" * 100, "wolontariusze.xlsx")
        assert xlsx.status_code == 400 and "zapisz go jako CSV" in xlsx.text
        binary, _ = await _preview(client, bytes(range(256)) * 4, "zdjecie.jpg")
        assert binary.status_code == 400
        columns, _ = await _preview(client, b"a;b\r\n1;2\r\n")
        assert columns.status_code == 400 and "Pierwszy wiersz" in columns.text
        page = await client.get(PANEL + "/import")
        huge = await client.post(
            PANEL + "/import",
            data={"csrf": csrf_of(page.text)},
            files={"file": ("duzy.csv", b"x" * (5 * 1024 * 1024), "text/csv")},
        )
        assert huge.status_code == 413 and "1 MB" in huge.text
    assert await app.services.db.fetch_one("SELECT 1 FROM import_batches") is None


class FakeSmtp:
    """Just enough of an SMTP server on 127.0.0.1 to receive what the bot sends."""

    def __init__(self) -> None:
        import socketserver
        import threading

        received = self.received = []

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 fake ESMTP\r\n")
                while line := self.rfile.readline():
                    command = line.decode().strip().upper()
                    if command.startswith(("EHLO", "HELO")):
                        self.wfile.write(b"250-fake\r\n250 8BITMIME\r\n")
                    elif command == "DATA":
                        self.wfile.write(b"354 go on\r\n")
                        body = b""
                        while (chunk := self.rfile.readline()) != b".\r\n":
                            body += chunk
                        received.append(body.decode("utf-8", "replace"))
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


async def test_the_links_go_by_e_mail_when_smtp_is_set(app, double, coordinator):
    import asyncio
    import email

    smtp = FakeSmtp()
    app.services.settings = app.services.settings.with_changes(
        smtp_url=f"smtp://127.0.0.1:{smtp.port}", smtp_from="biuro@example.org"
    )
    try:
        async with browser(app) as client:
            await sign_in(client, coordinator)
            preview, token = await _preview(client, CSV.encode("utf-8"))
            data = re.search(r'name="data" value="([^"]+)"', preview.text).group(1)
            await client.post(PANEL + "/import/confirm", data={"data": data, "file_name": "a.csv", "csrf": token})
            page = await client.get(PANEL + "/import")
            action = re.search(r'action="(/panel/import/\d+/email)"', page.text).group(1)
            sent = await client.post(action, data={"csrf": token})
            assert "emailed=3" in sent.headers["location"]  # Anna is not in the bot in this test
            shown = await client.get(sent.headers["location"])
            assert "3 e-maile z linkami osobistymi są wysyłane." in shown.text
            for _ in range(100):
                if len(smtp.received) == 3:
                    break
                await asyncio.sleep(0.05)
    finally:
        smtp.close()
    mails = [email.message_from_string(m) for m in smtp.received]
    assert sorted(m["To"] for m in mails) == ["anna.kowalska@example.org", "jan.nowak@example.org", "piotr@example.org"]
    body = mails[0].get_payload(decode=True).decode()
    assert "?start=imp_" in body and mails[0]["From"] == "biuro@example.org"
