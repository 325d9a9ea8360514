"""Stage two, part 4: work done on requests for support and confirmed hours. The expert's logs and
the logging flow (handlers/work_log.py), the organisation's or a coordinator's decision
(handlers/work_decide.py), the coordinators' card, closing and feedback (handlers/work_close.py),
registered here; the coordinators are asked about unanswered logs by bot/jobs/work_logs.py."""

from __future__ import annotations

from bot.buttons.work_logs import WorkCard, WorkDecide, WorkFeedback, WorkMine
from bot.routing import Routes
from handlers import work_close, work_decide, work_log


def register(routes: Routes) -> None:
    routes.flow(work_log.FLOW)
    routes.flow(work_decide.FIX_FLOW)
    routes.flow(work_decide.REJECT_FLOW)
    routes.flow(work_close.FEEDBACK_FLOW)
    routes.press(WorkMine, work_log.my_work)
    routes.press(WorkDecide, work_decide.pressed)
    routes.press(WorkCard, work_close.card)
    routes.press(WorkFeedback, work_close.feedback_pressed)
