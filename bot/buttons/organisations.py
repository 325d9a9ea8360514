"""Organisations and their requests for support (stage two): the coordinators' lists and cards, and
what a contact person presses under "🏢 Moja organizacja". Every press names the thing by id and is
checked again on the server: is the person a coordinator now, or a contact of that organisation."""

from __future__ import annotations

from typing import Literal

from bot.callback_data import CallbackData


class OrgReview(CallbackData, prefix="og"):
    # list: the overview · o: open one · a: verify? · ay: verify · r: reject (asks the reason)
    # q: ask the contacts a question · inv: a link that adds a contact person
    act: Literal["list", "o", "a", "ay", "r", "q", "inv"]
    org: int | None = None


class OrgList(CallbackData, prefix="ogs"):
    """A page of organisations of one status, after (or before) the one named."""

    status: Literal["pending", "needs_info", "verified", "rejected"]
    after: int | None = None
    before: int | None = None


class OrgMine(CallbackData, prefix="ogm"):
    # reg: register an organisation · o: one's organisation (or the list of them) · ans: answer the
    # coordinator's question · inv: a link for another contact person · new: ask for support
    # out: stop being a contact person? · outy: stop (the contact's details go, the consent is withdrawn)
    act: Literal["reg", "o", "ans", "inv", "new", "out", "outy"]
    org: int | None = None


class RequestReview(CallbackData, prefix="sr"):
    # list: the overview · o: open one · a: approve? · ay: approve · r: decline (asks the reason)
    # q: ask the contacts a question · e: edit an answer
    act: Literal["list", "o", "a", "ay", "r", "q", "e"]
    ref: int | None = None


class RequestList(CallbackData, prefix="srs"):
    status: Literal["submitted", "needs_info", "approved", "assigned", "done", "declined", "withdrawn"]
    after: int | None = None
    before: int | None = None


class RequestMine(CallbackData, prefix="srm"):
    # o: open one of one's organisation's requests · w: withdraw? · wy: withdraw · ans: answer a question
    act: Literal["o", "w", "wy", "ans"]
    ref: int


class RequestMineList(CallbackData, prefix="srp"):
    """A page of one organisation's requests, newest first."""

    org: int
    after: int | None = None
    before: int | None = None


class PartnerAlerts(CallbackData, prefix="pal"):
    """Alerts about new organisations or new requests for support, for the coordinator who presses."""

    kind: Literal["organisations", "requests"]
    on: bool


ORGANISATIONS = OrgReview(act="list").pack()
REQUESTS = RequestReview(act="list").pack()
REGISTER = OrgMine(act="reg").pack()
MY_ORGANISATION = OrgMine(act="o").pack()
