"""Every kind of button the bot makes, declared once (see bot/callback_data.py).

They live below handlers/ so scheduled jobs can build them too; each module holds one
capability's kinds. Importing this package declares them all (a test checks every kind has
exactly one handler).
"""

from bot.buttons import (  # noqa: F401  (importing them declares the kinds)
    agreements,
    application,
    broadcasts,
    coordinators,
    documents,
    events,
    hours,
    language,
    matching,
    menu,
    mydata,
    organisations,
    panel,
    plan,
    preferences,
    review,
    threads,
    work_logs,
)
from bot.callback_data import CallbackData
from bot.flow import FlowButton

__all__ = ["CallbackData", "FlowButton"]
