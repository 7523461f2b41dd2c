"""The SQL statements a piece of code sends, for tests that count or read them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from app.extensions import db


def statements_of(run: Callable[[], Any]) -> list[str]:
    """The statements the app's engine sends while ``run()`` runs, in order."""
    seen: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        run()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
    return seen
