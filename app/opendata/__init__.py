"""Open data: the public view of every report as CSV and GeoJSON under ``/open-data/``."""

from flask import Flask


def register(app: Flask) -> None:
    from app.opendata.views import bp

    app.register_blueprint(bp)
