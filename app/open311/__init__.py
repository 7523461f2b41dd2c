"""Open311 GeoReport v2 API (read and write) at /open311, with discovery, API keys, a rate
limit and an OpenAPI document. ``register(app)`` is all the factory calls."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from app.extensions import csrf
    from app.open311 import bot_extensions  # noqa: F401 - adds the bot's routes to bp
    from app.open311.cli import api_keys
    from app.open311.limits import DEFAULT_RATE_LIMIT, init_limiter
    from app.open311.logs import install_key_redaction
    from app.open311.views import bp

    app.config.setdefault("OPEN311_RATE_LIMIT", DEFAULT_RATE_LIMIT)
    csrf.exempt(bp)  # clients authenticate with an API key, not with a session
    app.register_blueprint(bp)
    init_limiter(app, bp)
    app.cli.add_command(api_keys)
    install_key_redaction()
