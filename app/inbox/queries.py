"""The queue: one filter object → one query, with keyset pagination and counts per status.

The filters map onto the report indexes (department, status, created_at), so the first page
stays fast at a million reports. The counts per status come from the counters of
``app/inbox/counts.py`` when the filter is one the counters know (scope, department, category),
"overdue" reads the partial indexes over open reports and the text search its own index
(``app/inbox/search.py``): none of them reads the closed history (measured by ``make bench``).
A text search covers the active reports (open, and closed ones not yet archived) through their
own index; only when the filter asks for the archive too (``archive``) does it read the whole
history's index, found up to a cap and paged window by window (``_search_page``).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import load_only, selectinload

from app.auth.models import User
from app.catalogue.snapshot import CategorySnapshot, DepartmentSnapshot, GroupSnapshot
from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.extensions import db
from app.inbox.counts import counted_status, open_condition
from app.inbox.search import (
    MIN_INDEXED,
    Window,
    found_among_newest,
    found_sample,
    found_since,
    text_condition,
    window_condition,
)
from app.reports.cached import give_cached_relations, lookups
from app.reports.models import Report, ReportCopy

PAGE_SIZE = 50
# A text search over the history counts its reports up to this many ("more than 1,000" beyond).
SEARCH_CAP = 1000
# A broad search is paged through the newest reports this many at a time (×4 each further
# window, up to SEARCH_WINDOW_MAX; then the rest of the history through the whole index).
SEARCH_WINDOW = 2_500
SEARCH_WINDOW_MAX = 40_000


class Scope:
    MINE = "mine"  # responsible department is one of mine
    COPIES = "copies"  # my departments were sent a copy
    TRIAGE = "triage"  # no department yet (dispatchers, admins)
    ALL = "all"  # everything (dispatchers, admins)


@dataclass(frozen=True)
class QueueFilter:
    scope: str = Scope.MINE
    statuses: tuple[ReportStatus, ...] = ()
    category_id: int | None = None
    district_id: int | None = None
    department_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None
    text: str = ""
    overdue: bool = False
    newest_first: bool = True
    cursor: str | None = None
    # A text search covers the active reports only (not archived: app/forwarding/jobs.py
    # archive_closed_reports) unless this asks for the archive too.
    archive: bool = False


@dataclass
class QueuePage:
    reports: list[Report]
    next_cursor: str | None
    counts: dict[ReportStatus, int]
    total: int
    # A text search within the open statuses counts the open reports only (the closed ones
    # would cost the whole history's index): then there is no count of "all".
    counts_open_only: bool = False
    # A text search over the history that found more than SEARCH_CAP reports: ``total`` is
    # SEARCH_CAP + 1 ("more than 1,000"), the open statuses are counted (each up to the cap)
    # and the closed ones not.
    capped: bool = False
    # What a text search went through: "active" (open and not yet archived reports), "archive"
    # (the whole history), "" when the archive makes no difference (no text, a reference, or
    # open statuses only).
    searched: str = ""


def allowed_scopes(user: User) -> list[str]:
    if user.can_route_anywhere:
        return [Scope.TRIAGE, Scope.ALL, Scope.MINE, Scope.COPIES]
    return [Scope.MINE, Scope.COPIES]


def _local_bounds(day: date, tz: str, end: bool) -> datetime:
    moment = datetime.combine(day + timedelta(days=1) if end else day, time(), tzinfo=ZoneInfo(tz))
    return moment


def open_only(f: QueueFilter) -> bool:
    """Whether the filter can only match open reports (its statuses all open, or "overdue")."""
    return f.overdue or (bool(f.statuses) and set(f.statuses) <= OPEN_STATUSES)


def filtered(
    user: User,
    f: QueueFilter,
    tz: str = "Europe/Berlin",
    *,
    with_status: bool = True,
    only_open: bool = False,
) -> sa.Select:
    """The filter as a SELECT of Report (no ordering, no paging); ``only_open`` restricts it
    to the open reports."""
    query = sa.select(Report)
    scope = f.scope if f.scope in allowed_scopes(user) else Scope.MINE
    mine = sorted(user.department_ids)
    if scope == Scope.MINE:
        query = query.where(Report.department_id.in_(mine))
    elif scope == Scope.COPIES:
        query = query.where(
            Report.id.in_(sa.select(ReportCopy.report_id).where(ReportCopy.department_id.in_(mine)))
        )
    elif scope == Scope.TRIAGE:
        query = query.where(Report.department_id.is_(None))
    if f.department_id is not None and scope == Scope.ALL:
        query = query.where(Report.department_id == f.department_id)
    if with_status and f.statuses:
        query = query.where(Report.status.in_(f.statuses))
    if f.category_id is not None:
        query = query.where(Report.category_id == f.category_id)
    if f.district_id is not None:
        query = query.where(Report.district_id == f.district_id)
    if f.date_from is not None:
        query = query.where(Report.created_at >= _local_bounds(f.date_from, tz, end=False))
    if f.date_to is not None:
        query = query.where(Report.created_at < _local_bounds(f.date_to, tz, end=True))
    if f.overdue:
        query = query.where(Report.due_at < utcnow(), open_condition())
    text = f.text.strip()
    only_open = only_open or (with_status and open_only(f))
    if only_open and text and not f.overdue:
        query = query.where(open_condition())
    if text:
        if _is_reference(text):
            query = query.where(Report.reference == text.upper())
        else:
            # The active reports' index (open ones only when only they can match) unless the
            # archive is asked for: it costs the backlog and the last months, not the history
            # (app/inbox/search.py).
            query = query.where(
                text_condition(text, open_only=only_open, active_only=not f.archive)
            )
    return query


def _counted_by_counters(user: User, f: QueueFilter) -> dict[ReportStatus, int] | None:
    """The counts per status from the counters, if the filter is one they know."""
    if (
        f.district_id is not None
        or f.date_from is not None
        or f.date_to is not None
        or f.text.strip()
        or f.overdue
    ):
        return None
    scope = f.scope if f.scope in allowed_scopes(user) else Scope.MINE
    departments: list[int | None] | None
    if scope == Scope.MINE:
        departments = list(user.department_ids)
    elif scope == Scope.TRIAGE:
        departments = [None]
    elif scope == Scope.ALL:
        departments = None if f.department_id is None else [f.department_id]
    else:
        return None  # copies: counted from the reports
    if departments == []:
        return {}
    return counted_status(departments=departments, category_id=f.category_id)


def encode_cursor(report: Report) -> str:
    raw = json.dumps([report.created_at.isoformat(), report.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, report_id = json.loads(raw)
        return datetime.fromisoformat(created), int(report_id)
    except (ValueError, TypeError):
        return None  # a mangled cursor starts from the first page


def _is_reference(text: str) -> bool:
    """Whether the text is shaped like a reference (looked up exactly, archive or not)."""
    return text.upper().count("-") == 2 and len(text) <= 32


def searched_scope(f: QueueFilter) -> str:
    """What the filter's text search goes through: "active", "archive", or "" (no text search
    the archive could change: none, an exact reference, or open reports only)."""
    text = f.text.strip()
    if not text or _is_reference(text) or open_only(f):
        return ""
    return "archive" if f.archive else "active"


def _history_search(f: QueueFilter) -> bool:
    """Whether the filter is a text search through the whole history's index."""
    return len(f.text.strip()) >= MIN_INDEXED and searched_scope(f) == "archive"


def _order(f: QueueFilter) -> tuple[Any, ...]:
    if f.newest_first:
        return (Report.created_at.desc(), Report.id.desc())
    return (Report.created_at.asc(), Report.id.asc())


def _after(query: sa.Select, f: QueueFilter, position: tuple[Any, ...] | None) -> sa.Select:
    if position is None:
        return query
    here = sa.tuple_(Report.created_at, Report.id)
    return query.where(
        here < sa.tuple_(*position) if f.newest_first else here > sa.tuple_(*position)
    )


# What the queue's table shows of a report (``app/inbox/queue_rows.py``) and what its order,
# cursor and cached relations need: the page reads these columns only (not the description,
# the answers or the routing reason), ``queue_page(..., table_only=True)``.
TABLE_COLUMNS = (
    Report.id,
    Report.reference,
    Report.category_id,
    Report.district_id,
    Report.department_id,
    Report.status,
    Report.address,
    Report.lat,
    Report.lon,
    Report.created_at,
    Report.due_at,
    Report.version,
)


def queue_page(
    user: User,
    f: QueueFilter,
    tz: str = "Europe/Berlin",
    page_size: int = PAGE_SIZE,
    with_counts: bool = True,
    table_only: bool = False,
) -> QueuePage:
    """One page of the queue, the cursor of the next page, and the count per status
    (``table_only``: the reports with the columns the table shows; reading another loads it,
    a query per report)."""
    if _history_search(f):
        page = _search_page(user, f, tz, page_size, with_counts)
        page.searched = "archive"
        return page
    query = _after(filtered(user, f, tz), f, decode_cursor(f.cursor))
    if table_only:
        query = query.options(load_only(*TABLE_COLUMNS))
    rows = list(db.session.execute(query.order_by(*_order(f)).limit(page_size + 1)).scalars())
    # Category, district and department from the process's caches, not a query each.
    give_cached_relations(rows)
    next_cursor = encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    counts = status_counts(user, f, tz) if with_counts else {}
    total = sum(n for s, n in counts.items() if not f.statuses or s in f.statuses)
    return QueuePage(
        reports=rows[:page_size],
        next_cursor=next_cursor,
        counts=counts,
        total=total,
        counts_open_only=with_counts and bool(f.text.strip()) and open_only(f),
        searched=searched_scope(f),
    )


def _search_page(
    user: User, f: QueueFilter, tz: str, page_size: int, with_counts: bool
) -> QueuePage:
    """A text search with the archive, through the whole history's index, that reads what the
    page needs: up to SEARCH_CAP + 1 reports found (all of them when there are no more: sorted
    and counted here), else the page from the newest reports window by window."""
    text = f.text.strip()
    unsearched = replace(f, text="", cursor=None)
    scoped = filtered(user, unsearched, tz, with_status=False)
    sample = None if _found_often(scoped, text) else found_sample(scoped, text, SEARCH_CAP + 1)
    position: tuple[Any, ...] | None = decode_cursor(f.cursor)
    if sample is not None and len(sample) <= SEARCH_CAP:
        # All found: the page from them (at most SEARCH_CAP reports by their primary key).
        ids = [row.id for row in sample if not f.statuses or ReportStatus(row.status) in f.statuses]
        page = _after(sa.select(Report).where(Report.id.in_(ids)), f, position)
        # Sorted by an expression no index has: read by primary key and sorted (at most
        # SEARCH_CAP rows), never by walking the received-time index through the history.
        received = sa.func.coalesce(Report.created_at, Report.created_at)
        order = (
            (received.desc(), Report.id.desc())
            if f.newest_first
            else (received.asc(), Report.id.asc())
        )
        rows = list(db.session.execute(page.order_by(*order).limit(page_size + 1)).scalars())
        counts: dict[ReportStatus, int] = {}
        for row in sample:
            counts[ReportStatus(row.status)] = counts.get(ReportStatus(row.status), 0) + 1
        capped = False
    else:
        rows = _windowed(
            filtered(user, replace(f, text="", cursor=None), tz), f, position, page_size + 1
        )
        counts = _open_counts(user, f, tz) if with_counts else {}
        capped = True
    give_cached_relations(rows)
    next_cursor = encode_cursor(rows[page_size - 1]) if len(rows) > page_size else None
    if not with_counts:
        counts = {}
    total = (
        SEARCH_CAP + 1
        if capped
        else sum(n for s, n in counts.items() if not f.statuses or s in f.statuses)
    )
    if capped and f.statuses:
        # Only statuses counted here can say how many of them there are.
        known = [counts.get(s, 0) for s in f.statuses if s in OPEN_STATUSES]
        total = sum(known) if len(known) == len(f.statuses) else SEARCH_CAP + 1
    return QueuePage(
        reports=rows[:page_size],
        next_cursor=next_cursor,
        counts=counts,
        total=min(total, SEARCH_CAP + 1),
        capped=capped,
    )


# What finding a text costs per report, relative to one report read in order and tested
# (EXPLAIN ANALYZE at a million reports: 0.4 µs), for PostgreSQL: per report in the trigram
# index's bitmap (0.15 µs) and per report then read from the table and tested (1.25 µs).
IN_BITMAP = 0.4
FROM_BITMAP = 3.0


def _found_often(query: sa.Select, text: str) -> bool:
    """Whether more than SEARCH_CAP reports of ``query`` contain ``text``, proven among the
    newest reports received, read in order (False: not proven; the whole history's index then
    counts them). PostgreSQL only: its trigram index hands over every report it finds as one
    bitmap before the first is read (18 ms for a text in 140,000 of a million reports), where
    reading the newest reports in order until the cap is passed costs what the cap needs (11 ms
    for the same text in one department's queue). The newest SEARCH_WINDOW reports tell how
    often the text is found, in the queue and at all, and so what either way would cost: the
    reports are read in order only when that is cheaper and the cap would be passed within two
    thirds of the windows' reports, and then no further back than the windows' worth of reports
    at the pace of those first ones. SQLite's FTS5 hands its finds over one by one and stops at
    the cap by itself."""
    if db.engine.dialect.name != "postgresql":
        return False
    need = SEARCH_CAP + 1
    reach = sum(_window_sizes())
    newest = found_among_newest(query, text, SEARCH_WINDOW)
    if newest.found >= need:
        return True
    if not newest.found or newest.first_at is None or newest.last_at is None:
        return False
    in_order = need * newest.read / newest.found  # reports read until the cap is passed
    in_bitmap = max(newest.reports, 0) * newest.found_anywhere / newest.read
    tested = need * newest.found_anywhere / newest.found
    if in_order * 3 > reach * 2 or in_order > in_bitmap * IN_BITMAP + tested * FROM_BITMAP:
        return False
    pace = (newest.first_at - newest.last_at) / newest.read
    return found_since(query, text, newest.first_at - pace * reach, need) >= need


def _window_sizes() -> list[int]:
    """The windows' sizes: SEARCH_WINDOW reports, then four times as many each, up to
    SEARCH_WINDOW_MAX."""
    sizes = [SEARCH_WINDOW]
    while sizes[-1] * 4 <= SEARCH_WINDOW_MAX:
        sizes.append(sizes[-1] * 4)
    return sizes


def _open_counts(user: User, f: QueueFilter, tz: str) -> dict[ReportStatus, int]:
    """The open reports a text search finds, per status, through the active reports' index (it
    costs the backlog), each status up to SEARCH_CAP + 1."""
    found = (
        filtered(user, replace(f, cursor=None), tz, with_status=False, only_open=True)
        .with_only_columns(Report.status, sa.func.count(Report.id))
        .group_by(Report.status)
    )
    return {ReportStatus(s): min(n, SEARCH_CAP + 1) for s, n in db.session.execute(found)}


def _windowed(
    query: sa.Select, f: QueueFilter, position: tuple[Any, ...] | None, need: int
) -> list[Report]:
    """Up to ``need`` reports of ``query`` after ``position`` in the queue's order whose texts
    contain the filter's text: looked for among the next SEARCH_WINDOW reports received (in
    any queue), then four times as many, up to SEARCH_WINDOW_MAX, then in the rest of the
    history through the whole index. Each window is searched only for the reports it holds, so
    a text found often costs what one window does, however long the history."""
    text = f.text.strip()
    rows: list[Report] = []
    sizes: list[int | None] = [*_window_sizes(), None]
    for size in sizes:
        window = _window_after(f, position, size)
        # The rest of the history (no floor): through the whole history's index, as any search.
        condition = text_condition(text) if window.floor is None else window_condition(text, window)
        found = _after(query, f, position).where(condition)
        if window.floor is not None:
            here = sa.tuple_(Report.created_at, Report.id)
            edge = sa.tuple_(*tuple[Any, ...](window.floor))
            found = found.where(here >= edge if f.newest_first else here <= edge)
        rows += db.session.execute(found.order_by(*_order(f)).limit(need - len(rows))).scalars()
        if window.floor is None or len(rows) >= need:
            break
        position = window.floor
    return rows


def _window_after(f: QueueFilter, position: tuple[Any, ...] | None, size: int | None) -> Window:
    """The next ``size`` reports (of all queues) after ``position`` in the queue's order (None:
    all the rest): their last one and their range of ids, read from the index of the received
    time alone."""
    here = sa.tuple_(Report.created_at, Report.id)
    following = sa.select(Report.created_at, Report.id)
    if position is not None:
        edge = sa.tuple_(*position)
        following = following.where(here < edge if f.newest_first else here > edge)
    following = following.order_by(*_order(f))
    floor = None
    if size is not None:
        last = db.session.execute(following.offset(size - 1).limit(1)).first()
        floor = (last.created_at, last.id) if last is not None else None
    low, high = 0, 2**63 - 1
    if floor is not None and db.engine.dialect.name == "sqlite":
        # SQLite's FTS5 seeks to a range of ids (PostgreSQL takes the received times instead).
        inside = following.limit(size).subquery()
        low, high = db.session.execute(
            sa.select(sa.func.min(inside.c.id), sa.func.max(inside.c.id))
        ).one()
    return Window(
        floor=floor,
        low_id=low,
        high_id=high,
    )


def status_counts(user: User, f: QueueFilter, tz: str = "Europe/Berlin") -> dict[ReportStatus, int]:
    """The reports of the filter, without its status choice, per status."""
    known = _counted_by_counters(user, f)
    if known is not None:
        return known
    # A text search within the open statuses counts the open reports only (from the active
    # reports' index): counting the closed ones too would read the whole history's index.
    base = (
        filtered(user, f, tz, with_status=False, only_open=bool(f.text.strip()) and open_only(f))
        .with_only_columns(Report.status, sa.func.count(Report.id))
        .group_by(Report.status)
    )
    return {ReportStatus(s): n for s, n in db.session.execute(base)}


def next_filter(f: QueueFilter, cursor: str | None) -> QueueFilter:
    return replace(f, cursor=cursor)


def nearby_open_reports(report: Report, limit: int = 5) -> list[tuple[Report, float]]:
    """Staff only: other open reports of the same category within the category's radius of the
    report's exact point, nearest first, with the exact distance in metres."""
    from flask import current_app

    from app.geo.index import bounding_box, distance_m

    radius = report.category.nearby_radius_m or current_app.config["NEARBY_DEFAULT_RADIUS_M"]
    min_lat, min_lon, max_lat, max_lon = bounding_box(report.lat, report.lon, radius)
    candidates = db.session.execute(
        db.select(Report)
        .where(
            Report.category_id == report.category_id,
            Report.id != report.id,
            Report.status.in_(OPEN_STATUSES),
            Report.lat.between(min_lat, max_lat),
            Report.lon.between(min_lon, max_lon),
        )
        .options(selectinload(Report.copies))
        .limit(200)
    ).scalars()
    found = [
        (other, distance_m(report.lat, report.lon, other.lat, other.lon)) for other in candidates
    ]
    found = [item for item in found if item[1] <= radius]
    found.sort(key=lambda item: (item[1], item[0].id))
    return found[:limit]


# --- the lists a filter or a form chooses from ----------------------------------------------
# From the process's caches of the city configuration (``app.reports.cached``), not a query
# each: they are dropped when an admin changes a category, group, district or department.


@dataclass(frozen=True)
class GroupChoice:
    """A category group with its categories (active or not) in their order."""

    group: GroupSnapshot
    categories: tuple[CategorySnapshot, ...]

    @property
    def id(self) -> int:
        return self.group.id

    @property
    def code(self) -> str:
        return self.group.code

    def name(self, locale: str = "de") -> str:
        return self.group.name(locale)


def category_groups() -> list[GroupChoice]:
    """Category groups in their order, each with its categories."""
    categories = sorted(
        lookups().categories.values(), key=lambda c: (c.columns.get("position") or 0, c.id)
    )
    groups = {c.group.id: c.group for c in categories}
    return [
        GroupChoice(group, tuple(c for c in categories if c.group.id == group.id))
        for group in sorted(groups.values(), key=lambda g: (g.position, g.id))
    ]


def active_departments() -> list[DepartmentSnapshot]:
    return sorted(
        (d for d in lookups().departments.values() if d.is_active), key=lambda d: (d.name, d.id)
    )


def filter_choices() -> dict[str, Any]:
    """What the queue's and the map's filter offer: groups, districts and departments."""
    from app.geo.service import district_index

    return {
        "groups": category_groups(),
        "districts": sorted(district_index().districts, key=lambda d: d.number),
        "departments": active_departments(),
    }
