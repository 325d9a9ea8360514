"""A coordinator corrects one answer of a request for support ("sr_edit"): the request form's own
question and validation, asked of the coordinator; the organisation is told what changed. The role
and the request's state are checked again when the text arrives (handlers/request_review.py)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.buttons.organisations import RequestMine, RequestReview
from bot.flow import Choice, End, Flow, FlowRun, Prompt, Step
from bot.i18n import html_escape
from handlers.common import audit, keyboard
from handlers.partner_common import tell_contacts
from handlers.partner_fields import shown
from handlers.request_form import request_steps
from handlers.request_review import EDIT_FLOW, _already, _nothing, _refused, _stopped, _then, open_one
from storage.organisations import Refused


def _edit_steps(run: FlowRun) -> list[Step]:
    """The request form's steps, asked of the coordinator: typed only, unnumbered, each ending the flow."""
    settings = run.services.org.partners
    if settings is None:
        return []
    return [replace(s, done=_edited, numbered=False) for s in request_steps(settings, typed_only=True)]


async def _edit_summary(run: FlowRun) -> Prompt:
    t = run.t
    text = t._(
        "<b>Request #%(id)d</b>\nWhich answer would you like to correct? The organisation will be told what changed.",
        id=run.data["ref"],
    )
    return Prompt(text, actions=[Choice(t.gettext("« Back to the request"), "card")])


async def _edit_act(run: FlowRun, action: str) -> End:
    update, context, ref = run.update, run.context, run.data["ref"]

    async def card() -> None:
        await open_one(update, context, RequestReview(act="o", ref=ref))

    return End(None, after=card)


async def _edited(run: FlowRun, value: Any) -> End:
    """In the step's transaction: the answer, its history and audit entries, and the flow's end."""
    refused = _refused(run)
    if refused is not None:
        return refused
    services, context, t = run.services, run.context, run.t
    settings = services.org.partners
    step_id = run.state.step if run.state else ""
    form_field = next((f for f in settings.request_form if f.id == step_id), None)
    request = await services.support_requests.get(run.data["ref"])
    if request is None or form_field is None:
        return End(t._("This request does not exist any more."))
    was = request.answers.get(step_id)
    if was == value:
        return _then(run, t._("Nothing has changed: the answer is the same."), _nothing)
    answers = {**request.answers, step_id: value}
    if answers["date_to"] < answers["date_from"]:
        return _then(run, t._("The end cannot be before the start: nothing has been changed."), _nothing)
    try:
        edited = await services.support_requests.edit(request.id, run.user_id, step_id, value, was, services.clock())
    except Refused as changed:
        return End(html_escape(_already(t, request.id, changed.status)))
    await audit(context, run.user_id, "support_request.corrected", f"support_request:{edited.id}", field=step_id)
    org = services.org

    def change(tr) -> dict[str, str]:
        return {
            "label": form_field.label.get(tr.locale),
            "was": shown(org, form_field, was, tr),
            "now": shown(org, form_field, value, tr),
        }

    def compose(ct):
        text = ct._(
            "✏️ A coordinator corrected your request for support #%(id)d:\n<b>%(label)s</b>: %(was)s → %(now)s",
            id=edited.id,
            **change(ct),
        )
        return text, keyboard([[(ct.gettext("Open"), RequestMine(act="o", ref=edited.id).pack())]])

    async def tell() -> None:
        await tell_contacts(context, edited.organisation_id, compose)

    done = t._("✏️ Corrected in request #%(id)d:\n<b>%(label)s</b>: %(was)s → %(now)s", id=edited.id, **change(t))
    return _then(run, done, tell)


EDIT = Flow(EDIT_FLOW, _edit_steps, summary=_edit_summary, act=_edit_act, cancelled=_stopped)
