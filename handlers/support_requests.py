"""Stage two, requests for support: the form a contact person fills in (handlers/request_form.py),
their organisation's requests (handlers/request_mine.py) and the coordinators' side
(handlers/request_review.py), registered here."""

from __future__ import annotations

from bot.buttons.organisations import RequestList, RequestMine, RequestMineList, RequestReview
from bot.routing import Routes
from handlers import request_edit, request_form, request_mine, request_review
from handlers.partner_common import for_coordinators


def register(routes: Routes) -> None:
    routes.flow(request_form.FLOW)
    routes.flow(request_mine.ANSWER)
    routes.flow(request_review.REASON)
    routes.flow(request_review.QUESTION)
    routes.flow(request_edit.EDIT)
    routes.press(RequestMine, request_mine.pressed)
    routes.press(RequestMineList, request_mine.our_requests)
    routes.press(RequestReview, for_coordinators(request_review.pressed))
    routes.press(RequestList, for_coordinators(request_review.status_list))
