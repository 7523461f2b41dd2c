"""Periodic jobs the worker runs between deliveries."""

from __future__ import annotations

import logging
from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import DeliveryStatus
from app.core.events import Actor, record_event
from app.core.outbox import Delivery
from app.extensions import db
from app.forwarding.outbox import FORWARD, REMINDER, add_delivery
from app.routing.models import Department

log = logging.getLogger(__name__)


def overdue_acknowledgements() -> sa.Select:
    """Forwarded tickets whose department's acknowledgement deadline has passed."""
    return (
        sa.select(Delivery)
        .join(Department, Delivery.department_id == Department.id)
        .where(
            Delivery.purpose == FORWARD,
            Delivery.status == DeliveryStatus.SENT,
            Delivery.acknowledged_at.is_(None),
            Department.ack_deadline_hours.is_not(None),
        )
    )


def is_ack_overdue(delivery: Delivery) -> bool:
    department = delivery.department
    if (
        delivery.purpose != FORWARD
        or delivery.status != DeliveryStatus.SENT
        or department is None
        or not department.ack_deadline_hours
        or not delivery.sent_at
    ):
        return False
    return delivery.sent_at + timedelta(hours=department.ack_deadline_hours) < utcnow()


def remind_unacknowledged() -> int:
    """Remind each overdue ticket once, by the channel it was sent through."""
    reminded = 0
    for delivery in db.session.execute(
        overdue_acknowledgements().where(Delivery.reminded_at.is_(None))
    ).scalars():
        if not is_ack_overdue(delivery):
            continue
        delivery.reminded_at = utcnow()
        add_delivery(
            delivery.report,
            delivery.method,
            delivery.target,
            REMINDER,
            department=delivery.department,
            payload={"original_delivery_id": delivery.id},
        )
        record_event(
            delivery.report_id,
            "partner_reminded",
            Actor("system", "worker"),
            delivery_id=delivery.id,
            department=delivery.department.code,
        )
        reminded += 1
    if reminded:
        db.session.commit()
        log.info("Reminded %d unacknowledged tickets", reminded)
    return reminded


def run_periodic_jobs() -> None:
    remind_unacknowledged()
