"""Hotspots: many reports of one category group in one hexagonal (h3) cell within a few weeks.

Public: ``/hotspots.geojson`` (only groups the city marks public, only counts and dates).
Staff: ``/inbox/hotspots`` (the hotspots of the user's departments, with their reports).
"""

from flask import Flask


def register(app: Flask) -> None:
    from app.hotspots.views import bp

    app.register_blueprint(bp)
