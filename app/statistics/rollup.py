"""Keeping the statistics rollup current, in the same transaction as every report change.

Session hooks note which reports changed in a way the statistics see (a new report, a status
or place or category or department change, a re-route, a partner's "not ours", a ticket, a
routing copy, a "me too"); just before the commit each of them is counted anew from the
database, and the difference to what it added before (``stat_report``) is added to its cell —
to both cells when it moved. Counting the changed report anew, rather than adjusting a count
by what the code path did, keeps the rollup right whatever path changed a report; adding the
difference keeps the work per change small however full its cell is. ``rebuild`` counts
everything (``flask statistics rebuild``, after a bulk import that bypassed the ORM).
What a report adds is worked out by ``counts.py`` from what ``facts.py`` reads; this module
writes it and holds the hooks.

Only non-personal columns are read: the report's category, district, department, status and
times, the answers to list questions of sensitive categories, and from the event log the kinds
and department codes — never free text, contact data or a point.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.dialects import postgresql, sqlite

from app.core.events import ReportEvent
from app.forwarding.models import Delivery
from app.reports.models import Report, ReportCopy
from app.statistics.counts import CELL_COLUMNS, CellCounts, CellKey, add_counts, flatten, unflatten
from app.statistics.facts import (
    CONFIGURATION,
    EVENT_KINDS,
    FORWARD,
    contributions,
    forget_context,
    load_context,
)
from app.statistics.models import StatCell, StatCellDetail, StatReport

log = logging.getLogger(__name__)

# The rollup's tables (a mapped class's ``__table__`` is typed as any FromClause).
CELLS = cast(sa.Table, StatCell.__table__)
DETAILS = cast(sa.Table, StatCellDetail.__table__)
REPORTS = cast(sa.Table, StatReport.__table__)

_REPORTS = "qm_statistics_reports"
# A change to one of these makes a report count differently.
_COUNTED = (
    "status",
    "closed_at",
    "due_at",
    "district_id",
    "district",
    "category_id",
    "category",
    "department_id",
    "department",
    "attributes",
    "created_at",
)


# --- writing ----------------------------------------------------------------------------------


def _insert(session: orm.Session) -> Callable[[sa.Table], Any]:
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert
    return sqlite.insert


def _cell_filter(table: sa.Table, key: CellKey) -> list[Any]:
    return [
        table.c.month == key.month,
        table.c.district_id == key.district_id,
        table.c.category_id == key.category_id,
    ]


def _detail_rows(key: CellKey, counts: CellCounts) -> list[dict[str, Any]]:
    return [
        {**key.columns(), "measure": measure, "key": detail_key, "n": n}
        for (measure, detail_key), n in sorted(counts.details.items())
        if n
    ]


def _cell_row(key: CellKey, counts: CellCounts) -> dict[str, Any]:
    return {**key.columns(), "version": 1, **counts.columns()}


def _report_row(report_id: int, key: CellKey, counts: CellCounts) -> dict[str, Any]:
    return {"report_id": report_id, **key.columns(), "counts": flatten(counts)}


def _insert_all(session: orm.Session, table: sa.Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` a few thousand at a time."""
    for start in range(0, len(rows), 5000):
        session.execute(sa.insert(table), rows[start : start + 5000])


_UPSERTS: dict[str, tuple[Any, Any]] = {}


def _upserts(session: orm.Session) -> tuple[Any, Any]:
    """The two "add to the row, creating it" statements, built once per dialect."""
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        insert = _insert(session)
        cells, details = CELLS, DETAILS
        cell = insert(cells)
        cell = cell.on_conflict_do_update(
            index_elements=[cells.c.month, cells.c.district_id, cells.c.category_id],
            set_={
                "version": cells.c.version + 1,
                **{name: cells.c[name] + cell.excluded[name] for name in CELL_COLUMNS},
            },
        )
        detail = insert(details)
        detail = detail.on_conflict_do_update(
            index_elements=[
                details.c.month,
                details.c.district_id,
                details.c.category_id,
                details.c.measure,
                details.c.key,
            ],
            set_={"n": details.c.n + detail.excluded.n},
        )
        _UPSERTS[dialect] = (cell, detail)
    return _UPSERTS[dialect]


def add_to_cell(session: orm.Session, key: CellKey, delta: CellCounts) -> None:
    """Add ``delta`` (which may be negative) to the cell; rows that reach zero go."""
    cell_upsert, detail_upsert = _upserts(session)
    cells, details = CELLS, DETAILS
    session.execute(cell_upsert, _cell_row(key, delta))
    rows = _detail_rows(key, delta)
    if rows:
        session.execute(detail_upsert, rows)
    if any(n < 0 for n in delta.details.values()):
        session.execute(sa.delete(details).where(*_cell_filter(details, key), details.c.n == 0))
    if delta.received < 0:
        session.execute(sa.delete(cells).where(*_cell_filter(cells, key), cells.c.received == 0))


def _ids_in(ids: list[int]) -> Callable[[Any], Any]:
    """Selects the reports ``ids`` by a report-id column (see ``contributions``)."""
    return lambda column: column.in_(ids)


def _ids_between(first: int, last: int) -> Callable[[Any], Any]:
    return lambda column: column.between(first, last)


def count_reports(session: orm.Session, report_ids: Iterable[int]) -> int:
    """Count these reports anew and add the differences to their cells (reports that no
    longer exist are taken out). Their ``stat_report`` rows are locked first, so two
    transactions changing one report take turns and the second starts from the first's counts;
    cells are written in key order, so no two transactions wait for each other in a circle."""
    ids = sorted(set(report_ids))
    if not ids:
        return 0
    table = REPORTS
    ctx = load_context(session)
    deltas: dict[CellKey, CellCounts] = {}

    def delta_of(key: CellKey) -> CellCounts:
        return deltas.setdefault(key, CellCounts())

    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        old = session.execute(
            sa.select(table)
            .where(table.c.report_id.in_(part))
            .order_by(table.c.report_id)
            .with_for_update()
        ).all()
        new = contributions(session, ctx, [Report.id.in_(part)], _ids_in(part))
        for row in old:
            add_counts(
                delta_of(CellKey(row.month, row.district_id, row.category_id)),
                unflatten(row.counts),
                -1,
            )
        for key, counts in new.values():
            add_counts(delta_of(key), counts)
        if old:
            session.execute(
                sa.delete(table).where(table.c.report_id.in_([row.report_id for row in old]))
            )
        if new:
            session.execute(
                sa.insert(table),
                [
                    _report_row(report_id, key, counts)
                    for report_id, (key, counts) in sorted(new.items())
                ],
            )
    for key in sorted(deltas):
        delta = deltas[key]
        if any(delta.columns().values()) or any(delta.details.values()):
            add_to_cell(session, key, delta)
    return len(ids)


def rebuild(session: orm.Session, *, chunk: int = 50_000, progress=None) -> int:
    """Count every report anew (in chunks of ids, so memory stays bounded); returns the
    number of cells. Other transactions' changes to the statistics wait until this one
    commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            sa.text("LOCK TABLE stat_report, stat_cell, stat_cell_detail IN EXCLUSIVE MODE")
        )
    for table in (REPORTS, DETAILS, CELLS):
        session.execute(sa.delete(table))
    ctx = load_context(session, fresh=True)
    highest = session.execute(sa.select(sa.func.max(Report.id))).scalar() or 0
    totals: dict[CellKey, CellCounts] = {}
    for first in range(0, highest + 1, chunk):
        last = first + chunk - 1
        found = contributions(
            session,
            ctx,
            [Report.id.between(first, last)],
            _ids_between(first, last),
        )
        rows = []
        for report_id, (key, counts) in found.items():
            total = totals.get(key)
            if total is None:
                total = totals[key] = CellCounts()
            add_counts(total, counts)
            rows.append(_report_row(report_id, key, counts))
        _insert_all(session, REPORTS, rows)
        if progress:
            progress(min(last, highest), highest)
    cell_rows = [_cell_row(key, counts) for key, counts in sorted(totals.items())]
    detail_rows = [
        row for key, counts in sorted(totals.items()) for row in _detail_rows(key, counts)
    ]
    _insert_all(session, CELLS, cell_rows)
    _insert_all(session, DETAILS, detail_rows)
    return len(cell_rows)


# --- the session hooks ------------------------------------------------------------------------


def _changed(obj: Any, names: Iterable[str]) -> bool:
    attrs = sa.inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


def _after_flush(session: orm.Session, _context: Any) -> None:
    """Note the reports whose statistics this flush changed."""
    ids: set[int] = session.info.setdefault(_REPORTS, set())
    for obj in session.new:
        if isinstance(obj, Report):
            ids.add(obj.id)
        elif isinstance(obj, ReportEvent):
            if obj.kind in EVENT_KINDS:
                ids.add(obj.report_id)
        elif isinstance(obj, Delivery):
            if obj.purpose == FORWARD:
                ids.add(obj.report_id)
        elif isinstance(obj, ReportCopy):
            ids.add(obj.report_id)
    for obj in session.dirty:
        if isinstance(obj, Report) and _changed(obj, _COUNTED):
            ids.add(obj.id)
        elif isinstance(obj, ReportCopy) and _changed(obj, ("department_id", "department")):
            ids.add(obj.report_id)
    for obj in session.deleted:
        if isinstance(obj, Report | ReportCopy):
            ids.add(obj.id if isinstance(obj, Report) else obj.report_id)
    ids.discard(None)  # type: ignore[arg-type]
    if any(
        isinstance(obj, CONFIGURATION) for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        forget_context()


def _before_commit(session: orm.Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the commit would flush next: its changes are noted now
    ids = session.info.pop(_REPORTS, None)
    if ids:
        count_reports(session, ids)


def _forget(session: orm.Session, transaction: orm.SessionTransaction) -> None:
    """A rolled-back transaction changed nothing. After a rolled-back savepoint the noted
    reports stay noted: some may have changed outside it, and counting an unchanged report
    anew adds nothing."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_REPORTS, None)


_HOOKS = (
    ("after_flush", _after_flush),
    ("before_commit", _before_commit),
    ("after_soft_rollback", _forget),
)


def install_rollup_hooks() -> None:
    """Register the hooks once per process (called by the package's ``register``)."""
    for name, hook in _HOOKS:
        if not sa.event.contains(orm.Session, name, hook):
            sa.event.listen(orm.Session, name, hook)
