"""The durable outbox: side effects (forwarding, notifications) written in the same
transaction as the report change and delivered later by a worker."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, utcnow
from app.core.enums import DeliveryStatus, enum_column
from app.extensions import db


class Delivery(db.Model):
    """One message to one target about one report, with its attempts."""

    __tablename__ = "delivery"
    __table_args__ = (sa.Index("ix_delivery_status_next_attempt", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        sa.ForeignKey("report.id", ondelete="CASCADE"), index=True
    )
    method: Mapped[str] = mapped_column(sa.String(20))  # email, webhook, open311, telegram
    target: Mapped[str] = mapped_column(sa.String(255))  # department code or contact reference
    purpose: Mapped[str] = mapped_column(sa.String(40))  # forward, notify, reminder …
    idempotency_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    remote_id: Mapped[str | None] = mapped_column(sa.String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
