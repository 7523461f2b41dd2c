"""Examples shown in hints and error messages, taken from the city's configuration so that no
other city shows through: a point is the city's map centre (``map.center``, lat, lon)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.cities.settings import city


def example_coordinates() -> dict[str, str]:
    """``{"lat": "51.5136", "lon": "7.4653"}`` for Dortmund: the map centre, four decimals."""
    lat, lon = city().map_center
    return {"lat": f"{float(lat):.4f}", "lon": f"{float(lon):.4f}"}


def coordinates_not_numbers():
    """The error for coordinates that are no numbers, with the city's own example point."""
    return _l("The coordinates must be numbers, e.g. %(lat)s and %(lon)s.", **example_coordinates())


def example_reference() -> str:
    """``DO-2026-00042`` for Dortmund: the city's reference prefix, a year, a number."""
    return f"{city().reference_prefix}-2026-00042"
