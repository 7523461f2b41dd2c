"""Statements that every new report sends, compiled once and handed to the driver directly.

``Connection.execute`` of a Core statement looks its compiled form up in the cache, builds an
execution context, turns the parameters into the driver's by the columns' types and wraps the
cursor — about 20 µs a statement beyond the driver's own work, more than the database spends
on a one-row insert. A ``Prepared`` statement does the lookup once per database dialect and set
of parameter names, and then per call only converts the values (with the very bind processors
SQLAlchemy would apply: JSON, dates, enums, booleans) and passes the SQL text and the values to
``Connection.exec_driver_sql``. The statement still runs on the caller's connection and
transaction, and the engine's events (``before_cursor_execute`` …) still see it.

For writes whose parameters are all given by the caller (no Python-side column defaults are
filled in: the intake writes every column itself). Rows come back as the driver gives them,
and SQLAlchemy describes them anew each time: a plain SELECT gains nothing this way (measured
2 µs slower than Core's cached description) and stays a Core statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
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


class Prepared:
    """``statement`` (an insert, a select or a text statement), compiled once per dialect and
    set of parameter names; calling it executes it on ``connection`` with ``params``."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        # Per dialect and the parameters' names as given (in their order: cheaper to key on).
        self._compiled: dict[tuple[str, tuple[str, ...]], _Compiled] = {}

    def __call__(
        self, connection: sa.Connection, params: Mapping[str, Any] | None = None
    ) -> CursorResult[Any]:
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
        return connection.exec_driver_sql(compiled.sql, values)

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
