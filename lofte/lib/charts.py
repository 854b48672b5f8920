"""Server-rendered SVG charts for the lägesbild: lines over periods, horizontal bars, a heatmap.

Design: each function takes plain data and returns one ``<svg>`` string, with no Django and no
JavaScript, so views, reports and the API can embed the same markup. The site's
Content-Security-Policy allows no inline ``style`` attributes and no scripts, so the SVG is styled
with presentation attributes (``fill``, ``stroke``, ``font-size``, …) only; each part also carries
a ``chart-`` class so the site's stylesheet can override colours (presentation attributes lose to
any CSS rule). Every text is escaped.

Accessibility: the root has ``role="img"`` and ``aria-labelledby`` naming its ``<title>`` and
``<desc>``, whose ids come from a hash of the chart's kind, texts and data, so different charts on
one page never share ids (identical charts do, and say the same thing). Every point, bar and cell
has a ``<title>`` with its figure for hovering. A chart is never the only way to read the numbers:
every chart is accompanied on the page by a data table with the same figures, which is what
screen readers and keyboard users read.

Reading rules: missing values are ``None`` and are never drawn as zero (a line breaks, a bar says
"saknas"). A value axis starts at 0 unless a value is negative, then at the nice step at or below
the minimum; it ends at the first multiple of a nice step (1, 2, 2.5 or 5 × 10^k) that leaves at
most six intervals. Numbers are written the Swedish way: thousands grouped with a plain space
(as in ``analysis.ranking``), decimals with a comma. Line series are told apart by colour and
dash pattern together, so they survive colour blindness and grey print. The viewBox scales to the
container's width (no width or height attributes); sizes below are viewBox units.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import count
from xml.sax.saxutils import escape, quoteattr

from lofte.lib.formatting import number

Point = tuple[str, float | None] | tuple[str, float | None, bool]


@dataclass(frozen=True)
class ChartSeries:
    """One line: ``points`` are (period, value) or (period, value, preliminary), oldest first."""

    label: str
    points: Sequence[Point]


EMPTY_MESSAGE = "Inga värden att visa"
MISSING = "saknas"
PRELIMINARY = "preliminär"
# (colour, stroke-dasharray): solid, dashed, dotted, dash-dot.
SERIES_STYLES: tuple[tuple[str, str | None], ...] = (
    ("#1f4e8c", None),
    ("#c0392b", "8 4"),
    ("#2e7d32", "2 3"),
    ("#6d4c41", "9 3 2 3"),
)
MAX_SERIES = len(SERIES_STYLES)
MAX_X_LABELS = 10
MAX_INTERVALS = 6

FONT_SIZE = 13
_SMALL_FONT = 12
_CHAR_WIDTH = 0.6 * FONT_SIZE  # average sans-serif glyph; layout only needs an estimate
_TEXT = "#333333"
_MUTED = "#595959"
_GRID = "#dddddd"
_AXIS = "#888888"
_BAR = "#1f4e8c"
_LIGHT = (0xEE, 0xF3, 0xF9)  # heatmap ends: one blue hue, every channel darker towards the top
_DARK = (0x12, 0x34, 0x63)
_NICE_MANTISSAS = (1.0, 2.0, 2.5, 5.0)
_LEGEND_ROW = 20
_SVG_NS = "http://www.w3.org/2000/svg"

Attrs = Mapping[str, object]


# Line chart


@dataclass(frozen=True)
class _Plot:
    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def line_chart(
    series: Sequence[ChartSeries],
    *,
    title: str,
    unit: str,
    width: int = 640,
    height: int = 280,
    description: str = "",
) -> str:
    """A line per series over the union of their periods; ``None`` breaks the line."""
    if len(series) > MAX_SERIES:
        raise ValueError(f"at most {MAX_SERIES} series can be told apart, got {len(series)}")
    data = [(s.label, [_point(p) for p in s.points]) for s in series]
    chart_id = _chart_id("line", title, unit, description, data)
    values = [value for _, points in data for _, value, _ in points if value is not None]
    if not values:
        return _empty(chart_id, title, description, width, height)
    periods = _periods(data)
    scale = _Scale.fit(values)
    legend = _legend_rows([label for label, _ in data], width) if len(data) > 1 else []
    plot = _line_plot(scale, periods, len(legend), width, height)
    body = [
        _legend(legend, y=8),
        _unit_label(unit, plot),
        _preliminary_note(data, plot),
        _y_grid(scale, plot),
        _x_labels(periods, plot),
        *(_line(index, data, periods, scale, plot, unit) for index in range(len(data))),
    ]
    summary = description or _line_summary(data, periods, values, unit)
    return _svg("line", chart_id, title, summary, width, height, body)


def _point(point: Point) -> tuple[str, float | None, bool]:
    return str(point[0]), _finite(point[1]), any(point[2:])


def _finite(value: float | None) -> float | None:
    # NaN or infinity is a missing figure, not one to scale the axis by.
    return value if value is not None and math.isfinite(value) else None


def _periods(data: Sequence[tuple[str, Sequence[tuple[str, float | None, bool]]]]) -> list[str]:
    periods = dict.fromkeys(period for _, points in data for period, _, _ in points)
    return list(periods)


def _line_plot(scale: _Scale, periods: Sequence[str], legend_rows: int, width: int, height: int) -> _Plot:
    y_label = max(_text_width(number(tick, scale.decimals)) for tick in scale.ticks())
    first, last = _text_width(periods[0]) / 2, _text_width(periods[-1]) / 2
    left = max(8 + y_label + 8, first + 4)
    top = 8 + legend_rows * _LEGEND_ROW + 24
    return _Plot(left=left, top=top, right=width - max(16, last + 4), bottom=height - 30)


def _x_position(index: int, total: int, plot: _Plot) -> float:
    if total == 1:
        return plot.left + plot.width / 2
    return plot.left + plot.width * index / (total - 1)


def _x_labels(periods: Sequence[str], plot: _Plot) -> str:
    gap = max(1.0, plot.width / max(1, len(periods) - 1))
    widest = max(_text_width(period) for period in periods) + 10
    step = max(math.ceil((len(periods) - 1) / (MAX_X_LABELS - 1)), math.ceil(widest / gap), 1)
    labels = [
        _text(periods[i], x=_x_position(i, len(periods), plot), y=plot.bottom + 20, anchor="middle")
        for i in _label_indices(len(periods), step)
    ]
    return _tag("g", {"class": "chart-x-axis", "fill": _TEXT}, "".join(labels))


def _label_indices(total: int, step: int) -> list[int]:
    """Every ``step``-th index, always the first and the last, the last never crowded."""
    if step <= 1:
        return list(range(total))
    shown = list(range(0, total, step))
    if shown[-1] != total - 1:
        if len(shown) > 1 and total - 1 - shown[-1] < step:
            shown.pop()
        shown.append(total - 1)
    return shown


def _line(
    index: int,
    data: Sequence[tuple[str, Sequence[tuple[str, float | None, bool]]]],
    periods: Sequence[str],
    scale: _Scale,
    plot: _Plot,
    unit: str,
) -> str:
    label, points = data[index]
    colour, dash = SERIES_STYLES[index]
    known = {period: (value, preliminary) for period, value, preliminary in points if value is not None}
    positions = [
        (_x_position(i, len(periods), plot), _y_position(known[period][0], scale, plot)) if period in known else None
        for i, period in enumerate(periods)
    ]
    prefix = f"{label} – " if len(data) > 1 else ""
    circles = [
        _circle(*xy, colour, known[period][1], f"{prefix}{period}: {_value(known[period][0], unit)}")
        for period, xy in zip(periods, positions, strict=True)
        if xy is not None
    ]
    line = _line_path(_path(positions), colour, dash)
    return _tag("g", {"class": f"chart-series chart-series-{index + 1}"}, line + "".join(circles))


def _y_position(value: float, scale: _Scale, plot: _Plot) -> float:
    return plot.bottom - plot.height * scale.fraction(value)


def _line_path(d: str, colour: str, dash: str | None) -> str:
    if not d:
        return ""  # only isolated points: the circles show them
    attrs = {"class": "chart-path", "d": d, "fill": "none", "stroke": colour, "stroke-width": 2.5}
    return _tag("path", {**attrs, "stroke-dasharray": dash, "stroke-linejoin": "round"})


def _path(positions: Sequence[tuple[float, float] | None]) -> str:
    """One ``M`` per unbroken run, so a missing value leaves a gap instead of a line through zero."""
    commands: list[str] = []
    pen_down = False
    for position in positions:
        if position is not None:
            commands.append(f"{'L' if pen_down else 'M'}{_n(position[0])} {_n(position[1])}")
        pen_down = position is not None
    return " ".join(commands)


def _circle(x: float, y: float, colour: str, preliminary: bool, label: str) -> str:
    fill = "#ffffff" if preliminary else colour
    css = "chart-point chart-point-preliminary" if preliminary else "chart-point"
    tooltip = f"{label} ({PRELIMINARY})" if preliminary else label
    attrs = {"class": css, "cx": _n(x), "cy": _n(y), "r": 3.5, "fill": fill, "stroke": colour, "stroke-width": 2}
    return _tag("circle", attrs, _title(tooltip))


def _legend_rows(labels: Sequence[str], width: int) -> list[list[tuple[int, float, str]]]:
    """Legend items (series index, x, label), wrapped into rows that fit the width."""
    rows: list[list[tuple[int, float, str]]] = [[]]
    x = 8.0
    for index, label in enumerate(labels):
        item = 30 + _text_width(label) + 18
        if rows[-1] and x + item > width - 8:
            rows.append([])
            x = 8.0
        rows[-1].append((index, x, label))
        x += item
    return rows


def _legend(rows: Sequence[Sequence[tuple[int, float, str]]], *, y: float) -> str:
    if not rows:
        return ""
    items = [
        _legend_item(index, x, y + row * _LEGEND_ROW + 10, label)
        for row, items in enumerate(rows)
        for index, x, label in items
    ]
    return _tag("g", {"class": "chart-legend"}, "".join(items))


def _legend_item(index: int, x: float, y: float, label: str) -> str:
    colour, dash = SERIES_STYLES[index]
    sample = _tag(
        "line",
        {
            "x1": _n(x),
            "y1": _n(y),
            "x2": _n(x + 24),
            "y2": _n(y),
            "stroke": colour,
            "stroke-width": 2.5,
            "stroke-dasharray": dash,
        },
    )
    return sample + _text(label, x=x + 30, y=y + 4, fill=_TEXT)


def _unit_label(unit: str, plot: _Plot) -> str:
    if not unit:
        return ""
    return _text(unit, x=8, y=plot.top - 12, fill=_MUTED, css="chart-unit", size=_SMALL_FONT)


def _preliminary_note(data: Sequence[tuple[str, Sequence[tuple[str, float | None, bool]]]], plot: _Plot) -> str:
    if not any(preliminary for _, points in data for _, value, preliminary in points if value is not None):
        return ""
    note = f"Ofylld punkt: {PRELIMINARY} uppgift"
    return _text(note, x=plot.right, y=plot.top - 12, anchor="end", fill=_MUTED, css="chart-note", size=_SMALL_FONT)


def _y_grid(scale: _Scale, plot: _Plot) -> str:
    parts = []
    for tick in scale.ticks():
        y = _y_position(tick, scale, plot)
        stroke = _AXIS if tick == 0 else _GRID
        parts.append(
            _tag("line", {"x1": _n(plot.left), "y1": _n(y), "x2": _n(plot.right), "y2": _n(y), "stroke": stroke})
        )
        parts.append(_text(number(tick, scale.decimals), x=plot.left - 8, y=y + 4, anchor="end", fill=_TEXT))
    return _tag("g", {"class": "chart-y-axis"}, "".join(parts))


def _line_summary(
    data: Sequence[tuple[str, Sequence[tuple[str, float | None, bool]]]],
    periods: Sequence[str],
    values: Sequence[float],
    unit: str,
) -> str:
    names = ", ".join(label for label, _ in data)
    span = periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"
    return f"{names}, {span}. Lägst {_value(min(values), unit)}, högst {_value(max(values), unit)}."


# Bar chart


def bar_chart(
    bars: Sequence[tuple[str, float | None]],
    *,
    title: str,
    unit: str,
    width: int = 640,
    description: str = "",
) -> str:
    """Horizontal bars, one per (label, value) in the given order; ``None`` is written "saknas"."""
    rows = [(str(label), _finite(value)) for label, value in bars]
    chart_id = _chart_id("bar", title, unit, description, rows)
    values = [value for _, value in rows if value is not None]
    height = 8 + 24 + len(rows) * 26 + 30
    if not values:
        return _empty(chart_id, title, description, width, max(height, 120))
    scale = _Scale.fit(values)
    plot = _bar_plot(rows, scale, width, height)
    body = [
        _unit_label(unit, plot),
        _x_grid(scale, plot),
        *(_bar(i, label, value, scale, plot, unit) for i, (label, value) in enumerate(rows)),
    ]
    summary = description or _bar_summary(rows, unit)
    return _svg("bar", chart_id, title, summary, width, height, body)


_BAR_LABEL_CHARS = 32


def _bar_plot(rows: Sequence[tuple[str, float | None]], scale: _Scale, width: int, height: int) -> _Plot:
    label = max(_text_width(_shorten(label)) for label, _ in rows)
    value = max([_text_width(_value(v, "")) for _, v in rows if v is not None] + [_text_width(MISSING)])
    tick = _text_width(number(scale.high, scale.decimals)) / 2
    return _Plot(left=8 + label + 10, top=8 + 24, right=width - max(value + 14, tick + 4), bottom=height - 30)


def _bar(index: int, label: str, value: float | None, scale: _Scale, plot: _Plot, unit: str) -> str:
    y = plot.top + index * 26
    zero = plot.left + plot.width * scale.fraction(0)
    name = _text(_shorten(label), x=plot.left - 10, y=y + 17, anchor="end", fill=_TEXT)
    if value is None:
        missing = _text(MISSING, x=zero + 6, y=y + 17, fill=_MUTED, css="chart-missing", italic=True)
        return _tag("g", {"class": "chart-bar chart-bar-missing"}, _title(f"{label}: {MISSING}") + name + missing)
    end = plot.left + plot.width * scale.fraction(value)
    rect = _tag(
        "rect", {"x": _n(min(zero, end)), "y": _n(y + 5), "width": _n(abs(end - zero)), "height": 16, "fill": _BAR}
    )
    figure = _text(_value(value, ""), x=max(zero, end) + 6, y=y + 17, fill=_TEXT, css="chart-value")
    return _tag("g", {"class": "chart-bar"}, _title(f"{label}: {_value(value, unit)}") + name + rect + figure)


def _shorten(label: str) -> str:
    return label if len(label) <= _BAR_LABEL_CHARS else label[: _BAR_LABEL_CHARS - 1].rstrip() + "…"


def _x_grid(scale: _Scale, plot: _Plot) -> str:
    parts = []
    for tick in scale.ticks():
        x = plot.left + plot.width * scale.fraction(tick)
        stroke = _AXIS if tick == 0 else _GRID
        parts.append(
            _tag("line", {"x1": _n(x), "y1": _n(plot.top), "x2": _n(x), "y2": _n(plot.bottom), "stroke": stroke})
        )
        parts.append(_text(number(tick, scale.decimals), x=x, y=plot.bottom + 20, anchor="middle", fill=_TEXT))
    return _tag("g", {"class": "chart-x-axis"}, "".join(parts))


def _bar_summary(rows: Sequence[tuple[str, float | None]], unit: str) -> str:
    known = [(value, label) for label, value in rows if value is not None]
    top_value, top_label = max(known, key=lambda pair: pair[0])
    summary = f"{len(rows)} staplar. Högst {top_label}: {_value(top_value, unit)}."
    missing = len(rows) - len(known)
    return f"{summary} Uppgift saknas för {missing}." if missing else summary


# Heatmap


def heatmap(
    matrix: Sequence[Sequence[int]],
    *,
    rows: Sequence[str],
    columns: Sequence[str],
    title: str,
    unit: str = "",
    width: int = 640,
    description: str = "",
) -> str:
    """Cells shaded on one blue scale from the smallest to the largest count, e.g. 7 weekdays × 24 hours."""
    _check_shape(matrix, rows, columns)
    chart_id = _chart_id("heatmap", title, unit, description, [rows, columns, matrix])
    values = [value for row in matrix for value in row]
    height = 8 + 24 + 22 + len(rows) * 24 + 8
    if not values:
        return _empty(chart_id, title, description, width, max(height, 120))
    low, high = min(values), max(values)
    left = 8 + max(_text_width(row) for row in rows) + 10
    plot = _Plot(left=left, top=8 + 24 + 22, right=width - 8, bottom=height - 8)
    body = [
        _heat_legend(low, high, plot),
        _column_labels(columns, plot),
        *(_heat_row(i, rows, columns, matrix[i], (low, high), plot, unit) for i in range(len(rows))),
    ]
    summary = description or f"{len(rows)} × {len(columns)} rutor, från {_value(low, unit)} till {_value(high, unit)}."
    return _svg("heatmap", chart_id, title, summary, width, height, body)


def _check_shape(matrix: Sequence[Sequence[int]], rows: Sequence[str], columns: Sequence[str]) -> None:
    if len(matrix) != len(rows) or any(len(row) != len(columns) for row in matrix):
        raise ValueError(f"the matrix must have {len(rows)} rows of {len(columns)} values, one per label")


def _heat_row(
    index: int,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[int],
    bounds: tuple[int, int],
    plot: _Plot,
    unit: str,
) -> str:
    y = plot.top + index * 24
    cell = plot.width / len(columns)
    label = _text(rows[index], x=plot.left - 10, y=y + 16, anchor="end", fill=_TEXT)
    cells = [
        _tag(
            "rect",
            {
                "class": "chart-cell",
                "x": _n(plot.left + c * cell),
                "y": _n(y),
                "width": _n(cell - 1),
                "height": 23,
                "fill": _shade(value, *bounds),
            },
            _title(f"{rows[index]}, {column}: {_value(value, unit)}"),
        )
        for c, (column, value) in enumerate(zip(columns, values, strict=True))
    ]
    return _tag("g", {"class": "chart-heat-row"}, label + "".join(cells))


def _column_labels(columns: Sequence[str], plot: _Plot) -> str:
    cell = plot.width / len(columns)
    step = max(1, math.ceil((max(_text_width(column) for column in columns) + 4) / cell))
    labels = [
        _text(columns[c], x=plot.left + (c + 0.5) * cell, y=plot.top - 6, anchor="middle", size=_SMALL_FONT)
        for c in _label_indices(len(columns), step)
    ]
    return _tag("g", {"class": "chart-x-axis", "fill": _TEXT}, "".join(labels))


def _heat_legend(low: int, high: int, plot: _Plot) -> str:
    x = plot.left
    low_text = _text(number(low, 0), x=x, y=22, fill=_TEXT, size=_SMALL_FONT)
    x += _text_width(number(low, 0)) + 6
    swatches = []
    for step in range(5):
        value = low + (high - low) * step / 4
        swatches.append(
            _tag("rect", {"x": _n(x + step * 18), "y": 10, "width": 18, "height": 14, "fill": _shade(value, low, high)})
        )
    high_text = _text(number(high, 0), x=x + 5 * 18 + 6, y=22, fill=_TEXT, size=_SMALL_FONT)
    return _tag("g", {"class": "chart-legend"}, low_text + "".join(swatches) + high_text)


def _shade(value: float, low: float, high: float) -> str:
    share = 0.0 if high == low else (value - low) / (high - low)
    channels = (round(light + (dark - light) * share) for light, dark in zip(_LIGHT, _DARK, strict=True))
    return "#" + "".join(f"{channel:02x}" for channel in channels)


# Scale and numbers


@dataclass(frozen=True)
class _Scale:
    low: float
    high: float
    step: float
    decimals: int

    @classmethod
    def fit(cls, values: Sequence[float]) -> _Scale:
        """From 0 (or a nice step below a negative minimum) to the first nice top with ≤ 6 intervals."""
        low, high = min(0.0, *values), max(0.0, *values)
        if low == high:
            high = 5.0  # all zero: whole-number gridlines read better than 0,2 steps
        for step, decimals in _nice_steps(high - low):
            bottom, top = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
            if top - bottom <= MAX_INTERVALS:
                return cls(low=bottom * step, high=top * step, step=step, decimals=decimals)
        raise AssertionError("a large enough step always fits")

    def ticks(self) -> list[float]:
        intervals = round((self.high - self.low) / self.step)
        return [self.low + i * self.step for i in range(intervals + 1)]

    def fraction(self, value: float) -> float:
        return (value - self.low) / (self.high - self.low)


def _nice_steps(span: float) -> Iterator[tuple[float, int]]:
    """Steps 1, 2, 2.5, 5 × 10^k upwards from below span / 6, each with the decimals its labels need."""
    for exponent in count(math.floor(math.log10(span / MAX_INTERVALS)) - 1):
        for mantissa in _NICE_MANTISSAS:
            step = mantissa * 10**exponent if exponent >= 0 else mantissa / 10**-exponent
            yield step, max(0, -exponent + (1 if mantissa == 2.5 else 0))


def _value(value: float, unit: str) -> str:
    decimals = 0 if float(value).is_integer() else 1 if abs(value) >= 1 else 2
    return f"{number(value, decimals)} {unit}".strip()


# SVG writing


def _svg(kind: str, chart_id: str, title: str, description: str, width: int, height: int, body: Sequence[str]) -> str:
    attrs = {
        "xmlns": _SVG_NS,
        "viewBox": f"0 0 {width} {height}",
        "preserveAspectRatio": "xMidYMid meet",
        "role": "img",
        "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
        "class": f"chart-{kind}",
        "font-family": "sans-serif",
        "font-size": FONT_SIZE,
    }
    head = _tag("title", {"id": f"{chart_id}-title"}, _escape(title))
    head += _tag("desc", {"id": f"{chart_id}-desc"}, _escape(description))
    return _tag("svg", attrs, head + "".join(body))


def _empty(chart_id: str, title: str, description: str, width: int, height: int) -> str:
    message = _text(EMPTY_MESSAGE, x=width / 2, y=height / 2, anchor="middle", fill=_MUTED, css="chart-empty")
    return _svg("empty", chart_id, title, description or EMPTY_MESSAGE, width, height, [message])


def _chart_id(kind: str, *parts: object) -> str:
    payload = json.dumps([kind, *parts], ensure_ascii=False, default=str)
    return "chart-" + hashlib.sha256(payload.encode()).hexdigest()[:12]


def _text(
    content: str,
    *,
    x: float,
    y: float,
    anchor: str | None = None,
    fill: str | None = None,
    css: str | None = None,
    size: int | None = None,
    italic: bool = False,
) -> str:
    attrs = {
        "x": _n(x),
        "y": _n(y),
        "text-anchor": anchor,
        "fill": fill,
        "class": css,
        "font-size": size,
        "font-style": "italic" if italic else None,
    }
    return _tag("text", attrs, _escape(content))


# Characters XML 1.0 forbids even when escaped; imported labels may carry them.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(content: str) -> str:
    return escape(_XML_ILLEGAL.sub("", content))


def _title(content: str) -> str:
    return _tag("title", {}, _escape(content))


def _tag(name: str, attrs: Attrs, content: str = "") -> str:
    """An element; ``None`` attributes are left out, every value is quoted and escaped, ``content`` is markup."""
    rendered = "".join(f" {key}={quoteattr(str(value))}" for key, value in attrs.items() if value is not None)
    return f"<{name}{rendered}>{content}</{name}>" if content else f"<{name}{rendered}/>"


def _n(number: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros."""
    return f"{round(number, 2):g}"


def _text_width(text: str) -> float:
    return len(text) * _CHAR_WIDTH
