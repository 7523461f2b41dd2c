"""The public map ``/karte``: reports of the public view as clusters on a map and as a list,
filters, "report here" and "already reported here"."""

from flask import Flask


def register(app: Flask) -> None:
    from app.publicmap.views import bp

    app.register_blueprint(bp)
