"""Application factory: binds extensions, registers blueprints and CLI. Runs no query."""

from __future__ import annotations

import logging
from inspect import CO_COROUTINE
from types import FunctionType
from typing import Any

from flask import Flask

from config import Config, config_from_env


class QuartiersmelderFlask(Flask):
    """Flask, asking cheaply whether a hook or view is a coroutine function."""

    def ensure_sync(self, func: Any) -> Any:
        """Flask calls this for every hook and view of every request, and its
        ``inspect.iscoroutinefunction`` unwraps methods and partials each time (close to 1 %
        of an Open311 POST). A plain function, the common case, answers by its code's flags
        (what that check reads for one), unless marked as a coroutine function; anything else
        is asked as Flask asks."""
        if (
            type(func) is FunctionType
            and not func.__code__.co_flags & CO_COROUTINE
            and "_is_coroutine_marker" not in func.__dict__
        ):
            return func
        return super().ensure_sync(func)


def create_app(config: Config | None = None) -> Flask:
    app = QuartiersmelderFlask(__name__, instance_relative_config=False)
    app.config.from_object(config or config_from_env())
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    # httpx logs every URL at INFO, and the Bot API's URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    from app import models  # noqa: F401  (registers every table on the metadata)
    from app.core.db import engine_options
    from app.extensions import babel, csrf, db, login_manager, migrate
    from app.web.i18n import install_template_gettext, select_locale

    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    install_template_gettext(app)
    login_manager.init_app(app)
    from app.core.edge import install as install_edge

    install_edge(app)  # trusted proxies, NUL refusal, security headers: before any other check
    from app.core.sessions import install_sessions

    install_sessions(app)

    from app.admin import register as register_admin
    from app.auth import register as register_auth
    from app.core.files import install_file_cleanup
    from app.forwarding import register as register_forwarding
    from app.inbox import register as register_inbox
    from app.web import register as register_web

    install_file_cleanup()
    from app.reports.public_point import install_public_point_hook

    install_public_point_hook()
    _configure_sqlite()
    if app.config["EMAIL_ALLOW_RESERVED_DOMAINS"]:
        _allow_reserved_email_domains()
    register_web(app)
    register_auth(app)
    register_inbox(app)
    register_forwarding(app)
    register_admin(app)
    from app.open311 import register as register_open311

    register_open311(app)
    from app.health import register as register_health

    register_health(app)
    from app.hotspots import register as register_hotspots
    from app.opendata import register as register_opendata

    register_hotspots(app)
    register_opendata(app)
    from app.publicmap import register as register_publicmap

    register_publicmap(app)
    from app.statistics import register as register_statistics

    register_statistics(app)

    from app.cities.cache import install_configuration_hooks
    from app.cities.settings import install_version_check

    install_configuration_hooks()
    install_version_check(app)
    from app.cli import register_cli

    register_cli(app)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _allow_reserved_email_domains() -> None:
    """Let placeholder addresses (…@example.invalid) through email-validator's special-use
    check, the way its documentation describes (the list is module-wide)."""
    import email_validator

    for name in ("invalid", "test"):
        if name in email_validator.SPECIAL_USE_DOMAIN_NAMES:
            email_validator.SPECIAL_USE_DOMAIN_NAMES.remove(name)


def _configure_sqlite() -> None:
    import sqlalchemy as sa

    from app.core.db import sqlite_pragmas

    if not sa.event.contains(sa.engine.Engine, "connect", sqlite_pragmas):
        sa.event.listen(sa.engine.Engine, "connect", sqlite_pragmas)
