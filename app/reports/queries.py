"""Read-side queries about reports that channels and pages share."""

from __future__ import annotations

from sqlalchemy.orm import selectinload

from app.catalogue.models import Category
from app.extensions import db
from app.reports.models import Report


def _public_view_options() -> tuple:
    """What the public view of a report reads, loaded with it."""
    return (
        selectinload(Report.category).selectinload(Category.group),
        selectinload(Report.district),
        selectinload(Report.department),
        selectinload(Report.photos),
        selectinload(Report.copies),
    )


def report_by_reference(reference: str) -> Report | None:
    return db.session.execute(
        db.select(Report)
        .where(Report.reference == reference.strip().upper())
        .options(*_public_view_options())
    ).scalar_one_or_none()


def reports_by_references(references: list[str]) -> list[Report]:
    """The reports with these references, in the order asked for (unknown ones left out)."""
    if not references:
        return []
    found = {
        report.reference: report
        for report in db.session.execute(
            db.select(Report)
            .where(Report.reference.in_(references))
            .options(*_public_view_options())
        ).scalars()
    }
    return [found[reference] for reference in references if reference in found]
