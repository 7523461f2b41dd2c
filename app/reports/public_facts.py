"""What the public view reads of many reports, as plain rows instead of ORM objects.

The public view (``app.reports.public``) is computed from a report's public facts: its
reference, category, district, department, status, public point, street, texts and dates,
its photos' release state and its copies. For a list (the Open311 request list and its
searches by reference) loading 50 reports with their photos and copies as ORM objects cost
more CPU than everything else of the answer; these dataclasses carry the same facts, read in
three statements of columns (the reports, their photos, their copies), and the public view
reads them exactly as it reads a :class:`~app.reports.models.Report` — the same attribute
names, the same ``public_description`` and ``shareable`` rules (the very functions of the
models). What the public view never shows is not selected at all: the exact point, the
answers to the category's questions, the stored routing reason, contact data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.enums import Channel, ReportStatus
from app.extensions import db
from app.geo.models import District
from app.reports.cached import lookups
from app.reports.models import (
    Report,
    ReportCopy,
    ReportPhoto,
    photo_shareable,
    public_text,
)
from app.routing.models import Department


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    id: int
    width: int
    height: int
    is_public: bool
    anonymisation: str
    reviewed_at: datetime | None

    @property
    def shareable(self) -> bool:
        return photo_shareable(self.anonymisation, self.reviewed_at)


@dataclass(frozen=True, slots=True)
class CopyFacts:
    department_id: int
    routing_rule_id: int | None

    @property
    def department(self) -> Department | None:
        """Only for a department newer than this process's snapshot."""
        return db.session.get(Department, self.department_id)


@dataclass(frozen=True, slots=True)
class ReportFacts:
    id: int
    reference: str
    category_id: int
    district_id: int | None
    department_id: int | None
    routing_rule_id: int | None
    duplicate_of_id: int | None
    status: ReportStatus
    channel: Channel
    public_lat: float
    public_lon: float
    address: str | None
    zipcode: str | None
    description: str
    description_moderated: str | None
    is_description_hidden: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    due_at: datetime | None
    photos: tuple[PhotoFacts, ...] = ()
    copies: tuple[CopyFacts, ...] = ()

    @property
    def public_description(self) -> str:
        return public_text(
            self.description,
            self.description_moderated,
            self.is_description_hidden,
            self.category.is_sensitive,
        )

    @property
    def category(self) -> Any:
        """The category from the snapshot (a row newer than it read from the database)."""
        return lookups().category(self.category_id) or db.session.get(Category, self.category_id)

    @property
    def district(self) -> District | None:
        """Only for a district newer than this process's index."""
        return None if self.district_id is None else db.session.get(District, self.district_id)

    @property
    def department(self) -> Department | None:
        """Only for a department newer than this process's snapshot."""
        if self.department_id is None:
            return None
        return db.session.get(Department, self.department_id)


# The report's own columns the facts hold, in the dataclass's order (photos and copies apart).
FACT_COLUMNS: tuple[Any, ...] = (
    Report.id,
    Report.reference,
    Report.category_id,
    Report.district_id,
    Report.department_id,
    Report.routing_rule_id,
    Report.duplicate_of_id,
    Report.status,
    Report.channel,
    Report.public_lat,
    Report.public_lon,
    Report.address,
    Report.zipcode,
    Report.description,
    Report.description_moderated,
    Report.is_description_hidden,
    Report.created_at,
    Report.updated_at,
    Report.closed_at,
    Report.due_at,
)
_WIDTH = len(FACT_COLUMNS)

_PHOTOS = (
    sa.select(
        ReportPhoto.report_id,
        ReportPhoto.id,
        ReportPhoto.width,
        ReportPhoto.height,
        ReportPhoto.is_public,
        ReportPhoto.anonymisation,
        ReportPhoto.reviewed_at,
    )
    .where(ReportPhoto.report_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(ReportPhoto.report_id, ReportPhoto.position, ReportPhoto.id)
)
_COPIES = (
    sa.select(ReportCopy.report_id, ReportCopy.department_id, ReportCopy.routing_rule_id)
    .where(ReportCopy.report_id.in_(sa.bindparam("ids", expanding=True)))
    .order_by(ReportCopy.id)
)


def report_facts(rows: Sequence[Sequence[Any]]) -> list[ReportFacts]:
    """The facts of reports read as rows starting with :data:`FACT_COLUMNS` (further columns
    are the caller's), with their photos and copies in one statement each."""
    ids = [row[0] for row in rows]
    photos: dict[int, list[PhotoFacts]] = {}
    copies: dict[int, list[CopyFacts]] = {}
    if ids:
        for report_id, photo_id, width, height, public, state, reviewed in db.session.execute(
            _PHOTOS, {"ids": ids}
        ).tuples():
            photos.setdefault(report_id, []).append(
                PhotoFacts(photo_id, width, height, public, state, reviewed)
            )
        for report_id, department_id, rule_id in db.session.execute(_COPIES, {"ids": ids}).tuples():
            copies.setdefault(report_id, []).append(CopyFacts(department_id, rule_id))
    return [
        ReportFacts(
            *row[:_WIDTH],  # type: ignore[misc]  # the columns of FACT_COLUMNS, in order
            photos=tuple(photos.get(row[0], ())),
            copies=tuple(copies.get(row[0], ())),
        )
        for row in rows
    ]
