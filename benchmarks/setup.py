"""A fresh, migrated and seeded database for a benchmark, and a live local server."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager

import sqlalchemy as sa
from werkzeug.serving import make_server

from app import create_app
from app.extensions import db
from benchmarks.common import temp_dir
from config import TestConfig, normalise_database_url

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/bench")


def postgres_available() -> bool:
    return ensure_postgres_database(POSTGRES_URL)


def ensure_postgres_database(url: str) -> bool:
    """True when PostgreSQL answers at ``url``; creates the database when it is missing."""
    import psycopg

    url = url.replace("postgresql+psycopg://", "postgresql://")
    admin = url.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, connect_timeout=3, autocommit=True) as conn:
            name = url.rsplit("/", 1)[1]
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return True
    except psycopg.Error:
        return False


def bench_app(database_url: str | None = None, **settings):
    """An app on a fresh database (SQLite file in a temp dir unless a URL is given); the temp
    dir (database file, photos) is removed when the run ends. ``settings`` override the
    test configuration (e.g. ``RATELIMIT_ENABLED=True``)."""
    config = TestConfig()
    for name, value in settings.items():
        setattr(config, name, value)
    workdir = temp_dir()
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(
        database_url or f"sqlite:///{workdir / 'bench.sqlite'}"
    )
    config.PHOTO_STORAGE_DIR = str(workdir / "photos")
    config.WTF_CSRF_ENABLED = False
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        from app.cities.seed import load_city

        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(sa.text("DROP SCHEMA public CASCADE"))
                conn.execute(sa.text("CREATE SCHEMA public"))
        upgrade()
        load_city(app.config["CITY_DIR"])
        db.session.commit()
    return app


@contextmanager
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
