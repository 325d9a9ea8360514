"""Signing in and out of the panel: a one-time link from the chat (/panel), a Mini App's
initData, and signing out. Every sign-in and sign-out goes to the audit log."""

from __future__ import annotations

import logging
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from bot.services import Role
from bot.web import initdata
from bot.web.auth import (
    COOKIE,
    CSRF_FIELD,
    same_site,
    services_of,
    session_cookie,
    token_matches,
    translator_of,
    viewer_of,
)
from bot.web.server import default_translator, forged, message_page, panel_url, render, signed_out
from storage.panel_sessions import PanelSessions

log = logging.getLogger("volunteer_bot.panel")


def _session_length(request: Request) -> timedelta:
    return timedelta(hours=services_of(request).settings.panel_session_hours)


async def home(request: Request) -> Response:
    viewer = await viewer_of(request)
    if viewer is None or viewer.role < Role.COORDINATOR:
        return signed_out(request)
    return RedirectResponse(panel_url(request, "/applications"), status_code=303)


async def link_page(request: Request) -> Response:
    """GET only shows a button: a link opened by a preview or a scanner is not used up."""
    t = default_translator(request)
    return render(
        request,
        "signin.html",
        t,
        None,
        title=t.gettext("Sign in to the panel"),
        text=t.gettext("This link signs you in once. Press the button to open the panel."),
        button=t.gettext("Sign in"),
        action=panel_url(request, "/login/" + request.path_params["token"]),
    )


async def use_link(request: Request) -> Response:
    services = services_of(request)
    now = services.clock()
    t = default_translator(request)
    if not same_site(request):  # another site's form would sign this browser in as someone else
        log.warning("panel: a one-time link posted from another site was refused")
        return forged(request, None)
    telegram_id = await PanelSessions(services.db).use_link(request.path_params["token"][:100], now)
    if telegram_id is None:
        log.info("panel: a one-time link that is unknown, used or expired was refused")
        return message_page(
            request,
            t,
            None,
            t.gettext("This link no longer works"),
            [t.gettext("A sign-in link works once, for a few minutes. Send /panel to the bot for a new one.")],
            400,
        )
    return await _signed_in(request, telegram_id, "link", RedirectResponse(panel_url(request, "/applications"), 303))


async def mini_app(request: Request) -> Response:
    t = default_translator(request)
    return render(
        request,
        "mini_app.html",
        t,
        None,
        title=t.gettext("🖥 Panel in the browser"),
        waiting=t.gettext("Signing you in…"),
        outside=t.gettext("This page opens inside Telegram. In a browser, send /panel to the bot for a sign-in link."),
        refused=t.gettext("Telegram's sign-in data was not accepted. Close the panel and open it again."),
        exchange=panel_url(request, "/auth/mini-app"),
    )


async def exchange_init_data(request: Request) -> Response:
    """The Mini App's page posts Telegram's initData here, as the client gave it."""
    services = services_of(request)
    settings = services.settings
    now = services.clock()
    if not same_site(request):
        return JSONResponse({"error": "cross-site"}, status_code=403)
    raw = str((await request.form()).get("init_data", ""))
    max_age = timedelta(minutes=settings.panel_init_data_minutes)
    try:
        user = initdata.validate(raw, request.app.state.application.bot.token, now, max_age)
    except initdata.InvalidInitData as exc:
        log.warning("panel: Mini App initData refused: %s", exc)
        return JSONResponse({"error": "invalid"}, status_code=403)
    sessions = PanelSessions(services.db)
    if not await sessions.first_use_of_init_data(user.data_hash, now, max_age + timedelta(minutes=10)):
        log.warning("panel: Mini App initData of user %s used again (a replay) refused", user.telegram_id)
        return JSONResponse({"error": "replayed"}, status_code=403)
    answer = JSONResponse({"next": panel_url(request, "/applications")})
    return await _signed_in(request, user.telegram_id, "mini_app", answer)


async def _signed_in(request: Request, telegram_id: int, via: str, response: Response) -> Response:
    services = services_of(request)
    role = await services.role_of(telegram_id)
    if role < Role.COORDINATOR:
        log.warning("panel: user %s without the coordinator role tried to sign in", telegram_id)
        t = translator_of(services, await services.users.get(telegram_id))
        if via == "mini_app":
            return JSONResponse({"error": "role"}, status_code=403)
        return message_page(
            request, t, None, t.gettext("No access"), [t.gettext("This is only available to coordinators.")], 403
        )
    now = services.clock()
    sessions = PanelSessions(services.db)
    earlier = request.cookies.get(COOKIE)
    if earlier and len(earlier) <= 100:  # a new session replaces this browser's earlier one
        await sessions.end(earlier, now)
    token = await sessions.start(telegram_id, via, now, _session_length(request))
    await services.audit.record(telegram_id, "panel.signed_in", f"user:{telegram_id}", now, via=via)
    session_cookie(response, request, token, _session_length(request), via)
    return response


async def sign_out(request: Request) -> Response:
    viewer = await viewer_of(request)
    if viewer is not None:
        form = await request.form()
        if not same_site(request) or not token_matches(str(form.get(CSRF_FIELD, "")), viewer.csrf):
            return forged(request, viewer)  # another site cannot sign a coordinator out either
        services = services_of(request)
        now = services.clock()
        await PanelSessions(services.db).end(viewer.session_token, now)
        await services.audit.record(viewer.telegram_id, "panel.signed_out", f"user:{viewer.telegram_id}", now)
    response = RedirectResponse(panel_url(request, "/"), status_code=303)
    response.delete_cookie(COOKIE, path=services_of(request).settings.panel_path + "/")
    return response


ROUTES = [
    Route("/", home),
    Route("/login/{token}", link_page, methods=["GET"]),
    Route("/login/{token}", use_link, methods=["POST"]),
    Route("/app", mini_app),
    Route("/auth/mini-app", exchange_init_data, methods=["POST"]),
    Route("/logout", sign_out, methods=["POST"]),
]
