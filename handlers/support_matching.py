"""Stage two, matching: the coordinator's ranked experts, invitations and assignment
(handlers/matching.py), the expert's answers, browsing and offers (handlers/matching_expert.py),
the contacts exchanged and the relay after an assignment (handlers/assignment_relay.py)."""

from __future__ import annotations

from bot.routing import Routes
from handlers import assignment_relay, matching, matching_expert


def register(routes: Routes) -> None:
    matching.register(routes)
    matching_expert.register(routes)
    assignment_relay.register(routes)
