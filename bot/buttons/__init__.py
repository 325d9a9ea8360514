"""Every kind of button the bot makes, declared once (see bot/callback_data.py).

They live below handlers/ so scheduled jobs can build them too; each module holds one
capability's kinds. Importing this package declares them all (a test checks every kind has
exactly one handler).
"""

from bot.buttons import application, coordinators, events, menu, mydata, review  # noqa: F401  (declares the kinds)
from bot.buttons import broadcasts, language, preferences  # noqa: F401
from bot.buttons import agreements, plan  # noqa: F401
from bot.callback_data import CallbackData
from bot.flow import FlowButton

__all__ = ["CallbackData", "FlowButton"]
