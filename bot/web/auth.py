"""Who is asking: the panel's session cookie, the role read from the database on every request, and
the cross-site token every state-changing request carries.

A session is made from a one-time link sent in the chat (/panel) or from a Mini App's initData;
the cookie holds a random token whose hash is stored. The cross-site token is an HMAC of the
session token under a key derived from the bot token: nothing more to store, different for every
session, and a form from another site cannot know it. A request whose Origin names another site
is refused as well.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from bot.i18n import Translator, resolve_locale, translator
from bot.services import Role, Services
from storage.panel_sessions import PanelSessions

log = logging.getLogger("volunteer_bot.panel")

COOKIE = "vb_panel"
CSRF_FIELD = "csrf"


@dataclass(frozen=True)
class Viewer:
    """The person behind a request, as the database says now."""

    telegram_id: int
    role: Role
    t: Translator
    csrf: str
    session_token: str
    via: str


def services_of(request: Request) -> Services:
    return request.app.state.services


def translator_of(services: Services, profile) -> Translator:
    settings = services.settings
    locale = resolve_locale(
        profile.chosen_locale if profile else None,
        profile.telegram_locale if profile else None,
        settings.default_locale,
    )
    return translator(locale, settings.timezone)


def server_key(bot_token: str) -> bytes:
    """The key of the cross-site tokens, derived from the bot token (a secret the server has)."""
    return hmac.new(bot_token.encode(), b"volunteer-bot panel csrf", hashlib.sha256).digest()


def csrf_for(key: bytes, session_token: str) -> str:
    return hmac.new(key, session_token.encode(), hashlib.sha256).hexdigest()


async def viewer_of(request: Request) -> Viewer | None:
    """The signed-in person with their role now, or None (no cookie, ended or expired session)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 100:
        return None
    services = services_of(request)
    session = await PanelSessions(services.db).get(token, services.clock())
    if session is None:
        return None
    role = await services.role_of(session.telegram_id)
    profile = await services.users.get(session.telegram_id)
    return Viewer(
        session.telegram_id,
        role,
        translator_of(services, profile),
        csrf_for(request.app.state.key, token),
        token,
        session.via,
    )


def token_matches(sent: str, expected: str) -> bool:
    """In constant time, as bytes: compare_digest refuses a str with a letter outside ASCII."""
    return hmac.compare_digest(sent.encode(), expected.encode())


def same_site(request: Request) -> bool:
    """The request comes from the panel's own pages: the browser's Sec-Fetch-Site says so, or
    (older browsers) its Origin, else its Referer, names this host."""
    fetched = request.headers.get("sec-fetch-site")
    if fetched is not None:
        return fetched == "same-origin"
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


Page = Callable[[Request, Viewer], Awaitable[Response]]


def coordinators_only(page: Page) -> Callable[[Request], Awaitable[Response]]:
    """Every panel page: a session, the coordinator role read now, and on a POST the cross-site
    token and this site's origin. Refusals are pages that say what to do (server.py renders them)."""

    @functools.wraps(page)
    async def guarded(request: Request) -> Response:
        from bot.web import server  # the pages module renders; it imports this one

        viewer = await viewer_of(request)
        if viewer is None:
            return server.signed_out(request)
        if viewer.role < Role.COORDINATOR:
            log.warning(
                "panel: user %s without the coordinator role asked for %s", viewer.telegram_id, request.url.path
            )
            return server.not_allowed(request, viewer)
        if request.method not in ("GET", "HEAD"):
            # A field may be as large as the body allows (BodyLimit): the import's file comes back as base64.
            form = await request.form(max_part_size=server.MAX_UPLOAD)
            sent = str(form.get(CSRF_FIELD, ""))
            if not same_site(request) or not token_matches(sent, viewer.csrf):
                log.warning(
                    "panel: a %s to %s without a valid cross-site token refused", request.method, request.url.path
                )
                return server.forged(request, viewer)
        return await page(request, viewer)

    return guarded


def session_cookie(response: Response, request: Request, token: str, valid: timedelta, via: str) -> None:
    """HttpOnly, Secure behind HTTPS; SameSite=Lax in a browser, None inside Telegram's web clients
    (the Mini App is a frame of web.telegram.org there, where a Lax cookie is not sent)."""
    secure = request.url.scheme == "https"
    response.set_cookie(
        COOKIE,
        token,
        max_age=int(valid.total_seconds()),
        path=services_of(request).settings.panel_path + "/",
        secure=secure,
        httponly=True,
        samesite="none" if via == "mini_app" and secure else "lax",
    )
