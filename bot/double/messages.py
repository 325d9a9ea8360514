"""The Bot API double's messages: sending, editing and deleting texts, the chat action, and
answering the callback queries of their buttons. A part of BotApiDouble (bot/double/api.py)."""

from __future__ import annotations

from typing import Any

from bot.double.rules import ALERT_LIMIT, NOT_MODIFIED, TEXT_LIMIT, bad_request, checked_markup, formatted
from bot.double.state import ChatState, ServerState, StoredMessage, by_id


class Messages(ServerState):
    callback_queries: dict[str, dict]

    def _stored(self, chat: ChatState, message_id: Any) -> StoredMessage:
        stored = by_id(chat.messages, message_id)
        if stored is None:
            raise bad_request("message to edit not found")
        return stored

    def _m_sendChatAction(self, params, files):
        self._sendable_chat(params.get("chat_id"), "sendChatAction")
        return True

    def _m_sendMessage(self, params, files):
        chat = self._sendable_chat(params.get("chat_id"), "sendMessage", bool(params.get("allow_paid_broadcast")))
        plain, entities, html = formatted(params.get("text"), params.get("parse_mode"), TEXT_LIMIT, "message text")
        markup = self._apply_reply_keyboard(chat, checked_markup(params.get("reply_markup")))
        content: dict[str, Any] = {"text": plain, **self._topic(chat, params)}
        if entities:
            content["entities"] = entities
        if markup:
            content["reply_markup"] = markup
        return self._store_bot_message(chat, content, html if params.get("parse_mode") else None)

    def _m_copyMessage(self, params, files):
        """A copy of a message without the link to the original (its text or file and caption)."""
        source = self._chat(params.get("from_chat_id"))
        original = by_id(source.messages, params.get("message_id"))
        if original is None:
            raise bad_request("message to copy not found")
        chat = self._sendable_chat(params.get("chat_id"), "copyMessage")
        kept = ("text", "entities", "photo", "document", "caption", "caption_entities")
        content = {k: v for k, v in original.data.items() if k in kept}
        if not content:
            raise bad_request("the message can't be copied")
        content.update(self._topic(chat, params))
        markup = checked_markup(params.get("reply_markup"))
        if markup:
            content["reply_markup"] = markup
        stored = self._store_bot_message(chat, content, original.html, file_bytes=original.file_bytes)
        return {"message_id": stored["message_id"]}

    def _m_editMessageText(self, params, files):
        chat = self._chat(params.get("chat_id"))
        stored = self._stored(chat, params.get("message_id"))
        if not stored.from_bot:
            raise bad_request("message can't be edited")
        if "text" not in stored.data:
            raise bad_request("there is no text in the message to edit")
        plain, entities, html = formatted(params.get("text"), params.get("parse_mode"), TEXT_LIMIT, "message text")
        markup = checked_markup(params.get("reply_markup"))
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        old = stored.data
        if old.get("text") == plain and old.get("entities", []) == entities and old.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        new = {k: v for k, v in old.items() if k not in ("text", "entities", "reply_markup")}
        new["text"] = plain
        if entities:
            new["entities"] = entities
        if markup:
            new["reply_markup"] = markup
        new["edit_date"] = int(self.clock())
        stored.data = new
        stored.html = html if params.get("parse_mode") else None
        stored.changed = next(self._changes)
        return new

    def _m_editMessageReplyMarkup(self, params, files):
        chat = self._chat(params.get("chat_id"))
        stored = self._stored(chat, params.get("message_id"))
        markup = checked_markup(params.get("reply_markup"))
        if stored.data.get("reply_markup") == markup:
            raise bad_request(NOT_MODIFIED)
        new = {k: v for k, v in stored.data.items() if k != "reply_markup"}
        if markup:
            new["reply_markup"] = markup
        stored.data = new
        stored.changed = next(self._changes)
        return new

    def _m_deleteMessage(self, params, files):
        chat = self._chat(params.get("chat_id"))
        if by_id(chat.messages, params.get("message_id"), remove=True) is None:
            raise bad_request("message to delete not found")
        return True

    def _m_answerCallbackQuery(self, params, files):
        query = self.callback_queries.get(str(params.get("callback_query_id")))
        if query is None or query["answered"]:
            raise bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text") or ""
        if len(text) > ALERT_LIMIT:
            raise bad_request("MESSAGE_TOO_LONG")
        query.update(answered=True, text=text, show_alert=bool(params.get("show_alert")))
        return True
