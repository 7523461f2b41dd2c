"""The app's district index (built from the database once per process) and geocoder."""

from __future__ import annotations

import threading
from typing import Any

from flask import Flask, current_app
from shapely.geometry import mapping, shape

from app.cities.settings import city
from app.core.signals import city_changed
from app.extensions import db
from app.geo.geocoding import Geocoder
from app.geo.index import DistrictArea, DistrictIndex
from app.geo.models import CityBoundary, District

_lock = threading.Lock()
_EXT = "qm_district_index"


def district_index() -> DistrictIndex:
    """Prepared district polygons and boundary; loaded from the database on first use."""
    index = current_app.extensions.get(_EXT)
    if index is None:
        with _lock:
            index = current_app.extensions.get(_EXT)
            if index is None:
                districts = db.session.execute(db.select(District)).scalars().all()
                boundary = db.session.execute(db.select(CityBoundary)).scalars().first()
                index = DistrictIndex(
                    [DistrictArea(d.id, d.number, d.name, d.geometry) for d in districts],
                    boundary.geometry if boundary else None,
                )
                current_app.extensions[_EXT] = index
    return index


def forget_district_index() -> None:
    """Drop the cached index (after districts or the boundary changed)."""
    current_app.extensions.pop(_EXT, None)


_OUTLINES = "qm_district_outlines"


def district_outlines() -> dict[str, Any]:
    """The districts as a GeoJSON FeatureCollection, simplified (~20 m) and rounded (~1 m), for
    maps without tiles; made once per process and city version."""
    cached = current_app.extensions.get(_OUTLINES)
    if cached is None:
        features = []
        for district in db.session.execute(db.select(District).order_by(District.number)).scalars():
            geometry = shape(district.geometry).simplify(0.0002, preserve_topology=True)
            features.append(
                {
                    "type": "Feature",
                    "properties": {"name": district.name, "number": district.number},
                    "geometry": _rounded(mapping(geometry)),
                }
            )
        cached = {"type": "FeatureCollection", "features": features}
        current_app.extensions[_OUTLINES] = cached
    return cached


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 5)
    if isinstance(value, list | tuple):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


@city_changed.connect
def _forget_on_city_change(app: Flask, **_: object) -> None:
    app.extensions.pop(_EXT, None)
    app.extensions.pop(_OUTLINES, None)


def geocoder() -> Geocoder | None:
    """The configured geocoder, or None when ``GEOCODER_URL`` is empty."""
    url = current_app.config.get("GEOCODER_URL")
    if not url:
        return None
    cached = current_app.extensions.get("qm_geocoder")
    if cached is None or cached[0] != url:
        settings = city()
        cached = (
            url,
            Geocoder(
                url,
                user_agent=current_app.config["GEOCODER_USER_AGENT"],
                timeout=current_app.config["GEOCODER_TIMEOUT"],
                country_codes=settings.geocoder_country_codes,
                viewbox=settings.geocoder_viewbox,
            ),
        )
        current_app.extensions["qm_geocoder"] = cached
    return cached[1]
