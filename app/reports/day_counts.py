"""Reports per day of their receipt (UTC), category and status — a date window's total without
counting its reports.

``report_day_count`` is kept in step by triggers on ``report`` (migration 0023) in the same
transaction as every insert, delete and change of received time, category or status, whichever
code makes it. A window's total (:func:`window_total`) is the counters of its whole days plus
the reports of the two partial days at its ends, counted from the index of the received time:
at most two days of reports, however long the window or the history.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy import orm
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql import operators

from app.core.enums import OPEN_STATUSES
from app.extensions import Model
from app.reports.models import Report

_OPEN_VALUES = sorted(s.value for s in OPEN_STATUSES)


class ReportDayCount(Model):
    """Reports per day (UTC), category and status (maintained by triggers, never by hand)."""

    __tablename__ = "report_day_count"

    day: Mapped[date] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    n: Mapped[int]


def _midnight(day: date, tz: Any) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz)


def _reports(
    low: datetime | sa.BindParameter[Any],
    high: datetime | sa.BindParameter[Any],
    *,
    high_inclusive: bool,
    filters: list[Any],
) -> sa.ScalarSelect[Any]:
    """The reports received from ``low`` to ``high`` (times, or parameters bound later),
    counted from the index."""
    upper = Report.created_at <= high if high_inclusive else Report.created_at < high
    return (
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.created_at >= low, upper, *filters)
        .scalar_subquery()
    )


def _next_midnight(start: datetime) -> datetime:
    """The midnight after ``start`` (in its zone): from there on whole days are counted."""
    return _midnight(start.date() + timedelta(days=1), start.tzinfo)


# The window most lists ask for (from a start on; all categories and statuses) as one statement
# built once: its times bound per request (``since_params``).
_SINCE = sa.bindparam("window_start", type_=Report.created_at.type)
_SINCE_MIDNIGHT = sa.bindparam("window_next_midnight", type_=Report.created_at.type)
_SINCE_DAY = sa.bindparam("window_first_day", type_=ReportDayCount.day.type)
RECEIVED_SINCE = Report.created_at >= _SINCE  # the list's condition, bound with the same name


def since_total() -> sa.ColumnElement[Any]:
    """``window_total(start, None, None)`` with ``start`` bound when it runs (``since_params``):
    the reports of the start's day from it on, counted, plus the counters of every day after."""
    counted = _reports(_SINCE, _SINCE_MIDNIGHT, high_inclusive=False, filters=[])
    whole = (
        sa.select(sa.func.coalesce(sa.func.sum(ReportDayCount.n), 0))
        .where(ReportDayCount.day >= _SINCE_DAY)
        .scalar_subquery()
    )
    return counted + whole


def since_params(start: datetime) -> dict[str, Any]:
    """The values ``since_total`` and ``RECEIVED_SINCE`` are run with."""
    next_midnight = _next_midnight(start)
    return {
        "window_start": start,
        "window_next_midnight": next_midnight,
        "window_first_day": next_midnight.date(),
    }


def _not_for_index(column: orm.InstrumentedAttribute[int]) -> sa.ColumnElement[int]:
    """``+column``: the same number, but a term SQLite does not look up by an index (its
    documented way to steer the planner). The counters' key begins with the day: a window with
    a first day reads its days in order and tests category and status on each. With
    ``ANALYZE``'s statistics (some 50 rows a day) SQLite otherwise took the category as a key
    and skipped through every day of the history, testing the day on each: 15 ms for the
    Open311 list's 90-day total of one service at a million reports, against 0.4 ms."""
    return sa.UnaryExpression(
        column.expression, operator=operators.custom_op("+"), type_=column.type
    )


def window_total(
    start: datetime | None,
    end: datetime | None,
    category_ids: Iterable[int] | None,
    statuses: Iterable[str] = (),
) -> sa.ColumnElement[Any]:
    """How many reports were received from ``start`` to ``end`` (both included; None: open),
    of these categories (None: all), open or closed (``statuses`` holding "open" or "closed"
    alone; otherwise all), as an SQL expression to read with another statement."""
    wanted = set(statuses)
    day_filters: list[Any] = []
    report_filters: list[Any] = []
    if category_ids is not None:
        ids = sorted(set(category_ids))
        category = ReportDayCount.category_id
        # Without a first day the history is read anyway: by category, if SQLite so chooses.
        day_filters.append((category if start is None else _not_for_index(category)).in_(ids))
        report_filters.append(Report.category_id.in_(ids))
    if wanted == {"open"}:
        day_filters.append(ReportDayCount.status.in_(_OPEN_VALUES))
        report_filters.append(Report.status.in_(_OPEN_VALUES))
    elif wanted == {"closed"}:
        day_filters.append(ReportDayCount.status.not_in(_OPEN_VALUES))
        report_filters.append(Report.status.not_in(_OPEN_VALUES))

    parts: list[Any] = []
    first_whole: date | None = None  # the first day counted by its counters
    if start is not None:
        next_midnight = _next_midnight(start)
        if end is not None and end < next_midnight:
            # The window lies within one day: its reports, counted.
            return _reports(start, end, high_inclusive=True, filters=report_filters)
        parts.append(_reports(start, next_midnight, high_inclusive=False, filters=report_filters))
        first_whole = next_midnight.date()
    whole = [*day_filters]
    if first_whole is not None:
        whole.append(ReportDayCount.day >= first_whole)
    if end is not None:
        whole.append(ReportDayCount.day < end.date())
        parts.append(
            _reports(
                _midnight(end.date(), end.tzinfo), end, high_inclusive=True, filters=report_filters
            )
        )
    parts.append(
        sa.select(sa.func.coalesce(sa.func.sum(ReportDayCount.n), 0))
        .where(*whole)
        .scalar_subquery()
    )
    total: Any = parts[0]
    for part in parts[1:]:
        total = total + part
    return total
