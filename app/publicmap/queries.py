"""What the public map reads, all of it through the public view (``app/reports/public.py``):
clusters of public points, the list of reports, and open reports near a clicked point.

Nothing here touches a report's exact point, text, contact or staff fields: the cluster
aggregate reads only columns of :func:`public_columns`, the list and the details of single
reports come from :func:`public_select`.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.catalogue.models import Category
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.core.locale import pick_language
from app.extensions import db
from app.geo.index import bounding_box, distance_m
from app.geo.models import District
from app.publicmap.filters import MapFilter
from app.publicmap.grid import MAX_CELLS, BBox, Grid
from app.reports.models import Report
from app.reports.public import public_columns, public_select
from app.reports.public_point import COARSE_CELL_M, public_point_of

PAGE_SIZE = 25


def _public(name: str) -> Any:
    """The column behind the public view's column ``name`` (unlabelled, for expressions)."""
    for column in public_columns():
        if column.key == name:
            return column.element
    raise KeyError(name)


def _filtered(query: sa.Select[Any], f: MapFilter) -> sa.Select[Any]:
    if f.category_ids is not None:
        query = query.where(Report.category_id.in_(f.category_ids))
    if f.statuses is not None:
        query = query.where(Report.status.in_([s.value for s in f.statuses]))
    if f.district_id is not None:
        query = query.where(Report.district_id == f.district_id)
    if f.created_from is not None:
        query = query.where(Report.created_at >= f.created_from)
    if f.created_before is not None:
        query = query.where(Report.created_at < f.created_before)
    return query


# --- clusters -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SingleReport:
    """The one report of a cluster of one."""

    reference: str
    category_name: str
    status: ReportStatus
    is_coarse: bool


@dataclass(frozen=True)
class Cluster:
    count: int
    lat: float  # mean of the public points in the cell
    lon: float
    single: SingleReport | None = None


@dataclass(frozen=True)
class Clusters:
    grid: Grid
    clusters: list[Cluster]
    total: int


def _number(value: float) -> Any:
    """A float written into the SQL rather than bound: with bound parameters PostgreSQL may
    switch a repeated query to a generic plan (guessing how much of the city a box covers),
    which for the whole city is several times slower. The values are parsed floats."""
    return sa.literal(float(value), sa.Float(), literal_execute=True)


def _slot(name: str) -> Any:
    """A float of the query given when it runs, written into the SQL like :func:`_number`."""
    return sa.bindparam(name, type_=sa.Float(), literal_execute=True)


def _cell_number(column: Any, offset: float, size: Any, dialect: str) -> Any:
    shifted = (column + _number(offset)) / size
    if dialect == "postgresql":
        return sa.func.floor(shifted)
    # SQLite: the shifted value is never negative, so truncation is the floor (and needs no
    # math functions compiled in).
    return sa.cast(shifted, sa.Integer)


@functools.lru_cache(maxsize=64)
def _cluster_statement(f: MapFilter, dialect: str) -> sa.Select[Any]:
    """The statement of :func:`cluster_query` for this filter, built once per process: the box
    and the cell size come in when it runs (building it and its cache key every time cost
    more CPU than the rest of the request)."""
    lat, lon, report_id = _public("lat"), _public("lon"), _public("id")
    inner = _filtered(
        sa.select(
            _cell_number(lat, 90.0, _slot("d_lat"), dialect).label("row"),
            _cell_number(lon, 180.0, _slot("d_lon"), dialect).label("col"),
            lat.label("lat"),
            lon.label("lon"),
            report_id.label("id"),
        ).where(
            lat.between(_slot("min_lat"), _slot("max_lat")),
            lon.between(_slot("min_lon"), _slot("max_lon")),
        ),
        f,
    ).subquery("points")
    count = sa.func.count().label("n")
    return (
        sa.select(
            count,
            sa.func.avg(inner.c.lat).label("lat"),
            sa.func.avg(inner.c.lon).label("lon"),
            sa.func.min(inner.c.id).label("first_id"),
        )
        .group_by(inner.c.row, inner.c.col)
        .order_by(count.desc(), inner.c.row, inner.c.col)
        .limit(MAX_CELLS)
    )


def cluster_query(f: MapFilter, bbox: BBox, grid: Grid) -> sa.Select[Any]:
    """Count, mean point and lowest id per grid cell of the public points in ``bbox``."""
    return _cluster_statement(f, db.session.get_bind().dialect.name).params(
        d_lat=float(grid.d_lat),
        d_lon=float(grid.d_lon),
        min_lat=float(bbox.min_lat),
        max_lat=float(bbox.max_lat),
        min_lon=float(bbox.min_lon),
        max_lon=float(bbox.max_lon),
    )


def clusters(f: MapFilter, bbox: BBox, grid: Grid, lang: str) -> Clusters:
    """The clusters of the filtered public points in ``bbox`` on ``grid``; a cluster of one
    carries its report's reference, category and status (from the public view)."""
    rows = (
        db.session.execute(
            _cluster_statement(f, db.session.get_bind().dialect.name),
            {
                "d_lat": float(grid.d_lat),
                "d_lon": float(grid.d_lon),
                "min_lat": float(bbox.min_lat),
                "max_lat": float(bbox.max_lat),
                "min_lon": float(bbox.min_lon),
                "max_lon": float(bbox.max_lon),
            },
        )
        .tuples()
        .all()
    )
    single_ids = [first_id for n, _lat, _lon, first_id in rows if n == 1]
    singles: dict[int, SingleReport] = {}
    if single_ids:
        for row in db.session.execute(public_select().where(Report.id.in_(single_ids))):
            singles[row.id] = SingleReport(
                reference=row.reference,
                category_name=pick_language(row.category_names, lang),
                status=ReportStatus(row.status),
                is_coarse=bool(row.is_coarse),
            )
    return Clusters(
        grid=grid,
        clusters=[
            Cluster(
                count=n,
                lat=float(lat),
                lon=float(lon),
                single=singles.get(first_id) if n == 1 else None,
            )
            for n, lat, lon, first_id in rows
        ],
        total=sum(row[0] for row in rows),
    )


# --- the list -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListedReport:
    reference: str
    category_name: str
    group_code: str
    district_name: str | None
    status: ReportStatus
    created_at: datetime


@dataclass(frozen=True)
class ReportPage:
    reports: list[ListedReport]
    next_cursor: str | None
    total: int


def encode_cursor(created_at: datetime, report_id: int) -> str:
    raw = f"{created_at.astimezone(UTC).isoformat()}|{report_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """The position a cursor stands for, or None for a missing or mangled one."""
    if not cursor or len(cursor) > 100:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, report_id = raw.split("|")
        created, number = datetime.fromisoformat(moment), int(report_id)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    if created.tzinfo is None or not 0 < number < 2**62:
        return None
    return created, number


def _district_names() -> dict[int, str]:
    return {row.id: row.name for row in db.session.execute(db.select(District.id, District.name))}


def report_page(
    f: MapFilter, lang: str, cursor: str | None = None, page_size: int = PAGE_SIZE
) -> ReportPage:
    """One page of the filtered reports, newest first (keyset: ``cursor`` is where the
    previous page ended), and how many there are in all."""
    query = _filtered(public_select(), f)
    total = db.session.execute(
        _filtered(sa.select(sa.func.count()).select_from(Report), f)
    ).scalar_one()
    after = decode_cursor(cursor)
    if after is not None:
        created, report_id = after
        query = query.where(
            sa.or_(
                Report.created_at < created,
                sa.and_(Report.created_at == created, Report.id < report_id),
            )
        )
    rows = db.session.execute(
        query.order_by(Report.created_at.desc(), Report.id.desc()).limit(page_size + 1)
    ).all()
    districts = _district_names()
    reports = [
        ListedReport(
            reference=row.reference,
            category_name=pick_language(row.category_names, lang),
            group_code=row.group_code,
            district_name=districts.get(row.district_id),
            status=ReportStatus(row.status),
            created_at=row.created_at,
        )
        for row in rows[:page_size]
    ]
    next_cursor = None
    if len(rows) > page_size:
        last = rows[page_size - 1]
        next_cursor = encode_cursor(last.created_at, last.id)
    return ReportPage(reports=reports, next_cursor=next_cursor, total=total)


# --- already reported here ---------------------------------------------------------------------


@dataclass(frozen=True)
class NearbyOpenReport:
    """An open report near a point; for sensitive categories no distance (cell level)."""

    reference: str
    category_name: str
    status: ReportStatus
    distance_m: float | None
    is_coarse: bool


def nearby_open_reports(
    lat: float, lon: float, lang: str, limit: int = 10
) -> list[NearbyOpenReport]:
    """Open reports of any category near (lat, lon), nearest first.

    Each category's own radius applies (its ``nearby_radius_m``, else the default). Sensitive
    categories compare cells as :func:`app.reports.nearby.find_nearby_open_reports` does: the
    point is snapped to its cell first and a report counts when its cell centre lies within the
    radius plus one cell of that, so the answer is the same anywhere in a cell.
    """
    default_radius = current_app.config["NEARBY_DEFAULT_RADIUS_M"]
    categories = db.session.execute(db.select(Category.code, Category.nearby_radius_m)).all()
    if not categories:
        return []
    radius = {c.code: float(c.nearby_radius_m or default_radius) for c in categories}
    reach = max(radius.values()) + COARSE_CELL_M
    cell_lat, cell_lon = public_point_of(lat, lon, sensitive=True)
    # A box around both the point and its cell centre.
    boxes = [bounding_box(lat, lon, reach), bounding_box(cell_lat, cell_lon, reach)]
    min_lat, min_lon = min(b[0] for b in boxes), min(b[1] for b in boxes)
    max_lat, max_lon = max(b[2] for b in boxes), max(b[3] for b in boxes)
    rows = db.session.execute(
        public_select()
        .where(
            Report.status.in_([s.value for s in OPEN_STATUSES]),
            Report.public_lat.between(min_lat, max_lat),
            Report.public_lon.between(min_lon, max_lon),
        )
        .order_by(Report.id)
        .limit(1000)
    ).all()
    found: list[tuple[float, str, NearbyOpenReport]] = []
    for row in rows:
        if row.is_coarse:
            distance = distance_m(cell_lat, cell_lon, row.lat, row.lon)
            within = distance <= radius[row.category_code] + COARSE_CELL_M
        else:
            distance = distance_m(lat, lon, row.lat, row.lon)
            within = distance <= radius[row.category_code]
        if within:
            found.append(
                (
                    distance,
                    row.reference,
                    NearbyOpenReport(
                        reference=row.reference,
                        category_name=pick_language(row.category_names, lang),
                        status=ReportStatus(row.status),
                        distance_m=None if row.is_coarse else round(distance),
                        is_coarse=bool(row.is_coarse),
                    ),
                )
            )
    found.sort(key=lambda item: (item[0], item[1]))
    return [item[2] for item in found[:limit]]
