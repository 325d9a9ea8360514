"""The Bot API double's files: documents and photos sent (uploaded or by file_id), getFile and
the download URL, and the files users upload. A part of BotApiDouble (bot/double/api.py)."""

from __future__ import annotations

import itertools
import urllib.parse
from typing import Any

from bot.double.rules import CAPTION_LIMIT, NOT_FOUND, bad_request, checked_markup, formatted
from bot.double.state import ServerState


class Files(ServerState):
    token: str
    files: dict[str, tuple[bytes, str]]
    _file_ids: itertools.count

    def register_file(self, content: bytes, name: str) -> str:
        """A file a user uploads; returns its file_id."""
        file_id = f"FILE{next(self._file_ids)}"
        self.files[file_id] = (content, name)
        return file_id

    def _send_file(self, params, files, field_name: str, method: str):
        chat = self._sendable_chat(params.get("chat_id"), method, bool(params.get("allow_paid_broadcast")))
        reference = params.get(field_name)
        if reference is None and field_name in files:
            # an upload sent as a multipart field named after the parameter
            reference = f"attach://{field_name}"
        if isinstance(reference, str) and reference.startswith("attach://"):
            part = files.get(reference[len("attach://") :])
            if part is None:
                raise bad_request("wrong file identifier/HTTP URL specified")
            name, content = part[0], part[1]
            if hasattr(content, "read"):
                content = content.read()
            content = bytes(content)
        elif isinstance(reference, str) and reference in self.files:
            content, name = self.files[reference]
        else:
            raise bad_request("wrong file identifier/HTTP URL specified")
        if not content:
            raise bad_request("file must be non-empty")
        file_id = self.register_file(content, name)
        descriptor = {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": len(content),
        }
        body: dict[str, Any] = self._topic(chat, params)
        if field_name == "document":
            descriptor["file_name"] = name
            body["document"] = descriptor
        else:
            body["photo"] = [{**descriptor, "width": 800, "height": 600}]
        html = None
        if params.get("caption"):
            plain, entities, html = formatted(
                params["caption"], params.get("parse_mode"), CAPTION_LIMIT, "message caption"
            )
            body["caption"] = plain
            if entities:
                body["caption_entities"] = entities
        markup = self._apply_reply_keyboard(chat, checked_markup(params.get("reply_markup")))
        if markup:
            body["reply_markup"] = markup
        return self._store_bot_message(
            chat,
            body,
            html if params.get("parse_mode") else None,
            file_bytes=content,
            file_name=name,
        )

    def _m_sendDocument(self, params, files):
        return self._send_file(params, files, "document", "sendDocument")

    def _m_sendPhoto(self, params, files):
        return self._send_file(params, files, "photo", "sendPhoto")

    def _m_getFile(self, params, files):
        file_id = params.get("file_id")
        if file_id not in self.files:
            raise bad_request("invalid file_id")
        content, _ = self.files[file_id]
        return {
            "file_id": file_id,
            "file_unique_id": f"U{file_id}",
            "file_size": len(content),
            "file_path": f"documents/{file_id}",
        }

    def _download(self, url: str) -> tuple[int, bytes]:
        # PTB percent-encodes the path, so the token's ":" arrives as "%3A"
        token_and_path = urllib.parse.unquote(url.split("/file/bot", 1)[1])
        token, _, path = token_and_path.partition("/")
        file_id = path.rsplit("/", 1)[-1]
        if token != self.token or file_id not in self.files:
            return 404, NOT_FOUND
        return 200, self.files[file_id][0]
