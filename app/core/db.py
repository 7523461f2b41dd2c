"""Declarative base with a constraint naming convention and timezone-aware UTC timestamps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, TypeDecorator, orm
from sqlalchemy.engine import make_url
from sqlalchemy.orm import DeclarativeBase, Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns an aware datetime (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


@contextmanager
def no_expiry(session: Session) -> Iterator[None]:
    """Inside, a commit leaves the session's objects as they are instead of expiring them all
    (so that a later read loads them again): for a request that answers from what it has and
    reads none of them after its commit — expiring each object the intake made cost more than
    the answer."""
    before = session.expire_on_commit
    session.expire_on_commit = False
    try:
        yield
    finally:
        session.expire_on_commit = before


def adopt(session: Session, obj: object) -> None:
    """Make ``obj``, whose state already holds what the database holds, persistent in
    ``session`` as if a query had loaded it: into the identity map, nothing pending, nothing
    dirty. Unlike ``session.add`` it does not walk the object's relationships for pending objects
    to take along (that walk was 3 % of an intake's instructions): what ``obj`` refers to must
    be in the session already, and whatever pending object hangs on it the caller adds
    (``session.add(obj)`` instead of this takes them along).

    ``Session._update_impl`` is the step of ``Session.add`` that attaches an object with an
    identity, without the cascade; SQLAlchemy is pinned, and ``tests/core/test_adopt.py`` checks
    the result against ``session.add``'s, so a release that changes it fails there."""
    orm.make_transient_to_detached(obj)
    session._update_impl(orm.attributes.instance_state(obj))


def engine_options(url: str, options: dict[str, Any]) -> dict[str, Any]:
    """``SQLALCHEMY_ENGINE_OPTIONS`` for the database at ``url``: the pool hands out the
    connection returned last (LIFO) rather than the one idle longest, unless the options say
    otherwise or the database lives in memory (one connection, no pool to order). A connection
    used a moment ago holds what the next request reads: SQLite keeps a page cache per
    connection and drops it when another connection wrote since, so handing the connections
    out in turn made every request read its pages afresh. Under load the pool also keeps only
    as many connections busy as the requests need."""
    parsed = make_url(url)
    in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
    if in_memory or "poolclass" in options:
        return options
    return {"pool_use_lifo": True, **options}


# Pages in SQLite's log before they are copied back into the database file (SQLite's default:
# 1,000). A new report changes about 50 pages, many of them the same ones every time (the
# counters, the statistics cells, the newest end of each index): a longer log copies each of
# those once per checkpoint instead of once per twenty reports. At most about 40 MB of log.
SQLITE_WAL_AUTOCHECKPOINT = 10_000


def sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """SQLite (the embedded default) in WAL mode: the web and worker processes read while one
    of them writes, and a commit waits for the log instead of a full sync of the file; the log
    is copied back every ``SQLITE_WAL_AUTOCHECKPOINT`` pages. Temporary data (statement
    journals, sorts) stays in memory."""
    import sqlite3

    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout = 10000")
    # A statement that can fail halfway in a longer transaction (every new report: its insert
    # runs the full-text and count triggers) keeps a journal to undo just itself: in memory,
    # not a file created, written and deleted in /var/tmp on each report.
    cursor.execute("PRAGMA temp_store = MEMORY")
    mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
    if mode != "memory":  # an in-memory database has no log file
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {SQLITE_WAL_AUTOCHECKPOINT}")
    cursor.close()
