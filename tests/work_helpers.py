"""A world for the work log tests: a verified organisation with its contact, an approved request for
support, and an expert assigned to it. Until the assignment flow of the matching part is the way
in, the assignment is made here directly in its table (migration 0023)."""

from __future__ import annotations

from datetime import timedelta

from bot.agreement_facts import today
from storage.db import to_db_time


async def organisation_with_request(app, contact_chat, coordinator_id: int):
    """A contact (known to the bot) of a verified organisation with one approved request."""
    services = app.services
    await contact_chat.send("/start")
    answers = {"name": "KGW Wólka", "kind": "kgw", "county": "lubartowski", "description": "Koło gospodyń."}
    organisation = await services.organisations.register(contact_chat.id, answers, {"full_name": "Anna Kowalska"})
    organisation = await services.organisations.verify(organisation.id, coordinator_id)
    contact = await services.organisations.contact(organisation.id, contact_chat.id)
    start = today(services) - timedelta(days=10)
    request_answers = {
        "kind": "workshop",
        "competences": ["participation"],
        "county": "lubartowski",
        "mode": "online",
        "date_from": start.isoformat(),
        "date_to": (start + timedelta(days=20)).isoformat(),
        "hours": 8,
        "description": "Warsztat o budżecie obywatelskim.",
    }
    request = await services.support_requests.send(organisation.id, contact.id, contact_chat.id, request_answers)
    request = await services.support_requests.approve(request.id, coordinator_id)
    return organisation, request


async def assign(app, request_id: int, expert_id: int, coordinator_id: int, state: str = "active") -> int:
    services = app.services
    async with services.db.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO assignments (request_id, telegram_id, state, assigned_by, assigned_at) "
            "VALUES (?, ?, ?, ?, ?) RETURNING id",
            (request_id, expert_id, state, coordinator_id, to_db_time(services.clock())),
        )
        return (await cursor.fetchone())[0]


# ---- how tests/flow_paths.py reaches every typed step of the work log flows -------------------------
async def _assigned_expert(world):
    """A fresh organisation with an approved request, and a fresh expert assigned to it."""
    app = world.app
    if await app.services.users.get(world.coordinator.id) is None:
        # Only when the coordinator never wrote: /start would end the flow another path left them in.
        await world.coordinator.send("/start")
    contact = world.new_volunteer()
    _organisation, request = await organisation_with_request(app, contact, world.coordinator.id)
    expert = world.new_volunteer()
    await expert.send("/start")
    assignment = await assign(app, request.id, expert.id, world.coordinator.id)
    return contact, expert, request, assignment


async def _logged(world):
    app = world.app
    services = app.services
    contact, expert, request, assignment = await _assigned_expert(world)
    now = services.clock()
    log = await services.work_logs.log(
        expert.id,
        assignment,
        today(services),
        2,
        "Konsultacja wniosku.",
        None,
        today=today(services),
        now=now,
        due_at=now,
    )
    await contact.send("/start")
    return contact, expert, request, log


async def _logging(world, step_id: str):
    _contact, expert, _request, _assignment = await _assigned_expert(world)
    await expert.send("/start")
    await expert.tap("🧾 Moja praca ekspercka")
    await expert.tap("➕ Zapisz wykonaną pracę")
    for step, do in (("day", lambda: expert.tap("Wczoraj")), ("hours", lambda: expert.send("2"))):
        if step == step_id:
            return expert
        await do()
    return expert  # "what"


async def _deciding(world, step_id: str, act: str):
    from bot.buttons.work_logs import WorkDecide

    contact, _expert, _request, log = await _logged(world)
    await contact.press(contact.last.message_id, WorkDecide(act=act, log=log.id).pack())
    if step_id == "reason" and act == "fix":
        await contact.send("1")
    return contact


async def _giving_feedback(world, step_id: str):
    from bot.buttons.work_logs import WorkFeedback

    _contact, expert, request, log = await _logged(world)
    services = world.app.services
    await services.work_logs.decide(
        log.id, confirm=True, by=world.coordinator.id, as_="coordinator", now=services.clock()
    )
    await services.work_logs.close(request.id, world.coordinator.id, services.clock())
    await expert.press(expert.last.message_id, WorkFeedback(ref=request.id).pack())
    await expert.tap("5 ⭐")
    return expert


WORK_PATHS = {
    "wl_new": _logging,
    "wl_fix": lambda world, step_id: _deciding(world, step_id, "fix"),
    "wl_rej": lambda world, step_id: _deciding(world, step_id, "no"),
    "wl_fb": _giving_feedback,
}
