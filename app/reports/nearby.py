"""“Already reported nearby”: open reports of the same category near a point, for the
channels to offer “me too” — read from the public points only, so a sensitive report reveals
nothing finer than its cell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from app.catalogue.models import Category
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.extensions import db
from app.geo.index import bounding_box, distance_m
from app.reports.models import Report
from app.reports.public_point import COARSE_CELL_M, public_point_of


@dataclass(frozen=True)
class NearbyReport:
    """An open report near a point; ``distance_m`` is None for sensitive categories."""

    reference: str
    category_code: str
    status: ReportStatus
    distance_m: float | None
    lat: float
    lon: float
    created_at: datetime


def find_nearby_open_reports(
    category_code: str, lat: float, lon: float, radius_m: float | None = None, limit: int = 5
) -> list[NearbyReport]:
    """Open reports of the same category near a point — for channels to offer "me too".

    Ordinary categories: within the category's radius (default 50 m) of the point, nearest
    first, with the distance. Sensitive categories compare **cells**: the caller's point is
    first snapped to its own cell, and a report is "nearby" when its (stored) cell centre lies
    within the radius plus one cell of that; no distance is given. So the answer is the same
    for every point of a cell and reveals nothing finer than the cell.
    """
    category = db.session.execute(
        db.select(Category).where(Category.code == category_code)
    ).scalar_one_or_none()
    if category is None:
        return []
    if radius_m is None:
        radius_m = category.nearby_radius_m or current_app.config["NEARBY_DEFAULT_RADIUS_M"]
    sensitive = bool(category.is_sensitive)
    if sensitive:
        lat, lon = public_point_of(lat, lon, sensitive=True)
        radius_m = radius_m + COARSE_CELL_M
    min_lat, min_lon, max_lat, max_lon = bounding_box(lat, lon, radius_m)
    rows = db.session.execute(
        db.select(
            Report.reference,
            Report.status,
            Report.public_lat,
            Report.public_lon,
            Report.created_at,
        )
        .where(
            Report.category_id == category.id,
            Report.status.in_(OPEN_STATUSES),
            Report.public_lat.between(min_lat, max_lat),
            Report.public_lon.between(min_lon, max_lon),
        )
        .limit(500)
    ).all()
    found = []
    for row in rows:
        distance = distance_m(lat, lon, row.public_lat, row.public_lon)
        if distance <= radius_m:
            found.append(
                (
                    distance,
                    NearbyReport(
                        reference=row.reference,
                        category_code=category.code,
                        status=row.status,
                        distance_m=None if sensitive else round(distance, 1),
                        lat=row.public_lat,
                        lon=row.public_lon,
                        created_at=row.created_at,
                    ),
                )
            )
    found.sort(key=lambda item: (item[0], item[1].reference))
    return [item for _distance, item in found[:limit]]
