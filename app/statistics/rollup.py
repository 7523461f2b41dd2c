"""Keeping the statistics rollup current, in the same transaction as every report change.

Session hooks note which reports changed in a way the statistics see (a new report, a status
or place or category or department change, a re-route, a partner's "not ours", a ticket, a
routing copy, a "me too"); just before the commit each of them is counted anew — from its
objects in the session where they hold all it needs (a report created in the transaction; a
loaded one whose status or dates alone changed), from the database otherwise, one query per
kind for all of them — and the difference to what it added before (``stat_report``) is added
to its cell — to both cells when it moved —, one executemany per table. Counting the changed
report anew, rather than adjusting a count by what the code path did, keeps the rollup right
whatever path changed a report; adding the difference keeps the work per change small however
full its cell is. ``rebuild`` counts everything (``flask statistics rebuild``, after a bulk
import that bypassed the ORM). What a report adds is worked out by ``counts.py`` from what
``facts.py`` reads; this module writes it and holds the hooks.

Only non-personal columns are read: the report's category, district, department, status and
times, the answers to list questions of sensitive categories, and from the event log the kinds
and department codes — never free text, contact data or a point.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm

from app.core.events import ReportEvent
from app.core.prepared import Prepared
from app.forwarding.models import Delivery
from app.reports.models import Report, ReportCopy
from app.statistics.counts import (
    CellCounts,
    CellKey,
    RollupContext,
    Trail,
    add_counts,
    cell_of,
    count_report,
    flatten,
    trail_of,
    unflatten,
)
from app.statistics.facts import (
    CONFIGURATION,
    EVENT_KINDS,
    FORWARD,
    add_event,
    contributions,
    facts_of,
    forget_context,
    load_context,
)
from app.statistics.models import StatCell, StatCellDetail, StatReport

log = logging.getLogger(__name__)

# The rollup's tables (a mapped class's ``__table__`` is typed as any FromClause).
CELLS = cast(sa.Table, StatCell.__table__)
DETAILS = cast(sa.Table, StatCellDetail.__table__)
REPORTS = cast(sa.Table, StatReport.__table__)

_NOTED = "qm_statistics_noted"
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
# A report whose only counted changes are these keeps its cell, department, answers and trail:
# counting it again needs its object and its stored counts, not the event log.
_STATUS_ONLY = frozenset({"status", "closed_at", "due_at"})


@dataclass
class _Noted:
    """What this transaction's flushes changed, as far as the statistics see it."""

    ids: set[int] = field(default_factory=set)  # every report to count anew
    born: dict[int, Report] = field(default_factory=dict)  # inserted in this transaction
    status_changed: dict[int, Report] = field(default_factory=dict)  # see _STATUS_ONLY
    # What the event log, tickets and copies gained, per report, from this transaction's objects
    events: dict[int, list[tuple[str, str, Any, Any, Any]]] = field(default_factory=dict)
    tickets: dict[int, set[int]] = field(default_factory=dict)  # department ids
    copies: dict[int, set[int]] = field(default_factory=dict)  # department ids
    read: set[int] = field(default_factory=set)  # changed in a way only the database knows

    def trail_changed(self, report_id: int) -> bool:
        return any(report_id in part for part in (self.events, self.tickets, self.copies))

    def trail_of_born(self, report_id: int, ctx: RollupContext) -> Trail | None:
        """The trail of a report inserted in this transaction: all of it is in the objects
        flushed with it (None if a ticket's department is not in the context)."""
        trail = Trail()
        for event in self.events.get(report_id, ()):
            add_event(trail, *event)
        for department_id in self.tickets.get(report_id, ()):
            code = ctx.department_codes.get(department_id)
            if code is None:
                return None
            trail.tickets.add(code)
        trail.lighting_copy = not ctx.lighting_departments.isdisjoint(
            self.copies.get(report_id, ())
        )
        return trail


def _text(value: Any) -> str | None:
    """A JSON value as ``…["x"].as_string()`` reads it, for the codes the trail keeps."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- writing ----------------------------------------------------------------------------------


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


# "Add to the row, creating it": one statement for both databases (PostgreSQL, and SQLite from
# 3.35), written out once. The dialects' ``insert … on_conflict_do_update`` has no cache key,
# so SQLAlchemy compiled it anew for every commit; a text statement is compiled once.
CELL_UPSERT = sa.text(
    "INSERT INTO stat_cell (month, district_id, category_id, version, received, with_target, "
    "target_closed, open_with_target, resolved_in_time, resolved, closed, supporters) "
    "VALUES (:month, :district_id, :category_id, :version, :received, :with_target, "
    ":target_closed, :open_with_target, :resolved_in_time, :resolved, :closed, :supporters) "
    "ON CONFLICT (month, district_id, category_id) DO UPDATE SET "
    "version = stat_cell.version + 1, "
    "received = stat_cell.received + excluded.received, "
    "with_target = stat_cell.with_target + excluded.with_target, "
    "target_closed = stat_cell.target_closed + excluded.target_closed, "
    "open_with_target = stat_cell.open_with_target + excluded.open_with_target, "
    "resolved_in_time = stat_cell.resolved_in_time + excluded.resolved_in_time, "
    "resolved = stat_cell.resolved + excluded.resolved, "
    "closed = stat_cell.closed + excluded.closed, "
    "supporters = stat_cell.supporters + excluded.supporters"
)
DETAIL_UPSERT = sa.text(
    "INSERT INTO stat_cell_detail (month, district_id, category_id, measure, key, n) "
    "VALUES (:month, :district_id, :category_id, :measure, :key, :n) "
    "ON CONFLICT (month, district_id, category_id, measure, key) DO UPDATE SET "
    "n = stat_cell_detail.n + excluded.n"
)
_DETAIL_COLUMNS = ("month", "district_id", "category_id", "measure", "key", "n")


def _detail_upsert(rows: int) -> sa.TextClause:
    """``DETAIL_UPSERT`` for ``rows`` rows in one statement (a new report adds three or four:
    one statement, not one per row; the values listed in the rows' order, so rows are still
    locked in key order). The columns of row i are bound as ``month_i``, ``district_id_i``, …"""
    one = "(:month, :district_id, :category_id, :measure, :key, :n)"
    values = ", ".join(one.replace(",", f"_{i},").replace(")", f"_{i})") for i in range(rows))
    # Only the statement's own text with numbered bind parameters: nothing from outside.
    return sa.text(str(DETAIL_UPSERT.text).replace(one, values))


# Up to this many detail rows go as one statement (each written out once, here); more (a
# rebuild-sized change) as an executemany of ``DETAIL_UPSERT``.
_DETAIL_UPSERT_MAX_ROWS = 16
_DETAIL_UPSERTS = {rows: _detail_upsert(rows) for rows in range(1, _DETAIL_UPSERT_MAX_ROWS + 1)}
# Handed to the driver (``app.core.prepared``): a new report's writes go this way.
_PREPARED_DETAIL_UPSERTS = {
    rows: Prepared(statement) for rows, statement in _DETAIL_UPSERTS.items()
}
_PREPARED_CELL_UPSERT = Prepared(CELL_UPSERT)


def _upsert_details(connection: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if len(rows) > _DETAIL_UPSERT_MAX_ROWS:
        connection.execute(DETAIL_UPSERT, rows)
        return
    _PREPARED_DETAIL_UPSERTS[len(rows)](
        connection,
        {f"{column}_{i}": row[column] for i, row in enumerate(rows) for column in _DETAIL_COLUMNS},
    )


def _at_key(table: sa.Table) -> list[Any]:
    return [table.c[name] == sa.bindparam(name) for name in ("month", "district_id", "category_id")]


# Rows that a negative difference brought to zero go (per cell, in one executemany).
EMPTY_DETAILS_DELETE = sa.delete(DETAILS).where(*_at_key(DETAILS), DETAILS.c.n == 0)
EMPTY_CELL_DELETE = sa.delete(CELLS).where(*_at_key(CELLS), CELLS.c.received == 0)


# What the reports added before (locked: see ``count_reports``), and its replacement; built
# once, the ids bound per call.
_COUNTED_BEFORE = (
    sa.select(REPORTS)
    .where(REPORTS.c.report_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(REPORTS.c.report_id)
    .with_for_update()
)
_COUNTS_DELETE = sa.delete(REPORTS).where(
    REPORTS.c.report_id.in_(sa.bindparam("ids", expanding=True))
)
_COUNTS_INSERT = sa.insert(REPORTS)


def _one_report_upsert(details: int) -> sa.TextClause:
    """PostgreSQL: a new report's counts (``stat_report``), its cell's and ``details`` detail
    rows' additions, as data-modifying CTEs of one statement (one round trip instead of three),
    written in the same order as apart: the report's row, the cell, its details in key order.
    The report's row is bound as ``r_report_id``, ``r_counts``; the cell as ``CELL_UPSERT``
    binds it; the detail rows as ``_detail_upsert`` binds them."""
    sql = (
        "WITH counted AS (INSERT INTO stat_report (report_id, month, district_id, category_id, "
        "counts) VALUES (:r_report_id, :month, :district_id, :category_id, :r_counts))"
    )
    if details:
        sql += f", cell AS ({CELL_UPSERT.text}) {_DETAIL_UPSERTS[details].text}"
    else:
        sql += f" {CELL_UPSERT.text}"
    return sa.text(sql).bindparams(sa.bindparam("r_counts", type_=REPORTS.c.counts.type))


_ONE_REPORT_UPSERTS = {
    rows: Prepared(_one_report_upsert(rows)) for rows in range(_DETAIL_UPSERT_MAX_ROWS + 1)
}

# SQLite: a new report's counts row, unless the report's id has one already (SQLite may hand
# out the id of a report removed by hand again); its row count says which.
_NEW_COUNTS_INSERT = Prepared(
    sa.text(
        "INSERT INTO stat_report (report_id, month, district_id, category_id, counts) "
        "VALUES (:report_id, :month, :district_id, :category_id, :counts) "
        "ON CONFLICT (report_id) DO NOTHING"
    ).bindparams(sa.bindparam("counts", type_=REPORTS.c.counts.type))
)


def _add_new_report(
    session: orm.Session,
    connection: sa.Connection,
    noted: _Noted | None,
    report_id: int,
    ctx: RollupContext,
) -> bool:
    """SQLite, for a report inserted in this transaction and counted from its objects: its
    counts row written without reading first, and its counts added to its cell. False where
    that does not apply (not such a report, or its id had a row already: nothing is written
    then), and the caller counts it the general way."""
    if connection.dialect.name != "sqlite" or noted is None or report_id not in noted.born:
        return False
    found = _from_session(noted, report_id, None, ctx)
    if found is None:
        return False
    key, counts = found
    if _NEW_COUNTS_INSERT(connection, _report_row(report_id, key, counts)).rowcount != 1:
        return False
    add_to_cells(session, {key: counts})
    return True


def _add_one_report(
    connection: sa.Connection, report_id: int, key: CellKey, counts: CellCounts
) -> bool:
    """PostgreSQL, where a report that added nothing before adds ``counts`` (none negative) to
    its cell: all three writes in one statement. False where that does not apply (SQLite, or
    more detail rows than one statement takes): the caller writes them apart."""
    if connection.dialect.name != "postgresql":
        return False
    details = _detail_rows(key, counts)
    numbers = [*counts.columns().values(), *counts.details.values()]
    if len(details) > _DETAIL_UPSERT_MAX_ROWS or min(numbers) < 0 or not any(numbers):
        return False
    params: dict[str, Any] = {"r_report_id": report_id, "r_counts": flatten(counts)}
    params.update(_cell_row(key, counts))
    params.update(
        {
            f"{column}_{i}": row[column]
            for i, row in enumerate(details)
            for column in _DETAIL_COLUMNS
        }
    )
    _ONE_REPORT_UPSERTS[len(details)](connection, params)
    return True


def add_to_cells(session: orm.Session, deltas: dict[CellKey, CellCounts]) -> None:
    """Add each delta (which may be negative) to its cell, one statement per table (an
    executemany, or for a few detail rows one multi-row upsert), in key order (so no two
    transactions wait for each other in a circle); rows that reach zero go."""
    keys = [
        key
        for key in sorted(deltas)
        if any(deltas[key].columns().values()) or any(deltas[key].details.values())
    ]
    if not keys:
        return
    connection = session.connection()  # Core statements on the session's transaction
    if len(keys) == 1:
        _PREPARED_CELL_UPSERT(connection, _cell_row(keys[0], deltas[keys[0]]))
    else:
        connection.execute(CELL_UPSERT, [_cell_row(key, deltas[key]) for key in keys])
    detail_rows = [row for key in keys for row in _detail_rows(key, deltas[key])]
    if detail_rows:
        _upsert_details(connection, detail_rows)
    emptied = [key.columns() for key in keys if any(n < 0 for n in deltas[key].details.values())]
    if emptied:
        connection.execute(EMPTY_DETAILS_DELETE, emptied)
    gone = [key.columns() for key in keys if deltas[key].received < 0]
    if gone:
        connection.execute(EMPTY_CELL_DELETE, gone)


def add_to_cell(session: orm.Session, key: CellKey, delta: CellCounts) -> None:
    """Add ``delta`` (which may be negative) to the cell; rows that reach zero go."""
    add_to_cells(session, {key: delta})


def _ids_in(ids: list[int]) -> Callable[[Any], Any]:
    """Selects the reports ``ids`` by a report-id column (see ``contributions``)."""
    return lambda column: column.in_(ids)


def _ids_between(first: int, last: int) -> Callable[[Any], Any]:
    return lambda column: column.between(first, last)


def _from_session(
    noted: _Noted | None,
    report_id: int,
    old: CellCounts | None,
    ctx: RollupContext,
) -> tuple[CellKey, CellCounts] | None:
    """What a report adds to its cell, from the objects in the session where they hold all
    of it: a report inserted in this transaction (its events, tickets and copies came with
    it), or one loaded whose status or dates alone changed (its trail is in its stored
    counts). None where the database must be read."""
    if noted is None or report_id in noted.read:
        return None
    trail: Trail | None
    if report_id in noted.born:
        report = noted.born[report_id]
        trail = noted.trail_of_born(report_id, ctx)
    elif report_id in noted.status_changed and old is not None:
        if noted.trail_changed(report_id):
            return None
        report = noted.status_changed[report_id]
        trail = trail_of(old)
    else:
        return None
    born = report_id in noted.born
    facts = facts_of(report, ctx, born=born) if trail is not None else None
    if facts is None or trail is None:
        return None
    counts = CellCounts()
    count_report(counts, facts, trail, ctx)
    return cell_of(facts, ctx.tz), counts


def count_reports(
    session: orm.Session, report_ids: Iterable[int], noted: _Noted | None = None
) -> int:
    """Count these reports anew and add the differences to their cells (reports that no
    longer exist are taken out). Their ``stat_report`` rows are locked first, so two
    transactions changing one report take turns and the second starts from the first's counts;
    cells are written in key order, so no two transactions wait for each other in a circle.

    ``noted`` (what this transaction's flushes changed) lets reports be counted from their
    objects in the session instead of reading them back; the rest are read, one query per kind
    for all of them."""
    ids = sorted(set(report_ids))
    if not ids:
        return 0
    connection = session.connection()  # Core statements on the session's transaction
    # On PostgreSQL a report's id comes from a sequence and is never handed out again, so a
    # report inserted in this transaction has no counts stored yet: nothing to read (or lock).
    # (SQLite may hand out the id of a report removed by hand again: there a new report's
    # row is written where none is there, ``_add_new_report``, and read otherwise.)
    born = noted.born if noted is not None and connection.dialect.name == "postgresql" else None
    ctx = load_context(session)
    if len(ids) == 1 and _add_new_report(session, connection, noted, ids[0], ctx):
        return 1  # the common case on SQLite, a new report: three statements, none a read
    deltas: dict[CellKey, CellCounts] = {}

    def delta_of(key: CellKey) -> CellCounts:
        return deltas.setdefault(key, CellCounts())

    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        old_rows: Sequence[Any] = []  # reports inserted in this transaction added nothing yet
        if not (born is not None and all(report_id in born for report_id in part)):
            old_rows = connection.execute(_COUNTED_BEFORE, {"ids": part}).all()
        old = {
            row.report_id: (
                CellKey(row.month, row.district_id, row.category_id),
                unflatten(row.counts),
            )
            for row in old_rows
        }
        new: dict[int, tuple[CellKey, CellCounts]] = {}
        unread = []
        for report_id in part:
            old_counts = old[report_id][1] if report_id in old else None
            found = _from_session(noted, report_id, old_counts, ctx)
            if found is None:
                unread.append(report_id)
            else:
                new[report_id] = found
        if unread:
            new.update(contributions(session, ctx, [Report.id.in_(unread)], _ids_in(unread)))
        for report_id in [i for i in old if i in new]:
            (old_key, old_counts), (new_key, new_counts) = old[report_id], new[report_id]
            if old_key == new_key and flatten(old_counts) == flatten(new_counts):
                del old[report_id], new[report_id]  # counts as before (e.g. still open)
        for key, counts in old.values():
            add_counts(delta_of(key), counts, -1)
        for key, counts in new.values():
            add_counts(delta_of(key), counts)
        if old:
            connection.execute(_COUNTS_DELETE, {"ids": list(old)})
        if not old and len(ids) == 1 and len(new) == 1:
            # The common case, a new report: its row, its cell and details in one statement.
            ((report_id, (key, counts)),) = new.items()
            if _add_one_report(connection, report_id, key, counts):
                return 1
        if new:
            connection.execute(
                _COUNTS_INSERT,
                [
                    _report_row(report_id, key, counts)
                    for report_id, (key, counts) in sorted(new.items())
                ],
            )
    add_to_cells(session, deltas)
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


def _note_event(noted: _Noted, event: ReportEvent) -> None:
    _note_event_values(noted, event.report_id, event.kind, event.actor, event.data)


def _note_event_values(noted: _Noted, report_id: int, kind: str, actor: str, data: Any) -> None:
    if kind in EVENT_KINDS:
        noted.ids.add(report_id)
        data = data if isinstance(data, dict) else {}
        noted.events.setdefault(report_id, []).append(
            (
                kind,
                actor,
                _text(data.get("department")),
                _text(data.get("old")),
                _text(data.get("new")),
            )
        )


def _note_delivery(noted: _Noted, delivery: Delivery) -> None:
    if delivery.purpose == FORWARD:
        noted.ids.add(delivery.report_id)
        tickets = noted.tickets.setdefault(delivery.report_id, set())
        if delivery.department_id is not None:  # (the read joins the department)
            tickets.add(delivery.department_id)


def note_new_deliveries(session: orm.Session, deliveries: Iterable[Delivery]) -> None:
    """Outbox rows written past the ORM's flush (the intake's, ``app.reports.intake``): noted
    as a flush would note them."""
    noted: _Noted = session.info.setdefault(_NOTED, _Noted())
    for delivery in deliveries:
        _note_delivery(noted, delivery)


def note_new_report(
    session: orm.Session, report: Report, events: Iterable[Mapping[str, Any]]
) -> None:
    """A new report and its events (the ``report_event`` rows' values), written past the ORM's
    flush (the intake inserts them itself, ``app.reports.intake``): noted as a flush would note
    them, so the commit counts the report from its objects like any other new one."""
    noted: _Noted = session.info.setdefault(_NOTED, _Noted())
    noted.ids.add(report.id)
    noted.born[report.id] = report
    for event in events:
        _note_event_values(noted, report.id, event["kind"], event["actor"], event["data"])


def _after_flush(session: orm.Session, _context: Any) -> None:
    """Note the reports whose statistics this flush changed, and what of it the session's
    objects tell (see ``_from_session``)."""
    noted: _Noted = session.info.setdefault(_NOTED, _Noted())
    ids = noted.ids
    for obj in session.new:
        if isinstance(obj, Report):
            ids.add(obj.id)
            noted.born[obj.id] = obj
        elif isinstance(obj, ReportEvent):
            _note_event(noted, obj)
        elif isinstance(obj, Delivery):
            _note_delivery(noted, obj)
        elif isinstance(obj, ReportCopy):
            ids.add(obj.report_id)
            noted.copies.setdefault(obj.report_id, set()).add(obj.department_id)
    for obj in session.dirty:
        if isinstance(obj, Report):
            changed = {name for name in _COUNTED if _changed(obj, (name,))}
            if changed:
                ids.add(obj.id)
                if changed <= _STATUS_ONLY:
                    noted.status_changed[obj.id] = obj
                elif obj.id not in noted.born:
                    noted.read.add(obj.id)
        elif isinstance(obj, ReportCopy) and _changed(obj, ("department_id", "department")):
            ids.add(obj.report_id)
            noted.read.add(obj.report_id)
    for obj in session.deleted:
        if isinstance(obj, Report | ReportCopy):
            report_id = obj.id if isinstance(obj, Report) else obj.report_id
            ids.add(report_id)
            noted.read.add(report_id)
    ids.discard(None)  # type: ignore[arg-type]
    if any(
        isinstance(obj, CONFIGURATION) for obj in (*session.new, *session.dirty, *session.deleted)
    ):
        forget_context()


def _before_commit(session: orm.Session) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # what the commit would flush next: its changes are noted now
    noted = session.info.pop(_NOTED, None)
    if noted and noted.ids:
        count_reports(session, noted.ids, noted)


def _forget(session: orm.Session, transaction: orm.SessionTransaction) -> None:
    """A rolled-back transaction changed nothing. After a rolled-back savepoint the noted
    reports stay noted: some may have changed outside it, and counting an unchanged report
    anew adds nothing — but they are read back, as the objects may hold what was undone."""
    if transaction.parent is None and not transaction.nested:
        session.info.pop(_NOTED, None)
    elif _NOTED in session.info:
        noted: _Noted = session.info[_NOTED]
        session.info[_NOTED] = _Noted(ids=noted.ids, read=set(noted.ids))


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
