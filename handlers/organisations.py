"""Stage two, organisations: registering one (handlers/org_register.py), what a contact person sees
(handlers/org_mine.py) and the coordinators' verification (handlers/org_review.py), registered here.
The deep links `start=org` and `start=orgjoin_<token>` are declared in handlers/org_register.py."""

from __future__ import annotations

from bot.buttons.organisations import OrgList, OrgMine, OrgReview
from bot.routing import Routes
from handlers import org_mine, org_register, org_review
from handlers.partner_common import for_coordinators


def register(routes: Routes) -> None:
    routes.flow(org_register.FLOW)
    routes.flow(org_mine.ANSWER)
    routes.flow(org_review.REASON)
    routes.flow(org_review.QUESTION)
    routes.press(OrgMine, org_mine.pressed)
    routes.press(OrgReview, for_coordinators(org_review.pressed))
    routes.press(OrgList, for_coordinators(org_review.status_list))
