"""The panel in tests: the web app around the running bot, a browser-like HTTP client in the same
event loop (httpx over ASGI), a coordinator signing in with the link /panel sends, and a Mini App's
initData signed as Telegram signs it."""

from __future__ import annotations

import json
import re
import time
from contextlib import asynccontextmanager
from urllib.parse import urlencode

import httpx

from bot.web import initdata
from bot.web.serve import web_for
from bot.web.server import PANEL_URL_KEY

SITE = "https://panel.test"
PANEL = SITE + "/panel"


@asynccontextmanager
async def browser(app, site: str = SITE):
    """A client that keeps cookies and names this site as the origin of its posts (a browser does)."""
    app.bot_data[PANEL_URL_KEY] = site + app.services.settings.panel_path
    transport = httpx.ASGITransport(app=web_for(app))
    async with httpx.AsyncClient(transport=transport, base_url=site, headers={"origin": site}) as client:
        yield client


def link_in(text: str) -> str:
    found = re.search(r"https?://\S+/login/[\w-]+", text)
    assert found, text
    return found.group(0)


async def sign_in(client: httpx.AsyncClient, chat) -> str:
    """/panel in the chat, then the link's page and its button: the session cookie is set."""
    await chat.send("/panel")
    link = link_in(chat.last.text)
    page = await client.get(link)
    assert page.status_code == 200 and "Zaloguj się" in page.text
    answer = await client.post(link)
    assert answer.status_code == 303, answer.text
    return link


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert found, html
    return found.group(1)


def init_data(token: str, user_id: int, *, age_seconds: int = 0, first_name: str = "Kasia", **extra) -> str:
    fields = {
        "query_id": "AAHdF6IQAAAAAN0XohDhrOrc",
        "user": json.dumps({"id": user_id, "first_name": first_name, "language_code": "pl"}, separators=(",", ":")),
        "auth_date": str(int(time.time()) - age_seconds),
        **extra,
    }
    fields["hash"] = initdata.sign(fields, token)
    return urlencode(fields)
