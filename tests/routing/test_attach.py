"""``catalogue.attach``: a department of the cached snapshot as a row of the current session,
without a query — as if loaded: persistent, unchanged (a commit writes nothing for it), its
mutable columns its own, and the same object when attached twice."""

from __future__ import annotations

import sqlalchemy as sa

from app.catalogue.snapshot import attach, catalogue
from app.extensions import db
from app.routing.models import Department


def test_an_attached_department_is_as_if_loaded(app_ctx):
    snapshot = catalogue().departments["edg"]
    statements: list[str] = []

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        row = attach(Department, snapshot)
        state = sa.inspect(row)
        assert state.persistent and not state.modified
        assert row not in db.session.new and row not in db.session.dirty
        assert (row.id, row.code, row.name) == (snapshot.id, snapshot.code, snapshot.name)
        assert attach(Department, snapshot) is row
        assert statements == []  # no query for any of it

        # Its JSON is its own: changing it changes neither the snapshot nor the stored row
        # until committed.
        assert row.names == dict(snapshot.names) and row.names is not snapshot.columns["names"]
        row.names["de"] = "Geändert"
        assert snapshot.names.get("de") != "Geändert"
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
    db.session.rollback()

    # Unchanged, it writes nothing at the commit.
    attach(Department, catalogue().departments["edg"])
    statements.clear()
    sa.event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
    assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
    stored = db.session.execute(sa.select(Department.names).where(Department.code == "edg"))
    assert stored.scalar_one() == dict(catalogue().departments["edg"].names)
