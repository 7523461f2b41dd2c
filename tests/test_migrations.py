"""Migrations are the only way the schema is made: one head, upgrade from empty, and the
result matches the models exactly."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from app import create_app
from app.extensions import db
from app.inbox.search import include_name
from config import TestConfig


def _fresh_app(tmp_path):
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    return create_app(config)


def test_one_head(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        assert len(script.get_heads()) == 1


def test_upgrade_from_empty_matches_the_models_and_downgrades_again(tmp_path):
    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(
                MigrationContext.configure(conn, opts={"include_name": include_name}), db.metadata
            )
            assert diff == []
            tables = set(sa.inspect(conn).get_table_names())
        assert {"report", "category", "routing_rule", "report_event", "delivery"} <= tables
        downgrade(revision="base")
        with db.engine.connect() as conn:
            assert set(sa.inspect(conn).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()


def test_the_session_database_was_made_by_migrations(app):
    """The suite's own database (SQLite or PostgreSQL) also matches the models."""
    with app.app_context(), db.engine.connect() as conn:
        assert (
            compare_metadata(
                MigrationContext.configure(conn, opts={"include_name": include_name}), db.metadata
            )
            == []
        )
