"""The bot's web side, served from the same process as the bot: one ASGI app (Starlette) with the
webhook, the coordinators' panel (under BOT_PANEL_PATH) and public pages other modules add.

- server.py   — the app: routes, security headers, static files, templates
- webhook.py  — Telegram's updates posted to the webhook
- initdata.py — a Telegram Mini App's initData checked as Telegram specifies
- auth.py     — signing in (one-time link, Mini App), sessions, the role read on every request,
                the cross-site token of every state-changing request
The panel's pages themselves are in handlers/panel*.py (they use the same rules as the chat).
"""
