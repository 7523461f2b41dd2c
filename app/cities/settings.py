"""Read a city's ``city.json`` (settings that are no database rows: name, reference prefix, map)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from flask import current_app


@dataclass(frozen=True)
class CitySettings:
    name: str
    reference_prefix: str
    emergency_number: str
    map_center: tuple[float, float]
    map_zoom: int
    geocoder_country_codes: str
    geocoder_viewbox: tuple[tuple[float, float], tuple[float, float]] | None
    attribution: str
    holiday_country: str
    holiday_subdivision: str | None
    raw: dict[str, Any]
    directory: Path


@cache
def load_city_settings(directory: str) -> CitySettings:
    path = Path(directory)
    raw = json.loads((path / "city.json").read_text(encoding="utf-8"))
    geocoder = raw.get("geocoder", {})
    viewbox = geocoder.get("viewbox")
    return CitySettings(
        name=raw["name"],
        reference_prefix=raw.get("reference_prefix", raw["name"][:2].upper()),
        emergency_number=raw.get("emergency_number", "110"),
        map_center=tuple(raw.get("map", {}).get("center", (0.0, 0.0))),
        map_zoom=int(raw.get("map", {}).get("zoom", 13)),
        geocoder_country_codes=geocoder.get("country_codes", ""),
        geocoder_viewbox=(tuple(viewbox[0]), tuple(viewbox[1])) if viewbox else None,
        attribution=raw.get("attribution", ""),
        holiday_country=raw.get("holidays", {}).get("country", "DE"),
        holiday_subdivision=raw.get("holidays", {}).get("subdivision"),
        raw=raw,
        directory=path,
    )


def city() -> CitySettings:
    """The current app's city settings."""
    return load_city_settings(current_app.config["CITY_DIR"])
