"""Pages of a list found by key, not by offset (issue 13): a page continues from a row of the list
(the last one shown, or the first when going back), so every page is an index lookup however deep
in the list it is, and a row added or removed meanwhile does not shift the others.

A list is one or more sections shown one after another (the coordinators' events: drafts, then
current events, then those just ended), each in an order an index gives: its columns, each
ascending or descending, the last one unique (the id).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

Fetch = Callable[[str, Sequence[Any]], Awaitable[list]]
Read = Callable[..., Awaitable[list]]  # read(limit, after=, before=): rows in the list's order


@dataclass(frozen=True)
class Section:
    """The rows `where` selects, in `order` ((column, ascending) pairs: one, or one and the id).

    `floor`: SQL (and its parameters) for the smallest value the first column takes in this
    section, for sections an index reaches through rows that are not in them (events long past):
    a scan from the start or downwards stops there instead of running through all of those.
    """

    where: str
    params: tuple = ()
    order: tuple[tuple[str, bool], ...] = (("id", True),)
    floor: tuple[str, tuple] | None = None


def _beyond(order: tuple[tuple[str, bool], ...], key: Sequence[Any], backward: bool) -> tuple[str, list]:
    """The rows after `key` in the section's order (before it, `backward`)."""

    def op(ascending: bool) -> str:
        return ">" if ascending != backward else "<"

    (first, up), *rest = order
    if not rest:
        return f"{first} {op(up)} ?", [key[0]]
    ((second, up2),) = rest
    # The first column's range seeks in the index; ties on it are decided by the second.
    return f"{first} {op(up)}= ? AND ({first} {op(up)} ? OR {second} {op(up2)} ?)", [key[0], key[0], key[1]]


async def keyed_page(
    fetch: Fetch,
    select: str,
    sections: Sequence[Section],
    limit: int,
    *,
    start: tuple[int, Sequence[Any]] | None = None,
    backward: bool = False,
) -> list:
    """Up to `limit` rows of `select` in the order of `sections`: those after `start` (the index
    of a section and the key of a row in it), or before it with `backward`; the first (last)
    ones without. One query per section it reaches."""
    found: list = []
    indices = range(len(sections) - 1, -1, -1) if backward else range(len(sections))
    for index in indices:
        if start is not None and (index > start[0] if backward else index < start[0]):
            continue
        section = sections[index]
        where, params = [section.where], list(section.params)
        from_key = start is not None and index == start[0]
        if from_key:
            condition, values = _beyond(section.order, start[1], backward)
            where.append(condition)
            params += values
        upwards = section.order[0][1] != backward
        if section.floor is not None and not (upwards and from_key):  # upwards the key is the bound
            where.append(f"{section.order[0][0]} >= {section.floor[0]}")
            params += section.floor[1]
        order = ", ".join(f"{column} {'ASC' if up != backward else 'DESC'}" for column, up in section.order)
        found += await fetch(
            f"{select} WHERE {' AND '.join(f'({w})' for w in where)} ORDER BY {order} LIMIT ?",
            (*params, limit - len(found)),
        )
        if len(found) >= limit:
            break
    return found[::-1] if backward else found


@dataclass(frozen=True)
class Page:
    """The rows of one page, and whether the list goes on before and after them (the buttons
    "« Previous" and "Next »", which carry the first and the last row shown)."""

    items: list
    earlier: bool
    later: bool


async def page_of(read: Read, size: int, *, after: int | None = None, before: int | None = None) -> Page:
    """The page after row `after` (before row `before`), or the first. One row more than a page
    tells whether there is more in the direction of travel; a row to continue from that is gone
    (or forged) gives the first page."""
    items = await read(size + 1, after=after, before=before)
    if before is not None and after is None:
        page = Page(items[-size:], len(items) > size, True)
    else:
        page = Page(items[:size], after is not None, len(items) > size)
    if not page.items and (after is not None or before is not None):
        items = await read(size + 1)
        page = Page(items[:size], False, len(items) > size)
    return page
