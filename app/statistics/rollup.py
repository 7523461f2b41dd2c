"""Keeping the statistics rollup current, in the same transaction as every report change.

Session hooks note which reports changed in a way the statistics see (a new report, a status
or place or category or department change, a re-route, a partner's "not ours", a ticket, a
routing copy, a "me too"); just before the commit each of them is counted anew from the
database, and the difference to what it added before (``stat_report``) is added to its cell —
to both cells when it moved. Counting the changed report anew, rather than adjusting a count
by what the code path did, keeps the rollup right whatever path changed a report; adding the
difference keeps the work per change small however full its cell is. ``rebuild`` counts
everything (``flask statistics rebuild``, after a bulk import that bypassed the ORM).

Only non-personal columns are read: the report's category, district, department, status and
times, the answers to list questions of sensitive categories, and from the event log the kinds
and department codes — never free text, contact data or a point.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import orm

from app.catalogue.models import Category, CategoryAttribute
from app.core.enums import OPEN_STATUSES, AttributeType, ReportStatus, RuleAction
from app.core.events import ReportEvent
from app.forwarding.models import Delivery
from app.reports.models import Report, ReportCopy
from app.routing.models import Department, RoutingRule
from app.statistics.models import NO_DISTRICT, StatCell, StatCellDetail, StatReport

log = logging.getLogger(__name__)

# What the key of a ``stat_cell_detail`` row means, per measure.
MEASURES = {
    "closed": "local month the report was closed, YYYYMM (for the backlog at a month's end)",
    "days": "calendar days from receipt to resolution, of resolved reports",
    "open_due": "local due date, YYYY-MM-DD, of open reports with a target",
    "reached": "code of a department the report was with at some point",
    "passed_on": "code of a department that re-routed the report elsewhere",
    "returned": "code of a department (partner) that returned the ticket as not theirs",
    "ticket": "code of a department the ticket was sent to (forwarding)",
    "answer": "code=value of a list question of a sensitive category",
    "lighting": "outcome of reports with a lighting check: resolved, not_resolvable, "
    "other_closed, open",
}
FORWARD = "forward"  # app.forwarding.outbox.FORWARD: a ticket to a department
EVENT_KINDS = (
    "submitted",
    "rerouted",
    "category_changed",
    "location_changed",
    "partner_returned",
    "supporter_added",
)
LIST_TYPES = (AttributeType.SINGLEVALUELIST, AttributeType.MULTIVALUELIST)
NOT_COUNTED_FOR_TARGET = frozenset({ReportStatus.DUPLICATE, ReportStatus.REJECTED})
# A "lighting check": a routing copy, to the department of the copy rule on this answer, of a
# report that gave the answer (city.json ``statistics.lighting_check`` may name another answer,
# and a ``department`` code for when no such rule exists any more).
DEFAULT_LIGHTING_CHECK = {"attribute": "reasons", "value": "dark"}

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


# --- months and days in the city's time zone ---------------------------------------------------


def city_timezone() -> ZoneInfo:
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Europe/Berlin"
    return ZoneInfo(name)


def month_key(moment: datetime, tz: ZoneInfo) -> int:
    """The local month of ``moment`` as 202603."""
    local = moment.astimezone(tz)
    return local.year * 100 + local.month


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def add_months(month: int, count: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + count
    return (index // 12) * 100 + index % 12 + 1


def month_bounds(month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local month begins and the next one begins."""
    start = datetime(month // 100, month % 100, 1, tzinfo=tz)
    following = add_months(month, 1)
    end = datetime(following // 100, following % 100, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- counting ---------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class CellKey:
    month: int
    district_id: int
    category_id: int


@dataclass
class CellCounts:
    received: int = 0
    with_target: int = 0
    target_closed: int = 0
    open_with_target: int = 0
    resolved_in_time: int = 0
    resolved: int = 0
    closed: int = 0
    supporters: int = 0
    details: Counter[tuple[str, str]] = field(default_factory=Counter)

    def columns(self) -> dict[str, int]:
        return {
            "received": self.received,
            "with_target": self.with_target,
            "target_closed": self.target_closed,
            "open_with_target": self.open_with_target,
            "resolved_in_time": self.resolved_in_time,
            "resolved": self.resolved,
            "closed": self.closed,
            "supporters": self.supporters,
        }


@dataclass
class Trail:
    """What the event log, the deliveries and the copies say about one report."""

    reached: set[str] = field(default_factory=set)  # department codes
    passed_on: set[str] = field(default_factory=set)
    returned: set[str] = field(default_factory=set)
    tickets: set[str] = field(default_factory=set)
    supporters: int = 0
    lighting_copy: bool = False  # a copy to a lighting-check department


@dataclass(frozen=True)
class ReportFacts:
    """The non-personal facts of one report the statistics count."""

    category_id: int
    district_id: int | None
    department_code: str | None
    status: ReportStatus
    created_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    due_at: datetime | None
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RollupContext:
    """What counting needs besides the reports: time zone, the list questions of sensitive
    categories, and what makes a copy a lighting check."""

    tz: ZoneInfo
    # sensitive category id → {question code: allowed answer keys}
    answers: dict[int, dict[str, frozenset[str]]]
    lighting_attribute: str
    lighting_value: str
    lighting_departments: frozenset[int]

    @property
    def answer_codes(self) -> list[str]:
        return sorted({code for spec in self.answers.values() for code in spec})


# Kept per process for a minute (and dropped when this process changes a category, question,
# rule or department): counting a changed report then needs no configuration query.
CONTEXT_SECONDS = 60.0
_CONTEXT = "qm_statistics_context"
_CONFIGURATION = (Category, CategoryAttribute, RoutingRule, Department)


def load_context(session: orm.Session, *, fresh: bool = False) -> RollupContext:
    cache = current_app.extensions if has_app_context() else {}
    cached = cache.get(_CONTEXT)
    if not fresh and cached and cached[0] > time.monotonic():
        return cached[1]
    ctx = _read_context(session)
    cache[_CONTEXT] = (time.monotonic() + CONTEXT_SECONDS, ctx)
    return ctx


def forget_context() -> None:
    if has_app_context():
        current_app.extensions.pop(_CONTEXT, None)


def _read_context(session: orm.Session) -> RollupContext:
    from app.cities.settings import city

    departments = dict(session.execute(sa.select(Department.code, Department.id)).all())
    answers: dict[int, dict[str, frozenset[str]]] = {}
    sensitive = session.execute(sa.select(Category.id).where(Category.is_sensitive.is_(True)))
    for (category_id,) in sensitive:
        answers[category_id] = {}
    if answers:
        for attribute in session.execute(
            sa.select(CategoryAttribute).where(
                CategoryAttribute.category_id.in_(list(answers)),
                CategoryAttribute.datatype.in_(LIST_TYPES),
            )
        ).scalars():
            answers[attribute.category_id][attribute.code] = frozenset(attribute.value_keys())
    lighting = {
        **DEFAULT_LIGHTING_CHECK,
        **city().raw.get("statistics", {}).get("lighting_check", {}),
    }
    lighting_departments = set(
        session.execute(
            sa.select(RoutingRule.department_id).where(
                RoutingRule.action == RuleAction.COPY,
                RoutingRule.attribute_code == str(lighting["attribute"]),
                RoutingRule.attribute_value == str(lighting["value"]),
            )
        ).scalars()
    )
    if lighting.get("department") in departments:
        lighting_departments.add(departments[lighting["department"]])
    return RollupContext(
        tz=city_timezone(),
        answers=answers,
        lighting_attribute=str(lighting["attribute"]),
        lighting_value=str(lighting["value"]),
        lighting_departments=frozenset(lighting_departments),
    )


def cell_of(facts: ReportFacts, tz: ZoneInfo) -> CellKey:
    return CellKey(
        month_key(facts.created_at, tz),
        facts.district_id if facts.district_id is not None else NO_DISTRICT,
        facts.category_id,
    )


def lighting_outcome(status: ReportStatus) -> str:
    if status == ReportStatus.RESOLVED:
        return "resolved"
    if status == ReportStatus.NOT_RESOLVABLE:
        return "not_resolvable"
    return "open" if status in OPEN_STATUSES else "other_closed"


def count_report(counts: CellCounts, facts: ReportFacts, trail: Trail, ctx: RollupContext) -> None:
    """Add one report to its cell's counts (the definitions the README explains)."""
    tz = ctx.tz
    details = counts.details
    counts.received += 1
    is_closed = facts.status not in OPEN_STATUSES
    closed_at = facts.closed_at or (facts.updated_at if is_closed else None)
    if is_closed and closed_at is not None:
        counts.closed += 1
        details["closed", str(month_key(closed_at, tz))] += 1
    if facts.status == ReportStatus.RESOLVED and closed_at is not None:
        counts.resolved += 1
        days = (local_date(closed_at, tz) - local_date(facts.created_at, tz)).days
        details["days", str(max(days, 0))] += 1
    if facts.due_at is not None and facts.status not in NOT_COUNTED_FOR_TARGET:
        counts.with_target += 1
        if is_closed:
            counts.target_closed += 1
            if (
                facts.status == ReportStatus.RESOLVED
                and closed_at is not None
                and closed_at <= facts.due_at
            ):
                counts.resolved_in_time += 1
        else:
            counts.open_with_target += 1
            details["open_due", local_date(facts.due_at, tz).isoformat()] += 1
    counts.supporters += trail.supporters

    reached = set(trail.reached)
    if facts.department_code is not None:
        reached.add(facts.department_code)
    for measure, departments in (
        ("reached", reached),
        ("passed_on", trail.passed_on),
        ("returned", trail.returned),
        ("ticket", trail.tickets),
    ):
        for code in departments:
            details[measure, code] += 1

    questions = ctx.answers.get(facts.category_id)
    if questions is None:
        return  # answers and lighting checks are counted for sensitive categories only
    for code, allowed in questions.items():
        value = facts.answers.get(code)
        values = value if isinstance(value, list) else [value]
        for item in dict.fromkeys(values):
            if isinstance(item, str) and item in allowed:
                details["answer", f"{code}={item}"] += 1
    answer = facts.answers.get(ctx.lighting_attribute)
    gave_it = ctx.lighting_value in (answer if isinstance(answer, list) else [answer])
    if trail.lighting_copy and gave_it:
        details["lighting", lighting_outcome(facts.status)] += 1


# --- reading reports -------------------------------------------------------------------------

_REPORT_COLUMNS = (
    Report.id,
    Report.category_id,
    Report.district_id,
    Department.code.label("department_code"),
    Report.status,
    Report.created_at,
    Report.closed_at,
    Report.updated_at,
    Report.due_at,
)


def _facts(
    session: orm.Session, conditions: list[Any], codes: list[str]
) -> list[tuple[int, ReportFacts]]:
    answer_columns = [Report.attributes[code] for code in codes]
    rows = session.execute(
        sa.select(*_REPORT_COLUMNS, *answer_columns)
        .outerjoin(Department, Department.id == Report.department_id)
        .where(*conditions)
    )
    result = []
    width = len(_REPORT_COLUMNS)
    for row in rows:
        answers = {code: row[width + i] for i, code in enumerate(codes) if row[width + i]}
        result.append(
            (
                row.id,
                ReportFacts(
                    category_id=row.category_id,
                    district_id=row.district_id,
                    department_code=row.department_code,
                    status=ReportStatus(row.status),
                    created_at=row.created_at,
                    closed_at=row.closed_at,
                    updated_at=row.updated_at,
                    due_at=row.due_at,
                    answers=answers,
                ),
            )
        )
    return result


def _partner_code(actor: str) -> str | None:
    kind, _sep, ident = actor.partition(":")
    return ident if kind == "partner" and ident else None


def _trails(
    session: orm.Session, ctx: RollupContext, reports: Callable[[Any], Any]
) -> dict[int, Trail]:
    """Trails of the reports selected by ``reports(report_id_column)``."""
    trails: dict[int, Trail] = {}
    events = session.execute(
        sa.select(
            ReportEvent.report_id,
            ReportEvent.kind,
            ReportEvent.actor,
            ReportEvent.data["department"].as_string(),
            ReportEvent.data["old"].as_string(),
            ReportEvent.data["new"].as_string(),
        ).where(reports(ReportEvent.report_id), ReportEvent.kind.in_(EVENT_KINDS))
    )
    for report_id, kind, actor, department, old, new in events:
        trail = trails.setdefault(report_id, Trail())
        if kind == "supporter_added":
            trail.supporters += 1
        elif kind == "rerouted":
            if old:
                trail.passed_on.add(old)
            if new:
                trail.reached.add(new)
        elif kind == "partner_returned":
            code = _partner_code(actor)
            if code:
                trail.returned.add(code)
                trail.reached.add(code)
        elif department:
            trail.reached.add(department)
    tickets = session.execute(
        sa.select(Delivery.report_id, Department.code)
        .join(Department, Department.id == Delivery.department_id)
        .where(reports(Delivery.report_id), Delivery.purpose == FORWARD)
    )
    for report_id, code in tickets:
        trails.setdefault(report_id, Trail()).tickets.add(code)
    if ctx.lighting_departments:
        copies = session.execute(
            sa.select(ReportCopy.report_id).where(
                reports(ReportCopy.report_id),
                ReportCopy.department_id.in_(ctx.lighting_departments),
            )
        )
        for (report_id,) in copies:
            trails.setdefault(report_id, Trail()).lighting_copy = True
    return trails


def contributions(
    session: orm.Session, ctx: RollupContext, conditions: list[Any], reports: Callable[[Any], Any]
) -> dict[int, tuple[CellKey, CellCounts]]:
    """What each selected report adds to its cell: ``conditions`` select the reports,
    ``reports(column)`` the same reports by a report-id column of another table."""
    facts = _facts(session, conditions, ctx.answer_codes)
    if not facts:
        return {}
    trails = _trails(session, ctx, reports)
    empty = Trail()
    result = {}
    for report_id, report in facts:
        counts = CellCounts()
        count_report(counts, report, trails.get(report_id, empty), ctx)
        result[report_id] = (cell_of(report, ctx.tz), counts)
    return result


# --- one report's counts as stored, and differences -------------------------------------------


def flatten(counts: CellCounts) -> dict[str, int]:
    """A report's counts as ``stat_report.counts``: columns by name, details "measure|key"."""
    flat = {name: n for name, n in counts.columns().items() if n}
    flat.update({f"{measure}|{key}": n for (measure, key), n in counts.details.items() if n})
    return flat


def unflatten(flat: dict[str, int]) -> CellCounts:
    counts = CellCounts()
    columns = set(counts.columns())
    for name, n in flat.items():
        if name in columns:
            setattr(counts, name, getattr(counts, name) + n)
        else:
            measure, _sep, key = name.partition("|")
            counts.details[measure, key] += n
    return counts


def add_counts(total: CellCounts, other: CellCounts, sign: int = 1) -> None:
    for name in total.columns():
        setattr(total, name, getattr(total, name) + sign * getattr(other, name))
    for item, n in other.details.items():
        total.details[item] += sign * n


# --- writing ----------------------------------------------------------------------------------


def _insert(session: orm.Session):
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert


def _cell_filter(table: sa.Table, key: CellKey) -> list[Any]:
    return [
        table.c.month == key.month,
        table.c.district_id == key.district_id,
        table.c.category_id == key.category_id,
    ]


def _detail_rows(key: CellKey, counts: CellCounts) -> list[dict[str, Any]]:
    return [
        {
            "month": key.month,
            "district_id": key.district_id,
            "category_id": key.category_id,
            "measure": measure,
            "key": detail_key,
            "n": n,
        }
        for (measure, detail_key), n in sorted(counts.details.items())
        if n
    ]


_UPSERTS: dict[str, tuple[Any, Any]] = {}


def _upserts(session: orm.Session) -> tuple[Any, Any]:
    """The two "add to the row, creating it" statements, built once per dialect."""
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        insert = _insert(session)
        cells, details = StatCell.__table__, StatCellDetail.__table__
        columns = list(CellCounts().columns())
        cell = insert(cells)
        cell = cell.on_conflict_do_update(
            index_elements=[cells.c.month, cells.c.district_id, cells.c.category_id],
            set_={
                "version": cells.c.version + 1,
                **{name: cells.c[name] + cell.excluded[name] for name in columns},
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
    cells, details = StatCell.__table__, StatCellDetail.__table__
    session.execute(
        cell_upsert,
        {
            "month": key.month,
            "district_id": key.district_id,
            "category_id": key.category_id,
            "version": 1,
            **delta.columns(),
        },
    )
    rows = _detail_rows(key, delta)
    if rows:
        session.execute(detail_upsert, rows)
    if any(n < 0 for n in delta.details.values()):
        session.execute(sa.delete(details).where(*_cell_filter(details, key), details.c.n == 0))
    if delta.received < 0:
        session.execute(sa.delete(cells).where(*_cell_filter(cells, key), cells.c.received == 0))


def count_reports(session: orm.Session, report_ids: Iterable[int]) -> int:
    """Count these reports anew and add the differences to their cells (reports that no
    longer exist are taken out). Their ``stat_report`` rows are locked first, so two
    transactions changing one report take turns and the second starts from the first's counts;
    cells are written in key order, so no two transactions wait for each other in a circle."""
    ids = sorted(set(report_ids))
    if not ids:
        return 0
    table = StatReport.__table__
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
        new = contributions(
            session, ctx, [Report.id.in_(part)], lambda column, part=part: column.in_(part)
        )
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
                    {
                        "report_id": report_id,
                        "month": key.month,
                        "district_id": key.district_id,
                        "category_id": key.category_id,
                        "counts": flatten(counts),
                    }
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
    for model in (StatReport, StatCellDetail, StatCell):
        session.execute(sa.delete(model.__table__))
    ctx = load_context(session, fresh=True)
    highest = session.execute(sa.select(sa.func.max(Report.id))).scalar() or 0
    totals: dict[CellKey, CellCounts] = {}
    for first in range(0, highest + 1, chunk):
        last = first + chunk - 1
        found = contributions(
            session,
            ctx,
            [Report.id.between(first, last)],
            lambda column, a=first, b=last: column.between(a, b),
        )
        rows = []
        for report_id, (key, counts) in found.items():
            total = totals.get(key)
            if total is None:
                total = totals[key] = CellCounts()
            add_counts(total, counts)
            rows.append(
                {
                    "report_id": report_id,
                    "month": key.month,
                    "district_id": key.district_id,
                    "category_id": key.category_id,
                    "counts": flatten(counts),
                }
            )
        for start in range(0, len(rows), 5000):
            session.execute(sa.insert(StatReport.__table__), rows[start : start + 5000])
        if progress:
            progress(min(last, highest), highest)
    cell_rows = [
        {
            "month": key.month,
            "district_id": key.district_id,
            "category_id": key.category_id,
            "version": 1,
            **counts.columns(),
        }
        for key, counts in sorted(totals.items())
    ]
    detail_rows = [
        row for key, counts in sorted(totals.items()) for row in _detail_rows(key, counts)
    ]
    for start in range(0, len(cell_rows), 5000):
        session.execute(sa.insert(StatCell.__table__), cell_rows[start : start + 5000])
    for start in range(0, len(detail_rows), 5000):
        session.execute(sa.insert(StatCellDetail.__table__), detail_rows[start : start + 5000])
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
        isinstance(obj, _CONFIGURATION) for obj in (*session.new, *session.dirty, *session.deleted)
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
