"""The app's district index (built from the database once per process) and geocoder."""

from __future__ import annotations

import threading

from flask import current_app

from app.cities.settings import city
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
