"""The dashboard's charts as geometry for an SVG drawn by the template (bot/web/templates/
dashboard.html): bars, their labels and a legend. Colours keep 3:1 against white and each other's
neighbours; every chart has its table beside it, which is what a screen reader reads."""

from __future__ import annotations

from datetime import date

from bot.i18n import Translator
from storage.dashboard import STATUSES, Figures

WIDTH = 640
PALETTE = ("#0b57d0", "#b35300", "#12622f", "#a1141c", "#5a5d66")  # new, waiting, accepted, not, withdrawn
BAR_AREA = 200  # the height of the bars' area in vertical charts


def _scale(highest: float, room: float) -> float:
    return room / highest if highest > 0 else 0.0


def columns(
    keys: list[str], names: list[str], stacks: list[list[float]], colours: tuple[str, ...], legend: list[str]
) -> dict:
    """Vertical bars, one per key, each a stack of values (one value: a plain bar)."""
    left, top = 40, 10
    step = (WIDTH - left - 10) / max(1, len(keys))
    per = _scale(max((sum(s) for s in stacks), default=0), BAR_AREA)
    bars, labels = [], []
    for index, (name, stack) in enumerate(zip(names, stacks, strict=True)):
        x = left + index * step + step * 0.15
        y = top + BAR_AREA
        for value, colour in zip(stack, colours, strict=False):
            height = value * per
            y -= height
            if height > 0:
                bars.append({"x": x, "y": y, "w": step * 0.7, "h": height, "fill": colour})
        total = sum(stack)
        labels.append({"x": x + step * 0.35, "y": top + BAR_AREA + 14, "text": name, "anchor": "middle"})
        labels.append({"x": x + step * 0.35, "y": y - 3, "text": _number(total), "anchor": "middle"})
    return {
        "height": top + BAR_AREA + 24,
        "bars": bars,
        "labels": labels,
        "legend": list(zip(colours, legend, strict=False)),
        "axis": {"x1": left, "x2": WIDTH - 10, "y": top + BAR_AREA},
    }


def rows(names: list[str], groups: list[list[float]], colours: tuple[str, ...], legend: list[str]) -> dict:
    """Horizontal bars, one row per name, each a group of bars (one value: a plain bar)."""
    left, row_height = 190, 10 + 14 * max(1, len(colours))
    highest = max((v for group in groups for v in group), default=0)
    per = _scale(highest, WIDTH - left - 60)
    bars, labels = [], []
    for index, (name, group) in enumerate(zip(names, groups, strict=True)):
        y = 6 + index * row_height
        labels.append({"x": left - 6, "y": y + 12, "text": name[:32], "anchor": "end"})
        for offset, (value, colour) in enumerate(zip(group, colours, strict=False)):
            bar_y = y + offset * 14
            bars.append({"x": left, "y": bar_y, "w": max(value * per, 1), "h": 12, "fill": colour})
            labels.append({"x": left + value * per + 4, "y": bar_y + 10, "text": _number(value), "anchor": "start"})
    return {
        "height": 10 + len(names) * row_height,
        "bars": bars,
        "labels": labels,
        "legend": list(zip(colours, legend, strict=False)) if len(colours) > 1 else [],
        "axis": None,
    }


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}".replace(".", ",")


def charts(figures: Figures, shown: dict, t: Translator) -> dict[str, dict]:
    month_labels = [t.date(date.fromisoformat(k + "-01"), "LLL yy") for k in figures.months]
    status_header = shown["applications"][0][1 : 1 + len(STATUSES)]
    events_header = shown["events"][0]
    return {
        "applications": columns(
            figures.months,
            month_labels,
            [[figures.applications[k][s] for s in STATUSES] for k in figures.months],
            PALETTE,
            status_header,
        ),
        "counties": rows([r[0] for r in shown["counties"][1]], [[r[1]] for r in shown["counties"][1]], PALETTE[:1], []),
        "events": rows(
            [r[0] for r in shown["events"][1]],
            [[r[2], r[3]] for r in shown["events"][1]],
            (PALETTE[0], PALETTE[2]),
            [events_header[2], events_header[3]],
        ),
        "hours": columns(
            figures.months, month_labels, [[figures.hours[k][0]] for k in figures.months], PALETTE[2:3], []
        ),
    }
