"""Parameters of Bot API methods as python-telegram-bot sends them over HTTP (form fields with
JSON-encoded values, multipart uploads, or a JSON body), read back into the Python values the
in-process double gets; and its JSON answers. For bot/double/http.py."""

from __future__ import annotations

import json
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import Response

# Parameters whose value is a string in the Bot API: python-telegram-bot sends a string as it is and
# everything else JSON-encoded, so "5" typed as a message text must not come back as the number 5.
_STRINGS = {
    "text", "caption", "parse_mode", "callback_query_id", "url", "secret_token", "name", "title",
    "description", "short_description", "language_code", "file_id", "document", "photo", "emoji",
    "icon_custom_emoji_id", "inline_message_id", "action", "ip_address", "message_effect_id",
    "business_connection_id", "invite_link", "sticker", "question",
}  # fmt: skip


# ---- parameters as python-telegram-bot sends them -------------------------------------------
async def parameters(request: Request) -> tuple[dict, dict]:
    """The method's parameters as Python values (what RequestData.parameters gives in process)
    and its uploaded files as (file name, bytes, content type)."""
    params: dict[str, Any] = {k: _decode(k, v) for k, v in request.query_params.multi_items()}
    files: dict[str, tuple] = {}
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json"):
        body = await request.body()
        if body:
            params.update(json.loads(body))
    elif content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form(max_files=100, max_fields=1000)
        for key, value in form.multi_items():
            if isinstance(value, UploadFile):
                files[key] = (value.filename, await value.read(), value.content_type)
            else:
                params[key] = _decode(key, value)
        await form.close()
    return params, files


def _decode(key: str, value: str) -> Any:
    if key in _STRINGS:
        return value
    try:
        return json.loads(value)
    except ValueError:
        return value


def json_response(status: int, payload: dict) -> Response:
    return Response(json.dumps(payload, ensure_ascii=False).encode(), status_code=status, media_type="application/json")


def error(code: int, description: str) -> Response:
    return json_response(code, {"ok": False, "error_code": code, "description": description})
