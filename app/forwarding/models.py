"""The durable outbox: side effects (forwarding, notifications) written in the same
transaction as the report change and delivered later by a worker — one ``Delivery`` row per
message and target, with its attempts and the partner loop's answers (acknowledged, done,
withdrawn). Written by ``app.forwarding.outbox``, sent by ``app.forwarding.worker``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.core.enums import DeliveryStatus, enum_column
from app.extensions import Model

if TYPE_CHECKING:
    from app.reports.models import Report
    from app.routing.models import Department


class Delivery(Model):
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
    # The department a ticket was forwarded to (partner loop), None for messages to residents.
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    partner_note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    report: Mapped[Report] = relationship()
    department: Mapped[Department | None] = relationship()
    attempt_log: Mapped[list[DeliveryAttempt]] = relationship(
        back_populates="delivery", order_by="DeliveryAttempt.id", cascade="all, delete-orphan"
    )


class DeliveryAttempt(Model):
    """One try to send a delivery: when, and what went wrong if it did."""

    __tablename__ = "delivery_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        sa.ForeignKey("delivery.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_success: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(sa.Text)
    worker: Mapped[str | None] = mapped_column(sa.String(120))

    delivery: Mapped[Delivery] = relationship(back_populates="attempt_log")
