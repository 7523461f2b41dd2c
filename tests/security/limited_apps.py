"""A second app on the test database with rate limiting switched on and settings of the test's
choice (the session's app runs with limits off, so that other tests never meet them)."""

from __future__ import annotations

import pytest
from flask import Flask

from app import create_app
from app.extensions import db
from config import TestConfig


@pytest.fixture
def limited_app(app, app_ctx):
    """``limited_app(REPORT_RATE_LIMIT="2/minute", TRUSTED_PROXIES=1, …)`` → a new app."""
    made: list[Flask] = []

    def make(**settings) -> Flask:
        config = TestConfig()
        config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        config.PHOTO_STORAGE_DIR = app_ctx.config["PHOTO_STORAGE_DIR"]
        config.RATELIMIT_ENABLED = True
        config.RATELIMIT_STORAGE_URI = "memory://"
        for name, value in settings.items():
            setattr(config, name, value)
        made.append(create_app(config))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
