"""Telegram's HTML parse mode, as strictly as the Bot API applies it.

Returns the plain text and its entities (offsets in UTF-16 code units), or raises
`EntityParseError` with the description the Bot API would give.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SIMPLE_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>")
_ATTR = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_ENTITY = re.compile(r"&(#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]+);")


_NO_END_TAG = "Can't parse entities: can't find end tag corresponding to start tag \"{}\""


class EntityParseError(ValueError):
    pass


@dataclass
class Entity:
    type: str
    offset: int
    length: int
    url: str | None = None
    language: str | None = None

    def to_dict(self) -> dict:
        data = {"type": self.type, "offset": self.offset, "length": self.length}
        if self.url is not None:
            data["url"] = self.url
        if self.language is not None:
            data["language"] = self.language
        return data


@dataclass
class _Open:
    tag: str
    kind: str
    start: int
    url: str | None = None
    language: str | None = None
    attrs: dict = field(default_factory=dict)


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _unquote(value: str | None) -> str | None:
    if value is None:
        return None
    if value[:1] in "\"'" and value[-1:] == value[:1]:
        value = value[1:-1]
    return _decode_entities(value)


def _decode_entities(text: str) -> str:
    def replace(match: re.Match) -> str:
        return _entity_value(match.group(1), match.start())

    return _ENTITY.sub(replace, text)


def _entity_value(name: str, offset: int) -> str:
    if name.startswith("#"):
        code = int(name[2:], 16) if name[1:2] in "xX" else int(name[1:])
        if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            raise EntityParseError(f"Can't parse entities: invalid character code at byte offset {offset}")
        return chr(code)
    if name not in _NAMED_ENTITIES:
        raise EntityParseError(f'Can\'t parse entities: unsupported HTML entity "&{name};" at byte offset {offset}')
    return _NAMED_ENTITIES[name]


def parse_html(source: str) -> tuple[str, list[Entity]]:
    out: list[str] = []
    length = 0  # UTF-16 length of the text produced so far
    stack: list[_Open] = []
    entities: list[Entity] = []
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "<":
            match = _TAG.match(source, i)
            if not match:
                raise EntityParseError(
                    f"Can't parse entities: unexpected start of a tag at byte offset {len(source[:i].encode())}"
                )
            closing, name, attr_text = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if not stack:
                    raise EntityParseError(
                        f'Can\'t parse entities: unexpected end tag "{name}" at byte offset {len(source[:i].encode())}'
                    )
                top = stack[-1]
                if top.tag != name:
                    raise EntityParseError(_NO_END_TAG.format(top.tag))
                stack.pop()
                if length > top.start:
                    if top.kind == "code" and stack and stack[-1].kind == "pre":
                        stack[-1].language = top.language
                    else:
                        # Telegram keeps a language only on pre; inline code drops it.
                        language = top.language if top.kind == "pre" else None
                        entities.append(Entity(top.kind, top.start, length - top.start, top.url, language))
            else:
                attrs = {k.lower(): _unquote(v) for k, v in _ATTR.findall(attr_text)}
                stack.append(_open_tag(name, attrs, length, stack, source, i))
            i = match.end()
        elif ch == ">":
            raise EntityParseError(
                f"Can't parse entities: character '>' is reserved and must be escaped "
                f"at byte offset {len(source[:i].encode())}"
            )
        elif ch == "&":
            match = _ENTITY.match(source, i)
            if not match:
                raise EntityParseError(
                    f"Can't parse entities: character '&' must be escaped as &amp; "
                    f"at byte offset {len(source[:i].encode())}"
                )
            value = _entity_value(match.group(1), len(source[:i].encode()))
            out.append(value)
            length += utf16_len(value)
            i = match.end()
        else:
            j = i
            while j < n and source[j] not in "<>&":
                j += 1
            chunk = source[i:j]
            out.append(chunk)
            length += utf16_len(chunk)
            i = j
    if stack:
        raise EntityParseError(_NO_END_TAG.format(stack[-1].tag))
    entities.sort(key=lambda e: (e.offset, -e.length))
    return "".join(out), entities


def _open_tag(name: str, attrs: dict, start: int, stack: list[_Open], source: str, i: int) -> _Open:
    inside_code = any(o.kind in ("code", "pre") for o in stack)
    if inside_code and not (name == "code" and stack and stack[-1].kind == "pre"):
        raise EntityParseError(f"Can't parse entities: tag \"{name}\" can't be used inside pre or code")
    if name in _SIMPLE_TAGS:
        language = None
        if name == "code":
            css = attrs.get("class") or ""
            if css.startswith("language-"):
                language = css[len("language-") :]
        allowed = {"class"} if name == "code" else {"expandable"} if name == "blockquote" else set()
        unknown = set(attrs) - allowed
        if unknown:
            raise EntityParseError(
                f'Can\'t parse entities: unsupported attribute "{sorted(unknown)[0]}" in tag "{name}"'
            )
        kind = _SIMPLE_TAGS[name]
        if name == "blockquote" and "expandable" in attrs:
            kind = "expandable_blockquote"
        return _Open(name, kind, start, language=language)
    if name == "span":
        if attrs.get("class") != "tg-spoiler":
            raise EntityParseError('Can\'t parse entities: tag "span" must have class "tg-spoiler"')
        return _Open(name, "spoiler", start)
    if name == "a":
        href = attrs.get("href")
        if not href:
            raise EntityParseError('Can\'t parse entities: tag "a" must have attribute "href"')
        if not re.match(r"^(https?://|tg://|mailto:)\S+$", href):
            raise EntityParseError(f'Can\'t parse entities: wrong URL "{href}"')
        return _Open(name, "text_link", start, url=href)
    if name == "tg-emoji":
        return _Open(name, "custom_emoji", start)
    raise EntityParseError(
        f'Can\'t parse entities: unsupported start tag "{name}" at byte offset {len(source[:i].encode())}'
    )
