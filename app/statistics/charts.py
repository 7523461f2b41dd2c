"""Charts drawn on the server as SVG: no JavaScript, readable by screen readers.

Each chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that lists every
value in words (its text alternative); the page shows the table behind it right below. Colours
come from presentation attributes (no inline styles, so a strict Content-Security-Policy holds)
and the two series differ in lightness and thickness, not in hue alone.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 720
LABEL_WIDTH = 240
VALUE_WIDTH = 96
FONT = 14
MAIN = "#1d5a8c"  # the period (or the district)
OTHER = "#8d99a6"  # the year before
CITY = "#b8520a"  # the city, beside a district
GRID = "#d5dbe1"
INK = "#1b1f24"
MUTED = "#4f5965"


@dataclass(frozen=True)
class Series:
    name: str
    colour: str


@dataclass(frozen=True)
class Chart:
    """A chart's visible caption and its SVG."""

    title: str
    svg: Markup

    def __html__(self) -> str:
        return self.svg.__html__()


@dataclass(frozen=True)
class Row:
    label: str
    values: tuple[float | None, ...]  # one per series
    texts: tuple[str, ...]  # the values as shown


def nice_ticks(maximum: float, count: int = 4, *, integer: bool = False) -> list[float]:
    """Round tick values from 0 to at least ``maximum`` (1, 2, 2.5 or 5 × 10^k apart; whole
    numbers only for counts)."""
    if maximum <= 0:
        return [0, 1]
    raw = maximum / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if integer:
        step = max(1, math.ceil(step))
    ticks = [0.0]
    while ticks[-1] < maximum:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _truncate(text: str, limit: int = 29) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _open(chart_id: str, height: float, title: str, description: str) -> list[str]:
    return [
        f'<svg class="chart" id="{escape(chart_id)}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" '
        f'font-family="system-ui, sans-serif" font-size="{FONT}" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(description)}</desc>',
    ]


def _legend(series: Sequence[Series], y: float, x: float = LABEL_WIDTH) -> list[str]:
    parts = []
    for item in series:
        parts.append(
            f'<rect x="{x}" y="{y - 10}" width="14" height="10" fill="{item.colour}"/>'
            f'<text x="{x + 20}" y="{y}" fill="{INK}">{escape(item.name)}</text>'
        )
        x += 28 + 8 * len(item.name)
    return ['<g class="chart-legend" aria-hidden="true">', *parts, "</g>"]


def describe(rows: Sequence[Row], series: Sequence[Series]) -> str:
    """Every value in words: "Sauberkeit: 120 (year before: 98); …"."""
    parts = []
    for row in rows:
        first = row.texts[0] if row.texts else ""
        others = ", ".join(
            f"{s.name}: {text}" for s, text in zip(series[1:], row.texts[1:], strict=False)
        )
        parts.append(f"{row.label}: {first}" + (f" ({others})" if others else ""))
    return "; ".join(parts) + "."


def bar_chart(
    chart_id: str,
    title: str,
    rows: Sequence[Row],
    series: Sequence[Series],
    *,
    maximum: float | None = None,
    tick_text: Callable[[float], str] = lambda v: f"{v:g}",
    intro: str = "",
    integer: bool = False,
) -> Chart:
    """Horizontal bars, one group per row: the first series thick, the others thin below it."""
    thick, thin, gap = 14, 7, 12
    per_row = thick + (thin + 2) * (len(series) - 1) + gap
    top = 30
    height = top + per_row * max(len(rows), 1) + 26
    values = [v for row in rows for v in row.values if v is not None]
    ticks = nice_ticks(maximum if maximum is not None else max(values, default=0), integer=integer)
    scale_max = ticks[-1] or 1
    x0, x1 = LABEL_WIDTH, WIDTH - VALUE_WIDTH
    span = x1 - x0
    description = (intro + " " if intro else "") + describe(rows, series)
    parts = _open(chart_id, height, title, description)
    parts += _legend(series, 16)
    axis_y = top + per_row * max(len(rows), 1)
    parts.append('<g class="chart-grid" aria-hidden="true">')
    for tick in ticks:
        x = x0 + span * tick / scale_max
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{axis_y}" stroke="{GRID}"/>'
            f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="{MUTED}">'
            f"{escape(tick_text(tick))}</text>"
        )
    parts.append("</g>")
    for index, row in enumerate(rows):
        y = top + index * per_row
        parts.append('<g class="chart-row" aria-hidden="true">')
        parts.append(
            f'<text x="{x0 - 8}" y="{y + thick - 2}" text-anchor="end" fill="{INK}">'
            f"{escape(_truncate(row.label))}</text>"
        )
        bar_y = y
        for position, item in enumerate(series):
            value = row.values[position] if position < len(row.values) else None
            size = thick if position == 0 else thin
            if value is not None:
                length = max(span * value / scale_max, 0)
                parts.append(
                    f'<rect x="{x0}" y="{bar_y}" width="{length:.1f}" height="{size}" '
                    f'fill="{item.colour}"/>'
                )
                text = row.texts[position] if position < len(row.texts) else ""
                weight = ' font-weight="600"' if position == 0 else ""
                parts.append(
                    f'<text x="{x0 + length + 5:.1f}" y="{bar_y + size - 1}" '
                    f'fill="{INK if position == 0 else MUTED}"'
                    f' font-size="{FONT if position == 0 else FONT - 2}"{weight}>'
                    f"{escape(text)}</text>"
                )
            bar_y += size + 2
        parts.append("</g>")
    parts.append("</svg>")
    return Chart(title, Markup("".join(parts)))  # noqa: S704 (every text in it was escaped)


def column_chart(
    chart_id: str,
    title: str,
    labels: Sequence[str],
    series_values: Sequence[Sequence[int]],
    series: Sequence[Series],
    *,
    label_texts: Sequence[str] | None = None,
    value_text: Callable[[float], str] = lambda v: f"{v:g}",
    subtitles: Sequence[str] | None = None,
) -> Chart:
    """Columns per month: the comparison series light and narrow, the main series dark in
    front of it, so a reader sees at once where this year is above or below the last."""
    left, top, bottom = 52, 30, 44
    height = 250
    plot_h = height - top - bottom
    values = [v for values in series_values for v in values]
    ticks = nice_ticks(max(values, default=0), integer=True)
    scale_max = ticks[-1] or 1
    count = max(len(labels), 1)
    slot = (WIDTH - left - 8) / count
    rows = [
        Row(
            (label_texts or labels)[i],
            tuple(values[i] for values in series_values),
            tuple(value_text(values[i]) for values in series_values),
        )
        for i in range(len(labels))
    ]
    parts = _open(chart_id, height, title, describe(rows, series))
    parts += _legend(series, 16, left)
    parts.append('<g class="chart-grid" aria-hidden="true">')
    for tick in ticks:
        y = top + plot_h - plot_h * tick / scale_max
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" stroke="{GRID}"/>'
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" fill="{MUTED}">'
            f"{escape(value_text(tick))}</text>"
        )
    parts.append("</g>")
    for i, label in enumerate(labels):
        x = left + i * slot
        parts.append('<g class="chart-column" aria-hidden="true">')
        widths = [slot * 0.62] + [slot * 0.34] * (len(series) - 1)
        # Comparison series first (behind), main series last (in front).
        for position in range(len(series) - 1, -1, -1):
            value = series_values[position][i]
            h = plot_h * value / scale_max
            w = widths[position]
            offset = (slot - w) / 2 + (slot * 0.16 if position else -slot * 0.06)
            parts.append(
                f'<rect x="{x + offset:.1f}" y="{top + plot_h - h:.1f}" width="{w:.1f}" '
                f'height="{h:.1f}" fill="{series[position].colour}"/>'
            )
        parts.append(
            f'<text x="{x + slot / 2:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
            f'fill="{INK}">{escape(label)}</text>'
        )
        if subtitles and subtitles[i]:
            parts.append(
                f'<text x="{x + slot / 2:.1f}" y="{top + plot_h + 32}" text-anchor="middle" '
                f'fill="{MUTED}" font-size="{FONT - 2}">{escape(subtitles[i])}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Chart(title, Markup("".join(parts)))  # noqa: S704 (every text in it was escaped)
