"""Read-side queries about reports that channels and pages share."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from app.catalogue.models import Category
from app.extensions import db
from app.reports.models import Report


def report_by_reference(reference: str) -> Report | None:
    return db.session.execute(
        db.select(Report)
        .where(Report.reference == reference.strip().upper())
        .options(
            selectinload(Report.category).selectinload(Category.group),
            selectinload(Report.district),
            selectinload(Report.department),
            selectinload(Report.photos),
            selectinload(Report.copies),
        )
    ).scalar_one_or_none()
