"""Read-side queries of the API: the filtered, paged request list."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.catalogue.models import Category
from app.core.enums import OPEN_STATUSES
from app.extensions import db
from app.open311.filters import RequestFilter
from app.reports.models import Report, ReportCopy


def _load_options():
    return (
        selectinload(Report.category).selectinload(Category.group),
        selectinload(Report.district),
        selectinload(Report.department),
        selectinload(Report.copies).selectinload(ReportCopy.department),
        selectinload(Report.photos),
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
    """On the public point: a sensitive report is found by its cell, never by its exact point."""
    min_lon, min_lat, max_lon, max_lat = bbox
    return sa.and_(
        Report.public_lat.between(min_lat, max_lat), Report.public_lon.between(min_lon, max_lon)
    )


def find_requests(f: RequestFilter) -> list[Report]:
    """One page of reports matching ``f``, newest first."""
    if f.ids:
        return reports_by_references(f.ids)
    conditions = _conditions(f)
    order = (Report.created_at.desc(), Report.id.desc())
    offset = (f.page - 1) * f.page_size
    if f.bbox is not None:
        conditions.append(_bbox_condition(f.bbox))
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
