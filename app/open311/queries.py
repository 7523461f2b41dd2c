"""Read-side queries of the API: the filtered, paged request list, its capped total, and the
few indexed aggregates its ETag is made from."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from app.catalogue.snapshot import catalogue
from app.cities.models import CityState
from app.cities.settings import refresh_with
from app.core.enums import OPEN_STATUSES
from app.core.events import ReportEvent
from app.extensions import db
from app.open311.filters import RequestFilter
from app.open311.params import TOTAL_COUNT_CAP
from app.reports.day_counts import RECEIVED_SINCE, since_params, since_total, window_total
from app.reports.models import Report, ReportSupporter
from app.reports.public_facts import FACT_COLUMNS, ReportFacts, related_columns, report_facts


@dataclass(frozen=True)
class RequestPage:
    """One page of the list: its reports' rows (the columns of ``_facts_columns``: the facts,
    then the supporters), whether a next page exists, and the number of all matching reports
    (None when there are more than ``TOTAL_COUNT_CAP``)."""

    rows: Sequence[Sequence[Any]]
    has_next: bool
    total: int | None

    @functools.cached_property
    def reports(self) -> list[ReportFacts]:
        return report_facts(self.rows)

    @functools.cached_property
    def supporters(self) -> dict[int, int]:
        """By report id, read with the page."""
        return {row[0]: row[-1] for row in self.rows}


# How many residents support a report, read with it (an index lookup per report of the page).
_SUPPORTERS = (
    sa.select(sa.func.count(ReportSupporter.id))
    .where(ReportSupporter.report_id == Report.id)
    .correlate(Report)
    .scalar_subquery()
)


def _core(statement: Any, params: dict[str, Any] | None = None) -> sa.CursorResult[Any]:
    """A statement of columns only, run on the session's connection: the ORM's execution path
    (meant for entities) cost more CPU than the rows."""
    return db.session.connection().execute(statement, params)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _facts_columns(dialect: str) -> tuple[Any, ...]:
    """The public view's facts of a report (its columns, its photos, copies and public events),
    then its supporters: everything a page needs in one statement."""
    return (*FACT_COLUMNS, *related_columns(dialect), _SUPPORTERS)


@functools.cache
def _by_references(dialect: str) -> sa.Select[Any]:
    return sa.select(*_facts_columns(dialect)).where(
        Report.reference.in_(sa.bindparam("references", expanding=True))
    )


def reports_by_references(references: list[str]) -> RequestPage:
    """The reports with these references, in the order asked for (unknown ones left out),
    with their supporters."""
    if not references:
        return RequestPage([], False, 0)
    rows = _core(_by_references(_dialect()), {"references": references}).all()
    by_reference = {row.reference: row for row in rows}
    ordered = [by_reference[ref] for ref in references if ref in by_reference]
    return RequestPage(ordered, False, len(ordered))


def _category_ids(codes: list[str]) -> list[int]:
    """The ids of these categories (active or not), from the process's cached snapshot."""
    categories = catalogue().categories
    return sorted({categories[code].id for code in codes if code in categories})


def _conditions(f: RequestFilter, category_ids: list[int] | None) -> list[sa.ColumnElement[bool]]:
    """The filters on ``report`` alone (service codes as category ids: no join needed, so the
    index on created_at, id, status, category_id answers both the page and the count)."""
    conditions: list[sa.ColumnElement[bool]] = []
    if category_ids is not None:
        conditions.append(Report.category_id.in_(category_ids))
    if f.start is not None:
        conditions.append(Report.created_at >= f.start)
    if f.end is not None:
        conditions.append(Report.created_at <= f.end)
    if f.updated_after is not None:
        conditions.append(Report.updated_at >= f.updated_after)
    if f.updated_before is not None:
        conditions.append(Report.updated_at <= f.updated_before)
    wanted = set(f.statuses)
    if wanted == {"open"}:
        conditions.append(Report.status.in_(OPEN_STATUSES))
    elif wanted == {"closed"}:
        conditions.append(Report.status.not_in(OPEN_STATUSES))
    if f.bbox is not None:
        conditions.append(_bbox_condition(f.bbox))
    return conditions


def _bbox_condition(bbox: tuple[float, float, float, float]) -> sa.ColumnElement[bool]:
    """On the public point: a sensitive report is found by its cell, never by its exact point."""
    min_lon, min_lat, max_lon, max_lat = bbox
    return sa.and_(
        Report.public_lat.between(min_lat, max_lat), Report.public_lon.between(min_lon, max_lon)
    )


def _capped(conditions: list[sa.ColumnElement[bool]]) -> sa.ScalarSelect[Any]:
    """How many reports match, counted up to ``TOTAL_COUNT_CAP + 1``, as a scalar subquery read
    with the page. Selects a constant, not a column, so that PostgreSQL can count from the
    index alone."""
    matching = (
        sa.select(sa.literal_column("1"))
        .select_from(Report)
        .where(*conditions)
        .limit(TOTAL_COUNT_CAP + 1)
        .subquery()
    )
    return sa.select(sa.func.count()).select_from(matching).scalar_subquery()


def capped_count(conditions: list[sa.ColumnElement[bool]]) -> int | None:
    """How many reports match, counted up to ``TOTAL_COUNT_CAP``; None above it."""
    count = db.session.execute(sa.select(_capped(conditions))).scalar_one()
    return count if count <= TOTAL_COUNT_CAP else None


def _counters_know(f: RequestFilter) -> bool:
    """Whether the day counters answer the filter's total (service codes, open or closed and
    the received-time window; not a box or the time of the last change)."""
    return f.bbox is None and f.updated_after is None and f.updated_before is None


def _page_statement(
    conditions: list[sa.ColumnElement[bool]], total: Any, dialect: str
) -> sa.Select[Any]:
    """The page's reports as the public view's facts (plain columns, no ORM objects), their
    supporters, and ``total`` (of all pages) on every row."""
    return (
        sa.select(*_facts_columns(dialect), total.label("total"))
        .where(*conditions)
        .order_by(Report.created_at.desc(), Report.id.desc())
    )


@functools.cache
def _unfiltered_page(dialect: str) -> sa.Select[Any]:
    """The page statement without filters (the list most clients ask for), built once per
    process; offset and limit are given when it runs."""
    return (
        _page_statement([], window_total(None, None, None), dialect)
        .offset(sa.bindparam("page_offset", type_=sa.Integer()))
        .limit(sa.bindparam("page_limit", type_=sa.Integer()))
    )


@functools.cache
def _since_page(dialect: str) -> sa.Select[Any]:
    """The page statement of the list most clients ask for (received since the default or a
    given start, nothing else filtered), built once per process: its start, offset and limit
    are bound when it runs."""
    return (
        _page_statement([RECEIVED_SINCE], since_total(), dialect)
        .offset(sa.bindparam("page_offset", type_=sa.Integer()))
        .limit(sa.bindparam("page_limit", type_=sa.Integer()))
    )


def _only_since(f: RequestFilter, category_ids: list[int] | None) -> bool:
    """Whether the filter is a start alone (the default window, or a start_date)."""
    return (
        f.start is not None
        and f.end is None
        and category_ids is None
        and set(f.statuses) not in ({"open"}, {"closed"})
        and f.bbox is None
        and f.updated_after is None
        and f.updated_before is None
    )


def find_requests(f: RequestFilter) -> RequestPage:
    """One page of reports matching ``f``, newest first, and the total."""
    if f.ids:
        return reports_by_references(f.ids)
    category_ids = _category_ids(f.service_codes) if f.service_codes else None
    if category_ids == []:
        return RequestPage([], False, 0)
    since = f.start is not None and _only_since(f, category_ids)
    conditions = [] if since else _conditions(f, category_ids)
    offset = (f.page - 1) * f.page_size
    # One more than the page tells whether there is a next page; the total (from the day
    # counters when they know it, else counted up to the cap) comes with it.
    counted = _counters_know(f)
    paging = {"page_offset": offset, "page_limit": f.page_size + 1}
    if since:
        assert f.start is not None
        rows = _core(_since_page(_dialect()), {**paging, **since_params(f.start)}).all()
    elif conditions:
        total_column = (
            window_total(f.start, f.end, category_ids, f.statuses)
            if counted
            else _capped(conditions)
        )
        rows = _core(
            _page_statement(conditions, total_column, _dialect())
            .offset(offset)
            .limit(f.page_size + 1)
        ).all()
    else:
        rows = _core(_unfiltered_page(_dialect()), paging).all()
    has_next = len(rows) > f.page_size
    rows = rows[: f.page_size]
    total: int | None
    if not has_next and (rows or offset == 0):
        total = offset + len(rows)  # the last page: nothing left to count
    elif rows:
        total = int(rows[0][-1])  # read with the page
        total = total if total <= TOTAL_COUNT_CAP else None
    else:
        total = capped_count(_conditions(f, category_ids))  # beyond the last page
    # Without the total (the last column): what is left is the same for an unchanged report.
    return RequestPage([row[:-1] for row in rows], has_next, total)


# --- what the answers are made of, cheaply --------------------------------------------------

# Each a scalar subquery with one aggregate: SQLite and PostgreSQL read a lone max() from an
# index (SQLite would scan the table for two aggregates in one SELECT).
STATE_COLUMNS = (
    sa.select(sa.func.max(Report.id)).scalar_subquery(),
    sa.select(sa.func.max(Report.updated_at)).scalar_subquery(),
    sa.select(sa.func.max(ReportEvent.id)).scalar_subquery(),
)
_STATE = sa.select(
    *STATE_COLUMNS,
    sa.select(CityState.version).where(CityState.id == 1).scalar_subquery(),
)


def reports_state() -> tuple[Any, ...]:
    """What changes whenever a public answer about reports may change, in one statement of
    index lookups: the newest report, the latest change of a report, the latest event — every
    public change (a status, a moderated text, a released photo, a supporter joining or
    leaving) records one — and the city version, which every change of a category, group,
    district, department or routing rule raises (``app.cities.cache``): their names are shown.
    Read with the city version check itself where the view can (``refresh_with``)."""
    state = refresh_with(*STATE_COLUMNS)
    if state is not None:
        city_version, newest, updated, last_event = state
    else:  # the database did not answer: this statement tells the request so
        newest, updated, last_event, city_version = db.session.execute(_STATE).one()
    return newest, str(updated), last_event, city_version
