"""Read-side queries of the API: the filtered, paged request list and public events in bulk."""

from __future__ import annotations

import math
from collections import defaultdict

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.core.enums import OPEN_STATUSES
from app.core.events import ReportEvent
from app.extensions import db
from app.geo.index import coarse_point
from app.open311.params import RequestFilter
from app.reports.models import Category, Report

# A coarse point lies at most ~177 m from the real one (250 m cells); look that much further.
_COARSE_MARGIN_M = 200
_M_PER_DEG_LAT = 111_195.0


def _load_options():
    return (
        selectinload(Report.category).selectinload(Category.group),
        selectinload(Report.district),
        selectinload(Report.department),
        selectinload(Report.copies),
    )


def reports_by_references(references: list[str]) -> list[Report]:
    """The reports with these references, in the order asked for (unknown ones left out)."""
    if not references:
        return []
    found = {
        report.reference: report
        for report in db.session.execute(
            db.select(Report).where(Report.reference.in_(references)).options(*_load_options())
        ).scalars()
    }
    return [found[ref] for ref in references if ref in found]


def _conditions(f: RequestFilter) -> list[sa.ColumnElement[bool]]:
    conditions: list[sa.ColumnElement[bool]] = []
    if f.service_codes:
        conditions.append(Category.code.in_(f.service_codes))
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
    return conditions


def _bbox_condition(bbox: tuple[float, float, float, float]) -> sa.ColumnElement[bool]:
    """Exact for ordinary reports; for sensitive ones a box grown by the coarse cell, to be
    narrowed down on their public point (so the filter reveals nothing finer than the map)."""
    min_lon, min_lat, max_lon, max_lat = bbox
    d_lat = _COARSE_MARGIN_M / _M_PER_DEG_LAT
    cos_lat = max(math.cos(math.radians(max(abs(min_lat), abs(max_lat)) + d_lat)), 0.01)
    d_lon = _COARSE_MARGIN_M / (_M_PER_DEG_LAT * cos_lat)
    exact = sa.and_(
        Category.is_sensitive.is_(False),
        Report.lat.between(min_lat, max_lat),
        Report.lon.between(min_lon, max_lon),
    )
    grown = sa.and_(
        Category.is_sensitive.is_(True),
        Report.lat.between(min_lat - d_lat, max_lat + d_lat),
        Report.lon.between(min_lon - d_lon, max_lon + d_lon),
    )
    return sa.or_(exact, grown)


def _in_bbox(lat: float, lon: float, bbox: tuple[float, float, float, float]) -> bool:
    min_lon, min_lat, max_lon, max_lat = bbox
    return min_lat <= lat <= max_lat and min_lon <= lon <= max_lon


def find_requests(f: RequestFilter) -> list[Report]:
    """One page of reports matching ``f``, newest first."""
    if f.ids:
        return reports_by_references(f.ids)
    conditions = _conditions(f)
    order = (Report.created_at.desc(), Report.id.desc())
    offset = (f.page - 1) * f.page_size
    if f.bbox is None:
        return list(
            db.session.execute(
                db.select(Report)
                .join(Category, Report.category_id == Category.id)
                .where(*conditions)
                .order_by(*order)
                .offset(offset)
                .limit(f.page_size)
                .options(*_load_options())
            ).scalars()
        )
    # With a bbox, sensitive reports are matched on their coarse point, which SQL cannot
    # compute portably: page over light rows in Python, then load the page.
    rows = db.session.execute(
        db.select(Report.id, Report.lat, Report.lon, Category.is_sensitive)
        .join(Category, Report.category_id == Category.id)
        .where(*conditions, _bbox_condition(f.bbox))
        .order_by(*order)
    ).all()
    ids = [
        row.id
        for row in rows
        if not row.is_sensitive or _in_bbox(*coarse_point(row.lat, row.lon), f.bbox)
    ][offset : offset + f.page_size]
    if not ids:
        return []
    loaded = {
        report.id: report
        for report in db.session.execute(
            db.select(Report).where(Report.id.in_(ids)).options(*_load_options())
        ).scalars()
    }
    return [loaded[i] for i in ids if i in loaded]


def public_events(report_ids: list[int]) -> dict[int, list[ReportEvent]]:
    """Public events of these reports, oldest first, by report id (one query)."""
    events: dict[int, list[ReportEvent]] = defaultdict(list)
    if not report_ids:
        return events
    for event in db.session.execute(
        db.select(ReportEvent)
        .where(ReportEvent.report_id.in_(report_ids), ReportEvent.is_public.is_(True))
        .order_by(ReportEvent.created_at, ReportEvent.id)
    ).scalars():
        events[event.report_id].append(event)
    return events
