"""Typed button data: one declaration per kind of button builds it, routes its press and parses it.

    class JoinEvent(CallbackData, prefix="evj"):
        event_id: int

    JoinEvent(event_id=42).pack()        -> "evj:42"
    CallbackData.parse("evj:42")         -> JoinEvent(event_id=42)
    CallbackData.parse("evj:x")          -> None (forged or from an older release)

Fields are packed in declaration order, separated by ":"; only the last field of type `str` may
contain ":" (it takes the rest). The 64-byte limit of Telegram is checked when a button is built,
so a kind that can outgrow it fails in tests, not in a person's chat.
"""

from __future__ import annotations

from enum import Enum
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

CALLBACK_DATA_LIMIT = 64
SEPARATOR = ":"
_INT64 = 2**63


class CallbackDataError(ValueError):
    """A button that cannot be built: too long, or a value containing the separator."""


class CallbackData(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prefix: ClassVar[str]
    kinds: ClassVar[dict[str, type[CallbackData]]] = {}

    def __init_subclass__(cls, prefix: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if prefix is None:
            return
        if not prefix or SEPARATOR in prefix:
            raise CallbackDataError(f"bad prefix {prefix!r}")
        known = CallbackData.kinds.get(prefix)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise CallbackDataError(f"prefix {prefix!r} is declared twice: {known.__name__} and {cls.__name__}")
        cls.prefix = prefix
        CallbackData.kinds[prefix] = cls

    # ---- building ------------------------------------------------------------------------------
    def pack(self) -> str:
        names = list(type(self).model_fields)
        parts = [self.prefix]
        for index, name in enumerate(names):
            text = _encode(getattr(self, name))
            if SEPARATOR in text and index != len(names) - 1:
                raise CallbackDataError(f"{type(self).__name__}.{name} may not contain {SEPARATOR!r}: {text!r}")
            parts.append(text)
        while len(parts) > 1 and parts[-1] == "":  # trailing empty values are left out
            parts.pop()
        data = SEPARATOR.join(parts)
        if len(data.encode("utf-8")) > CALLBACK_DATA_LIMIT:
            raise CallbackDataError(f"callback data over {CALLBACK_DATA_LIMIT} bytes: {data!r}")
        return data

    # ---- reading a press -----------------------------------------------------------------------
    @classmethod
    def parse(cls, data: str | None) -> CallbackData | None:
        """The typed button behind `data`, or None when no declared kind reads it."""
        if not data:
            return None
        prefix, _, rest = data.partition(SEPARATOR)
        kind = CallbackData.kinds.get(prefix)
        if kind is None or (cls is not CallbackData and not issubclass(kind, cls)):
            return None
        names = list(kind.model_fields)
        if not names:
            return kind() if data == prefix else None
        values = rest.split(SEPARATOR, len(names) - 1) if SEPARATOR in data else []
        try:  # fields left out at the end take their defaults
            parsed = kind.model_validate({name: _decode(value) for name, value in zip(names, values, strict=False)})
        except ValidationError:
            return None
        return parsed if _within_int64(parsed) else None


def _encode(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, int) and abs(value) >= _INT64:
        raise CallbackDataError(f"integer out of range: {value}")
    return str(value)


def _decode(text: str) -> Any:
    return None if text == "" else text


def _within_int64(parsed: CallbackData) -> bool:
    return all(not isinstance(v, int) or abs(v) < _INT64 for v in parsed.__dict__.values())
