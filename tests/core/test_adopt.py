"""``adopt``: an object whose state holds what the database holds becomes persistent in the
session as a query would have loaded it — the same state ``session.add`` gives it, without taking
pending objects along."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from app.core.db import adopt
from app.extensions import db
from app.routing.models import Department, RoutingRule
from tests.statements import statements_of


def _rule_ids() -> list[int]:
    return list(db.session.scalars(sa.select(RoutingRule.id).order_by(RoutingRule.id).limit(2)))


def _as_stored(row_id: int) -> RoutingRule:
    """The routing rule's row as the database holds it, in an object no query made."""
    table = RoutingRule.__table__
    values = db.session.execute(sa.select(table).where(table.c.id == row_id)).mappings().one()
    row = orm.class_mapper(RoutingRule).class_manager.new_instance()
    row.__dict__.update({column.key: values[column.name] for column in table.columns})
    return row


def _state(session: orm.Session, row: RoutingRule) -> tuple:
    state = orm.attributes.instance_state(row)
    return (
        state.persistent,
        row in session.new,
        row in session.dirty,
        session.identity_map.get(state.key) is row,
        dict(state.committed_state),
        sorted(state.unloaded),
    )


@pytest.mark.parametrize("how", ["adopt", "add"])
def test_it_is_persistent_as_loaded_and_a_flush_writes_nothing(app_ctx, how):
    db.session.remove()
    session = db.session()
    row = _as_stored(_rule_ids()[0])
    if how == "adopt":
        adopt(session, row)
    else:
        orm.make_transient_to_detached(row)
        session.add(row)
    assert _state(session, row)[:4] == (True, False, False, True)
    assert orm.attributes.instance_state(row).key == (RoutingRule, (row.id,), None)
    assert statements_of(session.flush) == []
    # The same object a query in this session answers with, without a statement for it.
    assert statements_of(lambda: session.get(RoutingRule, row.id)) == []
    assert session.get(RoutingRule, row.id) is row
    # Its relationships load when read; a change is written by the next flush.
    department = statements_of(lambda: row.department)
    assert len(department) == 1 and "department" in department[0]
    assert isinstance(row.department, Department)
    row.note = "geändert"
    assert row in session.dirty
    # (and, as for every change of the city's configuration, its version is bumped)
    written = [s for s in statements_of(session.flush) if "city_state" not in s]
    assert len(written) == 1 and written[0].startswith("UPDATE routing_rule SET note")
    session.rollback()


def test_it_leaves_the_same_state_as_session_add(app_ctx):
    db.session.remove()
    session = db.session()
    first_id, second_id = _rule_ids()
    adopted, added = _as_stored(first_id), _as_stored(second_id)
    adopt(session, adopted)
    orm.make_transient_to_detached(added)
    session.add(added)
    assert _state(session, adopted) == _state(session, added)
    session.rollback()


def test_a_second_object_of_the_same_row_is_refused(app_ctx):
    session = db.session()
    rule_id = _rule_ids()[0]
    loaded = session.get(RoutingRule, rule_id)
    with pytest.raises(sa.exc.InvalidRequestError):
        adopt(session, _as_stored(rule_id))
    assert session.get(RoutingRule, rule_id) is loaded
