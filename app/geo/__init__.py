"""Geography: district lookup, coordinate helpers and geocoding.

The modules here are pure (no Flask, no DB); ``app.geo.models`` holds the
SQLAlchemy models separately.
"""

from app.geo.geocoding import Geocoder, GeocoderUnavailable, Place
from app.geo.index import (
    DistrictArea,
    DistrictIndex,
    bounding_box,
    coarse_point,
    distance_m,
    is_valid_coordinate,
)

__all__ = [
    "DistrictArea",
    "DistrictIndex",
    "Geocoder",
    "GeocoderUnavailable",
    "Place",
    "bounding_box",
    "coarse_point",
    "distance_m",
    "is_valid_coordinate",
]
