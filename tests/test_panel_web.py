"""The coordinators' panel over HTTP: signing in (one-time link, Mini App initData), who may see
what, the cross-site token, the security headers, the applications table and the decisions, with
the same rules and messages as in the chat."""

from __future__ import annotations

import re
from datetime import timedelta

from bot.double import DEFAULT_TOKEN
from storage.applications import Status
from tests.conftest import COORDINATOR_ID
from tests.panel_helpers import PANEL, browser, csrf_of, init_data, link_in, sign_in
from tests.test_application import ANSWERS_PL
from tests.test_review import submitted_application

HOSTILE = '<script>alert("x")</script> Ewa'


async def test_a_one_time_link_signs_in_once_and_the_pages_carry_the_security_headers(app, double, coordinator):
    async with browser(app) as client:
        assert (await client.get(PANEL + "/applications")).status_code == 401
        link = await sign_in(client, coordinator)
        assert "Działa raz, przez 10 min" in coordinator.last.text
        page = await client.get(PANEL + "/applications")
        assert page.status_code == 200 and "Zgłoszenia" in page.text
        headers = page.headers
        assert "script-src 'self'" in headers["content-security-policy"]
        assert "'unsafe-inline'" not in headers["content-security-policy"]
        assert "frame-ancestors 'self' https://web.telegram.org" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"
        assert headers["cache-control"] == "no-store"
        missing = await client.get(PANEL + "/nothing-here")
        assert missing.status_code == 404 and "Ta strona nie istnieje." in missing.text
        cookie = (await client.post(link)).headers.get("set-cookie")
    assert cookie is None  # the used link does not sign in again
    async with browser(app) as other:
        used = await other.post(link)
        assert used.status_code == 400 and "Ten link już nie działa" in used.text
        assert (await other.get(PANEL + "/applications")).status_code == 401
    actions = [e.action for e in await app.services.audit.latest(10)]
    assert "panel.link_sent" in actions and "panel.signed_in" in actions


async def test_the_session_cookie_is_http_only_secure_and_same_site(app, double, coordinator):
    async with browser(app) as client:
        await coordinator.send("/panel")
        answer = await client.post(link_in(coordinator.last.text))
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie
    assert "path=/panel/" in cookie


async def test_an_expired_link_does_not_sign_in(app, double, coordinator):
    from datetime import timedelta

    async with browser(app) as client:
        await coordinator.send("/panel")
        link = link_in(coordinator.last.text)
        later = app.services.clock() + timedelta(minutes=11)
        app.services.clock = lambda: later
        assert (await client.post(link)).status_code == 400
        forged = await client.post(PANEL + "/login/" + "x" * 43)
        assert forged.status_code == 400


async def test_a_removed_coordinator_loses_access_at_once_and_sessions_end_from_the_chat(app, double, coordinator):
    async with browser(app) as client:
        await sign_in(client, coordinator)
        assert (await client.get(PANEL + "/applications")).status_code == 200
        await app.services.coordinators.remove(COORDINATOR_ID)
        refused = await client.get(PANEL + "/applications")
        assert refused.status_code == 403 and "tylko dla osób koordynujących" in refused.text
        await app.services.coordinators.add(COORDINATOR_ID)
        assert (await client.get(PANEL + "/applications")).status_code == 200
        await coordinator.send("/start")
        await coordinator.tap("🧭 Panel koordynatora")
        await coordinator.tap("🖥 Panel w przeglądarce")
        assert "Link do logowania na komputerze" in " ".join(coordinator.last.buttons)
        await coordinator.tap("🚪 Zakończ moje sesje panelu")
        assert coordinator.alerts[-1] == "Zakończono 1 sesję panelu."
        assert (await client.get(PANEL + "/applications")).status_code == 401


async def test_a_volunteer_cannot_sign_in_nor_open_coordinator_pages(app, double):
    volunteer = double.user(user_id=3100, first_name="Ola")
    await volunteer.send("/panel")
    assert "tylko dla osób koordynujących" in volunteer.last.text.lower() or volunteer.alerts
    async with browser(app) as client:
        answer = await client.post(PANEL + "/auth/mini-app", data={"init_data": init_data(DEFAULT_TOKEN, 3100)})
        assert answer.status_code == 403
        assert "set-cookie" not in answer.headers
        assert (await client.get(PANEL + "/applications/1")).status_code == 401


async def test_mini_app_init_data_forged_expired_or_replayed_is_refused(app, double, coordinator):
    async with browser(app) as client:
        good = init_data(DEFAULT_TOKEN, COORDINATOR_ID)
        forged = init_data("999:another-bots-token", COORDINATOR_ID)
        tampered = good.replace("Kasia", "Kasie")
        expired = init_data(DEFAULT_TOKEN, COORDINATOR_ID, age_seconds=16 * 60)
        for refused in (forged, tampered, expired, "", "user=%7B%7D&hash=00"):
            answer = await client.post(PANEL + "/auth/mini-app", data={"init_data": refused})
            assert answer.status_code == 403, refused
        assert (await client.get(PANEL + "/applications")).status_code == 401
        answer = await client.post(PANEL + "/auth/mini-app", data={"init_data": good})
        assert answer.status_code == 200 and answer.json()["next"] == "/panel/applications"
        assert "samesite=none" in answer.headers["set-cookie"].lower()
        assert (await client.get(PANEL + "/applications")).status_code == 200
    async with browser(app) as replaying:
        again = await replaying.post(PANEL + "/auth/mini-app", data={"init_data": good})
        assert again.status_code == 403 and "set-cookie" not in again.headers
    mini_app = None
    async with browser(app) as client:
        mini_app = await client.get(PANEL + "/app")
    assert mini_app.status_code == 200 and '<script src="/panel/static/panel.js" defer>' in mini_app.text
    assert "<script>" not in mini_app.text  # no inline script (the CSP forbids them)


async def test_a_state_changing_request_without_the_cross_site_token_changes_nothing(app, double, coordinator):
    volunteer = double.user(user_id=3101)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        url = f"{PANEL}/applications/{application.id}/decide"
        assert (await client.post(url, data={"action": "accept"})).status_code == 403
        assert (await client.post(url, data={"action": "accept", "csrf": "0" * 64})).status_code == 403
        page = await client.get(f"{PANEL}/applications/{application.id}")
        token = csrf_of(page.text)
        other_site = await client.post(
            url, data={"action": "accept", "csrf": token}, headers={"origin": "https://evil.example"}
        )
        assert other_site.status_code == 403 and "nic nie zostało zmienione" in other_site.text.lower()
        fetched = await client.post(
            url, data={"action": "accept", "csrf": token}, headers={"sec-fetch-site": "cross-site"}
        )
        assert fetched.status_code == 403
    assert (await app.services.applications.get(application.id)).status == Status.SUBMITTED
    assert "Gratulacje" not in volunteer.last.text


async def test_the_table_filters_searches_and_a_decision_tells_the_volunteer(app, double, coordinator):
    anna = double.user(user_id=3201, first_name="Anna")
    await submitted_application(anna)
    ewa = double.user(user_id=3202, first_name="Ewa")
    await submitted_application(
        ewa, {**ANSWERS_PL, "full_name": HOSTILE, "email": "ewa@example.org", "phone": "501 234 567"}
    )
    await ewa.send("/language")
    await ewa.tap("🇬🇧 English")
    async with browser(app) as client:
        await sign_in(client, coordinator)
        table = await client.get(PANEL + "/applications")
        assert "Anna Kowalska" in table.text
        assert HOSTILE not in table.text and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Ewa" in table.text
        found = await client.get(PANEL + "/applications", params={"q": "234 56", "status": ""})
        assert "&lt;script&gt;" in found.text and "Anna Kowalska" not in found.text
        found = await client.get(PANEL + "/applications", params={"q": "kowal"})
        assert "Anna Kowalska" in found.text and "&lt;script&gt;" not in found.text
        short = await client.get(PANEL + "/applications", params={"q": "ko"})
        assert "Wpisz co najmniej 3 znaki" in short.text
        none = await client.get(PANEL + "/applications", params={"county": "lubelski", "status": "accepted"})
        assert "Żadne zgłoszenie nie pasuje" in none.text
        link = re.search(r'href="(/panel/applications/\d+\?[^"]*)">&lt;script', table.text).group(1)
        detail = await client.get(link.replace("&amp;", "&"))
        assert HOSTILE not in detail.text and "&lt;script&gt;" in detail.text
        application = await app.services.applications.latest(ewa.id)
        answer = await client.post(
            f"{PANEL}/applications/{application.id}/decide?status=submitted",
            data={"action": "accept", "csrf": csrf_of(detail.text)},
        )
        assert answer.status_code == 303
        done = await client.get(answer.headers["location"])
        assert "przyjęte" in done.text and "Następne zgłoszenie" in done.text
        first = await app.services.applications.latest(anna.id)
        assert f"/panel/applications/{first.id}?" in done.text  # the next one in the same list
        again = await client.post(
            f"{PANEL}/applications/{application.id}/decide",
            data={"action": "reject", "reason": "Nie", "csrf": csrf_of(detail.text)},
        )
        assert again.status_code == 409 and "ma już inny status" in again.text
    decided = await app.services.applications.get(application.id)
    assert decided.status == Status.ACCEPTED and decided.decided_by == COORDINATOR_ID
    assert ewa.last.text.startswith("🎉 Congratulations! Your application")
    entry = next(e for e in await app.services.audit.latest(20) if e.action == "application.accepted")
    assert entry.actor_id == COORDINATOR_ID and entry.target == f"application:{application.id}"


async def test_rejecting_needs_a_reason_and_asking_sends_the_question(app, double, coordinator):
    volunteer = double.user(user_id=3301)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        detail = await client.get(f"{PANEL}/applications/{application.id}")
        token = csrf_of(detail.text)
        url = f"{PANEL}/applications/{application.id}/decide"
        empty = await client.post(url, data={"action": "reject", "reason": "   ", "csrf": token})
        assert "problem=reason" in empty.headers["location"]
        assert (await app.services.applications.get(application.id)).status == Status.SUBMITTED
        asked = await client.post(url, data={"action": "ask", "question": "Który <b>rok</b>?", "csrf": token})
        assert "done=asked" in asked.headers["location"]
        assert "Który <b>rok</b>?" in volunteer.last.text
        assert volunteer.last.buttons == ["✍️ Odpowiedz na pytanie"]
        rejected = await client.post(url, data={"action": "reject", "reason": "Brak miejsc", "csrf": token})
        assert "done=rejected" in rejected.headers["location"]
    assert "Brak miejsc" in volunteer.last.text
    assert (await app.services.applications.get(application.id)).status == Status.REJECTED


async def test_bulk_decisions_are_confirmed_first_and_skip_what_was_decided_meanwhile(app, double, coordinator):
    volunteers = [double.user(user_id=3500 + n, first_name=f"Osoba{n}") for n in range(3)]
    for n, volunteer in enumerate(volunteers):
        await submitted_application(volunteer, {**ANSWERS_PL, "full_name": f"Osoba Testowa {n}"})
    ids = [(await app.services.applications.latest(v.id)).id for v in volunteers]
    async with browser(app) as client:
        await sign_in(client, coordinator)
        table = await client.get(PANEL + "/applications")
        token = csrf_of(table.text)
        assert table.text.count('form="bulk"') == 3
        url = PANEL + "/applications/bulk?status=submitted"
        nothing = await client.post(url, data={"action": "accept", "csrf": token})
        assert "problem=bulk" in nothing.headers["location"]
        no_reason = await client.post(url, data={"action": "reject", "id": ids[:2], "csrf": token})
        assert "problem=bulk_reason" in no_reason.headers["location"]
        shown = await client.get(no_reason.headers["location"])
        assert "Wpisz uzasadnienie" in shown.text
        confirm = await client.post(url, data={"action": "accept", "id": ids[:2], "csrf": token})
        assert confirm.status_code == 200 and "Przyjąć 2 zgłoszenia?" in confirm.text
        assert "Osoba Testowa 0" in confirm.text and "Osoba Testowa 1" in confirm.text
        assert [(await app.services.applications.get(i)).status for i in ids] == [Status.SUBMITTED] * 3
        # Meanwhile a coordinator in the chat rejects one of them.
        await app.services.applications.decide(ids[1], COORDINATOR_ID, False, "Brak miejsc")
        done = await client.post(url, data={"action": "accept", "id": ids[:2], "csrf": token, "confirm": "1"})
        assert "1 zgłoszenie przyjęte." in done.text
        assert "1 zostało już rozpatrzone wcześniej i pozostało bez zmian." in done.text
    assert (await app.services.applications.get(ids[0])).status == Status.ACCEPTED
    assert (await app.services.applications.get(ids[1])).status == Status.REJECTED
    assert (await app.services.applications.get(ids[2])).status == Status.SUBMITTED
    assert volunteers[0].last.text.startswith("🎉 Gratulacje!")
    assert not volunteers[2].last.text.startswith("🎉")


async def test_a_decision_in_the_chat_and_one_in_the_panel_at_the_same_moment(app, double, coordinator):
    volunteer = double.user(user_id=3601)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    await coordinator.send("/zgloszenia")
    await coordinator.tap("Nowe (1)")
    await coordinator.tap(coordinator.last.buttons[0])
    await coordinator.tap("✅ Przyjmij")  # the chat asks to confirm...
    async with browser(app) as client:
        await sign_in(client, coordinator)
        detail = await client.get(f"{PANEL}/applications/{application.id}")
        rejected = await client.post(
            f"{PANEL}/applications/{application.id}/decide",
            data={"action": "reject", "reason": "Nie tym razem", "csrf": csrf_of(detail.text)},
        )
        assert "done=rejected" in rejected.headers["location"]
    await coordinator.tap("✅ Tak, przyjmij")  # ...and the panel was first
    assert "ma już inny status: nieprzyjęte" in coordinator.alerts[-1]
    assert (await app.services.applications.get(application.id)).status == Status.REJECTED
    assert "Niestety tym razem nie możemy go przyjąć." in volunteer.last.text


async def test_templates_of_reasons_reach_each_volunteer_in_their_language_and_notes_stay_internal(
    app, double, coordinator
):
    polish = double.user(user_id=3701)
    await submitted_application(polish)
    ukrainian = double.user(user_id=3702)
    await submitted_application(ukrainian, {**ANSWERS_PL, "full_name": "Olena Shevchenko", "email": "o@example.org"})
    await ukrainian.send("/language")
    await ukrainian.tap("🇺🇦 Українська")
    first = await app.services.applications.latest(polish.id)
    second = await app.services.applications.latest(ukrainian.id)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        page = await client.get(PANEL + "/templates")
        token = csrf_of(page.text)
        assert "Brak szablonów" in page.text
        refused = await client.post(PANEL + "/templates", data={"title": "Brak miejsc", "pl": " ", "csrf": token})
        assert "problem=1" in refused.headers["location"]
        await client.post(
            PANEL + "/templates",
            data={"title": "Brak miejsc", "pl": "W tej edycji nie ma już miejsc.", "en": "", "uk": "", "csrf": token},
        )
        page = await client.get(PANEL + "/templates")
        template_id = re.search(r'name="id" value="(\d+)"', page.text).group(1)
        await client.post(
            PANEL + "/templates",
            data={
                "id": template_id,
                "title": "Brak miejsc",
                "pl": "W tej edycji nie ma już miejsc.",
                "uk": "У цьому наборі вже немає місць.",
                "csrf": token,
            },
        )
        detail = await client.get(f"{PANEL}/applications/{first.id}")
        assert '<option value="' + template_id + '">Brak miejsc</option>' in detail.text
        note = await client.post(
            f"{PANEL}/applications/{first.id}/notes", data={"note": "Dzwoniłam, <b>oddzwoni</b>.", "csrf": token}
        )
        assert "done=note" in note.headers["location"]
        detail = await client.get(f"{PANEL}/applications/{first.id}")
        assert "Dzwoniłam, &lt;b&gt;oddzwoni&lt;/b&gt;." in detail.text and "Notatki wewnętrzne" in detail.text
        done = await client.post(
            PANEL + "/applications/bulk?status=submitted",
            data={
                "action": "reject",
                "id": [first.id, second.id],
                "template": template_id,
                "csrf": token,
                "confirm": "1",
            },
        )
        assert "2 zgłoszenia nieprzyjęte." in done.text
    assert "W tej edycji nie ma już miejsc." in polish.last.text
    assert "У цьому наборі вже немає місць." in ukrainian.last.text
    assert "oddzwoni" not in polish.last.text
    assert (await app.services.applications.get(second.id)).decision_note == "У цьому наборі вже немає місць."
    actions = [e.action for e in await app.services.audit.latest(20)]
    assert "rejection_template.saved" in actions and "application.note_added" in actions


async def test_correcting_an_answer_uses_the_forms_validation_and_tells_the_volunteer(app, double, coordinator):
    volunteer = double.user(user_id=3801)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        detail = await client.get(f"{PANEL}/applications/{application.id}")
        token = csrf_of(detail.text)
        assert f"/panel/applications/{application.id}/fix/phone?" in detail.text
        assert "/fix/adult?" not in detail.text  # a gate that must be "yes" is not corrected
        page = await client.get(f"{PANEL}/applications/{application.id}/fix/phone")
        assert page.status_code == 200 and "Popraw" in page.text
        url = f"{PANEL}/applications/{application.id}/fix/phone"
        bad = await client.post(url, data={"value": "12", "csrf": token})
        assert bad.status_code == 400 and 'role="alert"' in bad.text
        good = await client.post(url, data={"value": "+48 601 222 333", "csrf": token})
        assert "done=fixed" in good.headers["location"]
        county = await client.post(
            f"{PANEL}/applications/{application.id}/fix/county", data={"value": "nowhere", "csrf": token}
        )
        assert county.status_code == 400
        same = await client.post(
            f"{PANEL}/applications/{application.id}/fix/county", data={"value": "lubelski", "csrf": token}
        )
        assert "Odpowiedź jest taka sama." in same.text
        forged = await client.post(
            f"{PANEL}/applications/{application.id}/fix/adult", data={"value": "no", "csrf": token}
        )
        assert forged.status_code == 404
    answers = await app.services.applications.answers(application.id)
    assert answers["phone"] == "+48601222333" and answers["adult"] == "yes"
    assert volunteer.last.text.startswith("✏️ Osoba koordynująca poprawiła odpowiedź w Twoim zgłoszeniu")
    assert "+48 601 222 333" in volunteer.last.text
    history = await app.services.applications.history(application.id)
    assert history[-1].action == "fixed" and history[-1].actor_id == COORDINATOR_ID


async def test_the_table_filters_by_an_optional_consent_given_now(app, double, coordinator):
    from storage.consents import optional

    agreed = double.user(user_id=3901)
    await submitted_application(agreed, {**ANSWERS_PL, "full_name": "Zgoda Jest"})
    withdrawn = double.user(user_id=3902)
    await submitted_application(withdrawn, {**ANSWERS_PL, "full_name": "Zgoda Cofnięta", "email": "z@example.org"})
    await app.services.consents.record(withdrawn.id, optional("other_programmes"), "2026-01", False)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        everyone = await client.get(PANEL + "/applications")
        assert "Zgoda Jest" in everyone.text and "Zgoda Cofnięta" in everyone.text
        assert "Informacje o innych programach" in everyone.text
        with_consent = await client.get(PANEL + "/applications", params={"consent": "other_programmes"})
        assert "Zgoda Jest" in with_consent.text and "Zgoda Cofnięta" not in with_consent.text
        unknown = await client.get(PANEL + "/applications", params={"consent": "nonexistent"})
        assert "Zgoda Cofnięta" in unknown.text  # an unknown consent filters nothing


async def test_a_persons_data_includes_the_notes_about_them_and_erasing_removes_them(app, double, coordinator):
    """GDPR: the notes are about the person, so their copy of their data has them, and they go with it."""
    from storage import privacy

    volunteer = double.user(user_id=3951)
    await submitted_application(volunteer)
    application = await app.services.applications.latest(volunteer.id)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        detail = await client.get(f"{PANEL}/applications/{application.id}")
        await client.post(
            f"{PANEL}/applications/{application.id}/notes", data={"note": "Oddzwoni", "csrf": csrf_of(detail.text)}
        )
    data = await privacy.personal_data(app.services.db, volunteer.id)
    assert "Oddzwoni" in str(data)
    await privacy.erase(app.services.db, volunteer.id)
    assert await app.services.db.fetch_one("SELECT 1 FROM application_notes") is None
    assert (
        await app.services.db.fetch_one("SELECT 1 FROM application_search WHERE rowid = ?", (application.id,)) is None
    )


async def test_a_body_too_large_is_refused_before_it_is_read(app, double, coordinator):
    async with browser(app) as client:
        await sign_in(client, coordinator)
        page = await client.get(PANEL + "/applications")
        answer = await client.post(
            PANEL + "/templates", data={"title": "x", "pl": "y" * 2_000_000, "csrf": csrf_of(page.text)}
        )
        assert answer.status_code == 413
        assert answer.headers["x-content-type-options"] == "nosniff"
    assert await app.services.db.fetch_one("SELECT 1 FROM rejection_templates") is None


async def test_every_panel_page_refuses_a_volunteers_session_and_no_session(app, double, coordinator):
    """Each route of handlers/panel.py PAGES: without a session 401, with a volunteer's 403, and a
    POST is refused before it reads anything."""
    from handlers.panel import PAGES
    from storage.panel_sessions import PanelSessions

    volunteer = double.user(user_id=3990)
    await volunteer.send("/start")
    token = await PanelSessions(app.services.db).start(volunteer.id, "link", app.services.clock(), timedelta(hours=1))
    paths = [
        (
            route.path.replace("{application_id}", "1")
            .replace("{field_id}", "phone")
            .replace("{event_id}", "1")
            .replace("{telegram_id}", "1")
            .replace("{name}", "hours")
            .replace("{batch_id}", "1"),
            method,
        )
        for route in PAGES
        for method in sorted(route.methods - {"HEAD"})
    ]
    assert len(paths) >= 20
    async with browser(app) as anonymous:
        for path, method in paths:
            answer = await anonymous.request(method, PANEL + path)
            assert answer.status_code == 401, (path, method)
    async with browser(app) as client:
        client.cookies.set("vb_panel", token, domain="panel.test", path="/panel/")
        for path, method in paths:
            answer = await client.request(method, PANEL + path, data={"csrf": "x"} if method == "POST" else None)
            assert answer.status_code == 403, (path, method)
            assert "tylko dla osób koordynujących" in answer.text


async def test_a_hostile_name_is_escaped_on_every_page_that_shows_it(app, double, coordinator):
    from tests.test_panel_dashboard import _event_with_attendance

    hostile = double.user(user_id=3995)
    await submitted_application(hostile, {**ANSWERS_PL, "full_name": HOSTILE, "email": "h@example.org"})
    application = await app.services.applications.latest(hostile.id)
    await _event_with_attendance(app, hostile.id, app.services.clock() - timedelta(hours=3), 2)
    async with browser(app) as client:
        await sign_in(client, coordinator)
        detail = await client.get(f"{PANEL}/applications/{application.id}")
        token = csrf_of(detail.text)
        await client.post(f"{PANEL}/applications/{application.id}/decide", data={"action": "accept", "csrf": token})
        await client.post(f"{PANEL}/applications/{application.id}/notes", data={"note": HOSTILE, "csrf": token})
        await client.post(PANEL + "/templates", data={"title": HOSTILE, "pl": HOSTILE, "csrf": token})
        event_id = (await app.services.db.fetch_one("SELECT MAX(id) FROM events"))[0]
        pages = [
            "/applications?status=",
            f"/applications/{application.id}",
            f"/applications/{application.id}/fix/full_name",
            "/people",
            f"/people/{hostile.id}",
            "/hours",
            "/events",
            f"/events/{event_id}",
            "/templates",
        ]
        for path in pages:
            page = await client.get(PANEL + path)
            assert page.status_code == 200, path
            assert HOSTILE not in page.text, path
            if path != "/events":  # the list of events names no person
                assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; Ewa" in page.text, path
        bulk = await client.post(
            PANEL + "/applications/bulk",
            data={"action": "reject", "id": [application.id], "reason": HOSTILE, "csrf": token},
        )
        assert HOSTILE not in bulk.text and "&lt;script&gt;" in bulk.text
