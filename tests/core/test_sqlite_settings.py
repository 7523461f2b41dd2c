"""SQLite, the embedded default: every connection in WAL mode, synced at checkpoints only, and
a log long enough that the pages every report changes are copied back once per checkpoint;
temporary data (a statement's undo journal, sorts) in memory, not in files."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.db import SQLITE_WAL_AUTOCHECKPOINT


def test_every_connection_of_a_database_file_gets_the_settings(app, tmp_path):
    """(The settings are made by the app: `app` installs them.)"""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'fresh.sqlite'}")
    try:
        for _ in range(2):  # a new connection each time, not one kept by the pool
            with engine.connect() as connection:
                settings = [
                    connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                    for name in ("journal_mode", "synchronous", "wal_autocheckpoint", "temp_store")
                ]
            engine.dispose()
            assert settings == ["wal", 1, SQLITE_WAL_AUTOCHECKPOINT, 2]  # NORMAL; MEMORY
    finally:
        engine.dispose()
    assert SQLITE_WAL_AUTOCHECKPOINT >= 10_000
