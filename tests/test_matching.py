"""Stage two, matching: the rule that ranks experts (a plain function), and the session of a
coordinator who matches experts to an approved request, the experts who answer, the assignment,
the contacts exchanged and the relay. Forged buttons and a withdrawn request change nothing."""

from __future__ import annotations

import pytest

from bot.buttons.matching import AssignmentPress, ExpertPress, MatchButton
from bot.buttons.organisations import RequestMine, RequestReview
from storage import privacy
from storage.applications import Status
from storage.matching import Candidate, Need, Reason, fit, rank
from tests.broadcast_helpers import T0, agreement, person
from tests.conftest import COORDINATOR_ID
from tests.pg_databases import sqlite_only
from tests.test_support_requests import STALE, stored_request, verified_organisation

HOURS = {"up_to_5": 5, "5_to_10": 10, "10_to_20": 20, "over_20": 30}
NEED = Need(frozenset({"grants", "village_fund"}), "lublin", False, frozenset({"lubelski"}), 8)


def _who(telegram_id, county="lublin", competences=(), plan=(), availability="10_to_20", month=0.0, open_=0, hours=0.0):
    return Candidate(telegram_id, county, frozenset(competences), frozenset(plan), availability, month, open_, hours)


def test_the_rule_counts_areas_place_time_and_load_and_names_its_reasons():
    best = _who(1, competences=["grants", "village_fund"])
    found = fit(NEED, best, HOURS)
    assert found.score == 3 * 2 + 3 + 2
    assert [r for r, _ in found.reasons] == [Reason.COMPETENCE, Reason.SAME_COUNTY, Reason.HAS_TIME]
    assert dict(found.reasons)[Reason.COMPETENCE] == "grants,village_fund"
    planned = fit(NEED, _who(2, county="lubelski", competences=["grants"], plan=["grants", "village_fund"]), HOURS)
    assert planned.score == 3 + 1 + 2 + 2  # the plan counts what the application does not
    assert dict(planned.reasons)[Reason.PLAN] == "village_fund"
    far = fit(NEED, _who(3, county="zamosc", competences=["grants"]), HOURS)
    assert Reason.FAR in dict(far.reasons) and far.score == 3 + 2
    online = fit(Need(NEED.competences, "lublin", True, frozenset(), 8), _who(3, county="zamosc"), HOURS)
    assert Reason.ONLINE in dict(online.reasons)


def test_load_and_availability_lower_the_rank_and_ties_go_to_the_less_busy():
    busy = _who(1, competences=["grants"], month=15, open_=1, hours=4)  # 20 - 19 = 1 h free
    free = _who(2, competences=["grants"])
    used_up = _who(3, competences=["grants"], availability="up_to_5", month=6)
    undeclared = _who(4, competences=["grants"], availability=None)
    assert dict(fit(NEED, busy, HOURS).reasons)[Reason.SOME_TIME] == "1"
    assert dict(fit(NEED, busy, HOURS).reasons)[Reason.LOAD] == "1"
    assert Reason.NO_TIME in dict(fit(NEED, used_up, HOURS).reasons)
    assert Reason.NO_AVAILABILITY in dict(fit(NEED, undeclared, HOURS).reasons)
    assert [f.candidate.telegram_id for f in rank(NEED, [used_up, busy, undeclared, free], HOURS)] == [2, 4, 1, 3]
    twins = [_who(9, competences=["grants"], month=2), _who(8, competences=["grants"], month=5)]
    assert [f.candidate.telegram_id for f in rank(NEED, twins, HOURS)] == [9, 8]


async def expert(services, telegram_id, county, competences, availability="10_to_20", active=True):
    """An accepted team member (with an active agreement unless `active` is False)."""
    await person(services, telegram_id, first_name=f"E{telegram_id}")
    repo = services.applications
    draft = await repo.start_draft(telegram_id, "full_name", T0)
    for field_id, value in (
        ("full_name", f"Ekspertka {telegram_id}"),
        ("email", f"e{telegram_id}@example.org"),
        ("county", county),
        ("competences", competences),
        ("availability", availability),
    ):
        await repo.save_answer(draft.id, field_id, value, None, now=T0)
    await repo.submit(draft.id, telegram_id, T0)
    await repo.decide(draft.id, 1, True, None, T0)
    if active:
        await agreement(services, telegram_id)
    assert (await repo.get(draft.id)).status == Status.ACCEPTED


async def _approved(app, double):
    ola = double.user(user_id=5301, first_name="Ola", language_code="pl")
    organisation = await verified_organisation(app, ola)
    request = await stored_request(app, organisation, ola)
    await app.services.support_requests.approve(request.id, COORDINATOR_ID)
    return ola, request


async def test_a_coordinator_matches_experts_answer_one_is_assigned_and_they_write_through_the_bot(
    app, double, coordinator
):
    s = app.services
    ola, request = await _approved(app, double)
    await expert(s, 7001, "lubartowski", ["participatory_budget"])
    await expert(s, 7002, "lubelski", ["participatory_budget"], availability="up_to_5")
    await expert(s, 7003, "zamosc", ["grants"])
    await expert(s, 7004, "lubartowski", ["participatory_budget"], active=False)  # no agreement: not a candidate
    anna, bea = double.user(user_id=7001, first_name="Anna"), double.user(user_id=7002, first_name="Bea")
    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, RequestReview(act="o", ref=request.id).pack())
    await coordinator.tap("🔎 Dobierz osoby eksperckie")
    text = coordinator.last.text
    assert text.index("Ekspertka 7001") < text.index("Ekspertka 7002") < text.index("Ekspertka 7003")
    assert "Ekspertka 7004" not in text
    assert "obszary: Budżet obywatelski" in text and "ten sam powiat" in text and "sąsiedni powiat" in text
    assert "inny powiat (Zamość)" in text

    await coordinator.tap("✉️ Zaproś 1. Ekspertka 7001")
    await coordinator.tap("✉️ Zaproś 1. Ekspertka 7002")  # the list moved up: 7002 is first now
    invitation = anna.last.text
    assert "Zaproszenie do prośby o wsparcie" in invitation and "Stowarzyszenie Razem dla Wsi" in invitation
    assert "Ola Nowak" not in invitation and "@" not in invitation  # no contact details yet
    await coordinator.tap("📋 Zaproszenia i odpowiedzi (2)")
    assert "Ekspertka 7001: ⏳ jeszcze bez odpowiedzi" in coordinator.last.text

    await anna.tap("✅ Biorę to")
    assert "Dziękujemy!" in anna.last.text
    await anna.press(anna.messages[0].message_id, ExpertPress(act="n", ref=request.id).pack())  # changes nothing
    assert anna.alerts[-1] == "Odpowiedź na to zaproszenie jest już zapisana."
    await coordinator.tap("🔔 Przypomnij: Ekspertka 7002")
    assert "Przypomnienie" in bea.last.text
    await coordinator.press(coordinator.last.message_id, MatchButton(act="rm", ref=request.id, who=7002).pack())
    assert coordinator.alerts[-1] == "Ta osoba już odpowiedziała albo dostała już przypomnienie."
    await bea.tap("🙅 Nie tym razem")

    await coordinator.tap("📋 Zaproszenia i odpowiedzi")
    status = coordinator.last.text
    assert "Ekspertka 7001: ✅ Biorę to" in status and "Ekspertka 7002: 🙅 nie tym razem" in status
    assert "🤝 Przydziel: Ekspertka 7002" not in coordinator.last.buttons
    await coordinator.tap("🤝 Przydziel: Ekspertka 7001")
    await coordinator.tap("🤝 Tak, przydziel")
    assert "Ekspertka 7001: 🤝 przydzielono" in coordinator.last.text
    assert (await s.support_requests.get(request.id)).status == "assigned"
    assert "Ola Nowak" in anna.last.text  # the contact's details come with the assignment
    assert "Ekspertka 7001" in ola.last.text and "e7001@example.org" not in ola.last.text
    await anna.tap("📇 Przekaż moje dane kontaktowe")
    assert "e7001@example.org" in ola.last.text

    await ola.tap("✍️ Napisz do osoby eksperckiej")
    await ola.send("Dzień dobry, kiedy możemy się spotkać?")
    assert "pisze w sprawie prośby" in anna.last.text and "kiedy możemy się spotkać?" in anna.last.text
    await anna.tap("✍️ Odpowiedz")
    await anna.send("We wtorek o 17:00.")
    assert "Osoba ekspercka Ekspertka 7001" in ola.last.text and "We wtorek o 17:00." in ola.last.text
    thread = await s.threads.current(ola.id, "assignment", f"assignment:{(await s.assignments.of_person(7001))[0].id}")
    assert thread is not None and thread.assigned_to == 7001
    assert [m.from_person for m in await s.threads.messages(thread.id)] == [True, False]
    actions = [e.action for e in await s.audit.all()]
    wanted = {"matching.invited", "matching.answered", "matching.reminded", "matching.assigned", "matching.shared"}
    assert wanted <= set(actions)

    # The expert finds the assignment first in "🔎 Prośby o wsparcie", with the contact and "Write".
    await anna.send("/start")
    await anna.tap("🔎 Prośby o wsparcie")
    await anna.tap(next(b for b in anna.last.buttons if b.startswith("🤝 nr")))
    assert "Jesteś przydzielony/a. Osoba kontaktowa organizacji: Ola Nowak" in anna.last.text
    assert "✍️ Napisz do organizacji" in anna.last.buttons
    assert "1 otwarty przydział" in anna.last.text  # the load the rule counts

    # Nobody else acts on the assignment: the expert not chosen, another organisation's contact.
    assignment_id = (await s.assignments.of_person(7001))[0].id
    zosia = double.user(user_id=5302, first_name="Zosia", language_code="pl")
    await verified_organisation(app, zosia, name="Koło Gospodyń Wiejskich", contact="Zosia Wiśniewska")
    for stranger in (bea, zosia):
        for act in ("w", "sh"):
            await stranger.press(stranger.last.message_id, AssignmentPress(act=act, ref=assignment_id).pack())
            assert stranger.alerts[-1] == STALE
    await zosia.press(zosia.last.message_id, RequestMine(act="o", ref=request.id).pack())
    assert zosia.alerts[-1] == STALE and "Ekspertka 7001" not in zosia.last.text
    await ola.press(ola.last.message_id, MatchButton(act="c", ref=request.id).pack())
    assert ola.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."

    # The contact's card shows the expert, with the details shared.
    await ola.press(ola.last.message_id, RequestMine(act="o", ref=request.id).pack())
    assert "Osoba ekspercka: Ekspertka 7001 (e7001@example.org)" in ola.last.text


async def test_forged_presses_and_a_withdrawn_request_change_nothing(app, double, coordinator):
    s = app.services
    ola, request = await _approved(app, double)
    await expert(s, 7011, "lubartowski", ["participatory_budget"])
    anna = double.user(user_id=7011, first_name="Anna")
    mallory = double.user(user_id=7099, first_name="Mallory")
    await mallory.send("/start")
    await anna.send("/start")
    # A volunteer forging the coordinator's buttons, or an answer without an invitation.
    await mallory.press(mallory.last.message_id, MatchButton(act="c", ref=request.id).pack())
    assert mallory.alerts[-1] == "Ta funkcja jest dostępna tylko dla osób koordynujących."
    await anna.press(anna.last.message_id, ExpertPress(act="y", ref=request.id).pack())
    assert anna.alerts[-1] == STALE
    assert await s.assignments.invitations_of(request.id) == []

    await coordinator.send("/start")
    await coordinator.press(coordinator.last.message_id, MatchButton(act="i", ref=request.id, who=7099).pack())
    assert coordinator.alerts[-1] == STALE  # not a team member: cannot be invited
    await coordinator.press(coordinator.last.message_id, MatchButton(act="i", ref=request.id, who=7011).pack())
    await s.support_requests.withdraw(request.id, ola.id)
    await anna.tap("✅ Biorę to")
    assert "nie jest już otwarta" in anna.alerts[-1] and "Nic nie zostało zmienione" in anna.alerts[-1]
    assert (await s.assignments.invitation(request.id, 7011)).state == "waiting"
    await coordinator.press(coordinator.last.message_id, MatchButton(act="asy", ref=request.id, who=7011).pack())
    assert "nie jest otwarta na dobór" in coordinator.alerts[-1]
    assert await s.assignments.assignments_of(request.id) == []

    # Nobody but the two sides writes through an assignment; a contact never sees an expert before it.
    await ola.press(ola.last.message_id, RequestMine(act="o", ref=request.id).pack())
    assert "Ekspertka 7011" not in ola.last.text
    await mallory.press(mallory.last.message_id, AssignmentPress(act="w", ref=1).pack())
    assert mallory.alerts[-1] == STALE


async def test_an_expert_browses_open_requests_and_offers_themselves(app, double, coordinator):
    s = app.services
    _ola, request = await _approved(app, double)
    await expert(s, 7021, "lubartowski", ["participatory_budget"])
    await expert(s, 7022, "lubartowski", ["participatory_budget"], active=False)
    anna = double.user(user_id=7021, first_name="Anna")
    other = double.user(user_id=7022, first_name="Ewa")
    await other.send("/start")
    assert "🔎 Prośby o wsparcie" not in other.last.buttons  # no active agreement
    await anna.send("/start")
    await anna.tap("🔎 Prośby o wsparcie")
    assert "Otwarte prośby o wsparcie" in anna.last.text
    await anna.tap(anna.last.buttons[0])
    assert "Dlaczego może do Ciebie pasować" in anna.last.text and "Ola Nowak" not in anna.last.text
    await anna.tap("🙋 Zgłaszam się")
    assert "Dziękujemy!" in anna.last.text
    assert "Ekspertka 7021 chce pomóc przy prośbie" in coordinator.last.text
    invitation = await s.assignments.invitation(request.id, 7021)
    assert invitation.origin == "offered" and invitation.state == "accepted"
    await coordinator.tap("📋 Zaproszenia i odpowiedzi")
    assert "🤝 Przydziel: Ekspertka 7021" in coordinator.last.buttons


async def test_my_data_names_the_invitations_and_assignments(app, double, coordinator):
    s = app.services
    _ola, request = await _approved(app, double)
    await expert(s, 7031, "lubartowski", ["participatory_budget"])
    await s.assignments.invite(request.id, [7031], COORDINATOR_ID, s.clock())
    anna = double.user(user_id=7031, first_name="Anna")
    await anna.send("/start")
    await anna.send("/moje_dane")
    assert "Zaproszenia: 1, przydziały: 0" in anna.last.text
    exported = await privacy.personal_data(s.db, 7031)
    assert [row["request_id"] for row in exported["data"]["support_invitations"]] == [request.id]


@sqlite_only("SQLite's EXPLAIN QUERY PLAN; PostgreSQL's planner picks by table statistics, not a fixed plan")
async def test_the_candidates_are_read_from_indexes_only(app):
    from storage.matching import _CANDIDATES

    rows = await app.services.db.fetch_all("EXPLAIN QUERY PLAN " + _CANDIDATES, ("2026-11-01", "2026-12-01"))
    plan = [r["detail"] for r in rows]
    assert any("users_matchable" in step for step in plan), plan
    assert [step for step in plan if step.startswith("SCAN") and "users_matchable" not in step] == [], plan


def test_the_organisation_file_gives_every_availability_choice_hours(tmp_path):
    from bot.config import ConfigError
    from bot.organisation import default_org_text, load_organisation

    path = tmp_path / "org.toml"
    path.write_text(default_org_text().replace("{ up_to_5 = 5, 5_to_10", "{ 5_to_10"), encoding="utf-8")
    with pytest.raises(ConfigError, match="no hours for up_to_5"):
        load_organisation(path)
    path.write_text(default_org_text().replace("over_20 = 30 }", "over_20 = 30, never = 1 }"), encoding="utf-8")
    with pytest.raises(ConfigError, match="never is not a choice of availability"):
        load_organisation(path)


def test_a_file_without_matching_uses_the_defaults_when_they_fit(tmp_path):
    from bot.matching_settings import availability_field
    from bot.organisation import default_org_text, load_organisation

    text = default_org_text()
    start = text.index("[matching]")
    without = text[:start] + text[text.index("shown = 10", start) + len("shown = 10") :]
    path = tmp_path / "org.toml"
    path.write_text(without, encoding="utf-8")
    assert availability_field(load_organisation(path)) == "availability"
    path.write_text(without.replace('id = "up_to_5"', 'id = "a_little"'), encoding="utf-8")
    assert availability_field(load_organisation(path)) is None  # the defaults do not fit: not counted
    path.write_text(text.replace('availability_field = "availability"', 'availability_field = ""'), encoding="utf-8")
    assert availability_field(load_organisation(path)) is None


async def test_the_organisations_own_contact_person_is_never_its_expert(app, double, coordinator):
    """The contact people confirm the work of a request: none of them is matched, invited, takes it
    by offering, or is assigned, even when they are team members with an agreement."""
    from storage.assignments import Refused

    s = app.services
    ola, request = await _approved(app, double)
    await expert(s, ola.id, "lubartowski", ["participatory_budget"])  # the contact is also an expert
    await expert(s, 7031, "lubartowski", ["participatory_budget"])
    await coordinator.press(coordinator.last.message_id, MatchButton(act="c", ref=request.id).pack())
    assert "Ekspertka 7031" in coordinator.last.text and f"Ekspertka {ola.id}" not in coordinator.last.text
    assert await s.assignments.invite(request.id, [ola.id, 7031], COORDINATOR_ID, s.clock()) == [7031]
    with pytest.raises(Refused) as refused:
        await s.assignments.offer(request.id, ola.id, s.clock())
    assert refused.value.why == "own"
    await ola.send("/start")
    await ola.tap("🔎 Prośby o wsparcie")
    assert "Nie ma teraz otwartych próśb" in ola.last.text  # their own organisation's is not offered
    await ola.press(ola.last.message_id, ExpertPress(act="of", ref=request.id).pack())  # forged: not offered
    assert "inna osoba ekspercka" in ola.alerts[-1]
