"""The one ASGI app of the bot: the webhook, the panel under BOT_PANEL_PATH and public pages.

`build_web(application, panel_pages=..., public_routes=...)`: the panel's pages come from
handlers/panel*.py and public pages (document verification) from their modules, gathered in
bot/app.py's `web_routes()`. Every response carries the security headers; pages are rendered
from the package's templates with autoescaping, texts translated in Python (so the catalogs'
extraction finds them), nothing loaded from another site.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.i18n import Translator, translator
from bot.web.auth import Viewer, server_key, services_of

# Where the panel is served now (set by whatever serves it: `run`, `chat --panel`); the chat's
# "🖥 Panel w przeglądarce" builds its links from it, and says the panel is off without it.
PANEL_URL_KEY = "panel_url"

# Telegram's web clients show a Mini App in a frame; nothing else may frame the panel.
FRAME_ANCESTORS = "'self' https://web.telegram.org https://*.telegram.org"
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    f"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors {FRAME_ANCESTORS}"
)
_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),  # a one-time link's token never leaves for another site
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]


class SecurityHeaders:
    """The same headers on every response (pages, files, errors); no cache for pages."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                names = {name for name, _ in headers}
                headers += [(n, v) for n, v in _HEADERS if n not in names]
                if b"cache-control" not in names:
                    headers.append((b"cache-control", b"no-store"))
                if scope.get("scheme") == "https":
                    headers.append((b"strict-transport-security", b"max-age=31536000"))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


MAX_BODY = 1_048_576  # forms and Telegram's updates are far smaller
MAX_UPLOAD = 3 * MAX_BODY  # a spreadsheet of volunteers (1 MB, sent again as base64 to confirm it)
UPLOADS = ("/import", "/import/confirm")


class BodyLimit:
    """A request body over MAX_BODY (an import: MAX_UPLOAD) is refused with 413 before it is read."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = MAX_UPLOAD if scope["path"].endswith(UPLOADS) else MAX_BODY
        length = dict(scope.get("headers", [])).get(b"content-length", b"0")
        if not length.isdigit() or int(length) > limit:
            await too_large(Request(scope))(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:  # a body sent in chunks without a length
                raise HTTPException(413)
            return message

        await self.app(scope, counted, send)


_ENV = Environment(
    loader=PackageLoader("bot.web", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def panel_url(request: Request, path: str = "/") -> str:
    return services_of(request).settings.panel_path + path


def chrome(request: Request, t: Translator, viewer: Viewer | None) -> dict[str, Any]:
    """What every page shows around its content."""
    services = services_of(request)
    return {
        "lang": t.locale,
        "programme": services.org.programme.name.get(t.locale),
        "panel": services.settings.panel_path,
        "viewer": viewer,
        "csrf_field": "csrf",
        "ui": {
            "skip": t.gettext("Skip to the content"),
            "panel": t.gettext("🖥 Panel in the browser"),
            "applications": t.gettext("Applications"),
            "templates": t.gettext("Reasons for not accepting"),
            "dashboard": t.gettext("At a glance"),
            "people": t.gettext("Team members"),
            "events": t.gettext("Events"),
            "import": t.gettext("Import"),
            "sign_out": t.gettext("Sign out"),
            "main_nav": t.gettext("Main menu"),
            "back": t.gettext("« Back to the list"),
        },
    }


def render(
    request: Request, template_name: str, t: Translator, viewer: Viewer | None, status_code: int = 200, **context
):
    html = _ENV.get_template(template_name).render(**chrome(request, t, viewer), **context)
    return HTMLResponse(html, status_code=status_code)


def default_translator(request: Request) -> Translator:
    settings = services_of(request).settings
    return translator(settings.default_locale, settings.timezone)


def message_page(
    request: Request,
    t: Translator,
    viewer: Viewer | None,
    title: str,
    lines: list[str],
    status: int,
    back: str | None = None,
):
    return render(request, "message.html", t, viewer, status, title=title, lines=lines, back=back)


def signed_out(request: Request) -> Response:
    t = default_translator(request)
    return message_page(
        request,
        t,
        None,
        t.gettext("Sign in to the panel"),
        [
            t.gettext("You are not signed in, or your session has ended."),
            t.gettext(
                "Inside Telegram, open the panel from the coordinator panel's button. In a browser, "
                "send /panel to the bot: it answers with a link that signs you in once, for a few minutes."
            ),
        ],
        401,
    )


def not_allowed(request: Request, viewer: Viewer) -> Response:
    t = viewer.t
    return message_page(
        request, t, None, t.gettext("No access"), [t.gettext("This is only available to coordinators.")], 403
    )


def forged(request: Request, viewer: Viewer | None) -> Response:
    t = viewer.t if viewer else default_translator(request)
    return message_page(
        request,
        t,
        viewer,
        t.gettext("Nothing was changed"),
        [t.gettext("This form did not come from the panel's own page, so nothing was changed. Open the page again.")],
        403,
    )


def not_found(request: Request, viewer: Viewer | None) -> Response:
    t = viewer.t if viewer else default_translator(request)
    return message_page(request, t, viewer, t.gettext("Not found"), [t.gettext("This page does not exist.")], 404)


def too_large(request: Request) -> Response:
    t = default_translator(request)
    return message_page(
        request,
        t,
        None,
        t.gettext("Nothing was changed"),
        [t.gettext("What was sent is too large: a file may have 1 MB at most.")],
        413,
    )


def build_web(
    application,
    *,
    panel_pages: Sequence[BaseRoute] = (),
    public_routes: Sequence[BaseRoute] = (),
    webhook: Route | None = None,
) -> Starlette:
    """The ASGI app around a built (not necessarily started) bot `application`."""
    from bot.web import signin  # its pages use render() above

    services = application.bot_data["services"]
    panel = services.settings.panel_path
    routes: list[BaseRoute] = []
    if webhook is not None:
        routes.append(webhook)
    routes += list(public_routes)
    routes.append(
        Mount(
            panel,
            routes=[
                *signin.ROUTES,
                *panel_pages,
                Mount("/static", app=StaticFiles(packages=[("bot.web", "static")]), name="static"),
            ],
        )
    )
    app = Starlette(routes=routes, exception_handlers={404: lambda request, exc: not_found(request, None)})
    app.state.application = application
    app.state.services = services
    app.state.key = server_key(application.bot.token)
    app.add_middleware(BodyLimit)
    app.add_middleware(SecurityHeaders)  # added last, so outermost: on every answer, 413 too
    return app
