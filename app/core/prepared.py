"""Statements that every new report sends, compiled once and handed to the driver directly.

``Connection.execute`` of a Core statement looks its compiled form up in the cache, builds an
execution context, turns the parameters into the driver's by the columns' types and wraps the
cursor — about 20 µs a statement beyond the driver's own work, more than the database spends
on a one-row insert. A ``Prepared`` statement does the lookup once per database dialect and set
of parameter names, and then per call only converts the values (with the very bind processors
SQLAlchemy would apply: JSON, dates, enums, booleans) and hands the SQL text and the values to
the driver's cursor of the caller's connection, in its transaction. Where the engine has
event listeners (``before_cursor_execute`` …) or logs its statements (``echo``), the statement
goes through ``Connection.exec_driver_sql`` instead, so that they see it; that path cost
another 4 µs a statement on its own, and several times that inside a request. An error of the
driver is SQLAlchemy's either way (``IntegrityError``, a connection the database closed
invalidated).

For writes whose parameters are all given by the caller (no Python-side column defaults are
filled in: the intake writes every column itself), and for reads of columns the driver gives
as they are (the city version check). Rows come back as the driver gives them, without
SQLAlchemy's result processing: a read of dates or JSON as SQLite stores them stays a Core
statement.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True)
class _Compiled:
    sql: str
    # The bind parameters (in the driver's order when positional), each with its conversion
    # (None: passed as it is).
    binds: tuple[tuple[str, _Processor], ...]
    fixed: Mapping[str, Any]  # values the statement binds itself (a literal in a WHERE)
    positional: bool


class DriverResult:
    """What a statement gave back, read at once: its rows (by position and by column name),
    the cursor's id of an inserted row (SQLite) and the number of rows it changed."""

    __slots__ = ("lastrowid", "rowcount", "rows")

    def __init__(self, rows: Sequence[Any], lastrowid: Any, rowcount: int) -> None:
        self.rows = rows
        self.lastrowid = lastrowid
        self.rowcount = rowcount

    def first(self) -> Any | None:
        return self.rows[0] if self.rows else None

    def one(self) -> Any:
        if len(self.rows) != 1:
            if not self.rows:
                raise sa.exc.NoResultFound("No row was found when one was required")
            raise sa.exc.MultipleResultsFound("Multiple rows were found when one was required")
        return self.rows[0]

    def scalar_one(self) -> Any:
        return self.one()[0]


# A row class per set of column names, as the driver describes them.
_ROW_TYPES: dict[tuple[str, ...], type] = {}


def _row_type(description: Sequence[Any]) -> type:
    names = tuple(column[0] for column in description)
    row_type = _ROW_TYPES.get(names)
    if row_type is None:
        row_type = _ROW_TYPES[names] = namedtuple("Row", names, rename=True)
    return row_type


def _by_driver(connection: sa.Connection, sql: str, values: Any) -> DriverResult:
    """``sql`` with ``values`` on the driver's cursor of ``connection`` (in its transaction)."""
    cursor = None
    try:
        cursor = connection.connection.cursor()
        cursor.execute(sql, values)
        description = cursor.description
        rows: list[Any] = []
        if description:
            row_type = _row_type(description)
            rows = [row_type(*row) for row in cursor.fetchall()]
        # psycopg has no lastrowid (RETURNING gives the id there).
        result = DriverResult(rows, getattr(cursor, "lastrowid", None), cursor.rowcount)
        cursor.close()
        return result
    except Exception as error:
        # As SQLAlchemy's own execution does: wrapped in its exception, a connection the
        # database closed invalidated (and the cursor closed).
        connection._handle_dbapi_exception(error, sql, values, cursor, None)


# What ``exec_driver_sql`` tells listeners of (errors are told either way).
_WATCHED = ("before_execute", "after_execute", "before_cursor_execute", "after_cursor_execute")


def _observed(connection: sa.Connection) -> bool:
    """Whether a listener of the engine's events or its statement log should see what runs on
    ``connection`` (then it goes through SQLAlchemy's execution), or it has no transaction to
    run in yet. (SQLAlchemy's flag that an engine ever had listeners stays set when they are
    removed: the listeners themselves are looked at then.)"""
    if connection._echo or not connection.in_transaction():
        return True
    if not (connection._has_events or connection.engine._has_events):
        return False
    return any(
        getattr(dispatch, name)
        for dispatch in (connection.dispatch, connection.engine.dispatch)
        for name in _WATCHED
    )


class Prepared:
    """``statement`` (an insert, a select or a text statement), compiled once per dialect and
    set of parameter names; calling it executes it on ``connection`` with ``params``."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        # Per dialect and the parameters' names as given (in their order: cheaper to key on).
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def __call__(
        self, connection: sa.Connection, params: Mapping[str, Any] | None = None
    ) -> DriverResult:
        params = params or {}
        dialect = connection.dialect
        key = (dialect.name, tuple(params))
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = self._compiled[key] = self._compile(dialect, params)
        if compiled.fixed:
            params = {**compiled.fixed, **params}
        converted = [
            params[name] if processor is None else processor(params[name])
            for name, processor in compiled.binds
        ]
        values: Any = (
            tuple(converted)
            if compiled.positional
            else {name: value for (name, _), value in zip(compiled.binds, converted, strict=True)}
        )
        if not _observed(connection):
            return _by_driver(connection, compiled.sql, values)
        result = connection.exec_driver_sql(compiled.sql, values)
        lastrowid = getattr(result.context.cursor, "lastrowid", None)
        rowcount = result.rowcount
        return DriverResult(result.all() if result.returns_rows else [], lastrowid, rowcount)

    def _compile(self, dialect: sa.Dialect, params: Mapping[str, Any]) -> _Compiled:
        compiled = cast(
            SQLCompiler,
            self.statement.compile(dialect=dialect, column_keys=list(params))
            if isinstance(self.statement, sa.Insert)
            else self.statement.compile(dialect=dialect),
        )
        if getattr(compiled, "insert_prefetch", None):
            # Column defaults SQLAlchemy would compute in Python: not filled in here.
            missing = ", ".join(sorted(column.key for column in compiled.insert_prefetch))
            raise ValueError(f"columns with a Python default not given: {missing}")
        binds = compiled.binds
        if compiled.positional:
            assert compiled.positiontup is not None
            names = tuple(compiled.positiontup)
        else:
            names = tuple(binds)
        fixed: dict[str, Any] = {}
        processors: list[_Processor] = []
        for name in names:
            bind = binds[name]
            if bind.expanding:
                raise ValueError(f"{name!r}: expanding parameters are not supported")
            if name not in params:
                if bind.callable is not None or bind.required:
                    raise ValueError(f"{name!r} has no value for this statement")
                fixed[name] = bind.value
            processors.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
        return _Compiled(
            sql=compiled.string,
            binds=tuple(zip(names, processors, strict=True)),
            fixed=fixed,
            positional=bool(compiled.positional),
        )
