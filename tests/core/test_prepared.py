"""Statements handed to the driver (``app.core.prepared``): the row stored is the row that
SQLAlchemy's own execution would have stored (JSON, dates with their zone, booleans, NULLs),
on the caller's transaction, seen by the engine's events — and what it cannot do it refuses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any, cast

import pytest
import sqlalchemy as sa

from app.cities.models import CityState
from app.core.events import ReportEvent
from app.core.prepared import Prepared
from app.extensions import db
from app.reports.models import Report

EVENTS = cast(sa.Table, ReportEvent.__table__)


def _event(report_id: int, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "report_id": report_id,
        "kind": "note",
        "actor": "user:7",
        "is_public": True,
        "public_note": "Müll am Hafen „abgeholt“",
        "data": {"status": ["new", "in_progress"], "n": 2, "ok": None},
        # Not UTC: the column stores the instant, read back in UTC.
        "created_at": datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=1))),
    }
    values.update(changes)
    return values


def _stored(event_id: int) -> tuple[Any, ...]:
    db.session.expire_all()
    event = db.session.get(ReportEvent, event_id)
    assert event is not None
    return (
        event.report_id,
        event.kind,
        event.actor,
        event.is_public,
        event.public_note,
        event.data,
        event.created_at,
    )


def _inserted_id(result: Any) -> int:
    """The new row's id: the cursor's on SQLite, RETURNING on PostgreSQL."""
    return result.lastrowid if db.engine.dialect.name == "sqlite" else result.scalar_one()


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"public_note": None, "is_public": False, "data": {}},
        {"data": None},  # JSON's null, as the ORM writes it
        {"created_at": datetime(2026, 10, 25, 1, 59, 59, tzinfo=UTC)},
    ],
)
def test_the_row_is_the_row_sqlalchemy_writes(app_ctx, make_report, changes):
    report = make_report()
    values = _event(report.id, **changes)
    insert = EVENTS.insert()
    if db.engine.dialect.name == "postgresql":
        insert = insert.returning(EVENTS.c.id)
    connection = db.session.connection()
    by_core = _inserted_id(connection.execute(insert, values))
    by_driver = _inserted_id(Prepared(insert)(connection, values))
    db.session.commit()

    assert by_driver != by_core
    assert _stored(by_driver) == _stored(by_core)
    assert _stored(by_driver)[6] == values["created_at"]


def test_it_runs_on_the_callers_transaction(app_ctx, make_report):
    report = make_report()
    connection = db.session.connection()
    Prepared(EVENTS.insert())(connection, _event(report.id, kind="undone"))
    db.session.rollback()
    kinds = db.session.execute(
        sa.select(ReportEvent.kind).where(ReportEvent.report_id == report.id)
    ).scalars()
    assert "undone" not in set(kinds)


def test_the_engines_events_see_it(app_ctx):
    seen: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    query = Prepared(sa.select(CityState.version).where(CityState.id == 1))
    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        version = query(db.session.connection()).scalar_one()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
    # The value the statement binds itself (id = 1) is passed along, and the row comes back.
    state = db.session.get(CityState, 1)
    assert state is not None and version == state.version
    assert len(seen) == 1 and "city_state" in seen[0]


def test_text_statements_bind_by_name(app_ctx):
    statement = Prepared(sa.text("SELECT :a + :b AS total, :label AS label"))
    row = statement(db.session.connection(), {"a": 2, "b": 40, "label": "x"}).one()
    assert tuple(row) == (42, "x")
    # Another set of names is another statement; the first is still right.
    assert statement(db.session.connection(), {"a": 1, "b": 1, "label": "y"}).one().total == 2


def test_a_column_default_left_out_is_refused(app_ctx, make_report):
    report = make_report()
    values = _event(report.id)
    del values["created_at"]  # a Python-side default (utcnow) that only the ORM fills in
    with pytest.raises(ValueError, match="Python default not given: created_at$"):
        Prepared(EVENTS.insert())(db.session.connection(), values)


def test_a_missing_value_is_refused(app_ctx):
    with pytest.raises(ValueError, match="'b' has no value"):
        Prepared(sa.text("SELECT :a, :b"))(db.session.connection(), {"a": 1})


def test_expanding_parameters_are_refused(app_ctx):
    query = sa.select(Report.id).where(Report.id.in_(sa.bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="expanding"):
        Prepared(query)(db.session.connection(), {"ids": [1, 2]})


def test_without_listeners_it_goes_to_the_driver(app_ctx, make_report, monkeypatch):
    """No listener and no statement log: SQLAlchemy's execution is not used at all (and the
    row is still the row it would have written)."""
    report = make_report()

    def not_used(*args, **kwargs):
        raise AssertionError("went through Connection.exec_driver_sql")

    insert = EVENTS.insert()
    if db.engine.dialect.name == "postgresql":
        insert = insert.returning(EVENTS.c.id)
    connection = db.session.connection()
    by_core = _inserted_id(connection.execute(insert, _event(report.id)))
    monkeypatch.setattr(sa.Connection, "exec_driver_sql", not_used)
    by_driver = _inserted_id(Prepared(insert)(connection, _event(report.id)))
    monkeypatch.undo()
    db.session.commit()
    assert _stored(by_driver) == _stored(by_core)


@pytest.mark.parametrize("listened", [False, True])
def test_a_driver_error_is_sqlalchemys(app_ctx, listened):
    """A constraint broken: SQLAlchemy's IntegrityError either way, and the transaction can
    be rolled back and used again."""
    insert = Prepared(sa.text("INSERT INTO reference_counter (year, last_number) VALUES (:y, 1)"))
    connection = db.session.connection()
    insert(connection, {"y": 1999})

    def listener(*args):
        pass

    if listened:
        sa.event.listen(db.engine, "before_cursor_execute", listener)
    try:
        with pytest.raises(sa.exc.IntegrityError):
            insert(db.session.connection(), {"y": 1999})
    finally:
        if listened:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
    db.session.rollback()
    insert(db.session.connection(), {"y": 1999})
    db.session.commit()
    rows = db.session.execute(sa.text("SELECT count(*) FROM reference_counter WHERE year = 1999"))
    assert rows.scalar_one() == 1


def test_rows_by_position_and_by_name(app_ctx):
    result = Prepared(sa.text("SELECT :a AS first, :b AS second"))(
        db.session.connection(), {"a": 1, "b": "zwei"}
    )
    row = result.one()
    assert (row[0], row[1]) == (1, "zwei") and (row.first, row.second) == (1, "zwei")
    assert result.first() == row and result.scalar_one() == 1
    nothing = Prepared(sa.text("SELECT 1 AS one WHERE 1 = :never"))(
        db.session.connection(), {"never": 0}
    )
    assert nothing.first() is None
    with pytest.raises(sa.exc.NoResultFound):
        nothing.one()
