"""Read-side queries about reports that channels and pages share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import selectinload

from app.core.enums import OPEN_STATUSES, ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.geo.index import bounding_box, coarse_point, distance_m
from app.reports.models import Category, Report


@dataclass(frozen=True)
class NearbyReport:
    reference: str
    category_code: str
    status: ReportStatus
    distance_m: float
    lat: float  # coarse for sensitive categories
    lon: float
    created_at: datetime
    description: str


def public_point(report: Report) -> tuple[float, float]:
    """Where the public may see a report: coarse for sensitive (unsafe-place) categories."""
    if report.category.is_sensitive:
        return coarse_point(report.lat, report.lon)
    return report.lat, report.lon


def find_nearby_open_reports(
    category_code: str, lat: float, lon: float, radius_m: float | None = None, limit: int = 5
) -> list[NearbyReport]:
    """Open reports of the same category within the category's radius (default 50 m),
    nearest first — for channels to offer "me too" instead of a duplicate."""
    category = db.session.execute(
        db.select(Category).where(Category.code == category_code)
    ).scalar_one_or_none()
    if category is None:
        return []
    if radius_m is None:
        radius_m = category.nearby_radius_m or current_app.config["NEARBY_DEFAULT_RADIUS_M"]
    min_lat, min_lon, max_lat, max_lon = bounding_box(lat, lon, radius_m)
    candidates = db.session.execute(
        db.select(Report)
        .where(
            Report.category_id == category.id,
            Report.status.in_(OPEN_STATUSES),
            Report.lat.between(min_lat, max_lat),
            Report.lon.between(min_lon, max_lon),
        )
        .options(selectinload(Report.category))
        .limit(200)
    ).scalars()
    found = []
    for report in candidates:
        distance = distance_m(lat, lon, report.lat, report.lon)
        if distance <= radius_m:
            shown_lat, shown_lon = public_point(report)
            found.append(
                NearbyReport(
                    reference=report.reference,
                    category_code=category.code,
                    status=report.status,
                    distance_m=round(distance, 1),
                    lat=shown_lat,
                    lon=shown_lon,
                    created_at=report.created_at,
                    description=report.description,
                )
            )
    found.sort(key=lambda r: r.distance_m)
    return found[:limit]


def report_by_reference(reference: str) -> Report | None:
    return db.session.execute(
        db.select(Report)
        .where(Report.reference == reference.strip().upper())
        .options(
            selectinload(Report.category).selectinload(Category.group),
            selectinload(Report.district),
            selectinload(Report.department),
            selectinload(Report.photos),
        )
    ).scalar_one_or_none()


def public_history(report: Report) -> list[ReportEvent]:
    """Public events (submitted, status changes with public notes), oldest first."""
    return list(
        db.session.execute(
            db.select(ReportEvent)
            .where(ReportEvent.report_id == report.id, ReportEvent.is_public.is_(True))
            .order_by(ReportEvent.created_at, ReportEvent.id)
        ).scalars()
    )
