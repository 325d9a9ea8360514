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
