"""The append-only event log from which every report's timeline is read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, utcnow
from app.extensions import Model, db


@dataclass(frozen=True)
class Actor:
    """Who did something: a resident through a channel, a staff user, an API client, the system."""

    kind: str  # "resident", "user", "api_client", "partner", "system"
    ident: str = ""
    label: str = ""

    def __str__(self) -> str:
        return f"{self.kind}:{self.ident}" if self.ident else self.kind


SYSTEM = Actor("system")


class ReportEvent(Model):
    """One thing that happened to a report. Rows are only ever inserted."""

    __tablename__ = "report_event"
    __table_args__ = (sa.Index("ix_report_event_report_created", "report_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(40))  # "submitted", "status_changed", …
    actor: Mapped[str] = mapped_column(sa.String(120))
    is_public: Mapped[bool] = mapped_column(default=False)
    public_note: Mapped[str | None] = mapped_column(sa.Text)
    data: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def record_event(
    report_id: int,
    kind: str,
    actor: Actor,
    *,
    is_public: bool = False,
    public_note: str | None = None,
    **data: Any,
) -> ReportEvent:
    """Add an event to the session (flushed with the caller's unit of work)."""
    event = ReportEvent(
        report_id=report_id,
        kind=kind,
        actor=str(actor),
        is_public=is_public,
        public_note=public_note,
        data=data,
    )
    db.session.add(event)
    return event
