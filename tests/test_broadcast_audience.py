"""Who receives a broadcast: every filter alone and combined, preferences and quiet hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from storage.applications import Status
from storage.broadcasts import Audience, Group
from storage.preferences import (
    Category,
    Preferences,
    QuietHours,
    default_preferences,
    next_delivery,
    parse_quiet_hours,
)
from tests.broadcast_helpers import T0, agreement, applicant, event, person, register

WARSAW = ZoneInfo("Europe/Warsaw")


@pytest.fixture
async def people(app):
    """A small programme: who is who is in the comments."""
    s = app.services
    await applicant(s, 101, Status.ACCEPTED, "lublin", ["grants"])
    await applicant(s, 102, Status.ACCEPTED, "zamosc", ["village_fund", "grants"])
    await applicant(s, 103, Status.SUBMITTED, "lublin", ["participation"])
    await applicant(s, 104, Status.NEEDS_INFO, {"other": "lublin"}, ["grants"])  # "other" county, typed
    await person(s, 105)  # only wrote to the bot
    await applicant(s, 106, Status.ACCEPTED, "lublin", ["grants"])
    await s.users.mark_unreachable(106)  # blocked the bot
    await person(s, 107)
    await person(s, 108)
    first, second = await event(s), await event(s, "Debata o funduszu sołeckim")
    await register(s, first, 107)
    await register(s, first, 108, "waitlisted")
    await register(s, second, 108)
    await person(s, 109)
    await agreement(s, 109)
    await person(s, 110)
    await agreement(s, 110, "ended")
    await applicant(s, 111, Status.REJECTED, "lublin", ["consultations"])
    await applicant(s, 112, Status.DRAFT, "lublin", ["grants"])  # a draft does not count
    return {"first": first, "second": second}


async def chosen(app, **kwargs) -> set[int]:
    audience = Audience(**{k: frozenset(v) for k, v in kwargs.items()})
    return set(await app.services.broadcasts.audience_ids(audience, app.services.answer_fields()))


async def test_each_audience_alone(app, people):
    everyone = {101, 102, 103, 104, 105, 107, 108, 109, 110, 111, 112}
    assert await chosen(app) == set()  # nothing chosen: nobody (the coordinator must choose)
    assert await chosen(app, groups={Group.EVERYONE}) == everyone
    assert await chosen(app, groups={Group.EXPERTS}) == {101, 102}
    assert await chosen(app, groups={Group.AWAITING}) == {103, 104}
    assert await chosen(app, groups={Group.AGREEMENT}) == {109}
    assert await chosen(app, events={people["first"]}) == {107}  # the waitlisted 108 is not registered
    assert await chosen(app, events={people["second"]}) == {108}
    all_in = {Group.EVERYONE}
    assert await chosen(app, groups=all_in, counties={"lublin"}) == {101, 103, 111}  # not the typed "other"
    assert await chosen(app, groups=all_in, competences={"grants"}) == {101, 102, 104}
    assert await chosen(app, counties={"lublin"}) == set()  # narrowing nobody down


async def test_groups_are_joined_and_counties_and_competences_narrow_them(app, people):
    assert await chosen(app, groups={Group.EXPERTS, Group.AWAITING}) == {101, 102, 103, 104}
    assert await chosen(app, groups={Group.AGREEMENT}, events={people["first"], people["second"]}) == {107, 108, 109}
    # "by county AND experts" narrows down
    assert await chosen(app, groups={Group.EXPERTS}, counties={"lublin"}) == {101}
    assert await chosen(app, groups={Group.EXPERTS}, counties={"lublin", "zamosc"}) == {101, 102}
    assert await chosen(app, groups={Group.EXPERTS, Group.AWAITING}, competences={"grants"}) == {101, 102, 104}
    assert await chosen(app, groups={Group.EVERYONE}, counties={"zamosc"}, competences={"grants"}) == {102}
    assert await chosen(app, groups={Group.AWAITING}, counties={"zamosc"}) == set()
    assert await chosen(app, groups={Group.EVERYONE}, counties={"lublin"}, competences={"participation"}) == {103}


async def test_unreachable_people_are_left_out_until_they_write_again(app, double, people):
    assert 106 not in await chosen(app, groups={Group.EXPERTS})
    await double.user(user_id=106, first_name="Ola").send("/start")
    assert await chosen(app, groups={Group.EXPERTS}) == {101, 102, 106}


async def test_toggling_everyone_replaces_the_groups_and_keeps_the_narrowing():
    audience = Audience(counties=frozenset({"lublin"})).toggle_group(Group.EXPERTS).toggle_event(3)
    assert audience.groups == {Group.EXPERTS} and audience.events == {3} and not audience.everyone
    everyone = audience.toggle_group(Group.EVERYONE)
    assert everyone.everyone and everyone.events == frozenset() and everyone.counties == {"lublin"}
    assert everyone.toggle_group(Group.AWAITING).groups == {Group.AWAITING}
    assert Audience.from_json(audience.to_json()) == audience
    assert Audience.from_json(Audience().to_json()) == Audience() and not Audience().chosen
    # Drafts and scheduled announcements written before: no choice meant everyone, and still does.
    assert Audience.from_json('{"groups": [], "events": [], "counties": ["lublin"]}').everyone
    assert Audience.from_json("{}").everyone


async def test_the_plan_applies_categories_and_quiet_hours(app, people):
    s = app.services
    await s.preferences.toggle(101, Category.TRAININGS)
    await s.preferences.set_quiet(102, None)  # no quiet hours at all
    evening = datetime(2026, 3, 10, 21, 30, tzinfo=UTC)  # 22:30 in Warsaw
    experts = Audience(frozenset({Group.EXPERTS, Group.AWAITING}))
    plan = await s.broadcasts.plan(experts, s.answer_fields(), Category.TRAININGS, False, evening, WARSAW)
    assert plan.muted == 1  # 101 turned trainings off
    rows = {tid: (when, quiet) for tid, when, quiet in plan.rows}
    assert set(rows) == {102, 103, 104}
    assert rows[102] == (evening, False)
    assert rows[103] == (datetime(2026, 3, 11, 7, 0, tzinfo=UTC), True)  # 08:00 in Warsaw
    urgent = await s.broadcasts.plan(experts, s.answer_fields(), Category.TRAININGS, True, evening, WARSAW)
    assert urgent.muted == 1 and all(when == evening for _, when, _ in urgent.rows)
    general = await s.broadcasts.plan(experts, s.answer_fields(), Category.GENERAL, False, evening, WARSAW)
    assert general.muted == 0 and general.recipients == 4


def test_next_delivery_around_midnight_and_clock_changes():
    prefs = default_preferences(1, QuietHours(21 * 60, 8 * 60))

    def local(*args):
        return datetime(*args, tzinfo=WARSAW).astimezone(UTC)

    assert next_delivery(prefs, "general", local(2026, 3, 10, 12, 0), WARSAW) == local(2026, 3, 10, 12, 0)
    assert next_delivery(prefs, "general", local(2026, 3, 10, 20, 59), WARSAW) == local(2026, 3, 10, 20, 59)
    assert next_delivery(prefs, "general", local(2026, 3, 10, 21, 0), WARSAW) == local(2026, 3, 11, 8, 0)
    assert next_delivery(prefs, "general", local(2026, 3, 11, 3, 0), WARSAW) == local(2026, 3, 11, 8, 0)
    assert next_delivery(prefs, "general", local(2026, 3, 11, 8, 0), WARSAW) == local(2026, 3, 11, 8, 0)
    # The night the clocks go forward (29 March 2026) is an hour shorter; 08:00 is still 08:00.
    assert next_delivery(prefs, "general", local(2026, 3, 28, 23, 0), WARSAW) == local(2026, 3, 29, 8, 0)
    assert next_delivery(prefs, "general", local(2026, 3, 28, 23, 0), WARSAW, urgent=True) == local(2026, 3, 28, 23)
    daytime = Preferences(1, frozenset({Category.EVENTS}), QuietHours(9 * 60, 17 * 60), False)
    assert next_delivery(daytime, "events", local(2026, 3, 10, 10, 0), WARSAW) == local(2026, 3, 10, 17, 0)
    assert next_delivery(daytime, "general", local(2026, 3, 10, 18, 0), WARSAW) is None
    assert next_delivery(daytime, "general", local(2026, 3, 10, 18, 0), WARSAW, urgent=True) is None


def test_quiet_hours_are_read_from_text():
    assert parse_quiet_hours("21:00-08:00") == QuietHours(21 * 60, 8 * 60)
    assert parse_quiet_hours(" 22 – 7 ") == QuietHours(22 * 60, 7 * 60)
    assert parse_quiet_hours("off") is None
    for bad in ("25:00-08:00", "8-8", "wieczorem", "21:60-8"):
        with pytest.raises(ValueError):
            parse_quiet_hours(bad)
    assert QuietHours(22 * 60 + 30, 6 * 60 + 45).label() == "22:30–06:45"


async def test_preferences_default_and_saved(app):
    s = app.services
    await person(s, 120, now=T0)
    prefs = await s.preferences.get(120)
    assert prefs.categories == set(Category) and prefs.quiet == QuietHours(21 * 60, 8 * 60)
    await s.preferences.toggle(120, Category.COALITION)
    await s.preferences.set_quiet(120, QuietHours(22 * 60, 7 * 60))
    prefs = await s.preferences.get(120)
    assert Category.COALITION not in prefs.categories and prefs.quiet == QuietHours(22 * 60, 7 * 60)
    when = await s.preferences.when_may_receive(120, "general", T0 + timedelta(hours=11), WARSAW)
    assert when == datetime(2026, 3, 11, 6, 0, tzinfo=UTC)  # 23:00 in Warsaw: wait until 07:00
    assert await s.preferences.when_may_receive(120, "coalition", T0, WARSAW) is None
