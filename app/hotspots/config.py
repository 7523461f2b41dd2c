"""Hotspot thresholds per category group, from the city configuration (``city.json``)::

    "hotspots": {
      "default": {"resolution": 9, "min_reports": 3, "weeks": 8, "public": false},
      "unsicherer-ort": {"resolution": 8, "min_reports": 3, "weeks": 12, "public": true}
    }

Every key is optional; a city without ``hotspots`` gets :data:`DEFAULT_RULE` for every group.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import h3

from app.reports.public_point import COARSE_CELL_M

# The finest h3 resolution a sensitive (unsafe-place) group may use. Its hexagons (edge about
# 460 m, area about 0.7 km²) are coarser than the public 250 m grid, so a hotspot never looks
# more precise than the public view of its reports. Enforced here, whatever the configuration
# says; a test checks the hexagons stay larger than the grid.
SENSITIVE_MAX_RESOLUTION = 8

DEFAULT_RULE: dict[str, Any] = {"resolution": 9, "min_reports": 3, "weeks": 8, "public": False}


class HotspotConfigError(ValueError):
    """A ``hotspots`` entry of the city configuration that cannot be used."""


@dataclass(frozen=True)
class HotspotRule:
    """When a cell of one category group is a hotspot."""

    group_code: str
    resolution: int  # h3 resolution (0 = continents … 15 = about 1 m²)
    min_reports: int  # at least this many reports …
    weeks: int  # … created within the last this many weeks
    is_public: bool  # shown on /hotspots.geojson
    is_sensitive: bool  # the group has a sensitive category: resolution capped


def _int(value: Any, name: str, group: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise HotspotConfigError(
            f"hotspots.{group}.{name} must be a whole number from {low} to {high}, not {value!r}"
        )
    return value


def rule_for(group_code: str, *, is_sensitive: bool, config: dict[str, Any] | None) -> HotspotRule:
    """The rule of one group: its own entry over the city's ``default`` over :data:`DEFAULT_RULE`.

    A sensitive group never gets a resolution finer than :data:`SENSITIVE_MAX_RESOLUTION`.
    """
    config = config or {}
    values = {**DEFAULT_RULE, **config.get("default", {}), **config.get(group_code, {})}
    resolution = _int(values["resolution"], "resolution", group_code, 0, 15)
    if is_sensitive:
        resolution = min(resolution, SENSITIVE_MAX_RESOLUTION)
    return HotspotRule(
        group_code=group_code,
        resolution=resolution,
        min_reports=_int(values["min_reports"], "min_reports", group_code, 1, 100_000),
        weeks=_int(values["weeks"], "weeks", group_code, 1, 520),
        is_public=bool(values["public"]),
        is_sensitive=is_sensitive,
    )


def cell_edge_m(resolution: int) -> float:
    """The average hexagon edge length at ``resolution`` in metres."""
    return float(h3.average_hexagon_edge_length(resolution, unit="m"))


def coarser_than_public_grid(resolution: int) -> bool:
    """Whether hexagons of ``resolution`` are larger than the public grid of sensitive reports
    (edge at least one grid cell)."""
    return cell_edge_m(resolution) >= COARSE_CELL_M
