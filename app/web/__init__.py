"""Resident-facing pages: the report form, confirmation, status pages, about."""

from flask import Flask


def register(app: Flask) -> None:
    from app.web.limits import init_web_limits
    from app.web.views import bp

    app.register_blueprint(bp)
    init_web_limits(app)
