"""The application: every handler, the jobs and the error handler, in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from telegram import LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    MessageHandler,
    TypeHandler,
    filters,
)
from telegram.request import BaseRequest

from bot import jobs
from bot.broadcast_sender import BroadcastSender
from bot.buttons.menu import MenuButton
from bot.config import ConfigError, Settings
from bot.context import ROUTES_KEY, SERVICES_KEY, BotContext
from bot.i18n import resolve_locale, translator
from bot.inbox import INBOX_KEY, Inbox
from bot.leases import SCHEDULER, SCHEDULER_KEY, LeaseKeeper
from bot.organisation import Organisation, load_organisation
from bot.processor import PerUserOrderedProcessor
from bot.rate_limit import SharedRateLimiter
from bot.routing import Routes
from bot.services import Role, Services
from bot.telegram_bot import VolunteerBotBuilder
from handlers import (
    agreement,
    agreement_admin,
    application,
    broadcasts,
    common,
    coordinators,
    counselling,
    counselling_staff,
    document_admin,
    document_page,
    errors,
    event_admin,
    events,
    hours,
    hours_admin,
    import_link,
    language,
    menu,
    mydata,
    organisations,
    panel,
    partner_staff,
    plan,
    preferences,
    review,
    session,
    support_matching,
    support_requests,
    work,
)
from handlers.command_menu import set_chat_commands, set_default_commands
from storage import Database
from storage.audience_index import index_choice_fields
from storage.db import utcnow
from storage.inbox import InboxRepository
from storage.leases import LeaseRepository

log = logging.getLogger(__name__)

SESSION_GROUP = -2
ROUTER_GROUP = -1
GLOBAL_GROUP = 100
SENDER_KEY = "broadcast_sender"


class VolunteerBotApplication(Application):
    """Opens the database first, and closes it last."""

    @property
    def services(self) -> Services:
        return self.bot_data[SERVICES_KEY]

    async def initialize(self) -> None:
        await self.services.db.open()
        await index_choice_fields(self.services.db, self.services.choice_fields())
        await super().initialize()
        await self._set_command_menus()

    @property
    def broadcast_sender(self) -> BroadcastSender:
        return self.bot_data[SENDER_KEY]

    @property
    def inbox(self) -> Inbox:
        return self.bot_data[INBOX_KEY]

    async def start(self) -> None:
        await super().start()
        await self.bot_data[ROUTES_KEY].engine.resume(self)  # long texts held when it stopped
        await self.inbox.start()  # updates stored before the last stop first
        # Scheduled jobs and the broadcast sender: only in the process holding the lease.
        scheduler = self.bot_data[SCHEDULER_KEY]
        await scheduler.try_acquire()
        scheduler.keep()

    async def stop(self) -> None:
        await self.bot_data[SCHEDULER_KEY].release()
        await self.inbox.stop()
        await super().stop()

    async def shutdown(self) -> None:
        try:
            await super().shutdown()
        finally:
            await self.services.db.close()

    async def _set_command_menus(self) -> None:
        settings = self.services.settings
        try:
            await set_default_commands(self.bot, settings.default_locale, settings.timezone)
        except TelegramError as exc:
            log.warning("could not set the command menus: %s", exc)
            return
        staff = {c.telegram_id: Role.COORDINATOR for c in await self.services.coordinators.list()}
        staff.update({admin: Role.ADMIN for admin in settings.admin_ids})
        for user_id, role in staff.items():
            profile = await self.services.users.get(user_id)
            locale = resolve_locale(
                profile.chosen_locale if profile else None,
                profile.telegram_locale if profile else None,
                settings.default_locale,
            )
            await set_chat_commands(self.bot, user_id, translator(locale, settings.timezone), role)


def build_application(
    settings: Settings,
    request: BaseRequest | None = None,
    *,
    org: Organisation | None = None,
    clock: Callable[[], datetime] = utcnow,
    rate_limit: bool = False,
) -> VolunteerBotApplication:
    """Build the bot. `request` replaces the HTTP client (the Bot API double in tests and chat)."""
    token = settings.token or getattr(request, "token", None)
    if not token:
        raise ConfigError("TELEGRAM_BOT_TOKEN: not set (get a token from @BotFather)")
    services = Services(
        settings=settings,
        org=org or load_organisation(settings.org_file),
        db=Database(settings.database),
        clock=clock,
    )
    processor = PerUserOrderedProcessor()
    builder = (
        VolunteerBotBuilder()
        .application_class(VolunteerBotApplication)
        .token(token)
        .base_url(settings.api_url)
        .base_file_url(settings.base_file_url)
        .local_mode(settings.local_mode)
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .context_types(ContextTypes(context=BotContext))
        .concurrent_updates(processor)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        # Stopping sends one more getUpdates (to confirm the last offset) while the long poll being
        # cancelled may still hold its connection: with one connection it waited and timed out.
        builder = builder.get_updates_connection_pool_size(2)
    if rate_limit:
        # The broadcast sender paces itself and handles 429 alone; see bot/rate_limit.py.
        builder = builder.rate_limiter(SharedRateLimiter(max_retries=3))
    app = builder.build()
    app.bot_data[SERVICES_KEY] = services
    app.bot_data[SENDER_KEY] = BroadcastSender(app, rate=settings.broadcast_rate, paid=settings.broadcast_paid)
    app.bot_data[INBOX_KEY] = Inbox(app, InboxRepository(services.db), clock)
    sender = app.bot_data[SENDER_KEY]
    app.bot_data[SCHEDULER_KEY] = LeaseKeeper(
        LeaseRepository(services.db), SCHEDULER, clock, on_gain=sender.start, on_loss=sender.stop
    )
    register_handlers(app)
    return app


# Every capability, in the order its handlers are registered. A module registers its buttons,
# flows and commands in `register(routes)`.
CAPABILITIES = (
    language,
    application,
    review,
    events,
    event_admin,
    mydata,
    coordinators,
    agreement,
    agreement_admin,
    plan,
    broadcasts,
    preferences,
    organisations,
    partner_staff,
    support_matching,
    support_requests,
    work,
    hours,
    hours_admin,
    counselling,
    counselling_staff,
    document_admin,
    panel,
    import_link,
)


def web_routes() -> tuple[list, list]:
    """The pages of the web app (bot/web/server.py): the coordinators' panel, under BOT_PANEL_PATH,
    and public pages at the site's root (document verification)."""
    return list(panel.PAGES), list(document_page.PUBLIC_PAGES)


def register_handlers(app: Application) -> None:
    """Every handler, in order. Groups run in ascending order; one handler per group."""
    app.add_handler(TypeHandler(Update, session.load_session), group=SESSION_GROUP)
    routes = Routes()
    routes.engine.menu_after = menu.menu_after
    app.bot_data[ROUTES_KEY] = routes
    routes.press(MenuButton, menu.menu_pressed)
    for module in CAPABILITIES:
        module.register(routes)
    app.add_handler(TypeHandler(Update, routes.route), group=ROUTER_GROUP)

    # Global commands, menus and the fallbacks.
    g = GLOBAL_GROUP
    app.add_handler(CommandHandler("start", menu.start), group=g)
    app.add_handler(CommandHandler(["pomoc", "help"], menu.help_command), group=g)
    app.add_handler(CommandHandler(["koordynator", "coordinator"], menu.coordinator_panel), group=g)
    app.add_handler(CommandHandler(["anuluj", "cancel"], menu.nothing_to_cancel), group=g)
    for handler in routes.handlers:
        app.add_handler(handler, group=g)
    app.add_handler(CallbackQueryHandler(menu.coming_soon, pattern=f"^{menu.SOON}:"), group=g)
    app.add_handler(MessageHandler(filters.COMMAND, menu.unknown_command), group=g)
    app.add_handler(MessageHandler(filters.TEXT, menu.unknown_text), group=g)
    app.add_handler(MessageHandler(filters.ALL, menu.unsupported_message), group=g)
    app.add_handler(CallbackQueryHandler(common.stale_button), group=g)

    app.add_error_handler(errors.on_error)
    jobs.schedule(app)
