"""The in-process Bot API double that powers `volunteer-bot chat` and the tests."""

from bot.double.api import DEFAULT_TOKEN, BotApiDouble, FloodControl
from bot.double.scenario import BotMessage, Button, UserChat, running

__all__ = [
    "DEFAULT_TOKEN",
    "BotApiDouble",
    "BotMessage",
    "Button",
    "FloodControl",
    "UserChat",
    "running",
]
