"""What the public view reads of many reports, as plain rows instead of ORM objects.

The public view (``app.reports.public``) is computed from a report's public facts: its
reference, category, district, department, status, public point, street, texts and dates,
its photos' release state and its copies. For a list (the Open311 request list and its
searches by reference) loading 50 reports with their photos and copies as ORM objects cost
more CPU than everything else of the answer; these dataclasses carry the same facts, read in
one statement (the reports' columns, their photos, copies and public events as JSON arrays),
and the public view
reads them exactly as it reads a :class:`~app.reports.models.Report` — the same attribute
names, the same ``public_description`` and ``shareable`` rules (the very functions of the
models). What the public view never shows is not selected at all: the exact point, the
answers to the category's questions, the stored routing reason, contact data.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.enums import Channel, ReportStatus
from app.core.events import ReportEvent
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
    reviewed: bool  # a caseworker checked it (reviewed_at is set)

    @property
    def shareable(self) -> bool:
        return photo_shareable(self.anonymisation, self.reviewed)


@dataclass(frozen=True, slots=True)
class EventFacts:
    """A public event (submitted, a status change, a public note)."""

    created_at: datetime
    kind: str
    data: dict[str, Any] | None
    public_note: str | None


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
    events: tuple[EventFacts, ...] = ()  # the public ones, oldest first

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


def _array(dialect: str, *values: Any) -> Any:
    return (sa.func.json_build_array if dialect == "postgresql" else sa.func.json_array)(*values)


def _aggregate(dialect: str, element: Any) -> Any:
    # PostgreSQL's json_agg is NULL over no rows, SQLite's json_group_array '[]'. Both arrive
    # as text, so a row of facts is a tuple of plain values (the Open311 list keeps the
    # requests made of a row by the row itself: ``app.open311.caching``).
    if dialect == "postgresql":
        return sa.cast(sa.func.json_agg(element), sa.Text)
    return sa.func.json_group_array(element)


@functools.cache
def related_columns(dialect: str) -> tuple[Any, ...]:
    """A report's photos, copies and public events as three JSON arrays, each a scalar subquery
    correlated with ``report`` — the facts of a page in the very statement that reads its
    reports (under load every statement waits its turn at the database). Each element carries
    its sort keys; :func:`report_facts` orders them (SQLite 3.40 has no ORDER BY inside an
    aggregate)."""
    photos = (
        sa.select(
            _aggregate(
                dialect,
                _array(
                    dialect,
                    ReportPhoto.position,
                    ReportPhoto.id,
                    ReportPhoto.width,
                    ReportPhoto.height,
                    ReportPhoto.is_public,
                    ReportPhoto.anonymisation,
                    ReportPhoto.reviewed_at.is_not(None),
                ),
            )
        )
        .where(ReportPhoto.report_id == Report.id)
        .correlate(Report)
        .scalar_subquery()
    )
    copies = (
        sa.select(
            _aggregate(
                dialect,
                _array(
                    dialect, ReportCopy.id, ReportCopy.department_id, ReportCopy.routing_rule_id
                ),
            )
        )
        .where(ReportCopy.report_id == Report.id)
        .correlate(Report)
        .scalar_subquery()
    )
    data = sa.cast(ReportEvent.data, sa.Text) if dialect == "postgresql" else ReportEvent.data
    events = (
        sa.select(
            _aggregate(
                dialect,
                _array(
                    dialect,
                    ReportEvent.created_at,
                    ReportEvent.id,
                    ReportEvent.kind,
                    data,
                    ReportEvent.public_note,
                ),
            )
        )
        .where(ReportEvent.report_id == Report.id, ReportEvent.is_public.is_(True))
        .correlate(Report)
        .scalar_subquery()
    )
    return (photos, copies, events)


def _list(value: str | None) -> list[Any]:
    """A JSON array as :func:`related_columns` reads it (text); NULL: none."""
    if value is None or value == "[]":  # none (most reports have no photos and no copies)
        return []
    return json.loads(value)


def _moment(text: str) -> datetime:
    """A time as JSON has it (PostgreSQL: ISO with the session's offset; SQLite: as stored,
    in UTC without an offset), aware and in UTC as ``UTCDateTime`` reads it."""
    moment = datetime.fromisoformat(text)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def report_facts(rows: Sequence[Sequence[Any]]) -> list[ReportFacts]:
    """The facts of reports read as rows of :data:`FACT_COLUMNS` followed by the three
    :func:`related_columns` (further columns are the caller's)."""
    facts = []
    for row in rows:
        photos, copies, events = (_list(value) for value in row[_WIDTH : _WIDTH + 3])
        facts.append(
            ReportFacts(
                *row[:_WIDTH],  # type: ignore[misc]  # the columns of FACT_COLUMNS, in order
                photos=tuple(
                    PhotoFacts(photo_id, width, height, bool(public), state, bool(reviewed))
                    for _position, photo_id, width, height, public, state, reviewed in sorted(
                        photos, key=lambda photo: (photo[0], photo[1])
                    )
                ),
                copies=tuple(
                    CopyFacts(department_id, rule_id)
                    for _id, department_id, rule_id in sorted(copies, key=lambda copy: copy[0])
                ),
                events=tuple(
                    EventFacts(
                        moment, kind, json.loads(data) if isinstance(data, str) else data, note
                    )
                    for moment, _id, kind, data, note in sorted(
                        ((_moment(e[0]), *e[1:]) for e in events), key=lambda e: (e[0], e[1])
                    )
                ),
            )
        )
    return facts
