"""How to reach every step of every flow that waits for typed text, through the real UI.

tests/test_flow_abandonment.py walks this registry: it brings a person to each such step, leaves
the flow by every kind of entry point, types text, and checks nothing of the flow changed. A flow
registered in the application without an entry here fails that test.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from itertools import count

from bot.double import BotApiDouble, UserChat


@dataclass
class World:
    app: object
    double: BotApiDouble
    coordinator: UserChat
    admin: UserChat
    _ids: count = field(default_factory=lambda: count(70_000))

    def new_volunteer(self, **kwargs) -> UserChat:
        return self.double.user(user_id=next(self._ids), first_name="Ola", language_code="pl", **kwargs)


Reach = Callable[[World, str], Awaitable[UserChat]]
PATHS: dict[str, Reach] = {}


def path(flow: str) -> Callable[[Reach], Reach]:
    def register(reach: Reach) -> Reach:
        PATHS[flow] = reach
        return reach

    return register


@dataclass(frozen=True)
class Typed:
    text: str


@dataclass(frozen=True)
class StartingWith:
    prefix: str


Action = str | Typed | StartingWith  # a "/command", typed text, or a button (its label, or how it starts)


def taps(who: Callable[[World], Awaitable[UserChat]], *actions: Action) -> Reach:
    """The simplest path: somebody (`who`) sends commands, types and taps buttons."""

    async def reach(world: World, step_id: str) -> UserChat:
        chat = await who(world)
        for action in actions:
            if isinstance(action, Typed):
                await chat.send(action.text)
            elif isinstance(action, StartingWith):
                await chat.tap(next(b for b in chat.last.buttons if b.startswith(action.prefix)))
            elif action.startswith("/"):
                await chat.send(action)
            else:
                await chat.tap(action)
        return chat

    return reach


async def _volunteer(world: World) -> UserChat:
    return world.new_volunteer()


async def _the_coordinator(world: World) -> UserChat:
    return world.coordinator


# ---- applying ------------------------------------------------------------------------------------
_TYPED = {
    "text": "Od pięciu lat piszę wnioski o granty dla organizacji w moim powiecie.",
    "email": "anna@example.org",
    "phone": "600 100 200",
    "date": "12.03.1990",
    "number": "5",
    "yes_no": "tak",
}


async def answer_field(chat: UserChat, form_field) -> None:
    """A valid answer to one question of the form, as a person gives it."""
    kind = str(form_field.type)
    if kind == "multi_choice":
        await chat.tap(next(b for b in chat.last.buttons if b.startswith("▫️")))
        await chat.tap("Gotowe »")
    elif kind == "choice":
        await chat.tap(chat.last.buttons[0])
    elif form_field.id == "full_name":
        await chat.send("Anna Kowalska")
    else:
        await chat.send(_TYPED[kind])


async def begin_application(chat: UserChat) -> None:
    await chat.send("/zgloszenie")
    await chat.tap("✅ Akceptuję regulamin")
    await chat.tap("✅ Wyrażam zgodę")
    await chat.tap("Tak")


async def answer_until(app, chat: UserChat, field_id: str) -> None:
    """Bring a fresh person through the form up to (not including) the question `field_id`."""
    await begin_application(chat)
    for form_field in app.services.org.form:
        if form_field.id == field_id:
            return
        await answer_field(chat, form_field)


async def draft_answers(app, chat: UserChat) -> dict:
    """The answers stored for the person's latest application."""
    latest = await app.services.applications.latest(chat.id)
    return await app.services.applications.answers(latest.id)


@path("ap")
async def _application(world: World, step_id: str) -> UserChat:
    chat = world.new_volunteer()
    await begin_application(chat)
    for form_field in world.app.services.org.form:
        if form_field.id == step_id:
            return chat
        await answer_field(chat, form_field)
    raise LookupError(f"no typed path to application step {step_id!r}")


@path("ai")
async def _answer_coordinator(world: World, step_id: str) -> UserChat:
    chat = world.new_volunteer()
    await chat.send("/start")
    applications = world.app.services.applications
    draft = await applications.start_draft(chat.id, "full_name")
    await applications.submit(draft.id, chat.id)
    await applications.request_info(draft.id, world.coordinator.id, "Jakie masz doświadczenie?")
    await chat.send("/zgloszenie")
    await chat.tap("✍️ Odpowiedz na pytanie")
    return chat


# ---- reviewing an application (handlers/review_decisions.py) and correcting one's data (mydata) -------
async def _sent_application(world: World, name: str = "Ola Nowak") -> UserChat:
    """A fresh volunteer with a sent application (made directly: the form has its own paths)."""
    chat = world.new_volunteer()
    await chat.send("/start")
    applications = world.app.services.applications
    draft = await applications.start_draft(chat.id, "full_name")
    await applications.save_answer(draft.id, "full_name", name, None)
    await applications.submit(draft.id, chat.id)
    return chat


async def _card_of_newest(world: World) -> UserChat:
    """A coordinator of their own (so paths do not take each other's flows) opens an application
    from the "New" list."""
    await _sent_application(world)
    coordinator = world.new_volunteer()
    await world.app.services.coordinators.add(coordinator.id)
    await coordinator.send("/zgloszenia")
    await coordinator.tap(next(b for b in coordinator.last.buttons if b.startswith("Nowe (")))
    await coordinator.tap(coordinator.last.buttons[0])
    return coordinator


PATHS["rv_reason"] = taps(_card_of_newest, "❌ Nie przyjmuj")
PATHS["rv_question"] = taps(_card_of_newest, "❓ Poproś o uzupełnienie")
PATHS["md_fix"] = taps(_sent_application, "/moje_dane", "✏️ Popraw moje dane", "Imię i nazwisko")


async def _card_of_rejected(world: World) -> UserChat:
    """A coordinator of their own opens an application rejected a moment ago (by its id)."""
    from bot.buttons.review import ReviewButton

    applications = world.app.services.applications
    application = await applications.latest((await _sent_application(world)).id)
    await applications.decide(application.id, world.coordinator.id, False, "Brak miejsc.")
    coordinator = world.new_volunteer()
    await world.app.services.coordinators.add(coordinator.id)
    await coordinator.send("/zgloszenia")
    await coordinator.press(coordinator.last.message_id, ReviewButton(act="o", application_id=application.id).pack())
    return coordinator


PATHS["rv_undo"] = taps(_card_of_rejected, "↩️ Cofnij decyzję")


@path("rv_fix")
async def _correcting(world: World, step_id: str) -> UserChat:
    coordinator = await _card_of_newest(world)
    await coordinator.tap("✏️ Popraw odpowiedź")
    await coordinator.tap("✏️ " + next(f.label.get("pl") for f in world.app.services.org.form if f.id == step_id))
    return coordinator


# ---- announcements, notifications, language --------------------------------------------------
PATHS["bctext"] = taps(_the_coordinator, "/ogloszenie")
PATHS["bcwhen"] = taps(
    _the_coordinator,
    "/ogloszenie",
    Typed("Zapraszamy na szkolenie."),
    "👥 Odbiorcy",
    "▫️ Wszyscy, którzy pisali do bota",  # nobody is chosen until the coordinator chooses
    "« Wróć do szkicu",
    "🕒 Zaplanuj",
)
PATHS["quiet"] = taps(_volunteer, "/powiadomienia", StartingWith("🌙"), "⌨️ Inne godziny…")
PATHS["language"] = taps(_volunteer, "/jezyk")


# ---- events: the form, cancelling with a reason, the hours -------------------------------------------
_EVENT_FORM = ("type", "title", "description", "start", "duration", "place", "county", "capacity", "audience")
_EVENT_ANSWERS = {
    "title": "Szkolenie z budżetu obywatelskiego",
    "description": "Program i materiały.",
    "start": "jutro 18:00",
    "duration": "2",
    "place": "Lublin, ul. Narutowicza 4",
    "capacity": "10",
}


async def _event_coordinator(world: World) -> UserChat:
    """A coordinator of their own, so paths do not take each other's flows."""
    chat = world.new_volunteer()
    await world.app.services.coordinators.add(chat.id)
    await chat.send("/start")
    return chat


@path("ev")
async def _event_form(world: World, step_id: str) -> UserChat:
    chat = await _event_coordinator(world)
    await chat.send("/nowe_wydarzenie")
    for step in (*_EVENT_FORM, "deadline"):
        if step == step_id:
            return chat
        if step in _EVENT_ANSWERS:
            await chat.send(_EVENT_ANSWERS[step])
        else:
            await chat.tap(chat.last.buttons[0])
    raise LookupError(f"no typed path to event form step {step_id!r}")


async def _managed_event(world: World, chat: UserChat, **values) -> None:
    from tests.events_helpers import published_event

    event = await published_event(world.app, coordinator_id=chat.id, **values)
    await chat.send(f"/start event_{event.id}")
    await chat.tap("🛠 Zarządzaj")


@path("evx")
async def _event_cancel(world: World, step_id: str) -> UserChat:
    chat = await _event_coordinator(world)
    await _managed_event(world, chat)
    await chat.tap("❌ Odwołaj wydarzenie")
    return chat


@path("evh")
async def _event_hours(world: World, step_id: str) -> UserChat:
    from datetime import timedelta

    chat = await _event_coordinator(world)
    await _managed_event(world, chat, starts_at=world.app.services.clock() - timedelta(hours=3))
    await chat.tap("✅ Obecność i godziny")
    await chat.tap("⏱ Ustaw liczbę godzin")
    return chat


# ---- agreements and the development plan -----------------------------------------------------------
async def _accepted_volunteer(world: World) -> UserChat:
    """A fresh volunteer whose application has been accepted (made directly: review has its own paths)."""
    chat = await _sent_application(world, "Ola Nowak")
    services = world.app.services
    application = await services.applications.latest(chat.id)
    await services.applications.decide(application.id, world.coordinator.id, True)
    return chat


async def _agreement(world: World, chat: UserChat, state: str):
    """The volunteer's agreement, made directly: a draft, offered, or accepted and in force."""
    from datetime import timedelta

    from bot.agreement_facts import today
    from handlers.agreement_text import agreement_text

    services = world.app.services
    application = await services.applications.latest(chat.id)
    start = today(services)
    draft = await services.agreements.create_draft(chat.id, application.id, start, start + timedelta(days=20), None)
    if state == "draft":
        return draft
    now = services.clock()
    text = await agreement_text(services, draft)
    offered = await services.agreements.offer(draft.id, world.coordinator.id, text, "2026-01", False, now)
    if state == "offered":
        return offered
    await services.agreements.accept(offered.id, chat.id, "Ola Nowak", offered.text_sha256[:16], now)
    return (await services.agreements.activate_due(start, now, offered.id))[0]


async def _own_coordinator(world: World) -> UserChat:
    coordinator = world.new_volunteer()
    await world.app.services.coordinators.add(coordinator.id)
    await coordinator.send("/porozumienia")
    return coordinator


async def _agreement_card(world: World, state: str) -> UserChat:
    from bot.buttons.agreements import AgreementAdmin

    agreement = await _agreement(world, await _accepted_volunteer(world), state)
    coordinator = await _own_coordinator(world)
    await coordinator.press(coordinator.last.message_id, AgreementAdmin(act="o", ref=agreement.id).pack())
    return coordinator


async def _with_offered_agreement(world: World) -> UserChat:
    chat = await _accepted_volunteer(world)
    await _agreement(world, chat, "offered")
    return chat


async def _with_agreement_in_force(world: World) -> UserChat:
    chat = await _accepted_volunteer(world)
    await _agreement(world, chat, "active")
    return chat


async def _card_of_draft(world: World) -> UserChat:
    return await _agreement_card(world, "draft")


async def _card_in_force(world: World) -> UserChat:
    return await _agreement_card(world, "active")


PATHS["agn"] = taps(_with_offered_agreement, "/porozumienie", "✍️ Zaakceptuj i podpisz")
PATHS["age"] = taps(_with_agreement_in_force, "/porozumienie", "⏹ Zakończ porozumienie")
PATHS["gap"] = taps(_card_of_draft, "📅 Okres")
PATHS["gas"] = taps(_card_of_draft, "✏️ Zakres")
PATHS["gae"] = taps(_card_in_force, "⏹ Zakończ")


@path("gao")
async def _opinion(world: World, step_id: str) -> UserChat:
    from bot.buttons.agreements import AgreementAdmin

    chat = await _accepted_volunteer(world)
    agreement = await _agreement(world, chat, "active")
    services = world.app.services
    attestation = await services.agreements.add_attestation(chat.id, agreement.id, "Zaświadczenie", services.clock())
    coordinator = await _own_coordinator(world)
    await coordinator.press(coordinator.last.message_id, AgreementAdmin(act="op", ref=attestation.id).pack())
    return coordinator


PATHS["plg"] = taps(_accepted_volunteer, "/plan", "🎯 Cele", "➕ Dodaj cel")
PATHS["plc"] = taps(_accepted_volunteer, "/plan", "🤝 Organizacje")


@path("pcc")
async def _plan_comment(world: World, step_id: str) -> UserChat:
    from bot.buttons.plan import PlanReview
    from storage.plans import PlanContent

    chat = await _accepted_volunteer(world)
    services = world.app.services
    content = PlanContent(["topic:grant_writing"], ["village_fund"], "KGW Wólka", ["Jeden cel."])
    plan = await services.plans.ensure(chat.id, content, services.clock())
    await services.plans.submit(plan.id, services.clock())
    coordinator = await _own_coordinator(world)
    await coordinator.press(coordinator.last.message_id, PlanReview(act="o", ref=plan.id).pack())
    await coordinator.tap("💬 Skomentuj i poproś o zmiany")
    return coordinator


# ---- conversations with the coordinators (issue 15) ------------------------------------------------
PATHS["ask"] = taps(_volunteer, "/pytanie")


@path("thr")
async def _writing_to_a_person(world: World, step_id: str) -> UserChat:
    from bot.buttons.threads import WriteTo

    person = world.new_volunteer()
    await person.send("/start")
    coordinator = await _event_coordinator(world)
    await coordinator.press(coordinator.last.message_id, WriteTo(person=person.id).pack())
    return coordinator


# ---- organisations and their requests for support (issue 14, parts 1-2) ---------------------------------
_ORG_TYPED = {
    "name": "Koło Gospodyń Wiejskich w Wólce",
    "krs": "0000123456",
    "regon": "192598184",
    "nip": "5260250274",
    "description": "Działamy na rzecz mieszkańców wsi od dziesięciu lat.",
    "c_full_name": "Anna Kowalska",
    "c_email": "anna@example.org",
    "c_phone": "600 100 200",
}


@path("org")
async def _registering(world: World, step_id: str) -> UserChat:
    chat = world.new_volunteer()
    await chat.send("/start org")
    await chat.tap("✅ Wyrażam zgodę")
    for step in ("name", "kind", "county", "krs", "regon", "nip", "description", "c_full_name", "c_email", "c_phone"):
        if step == step_id:
            return chat
        if step in _ORG_TYPED:
            await chat.send(_ORG_TYPED[step])
        else:
            await chat.tap(chat.last.buttons[0])
    raise LookupError(f"no typed path to organisation step {step_id!r}")


async def _organisation(world: World, *, verified: bool) -> tuple[UserChat, object]:
    """A fresh contact person with their organisation, made directly (the form has its own path)."""
    chat = world.new_volunteer()
    await chat.send("/start")  # known to the bot first (a contact is a person)
    services = world.app.services
    answers = {"name": "KGW Wólka", "kind": "kgw", "county": "lubartowski", "description": "Koło gospodyń."}
    organisation = await services.organisations.register(chat.id, answers, {"full_name": "Anna Kowalska"})
    if verified:
        organisation = await services.organisations.verify(organisation.id, world.coordinator.id)
    await chat.send("/start")  # the menu as a contact sees it
    return chat, organisation


async def _asked_organisation(world: World) -> UserChat:
    chat, organisation = await _organisation(world, verified=False)
    await world.app.services.organisations.ask(organisation.id, world.coordinator.id, "Ile osób liczy koło?")
    return chat


async def _organisation_card(world: World) -> UserChat:
    from bot.buttons.organisations import OrgReview

    _chat, organisation = await _organisation(world, verified=False)
    coordinator = await _event_coordinator(world)
    await coordinator.press(coordinator.last.message_id, OrgReview(act="o", org=organisation.id).pack())
    return coordinator


PATHS["og_ans"] = taps(_asked_organisation, "/start", "🏢 Moja organizacja", "✍️ Odpowiedz na pytanie")
PATHS["og_reason"] = taps(_organisation_card, "❌ Nie przyjmuj")
PATHS["og_question"] = taps(_organisation_card, "❓ Poproś o uzupełnienie")


@path("sr_new")
async def _asking_for_support(world: World, step_id: str) -> UserChat:
    from datetime import timedelta

    from bot.agreement_facts import today

    chat, _organisation_made = await _organisation(world, verified=True)
    await chat.tap("🏢 Moja organizacja")
    await chat.tap("🙋 Poproś o wsparcie")
    start = today(world.app.services) + timedelta(days=10)
    typed = {
        "date_from": start.strftime("%d.%m.%Y"),
        "date_to": (start + timedelta(days=5)).strftime("%d.%m.%Y"),
        "hours": "8",
        "description": "Warsztat o budżecie obywatelskim.",
    }
    for step in ("kind", "competences", "county", "mode", "date_from", "date_to", "hours", "description"):
        if step == step_id:
            return chat
        if step in typed:
            await chat.send(typed[step])
        elif step == "competences":
            await chat.tap(next(b for b in chat.last.buttons if b.startswith("▫️")))
            await chat.tap("Gotowe »")
        else:
            await chat.tap(chat.last.buttons[0])
    raise LookupError(f"no typed path to request step {step_id!r}")


async def _a_request(world: World, *, asked: bool = False):
    from datetime import timedelta

    from bot.agreement_facts import today

    chat, organisation = await _organisation(world, verified=True)
    services = world.app.services
    contact = await services.organisations.contact(organisation.id, chat.id)
    start = today(services) + timedelta(days=10)
    answers = {
        "kind": "workshop",
        "competences": ["participation"],
        "county": "lubartowski",
        "mode": "online",
        "date_from": start.isoformat(),
        "date_to": (start + timedelta(days=5)).isoformat(),
        "hours": 8,
        "description": "Warsztat o budżecie obywatelskim.",
    }
    request = await services.support_requests.send(organisation.id, contact.id, chat.id, answers)
    if asked:
        await services.support_requests.ask(request.id, world.coordinator.id, "Ile osób przyjdzie?")
    return chat, request


async def _answering_about_a_request(world: World) -> UserChat:
    from bot.buttons.organisations import RequestMine

    chat, request = await _a_request(world, asked=True)
    await chat.press(chat.last.message_id, RequestMine(act="o", ref=request.id).pack())
    return chat


async def _request_card(world: World) -> UserChat:
    from bot.buttons.organisations import RequestReview

    _chat, request = await _a_request(world)
    coordinator = await _event_coordinator(world)
    await coordinator.press(coordinator.last.message_id, RequestReview(act="o", ref=request.id).pack())
    return coordinator


PATHS["sr_ans"] = taps(_answering_about_a_request, "✍️ Odpowiedz na pytanie")
PATHS["sr_reason"] = taps(_request_card, "❌ Odrzuć")
PATHS["sr_question"] = taps(_request_card, "❓ Poproś o uzupełnienie")


@path("sr_edit")
async def _correcting_a_request(world: World, step_id: str) -> UserChat:
    coordinator = await _request_card(world)
    await coordinator.tap("✏️ Popraw odpowiedź")
    form = world.app.services.org.partners.request_form
    await coordinator.tap("✏️ " + next(f.label.get("pl") for f in form if f.id == step_id))
    return coordinator


def _work_paths() -> None:  # work done on requests for support (issue 14, part 4): tests/work_helpers.py
    from tests.work_helpers import WORK_PATHS

    PATHS.update(WORK_PATHS)


_work_paths()


# ---- matching: the expert <-> organisation relay (stage two) -------------------------------------
@path("mx_msg")
async def _writing_to_the_expert(world: World, step_id: str) -> UserChat:
    from bot.buttons.matching import AssignmentPress
    from tests.test_matching import expert

    chat, request = await _a_request(world)
    services = world.app.services
    await services.support_requests.approve(request.id, world.coordinator.id)
    expert_id = next(world._ids)
    await expert(services, expert_id, "lubartowski", ["participation"])
    await services.assignments.invite(request.id, [expert_id], world.coordinator.id, services.clock())
    await services.assignments.answer(request.id, expert_id, True, services.clock())
    assignment = await services.assignments.assign(
        request.id, expert_id, world.coordinator.id, request.contact_id, services.clock()
    )
    await chat.press(chat.last.message_id, AssignmentPress(act="w", ref=assignment.id).pack())
    return chat


def _work_paths() -> None:  # work done on requests for support (issue 14, part 4): tests/work_helpers.py
    from tests.work_helpers import WORK_PATHS

    PATHS.update(WORK_PATHS)


_work_paths()
