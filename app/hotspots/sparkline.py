"""A trend as a tiny bar chart drawn on the server (SVG, no script), one bar per week."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    count: int


@dataclass(frozen=True)
class Sparkline:
    width: int
    height: int
    bars: tuple[Bar, ...]
    baseline: float


def sparkline(counts: tuple[int, ...] | list[int], width: int = 120, height: int = 28) -> Sparkline:
    """Bars scaled to the largest count; an empty week shows as a 1-pixel stub on the line."""
    top = max(counts, default=0) or 1
    slot = width / max(len(counts), 1)
    gap = min(2.0, slot / 4)
    bars = []
    for i, count in enumerate(counts):
        bar_height = max((height - 2) * count / top, 1.0)
        bars.append(
            Bar(
                x=round(i * slot + gap / 2, 2),
                y=round(height - bar_height, 2),
                width=round(slot - gap, 2),
                height=round(bar_height, 2),
                count=count,
            )
        )
    return Sparkline(width=width, height=height, bars=tuple(bars), baseline=float(height))
