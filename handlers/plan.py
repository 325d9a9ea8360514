"""The individual development plan (Indywidualny Plan Rozwoju Wolontariatu Eksperckiego).

The volunteer chooses trainings (the configured topics and the published trainings of the
catalogue), areas of activity, the organisations or communities to support and one to three
goals, and sends the plan; the coordinator approves it or asks for changes. Every version sent
is kept; trainings are marked completed when attended (or by the coordinator).

- handlers/plan_text.py — what both sides see (status, lines, PDF) and how a plan begins
- handlers/plan_volunteer.py — the volunteer's plan
- handlers/plan_coordinator.py — the coordinator's review
"""

from __future__ import annotations

from bot.routing import Routes
from handlers import plan_coordinator, plan_volunteer
from handlers.plan_text import plan_for, plan_pdf_file
from handlers.plan_volunteer import my_plan

__all__ = ["my_plan", "plan_for", "plan_pdf_file", "register"]


def register(routes: Routes) -> None:
    plan_volunteer.register(routes)
    plan_coordinator.register(routes)
