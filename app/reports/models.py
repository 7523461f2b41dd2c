"""The report aggregate: categories, reports, their photos, reporter contact and routing copies."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, WriteOnlyMapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.core.enums import (
    Channel,
    LocationSource,
    ReportStatus,
    enum_column,
)
from app.core.locale import pick_language
from app.extensions import Model

if TYPE_CHECKING:
    from app.catalogue.models import Category
    from app.core.events import ReportEvent
    from app.geo.models import District
    from app.routing.models import Department, RoutingRule


def public_text(description: str, moderated: str | None, hidden: bool, sensitive: bool) -> str:
    """What the public may read of a report's text: the moderated text, nothing when hidden,
    and never the free text of a sensitive (unsafe-place) report before a caseworker
    moderated it."""
    if hidden:
        return ""
    if moderated is not None:
        return moderated
    return "" if sensitive else description


def photo_shareable(anonymisation: str, reviewed: bool) -> bool:
    """Whether partners (and, once released, the public) may see a photo. Never while its
    anonymisation is pending, not even after a caseworker's check (``reviewed``): the file is
    unblurred."""
    if anonymisation == "pending":
        return False
    return anonymisation in ("done", "off") or reviewed


class Report(Model):
    __tablename__ = "report"
    __table_args__ = (
        sa.CheckConstraint("lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180", name="lat_lon"),
        sa.Index("ix_report_department_status_created", "department_id", "status", "created_at"),
        sa.Index("ix_report_category_status_lat", "category_id", "status", "lat"),
        # The inbox's category filter and its counts per status within a department.
        sa.Index(
            "ix_report_department_category_status_created",
            "department_id",
            "category_id",
            "status",
            "created_at",
        ),
        sa.Index("ix_report_created_at", "created_at"),
        # The Open311 list: its pages (newest first) and its capped total, from the index alone.
        sa.Index(
            "ix_report_created_id_status_category", "created_at", "id", "status", "category_id"
        ),
        # Open data: Last-Modified and ETag read max(updated_at).
        sa.Index("ix_report_updated_at", "updated_at"),
        # The public map's bounding-box queries.
        sa.Index("ix_report_public_lat_lon", "public_lat", "public_lon"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id"))
    status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.NEW
    )
    description: Mapped[str] = mapped_column(sa.Text, default="")
    attributes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    lat: Mapped[float] = mapped_column(sa.Float(precision=53))
    lon: Mapped[float] = mapped_column(sa.Float(precision=53))
    # Where the public sees it (app/reports/public_point.py keeps it current): the exact point, or
    # for sensitive categories the centre of its grid cell, so no public answer depends on the
    # exact point.
    public_lat: Mapped[float] = mapped_column(sa.Float(precision=53))
    public_lon: Mapped[float] = mapped_column(sa.Float(precision=53))
    location_source: Mapped[LocationSource] = mapped_column(enum_column(LocationSource))
    address: Mapped[str | None] = mapped_column(sa.String(255))
    zipcode: Mapped[str | None] = mapped_column(sa.String(16))
    district_id: Mapped[int | None] = mapped_column(sa.ForeignKey("district.id"))
    # NULL department: no rule matched, the report waits in the triage queue.
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id"))
    routing_rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("routing_rule.id", ondelete="SET NULL")
    )
    # Why it went there, per language: {"de": "…", "en": "…"}.
    routing_reason: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    locale: Mapped[str] = mapped_column(sa.String(8), default="de")
    # Moderation: a caseworker's public version of the description, or hide it altogether.
    description_moderated: Mapped[str | None] = mapped_column(sa.Text)
    is_description_hidden: Mapped[bool] = mapped_column(default=False)
    duplicate_of_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("report.id", ondelete="SET NULL"), index=True
    )
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The archive: set by the worker (app/forwarding/jobs.py archive_closed_reports) once the
    # report has been closed ARCHIVE_AFTER_DAYS; NULL while active. The inbox's text search
    # covers the active reports unless asked for the archive; a trigger clears it on reopening.
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Optimistic locking: every UPDATE checks and bumps it, so a concurrent edit is detected.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __mapper_args__ = {"version_id_col": version}

    category: Mapped[Category] = relationship()
    district: Mapped[District | None] = relationship()
    department: Mapped[Department | None] = relationship()
    routing_rule: Mapped[RoutingRule | None] = relationship()
    photos: Mapped[list[ReportPhoto]] = relationship(
        back_populates="report", order_by="ReportPhoto.position", cascade="all, delete-orphan"
    )
    # In the order routing informed them (the intake adds them in rule order).
    copies: Mapped[list[ReportCopy]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportCopy.id"
    )
    contact: Mapped[ReporterContact | None] = relationship(
        back_populates="report", cascade="all, delete-orphan", uselist=False
    )
    supporters: Mapped[list[ReportSupporter]] = relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportSupporter.id"
    )
    duplicate_of: Mapped[Report | None] = relationship(remote_side=[id])
    # Only to add events with a new report in the same flush (the intake's "submitted"): the
    # timeline is read by queries, never through this collection.
    new_events: WriteOnlyMapped[ReportEvent] = relationship(passive_deletes=True)

    @property
    def public_description(self) -> str:
        return public_text(
            self.description,
            self.description_moderated,
            self.is_description_hidden,
            self.category.is_sensitive,
        )

    def __repr__(self) -> str:
        return f"<Report {self.reference}>"


class ReportPhoto(Model):
    __tablename__ = "report_photo"
    # The photo runner's claim query (app/photos/jobs.py): the pending photos, oldest first.
    __table_args__ = (sa.Index("ix_report_photo_anonymisation_id", "anonymisation", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    storage_key: Mapped[str] = mapped_column(sa.String(100))
    thumbnail_key: Mapped[str] = mapped_column(sa.String(100))
    width: Mapped[int]
    height: Mapped[int]
    # Photos may show faces or number plates: public only after a caseworker released them.
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Faces and number plates pixelated on our own machine (app/photos/anonymise.py):
    # "pending" (stored re-encoded, without metadata, but not blurred yet: the photo runner,
    # app/photos/jobs.py, has still to run; never shown to partners or the public),
    # "done" (detector ran, boxes applied to image and thumbnail), "failed" (detector raised or
    # timed out: stored re-encoded but not blurred, held back until a caseworker reviewed it),
    # "off" (anonymisation disabled by configuration; also photos stored before it existed).
    anonymisation: Mapped[str] = mapped_column(sa.String(16), default="off", server_default="off")
    # A photo runner's claim of a pending photo (a lease: expired, another runner retries it) and
    # how many runners have claimed it (a photo that keeps killing its runner ends as "failed").
    anonymise_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    anonymise_attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    # [{"x", "y", "w", "h": full-image pixels, "kind": "face"|"plate"|"manual", "score"}]
    boxes: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list, server_default="[]")
    # When a caseworker reviewed (released) it; a "failed" photo is shareable only after that.
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    report: Mapped[Report] = relationship(back_populates="photos")

    @property
    def shareable(self) -> bool:
        return photo_shareable(self.anonymisation, self.reviewed_at is not None)


class ReportCopy(Model):
    """A department informed of a report by a copy rule (e.g. Quartiersmanagement)."""

    __tablename__ = "report_copy"
    __table_args__ = (sa.UniqueConstraint("report_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"))
    department_id: Mapped[int] = mapped_column(
        sa.ForeignKey("department.id", ondelete="CASCADE"), index=True
    )
    routing_rule_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("routing_rule.id", ondelete="SET NULL")
    )
    reason: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)

    report: Mapped[Report] = relationship(back_populates="copies")
    department: Mapped[Department] = relationship()


class ReporterContact(Model):
    """Contact data, only with consent and only for status updates.

    Kept apart from the report so that it can be deleted (on request or by retention)
    without touching the report itself.
    """

    __tablename__ = "reporter_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), unique=True
    )
    email: Mapped[str | None] = mapped_column(sa.String(254))
    name: Mapped[str | None] = mapped_column(sa.String(200))
    phone: Mapped[str | None] = mapped_column(sa.String(50))
    telegram_chat_id: Mapped[str | None] = mapped_column(sa.String(32))
    locale: Mapped[str] = mapped_column(sa.String(8), default="de")
    wants_updates: Mapped[bool] = mapped_column(default=False)
    consent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The API client whose key created the entry: only it lists, reopens or deletes by chat.
    api_key_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_key.id", ondelete="SET NULL"), index=True
    )

    report: Mapped[Report] = relationship(back_populates="contact")


class ReportSupporter(Model):
    """A resident who said "me too" (or whose duplicate was merged); gets updates if asked."""

    __tablename__ = "report_supporter"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[Channel] = mapped_column(enum_column(Channel))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    telegram_chat_id: Mapped[str | None] = mapped_column(sa.String(32))
    locale: Mapped[str] = mapped_column(sa.String(8), default="de")
    wants_updates: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # As on ReporterContact: the API client that created the entry (None: web form, staff).
    api_key_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("api_key.id", ondelete="SET NULL"), index=True
    )

    report: Mapped[Report] = relationship(back_populates="supporters")


class ResponseTemplate(Model):
    """A ready-made public note for a category and/or status, per language."""

    __tablename__ = "response_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(120))
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("category.id", ondelete="CASCADE")
    )
    status: Mapped[ReportStatus | None] = mapped_column(enum_column(ReportStatus))
    texts: Mapped[dict[str, str]] = mapped_column(sa.JSON)

    category: Mapped[Category | None] = relationship()

    def text(self, locale: str = "de") -> str:
        return pick_language(self.texts, locale)


class ReferenceCounter(Model):
    """The last reference number handed out per year (DO-2026-00042)."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)
