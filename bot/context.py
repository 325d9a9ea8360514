"""The callback context every handler receives: the services, the user's role and language."""

from __future__ import annotations

from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator, translator
from bot.services import Role, Services
from storage.sessions import SessionRecord
from storage.users import UserRecord

SERVICES_KEY = "services"
ROUTES_KEY = "routes"


class BotContext(CallbackContext[ExtBot, dict, dict, dict]):
    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application, chat_id, user_id)
        self.profile: UserRecord | None = None
        self.session: SessionRecord | None = None  # read once per update (handlers/session.py)
        self.role: Role = Role.VOLUNTEER
        self._translator: Translator | None = None

    @property
    def services(self) -> Services:
        return self.application.bot_data[SERVICES_KEY]

    @property
    def flows(self):
        """The flow engine (bot/flow_engine.py): start a flow with `context.flows.start(...)`."""
        return self.application.bot_data[ROUTES_KEY].engine

    @property
    def t(self) -> Translator:
        """The user's translator (set by the session handler), else the default language."""
        if self._translator is None:
            settings = self.services.settings
            self._translator = translator(settings.default_locale, settings.timezone)
        return self._translator

    @t.setter
    def t(self, value: Translator) -> None:
        self._translator = value

    @property
    def is_coordinator(self) -> bool:
        return self.role >= Role.COORDINATOR
