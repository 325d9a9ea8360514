"""The signed agreement sent back as a file: downloaded from the Bot API server the bot talks to
(Telegram's, a self-hosted one, or one started with --local that gives paths on its disk), and
a person told which of three things went wrong: too big, not downloaded (send it again), wrong type."""

from __future__ import annotations

import pytest

from bot.config import Settings
from tests.conftest import ADMIN_ID
from tests.test_agreements import accept, accepted, capp, now, offer, staff  # noqa: F401 (fixtures)

SERVER = "http://127.0.0.1:8081"
SIGNED = b"%PDF-1.7\n% signed with a qualified signature\n"
TRY_AGAIN = "⚠️ Nie udało się pobrać pliku z Telegrama. To chwilowy problem po naszej stronie, nie z Twoim plikiem."


@pytest.fixture
def env():
    return {"TELEGRAM_API_URL": f"{SERVER}/bot"}


@pytest.fixture
def settings(tmp_path, env) -> Settings:
    return Settings.from_env(env).with_changes(
        database_path=tmp_path / "bot.db", admin_ids=frozenset({ADMIN_ID}), flood_messages=10_000
    )


@pytest.fixture
def downloads(double):
    """Every file download the bot makes; files are served only by the server it is set up with."""
    urls: list[str] = []
    answer = double.do_request

    async def do_request(url, method, *args, **kwargs):
        if "/file/bot" in url:
            urls.append(url)
            if not url.startswith(f"{SERVER}/file/bot"):  # Telegram's host knows nothing of this server's files
                return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        return await answer(url, method, *args, **kwargs)

    double.do_request = do_request
    return urls


async def waiting_for_the_signed_copy(double, staff, user_id: int):  # noqa: F811
    volunteer = await accepted(double, staff, user_id)
    await offer(staff)  # six months: the written form, a signed copy is sent back
    await volunteer.tap("📄 Moje porozumienie")
    await accept(volunteer)
    await volunteer.tap("📤 Wyślij podpisany plik")
    return volunteer


async def test_a_self_hosted_server_serves_the_file_the_bot_downloads(capp, double, staff, downloads):  # noqa: F811
    assert capp.bot.base_file_url == f"{SERVER}/file/bot{double.token}"
    volunteer = await waiting_for_the_signed_copy(double, staff, 8001)
    await volunteer.send_document(SIGNED, "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith("📎 Otrzymano: podpisane.pdf.")
    assert downloads and all(url.startswith(f"{SERVER}/file/bot") for url in downloads)
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    assert [f.size for f in await capp.services.agreements.files(agreement.id)] == [len(SIGNED)]


async def test_not_downloaded_too_big_and_wrong_type_are_three_answers(capp, double, staff, downloads):  # noqa: F811
    volunteer = await waiting_for_the_signed_copy(double, staff, 8002)
    # The server cannot be reached for a moment: not the person's fault, and the step still waits.
    double.fail_next("getFile", 502, "Bad Gateway")
    await volunteer.send_document(SIGNED, "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith(TRY_AGAIN)
    assert "Za duży" not in volunteer.last.text and "/anuluj, aby przerwać" in volunteer.last.text
    # Over the 20 MB Telegram lets a bot download, though the size was not told beforehand.
    double.fail_next("getFile", 400, "Bad Request: file is too big")
    await volunteer.send_document(SIGNED, "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith("⚠️ Plik jest za duży: najwyżej 10 MB.")
    await volunteer.send_document(b"MZ\x90\x00 a program", "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith("⚠️ Wyślij plik PDF albo skan w formacie JPEG lub PNG.")
    await volunteer.send_document(SIGNED, "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith("📎 Otrzymano: podpisane.pdf.")


@pytest.mark.parametrize("env", [{"TELEGRAM_API_URL": f"{SERVER}/bot", "TELEGRAM_LOCAL_MODE": "1"}])
async def test_a_local_server_gives_a_path_read_from_disk(capp, double, staff, downloads, tmp_path, env):  # noqa: F811
    assert capp.bot.local_mode is True
    stored = tmp_path / "telegram-bot-api" / "documents"
    stored.mkdir(parents=True)
    answer = double._m_getFile

    def get_file(params, files):  # what `telegram-bot-api --local` answers: the absolute path on its disk
        result = answer(params, files)
        path = stored / params["file_id"]
        path.write_bytes(double.files[params["file_id"]][0])
        return {**result, "file_path": str(path)}

    double._m_getFile = get_file
    volunteer = await waiting_for_the_signed_copy(double, staff, 8003)
    await volunteer.send_document(SIGNED, "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith("📎 Otrzymano: podpisane.pdf.")
    assert downloads == []  # read from disk, nothing fetched over HTTP
    agreement = (await capp.services.agreements.for_volunteer(volunteer.id))[0]
    assert [f.size for f in await capp.services.agreements.files(agreement.id)] == [len(SIGNED)]


@pytest.mark.parametrize("env", [{"TELEGRAM_API_URL": f"{SERVER}/bot", "TELEGRAM_LOCAL_MODE": "1"}])
async def test_a_local_path_the_bot_cannot_read_asks_to_send_again(capp, double, staff, downloads, env):  # noqa: F811
    double._m_getFile = lambda params, files: {
        "file_id": params["file_id"],
        "file_unique_id": "U",
        "file_size": 10,
        "file_path": "/var/lib/telegram-bot-api/elsewhere/documents/file_0.pdf",
    }
    volunteer = await waiting_for_the_signed_copy(double, staff, 8004)
    await volunteer.send_document(SIGNED, "podpisane.pdf", "application/pdf")
    assert volunteer.last.text.startswith(TRY_AGAIN)
