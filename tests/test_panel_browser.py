"""The panel in a real browser: headless Chromium from the operating system's packages, driven by
Selenium, against the panel served by uvicorn in the test's event loop beside the running bot.

A coordinator signs in with the link /panel sends, filters the table, opens an application and
accepts it; the volunteer's chat gets the message. At 360 px the pages do not scroll sideways, and
the keyboard reaches the content first; the dashboard shows its charts. `.ci/run` installs
`chromium` and `chromium-driver`; on a developer's machine without them these tests are skipped,
saying so (never in CI)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil

import pytest

from bot.web.serve import _server, bind, web_for
from bot.web.server import PANEL_URL_KEY
from tests.panel_helpers import link_in
from tests.test_application import ANSWERS_PL
from tests.test_review import submitted_application

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("CI"):
        raise RuntimeError("CI must run the browser tests: install chromium and chromium-driver (.ci/run does)")
    pytest.skip(
        "no Chromium here (apt-get install chromium chromium-driver): the browser tests run in CI",
        allow_module_level=True,
    )


@pytest.fixture
async def panel_site(app):
    """The panel on 127.0.0.1, served from the test's event loop; its address."""
    sock = bind("127.0.0.1", 0)
    base = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app.bot_data[PANEL_URL_KEY] = base + "/panel"
    server = _server(web_for(app), quiet=True)
    server.capture_signals = contextlib.nullcontext  # pytest owns the signals
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    yield base
    server.should_exit = True
    await task


@pytest.fixture
async def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(argument)
    driver = await asyncio.to_thread(webdriver.Chrome, options=options, service=Service(DRIVER))
    yield driver
    await asyncio.to_thread(driver.quit)


async def run(call, *args):
    """Selenium blocks: in a thread, so the event loop keeps serving the panel and the bot."""
    return await asyncio.to_thread(call, *args)


def _fill_filters_and_open(driver, name: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    Select(driver.find_element(By.ID, "f-status")).select_by_visible_text("Nowe")
    Select(driver.find_element(By.ID, "f-county")).select_by_value("lubelski")
    search = driver.find_element(By.ID, "f-q")
    search.clear()
    search.send_keys("Kowalska")
    driver.find_element(By.ID, "apply-filters").click()
    WebDriverWait(driver, 10).until(lambda d: "q=Kowalska" in d.current_url)
    driver.find_element(By.LINK_TEXT, name).click()


def _heading(driver, text: str) -> None:
    """Wait for the page whose heading reads `text` (a click starts loading it, it may not be there yet)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda d: text in d.find_element(By.TAG_NAME, "h1").text
    )


def _sideways(driver) -> int:
    return driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")


async def test_sign_in_filter_open_and_accept_in_chromium(app, double, coordinator, panel_site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    volunteer = double.user(user_id=3401, first_name="Anna")
    await submitted_application(volunteer)
    other = double.user(user_id=3402, first_name="Jan")
    await submitted_application(other, {**ANSWERS_PL, "full_name": "Jan Nowak", "email": "jan@example.org"})
    await coordinator.send("/panel")
    link = link_in(coordinator.last.text)
    assert link.startswith(panel_site + "/panel/login/")

    await run(browser.get, link)
    await run(lambda: browser.find_element(By.ID, "sign-in").click())
    await run(_heading, browser, "Zgłoszenia")
    assert "/panel/applications" in browser.current_url
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "pl"

    # The keyboard reaches "skip to the content" first.
    await run(lambda: browser.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB))
    assert browser.switch_to.active_element.text == "Przejdź do treści"

    await run(_fill_filters_and_open, browser, "Anna Kowalska")
    await run(_heading, browser, "Zgłoszenie nr")
    assert "Od pięciu lat piszę wnioski" in browser.page_source
    await run(lambda: browser.find_element(By.ID, "accept").click())
    await run(_heading, browser, "Zgłoszenie nr")
    await run(lambda: WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".done")))
    assert "przyjęte" in browser.find_element(By.CSS_SELECTOR, ".done").text
    assert browser.find_element(By.ID, "status").text == "przyjęte"

    for _ in range(100):  # the message is sent by the request that accepted
        if volunteer.last.text.startswith("🎉 Gratulacje"):
            break
        await asyncio.sleep(0.05)
    assert volunteer.last.text.startswith("🎉 Gratulacje!")
    application = await app.services.applications.latest(volunteer.id)
    assert application.status == "accepted" and application.decided_by == coordinator.id

    # A phone's width: nothing scrolls sideways, on the table nor on an application.
    await run(browser.set_window_size, 360, 800)
    await run(browser.get, panel_site + "/panel/applications?status=")
    assert await run(_sideways, browser) <= 0
    await run(lambda: browser.find_element(By.LINK_TEXT, "Jan Nowak").click())
    await run(_heading, browser, "Zgłoszenie nr")
    assert await run(_sideways, browser) <= 0

    # The dashboard: charts drawn without a script, each with its table.
    await run(browser.set_window_size, 1280, 900)
    await run(lambda: browser.find_element(By.LINK_TEXT, "W skrócie").click())
    await run(_heading, browser, "Program w skrócie")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg[role=img]")) == 3  # no event yet: said in words
    assert "Nic w tym okresie." in browser.page_source
    await run(browser.set_window_size, 360, 800)
    assert await run(_sideways, browser) <= 0


async def test_the_mini_app_signs_in_with_telegrams_init_data_and_takes_its_colours(
    app, double, coordinator, panel_site, browser
):
    from urllib.parse import quote

    from selenium.webdriver.common.by import By

    from bot.double import DEFAULT_TOKEN
    from tests.panel_helpers import init_data

    theme = '{"bg_color":"#212121","text_color":"#ffffff","link_color":"#8cc8ff","button_color":"#2ea6ff"}'
    launch = f"#tgWebAppData={quote(init_data(DEFAULT_TOKEN, coordinator.id))}&tgWebAppThemeParams={quote(theme)}"
    await run(browser.get, panel_site + "/panel/app" + launch)
    await run(_heading, browser, "Zgłoszenia")
    assert "tgWebAppData" not in browser.current_url
    background = browser.execute_script(
        "return getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()"
    )
    assert background == "#212121"
    # Opened outside Telegram, the page says where it works; nothing is signed in.
    await run(browser.delete_all_cookies)
    await run(browser.get, panel_site + "/panel/app")
    status = browser.find_element(By.ID, "mini-app-status")
    assert "otwiera się w Telegramie" in status.text


async def test_taking_attendance_in_chromium(app, double, coordinator, panel_site, browser):
    from datetime import timedelta

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.test_panel_events import _event

    volunteer = double.user(user_id=3451, first_name="Anna")
    await submitted_application(volunteer)
    event_id = await _event(app, app.services.clock() - timedelta(hours=1), capacity=None)
    await app.services.events.join(event_id, volunteer.id, app.services.clock() - timedelta(days=1))
    await coordinator.send("/panel")
    await run(browser.get, link_in(coordinator.last.text))
    await run(lambda: browser.find_element(By.ID, "sign-in").click())
    await run(_heading, browser, "Zgłoszenia")
    await run(lambda: browser.find_element(By.LINK_TEXT, "Wydarzenia").click())
    await run(_heading, browser, "Wydarzenia")
    await run(lambda: browser.find_element(By.PARTIAL_LINK_TEXT, "Budżet").click())
    await run(_heading, browser, "Budżet")
    await run(lambda: browser.find_element(By.ID, f"present-{volunteer.id}").click())
    await run(lambda: browser.find_element(By.ID, "save-attendance").click())
    await run(lambda: WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".done")))
    registration = await app.services.events.registration(event_id, volunteer.id)
    assert registration.attendance == "attended" and registration.hours == 2.0


async def test_importing_a_csv_with_one_bad_row_in_chromium(app, double, coordinator, panel_site, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    spreadsheet = tmp_path / "wolontariusze.csv"
    spreadsheet.write_text(
        "Imię i nazwisko;E-mail;Telefon\r\nJan Nowak;jan@example.org;600700800\r\nZły Wiersz;nie-email;\r\n",
        encoding="utf-8",
    )
    await coordinator.send("/panel")
    await run(browser.get, link_in(coordinator.last.text))
    await run(lambda: browser.find_element(By.ID, "sign-in").click())
    await run(_heading, browser, "Zgłoszenia")
    await run(browser.get, panel_site + "/panel/import")
    await run(lambda: browser.find_element(By.ID, "file").send_keys(str(spreadsheet)))
    await run(lambda: browser.find_element(By.ID, "check-file").click())
    await run(lambda: WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "confirm-import")))
    assert "1 poprawny wiersz zostanie zaimportowany" in browser.page_source
    assert "1 wiersz z problemami zostanie pominięty" in browser.page_source
    await run(lambda: browser.find_element(By.ID, "confirm-import").click())
    await run(lambda: WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".done")))
    people = await app.services.db.fetch_all("SELECT email FROM imported_people")
    assert [r[0] for r in people] == ["jan@example.org"]
