"""Reading what the statistics count: the non-personal facts of reports (``ReportFacts``),
what the event log, the deliveries and the copies say about them (``Trail``), and the
configuration counting needs (``RollupContext``, kept per process for a minute)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import orm

from app.catalogue.models import Category, CategoryAttribute
from app.core.enums import AttributeType, ReportStatus, RuleAction
from app.core.events import ReportEvent
from app.forwarding.models import Delivery
from app.reports.models import Report, ReportCopy
from app.routing.models import Department, RoutingRule
from app.statistics.counts import (
    CellCounts,
    CellKey,
    ReportFacts,
    RollupContext,
    Trail,
    cell_of,
    count_report,
)
from app.statistics.months import city_timezone

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
# A "lighting check": a routing copy, to the department of the copy rule on this answer, of a
# report that gave the answer (city.json ``statistics.lighting_check`` may name another answer,
# and a ``department`` code for when no such rule exists any more).
DEFAULT_LIGHTING_CHECK = {"attribute": "reasons", "value": "dark"}

# Kept per process for a minute (and dropped when this process changes a category, question,
# rule or department): counting a changed report then needs no configuration query.
CONTEXT_SECONDS = 60.0
_CONTEXT = "qm_statistics_context"
# A change to one of these drops the kept context.
CONFIGURATION = (Category, CategoryAttribute, RoutingRule, Department)


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

    departments = dict(session.execute(sa.select(Department.code, Department.id)).tuples().all())
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
        department_codes={id_: code for code, id_ in departments.items()},
    )


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


# What counting a report from its object in the session needs loaded.
REPORT_ATTRIBUTES = (
    "id",
    "category_id",
    "district_id",
    "department_id",
    "status",
    "created_at",
    "closed_at",
    "updated_at",
    "due_at",
    "attributes",
)


def facts_of(report: Report, ctx: RollupContext, *, born: bool = False) -> ReportFacts | None:
    """The facts of a report object in the session, as ``_facts`` would read them — or None
    where that needs the database (an attribute not loaded, a department not in the context).
    A report ``born`` in this transaction was inserted with NULL for the attributes never set
    (they read as None without a query); one given a value by the database is expired."""
    state = sa.inspect(report)
    missing = state.expired_attributes if born else state.unloaded
    if state.deleted or state.detached or not missing.isdisjoint(REPORT_ATTRIBUTES):
        return None
    department_code = None
    if report.department_id is not None:
        department_code = ctx.department_codes.get(report.department_id)
        if department_code is None:
            return None
    attributes = report.attributes or {}
    return ReportFacts(
        category_id=report.category_id,
        district_id=report.district_id,
        department_code=department_code,
        status=ReportStatus(report.status),
        created_at=report.created_at,
        closed_at=report.closed_at,
        updated_at=report.updated_at,
        due_at=report.due_at,
        answers={code: attributes[code] for code in ctx.answer_codes if attributes.get(code)},
    )


def add_event(trail: Trail, kind: str, actor: str, department: Any, old: Any, new: Any) -> None:
    """Add one event of the log (of ``EVENT_KINDS``) to a report's trail."""
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
        add_event(trails.setdefault(report_id, Trail()), kind, actor, department, old, new)
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
