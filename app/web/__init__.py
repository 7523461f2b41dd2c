"""Resident-facing pages: the report form, confirmation, status pages, about; afterwards
"not fixed?" and "follow this report"."""

from flask import Flask


def register(app: Flask) -> None:
    from app.web.afterwards import bp as afterwards_bp
    from app.web.limits import init_web_limits
    from app.web.views import bp

    app.register_blueprint(bp)
    app.register_blueprint(afterwards_bp)
    init_web_limits(app)
