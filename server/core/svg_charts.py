"""Geometry of the studio's server-rendered SVG charts (pure; the template draws them).

Two shapes: `columns` (one column per day, time along x) and `rows` (one labelled bar per
item). Coordinates are in SVG user units; the chart scales to its container with CSS.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

COLUMN_WIDTH = 640
COLUMN_HEIGHT = 200
ROW_HEIGHT = 26
LABEL_WIDTH = 200
ROW_WIDTH = 640
PAD = 28  # room for the value axis labels


@dataclass(frozen=True)
class Bar:
    """One bar: what it shows and where it is drawn."""

    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Tick:
    """A value-axis mark: its value and position (y for columns, x for rows)."""

    value: int
    at: float


@dataclass(frozen=True)
class Chart:
    """A chart ready to draw."""

    shape: str  # "columns" or "rows"
    width: float
    height: float
    bars: list[Bar]
    ticks: list[Tick]
    top: int  # the value at the end of the value axis

    @property
    def empty(self) -> bool:
        """Tell whether every value is 0 (the chart then says so instead of drawing)."""
        return all(bar.value == 0 for bar in self.bars)


def nice_top(value: int) -> int:
    """Return the smallest 1, 2 or 5 times a power of ten that is at least `value` (min 1)."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    raise AssertionError("unreachable")


def _ticks(top: int, length: float, invert: bool, offset: float) -> list[Tick]:
    values = sorted({0, top // 2, top}) if top >= 2 else [0, top]
    return [
        Tick(v, offset + (length - length * v / top if invert else length * v / top))
        for v in values
    ]


def columns(points: list[tuple[str, int]]) -> Chart:
    """Return a column chart of `points` ((label, value) in order), e.g. one per day."""
    top = nice_top(max((v for _, v in points), default=0))
    inner_h = COLUMN_HEIGHT - 2 * 8
    slot = (COLUMN_WIDTH - PAD) / max(len(points), 1)
    bars = []
    for i, (label, value) in enumerate(points):
        h = inner_h * value / top
        bars.append(Bar(label, value, PAD + i * slot + slot * 0.15, 8 + inner_h - h, slot * 0.7, h))
    return Chart("columns", COLUMN_WIDTH, COLUMN_HEIGHT, bars, _ticks(top, inner_h, True, 8), top)


def rows(points: list[tuple[str, int]]) -> Chart:
    """Return a bar chart with one labelled row per point, longest bar = the top value."""
    top = nice_top(max((v for _, v in points), default=0))
    inner_w = ROW_WIDTH - LABEL_WIDTH - 48  # room for the value printed after the bar
    bars = [
        Bar(label, value, LABEL_WIDTH, i * ROW_HEIGHT + 4, inner_w * value / top, ROW_HEIGHT - 8)
        for i, (label, value) in enumerate(points)
    ]
    height = max(len(points), 1) * ROW_HEIGHT
    return Chart("rows", ROW_WIDTH, height, bars, _ticks(top, inner_w, False, LABEL_WIDTH), top)
