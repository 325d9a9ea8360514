"""Audiences answered from what the database keeps up to date (migration 0014): the people facts
on `users` and the chosen values of choice questions follow every change in the same transaction;
the composer's headcount is the plan's, counted by the database and kept for a minute."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from storage import privacy
from storage.applications import Status
from storage.audience_index import drift, index_choice_fields
from storage.broadcasts import Audience, Group
from storage.preferences import Category, QuietHours
from tests.broadcast_helpers import T0, agreement, applicant, person

WARSAW = ZoneInfo("Europe/Warsaw")


async def chosen(app, **kwargs) -> set[int]:
    audience = Audience(**{k: frozenset(v) for k, v in kwargs.items()})
    return set(await app.services.broadcasts.audience_ids(audience, app.services.answer_fields()))


async def test_the_people_facts_follow_every_change_of_applications_and_agreements(app):
    s = app.services
    repo = s.applications
    draft = await applicant(s, 201, Status.DRAFT, "lublin", ["grants"])
    assert await chosen(app, groups={Group.AWAITING}) == set()  # a draft is nobody's business yet
    assert await chosen(app, groups={Group.EVERYONE}, counties={"lublin"}) == set()
    await repo.submit(draft.id, 201, T0)
    assert await chosen(app, groups={Group.AWAITING}, counties={"lublin"}) == {201}
    await repo.request_info(draft.id, 1, "Która gmina?", T0)
    assert await chosen(app, groups={Group.AWAITING}) == {201}
    await repo.decide(draft.id, 1, True, None, T0)
    assert await chosen(app, groups={Group.AWAITING}) == set()
    assert await chosen(app, groups={Group.EXPERTS}, competences={"grants"}) == {201}
    assert await drift(s.db) == []

    # The volunteer corrects the county in "Moje dane": the audiences follow at once.
    assert await repo.correct_answer(draft.id, 201, "county", "zamosc", T0)
    assert await chosen(app, groups={Group.EXPERTS}, counties={"lublin"}) == set()
    assert await chosen(app, groups={Group.EXPERTS}, counties={"zamosc"}) == {201}

    # A later application, once sent, is the one whose answers count; the acceptance still counts.
    second = await repo.start_draft(201, "full_name", T0 + timedelta(days=400))
    await repo.save_answer(second.id, "county", "lublin", None, now=T0 + timedelta(days=400))
    await repo.save_answer(second.id, "competences", ["participation"], None, now=T0 + timedelta(days=400))
    assert await chosen(app, groups={Group.EXPERTS}, counties={"zamosc"}) == {201}  # still a draft
    await repo.submit(second.id, 201, T0 + timedelta(days=400))
    assert await chosen(app, groups={Group.EXPERTS}, counties={"lublin"}, competences={"participation"}) == {201}
    assert await chosen(app, groups={Group.AWAITING}) == {201}
    await repo.withdraw(second.id, 201, T0 + timedelta(days=401))
    assert await chosen(app, groups={Group.AWAITING}) == set()
    assert await chosen(app, groups={Group.EXPERTS}) == {201}

    await agreement(s, 201)
    assert await chosen(app, groups={Group.AGREEMENT}) == {201}
    await s.db.execute("UPDATE agreements SET state = 'ended' WHERE telegram_id = 201")
    assert await chosen(app, groups={Group.AGREEMENT}) == set()
    await agreement(s, 201)
    assert await drift(s.db) == []

    # Deleting the account: nothing about the person stays in any audience.
    await privacy.erase(s.db, 201, T0 + timedelta(days=402), date(2027, 4, 16))
    for group in Group:
        assert 201 not in await chosen(app, groups={group})
    assert await drift(s.db) == []


async def test_an_answer_that_chooses_nothing_is_stored_and_narrows_nobody_in(app):
    s = app.services
    await applicant(s, 211, Status.SUBMITTED, {"other": "lublin"}, ["grants"])  # typed, not chosen
    await applicant(s, 212, Status.SUBMITTED, None, [])  # skipped
    draft = await applicant(s, 213, Status.DRAFT)
    # A value that is not JSON (written by hand, or by an old version) is kept and chooses nothing.
    await s.db.execute(
        "UPDATE application_answers SET value = 'lublin' WHERE application_id = ? AND field_id = 'county'",
        (draft.id,),
    )
    await s.applications.submit(draft.id, 213, T0)
    assert await chosen(app, groups={Group.EVERYONE}, counties={"lublin"}) == set()
    assert await chosen(app, groups={Group.EVERYONE}, competences={"grants"}) == {211}
    assert await drift(s.db) == []


async def test_a_choice_question_added_to_the_form_later_is_filled_from_the_answers_given(app):
    s = app.services
    await applicant(s, 221, Status.ACCEPTED, "lublin", ["grants", "village_fund"])
    await applicant(s, 222, Status.ACCEPTED, "zamosc", ["grants"])
    everything = s.choice_fields()
    assert {"county", "competences"} <= set(everything)

    added, removed = await index_choice_fields(s.db, [f for f in everything if f != "county"])
    assert (added, removed) == (set(), {"county"})
    assert (await s.db.fetch_one("SELECT COUNT(*) FROM answer_choices WHERE field_id = 'county'"))[0] == 0
    await applicant(s, 223, Status.ACCEPTED, "lublin")  # answered while the question is not indexed
    assert (await s.db.fetch_one("SELECT COUNT(*) FROM answer_choices WHERE field_id = 'county'"))[0] == 0

    assert await index_choice_fields(s.db, everything) == ({"county"}, set())
    assert await chosen(app, groups={Group.EXPERTS}, counties={"lublin"}) == {221, 223}
    assert await chosen(app, groups={Group.EXPERTS}, competences={"village_fund"}) == {221}
    assert await index_choice_fields(s.db, everything) == (set(), set())  # the usual start: nothing to do
    assert await drift(s.db) == []


async def test_drift_finds_facts_written_around_the_triggers(app):
    """The check itself can fail: facts or choices changed behind the triggers' back are found."""
    s = app.services
    draft = await applicant(s, 231, Status.ACCEPTED, "lublin", ["grants"])
    await applicant(s, 232, Status.ACCEPTED, "zamosc", ["grants"])
    await s.db.execute("UPDATE users SET expert = 0 WHERE telegram_id = 231")
    await s.db.execute(
        "DELETE FROM answer_choices WHERE application_id = (SELECT MAX(id) FROM applications WHERE telegram_id = 232)"
    )
    assert await drift(s.db) == [231, 232]
    await s.db.execute("UPDATE users SET expert = 1 WHERE telegram_id = 231")
    await s.db.execute(
        "INSERT INTO answer_choices (application_id, field_id, value) VALUES (?, 'county', 'zamosc')", (draft.id,)
    )
    assert await drift(s.db) == [231, 232]


async def _mixed_preferences(s) -> None:
    await applicant(s, 241, Status.ACCEPTED, "lublin", ["grants"])
    await applicant(s, 242, Status.ACCEPTED, "zamosc", ["grants"])
    await applicant(s, 243, Status.SUBMITTED, "lublin", ["participation"])
    await applicant(s, 244, Status.ACCEPTED, "lublin", ["participation"])
    await person(s, 245)
    await person(s, 246)
    await s.preferences.toggle(241, Category.TRAININGS)  # trainings off
    await s.preferences.set_quiet(242, None)  # no quiet hours at all
    await s.preferences.set_quiet(243, QuietHours(23 * 60, 6 * 60))  # own quiet hours
    await s.preferences.set_quiet(244, QuietHours(12 * 60, 14 * 60))  # a quiet lunch
    await s.preferences.toggle(245, Category.GENERAL)


async def test_the_composers_headcount_is_what_sending_would_plan(app):
    s = app.services
    await _mixed_preferences(s)
    audiences = [
        Audience(frozenset({Group.EVERYONE})),
        Audience(frozenset({Group.EXPERTS}), counties=frozenset({"lublin"})),
        Audience(frozenset({Group.EXPERTS, Group.AWAITING}), competences=frozenset({"participation"})),
        Audience(),
    ]
    moments = [datetime(2026, 3, 10, h, m, tzinfo=UTC) for h, m in ((11, 30), (21, 30), (22, 15), (3, 0))]
    for audience, now, category, urgent in itertools.product(audiences, moments, Category, (False, True)):
        args = (audience, s.answer_fields(), category, urgent, now, WARSAW)
        plan = await s.broadcasts.plan(*args)
        counted = await s.broadcasts.headcount(*args)
        assert (counted.recipients, counted.muted, counted.waiting) == (plan.recipients, plan.muted, plan.waiting), (
            audience,
            now,
            category,
            urgent,
        )
    noon = await s.broadcasts.headcount(audiences[0], s.answer_fields(), Category.GENERAL, False, moments[0], WARSAW)
    assert (noon.recipients, noon.muted, noon.waiting) == (5, 1, 1)  # 244's quiet lunch
    night = await s.broadcasts.headcount(audiences[0], s.answer_fields(), Category.TRAININGS, False, moments[2], WARSAW)
    assert (night.recipients, night.muted, night.waiting) == (5, 1, 3)  # 242 has no quiet hours, 243 not yet


async def test_a_headcount_is_kept_for_a_minute_and_a_changed_audience_is_counted_again(app):
    s = app.services
    await applicant(s, 251, Status.ACCEPTED, "lublin")
    experts = Audience(frozenset({Group.EXPERTS}))

    async def count(audience: Audience, now: datetime) -> int:
        return (
            await s.broadcasts.headcount(audience, s.answer_fields(), Category.GENERAL, False, now, WARSAW)
        ).recipients

    assert await count(experts, T0) == 1
    await applicant(s, 252, Status.ACCEPTED, "zamosc")
    assert await count(experts, T0 + timedelta(seconds=30)) == 1  # moving between screens: kept
    assert await count(experts.toggle_county("zamosc"), T0 + timedelta(seconds=30)) == 1  # a new choice
    assert await count(experts.toggle_county("lublin"), T0 + timedelta(seconds=30)) == 1
    assert await count(experts, T0 + timedelta(seconds=61)) == 2  # a minute on: counted again
