"""Deliveries in the inbox: what went out for a report, what failed, what waits for a partner."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.jobs import is_ack_overdue
from app.forwarding.models import Delivery
from app.forwarding.outbox import (
    DEPARTMENT_NOTICE,
    FORWARD,
    REMINDER,
    RESIDENT_UPDATE,
    WITHDRAWAL,
)
from app.reports.models import Report
from app.routing.models import Department

PURPOSES = {
    FORWARD: _l("Ticket"),
    DEPARTMENT_NOTICE: _l("Notice of a new report"),
    RESIDENT_UPDATE: _l("Update to a resident"),
    REMINDER: _l("Reminder"),
    WITHDRAWAL: _l("Ticket withdrawn"),
}
STATES = {
    DeliveryStatus.PENDING: _l("waiting to be sent"),
    DeliveryStatus.SENT: _l("sent"),
    DeliveryStatus.ACKNOWLEDGED: _l("acknowledged"),
    DeliveryStatus.DONE: _l("done"),
    DeliveryStatus.RETURNED: _l("returned"),
    DeliveryStatus.DEAD: _l("failed"),
    DeliveryStatus.WITHDRAWN: _l("withdrawn"),
}


@dataclass
class DeliveryRow:
    delivery: Delivery
    purpose: str
    state: str
    recipient: str
    ack_overdue: bool
    may_retry: bool

    @property
    def is_retrying(self) -> bool:
        """Failed at least once and waiting for its next attempt."""
        return (
            self.delivery.status == DeliveryStatus.PENDING and self.delivery.last_error is not None
        )


def _row(delivery: Delivery) -> DeliveryRow:
    if delivery.department is not None:
        recipient = delivery.department.name
    elif delivery.purpose == RESIDENT_UPDATE:
        recipient = str(_l("resident (%(method)s)", method=delivery.method))
    else:
        recipient = delivery.target
    return DeliveryRow(
        delivery=delivery,
        purpose=str(PURPOSES.get(delivery.purpose, delivery.purpose)),
        state=str(STATES[delivery.status]),
        recipient=recipient,
        ack_overdue=is_ack_overdue(delivery),
        may_retry=delivery.status == DeliveryStatus.DEAD
        or (delivery.status == DeliveryStatus.PENDING and delivery.last_error is not None),
    )


def deliveries_of(report: Report) -> list[DeliveryRow]:
    rows = db.session.execute(
        sa.select(Delivery)
        .where(Delivery.report_id == report.id)
        .order_by(Delivery.created_at.desc(), Delivery.id.desc())
        .options(selectinload(Delivery.department))
    ).scalars()
    return [_row(d) for d in rows]


def forwarding_targets() -> list[Department]:
    """Departments and partners a caseworker can forward a ticket to."""
    return list(
        db.session.execute(
            sa.select(Department)
            .where(Department.forward_method.is_not(None), Department.is_active.is_(True))
            .order_by(Department.name)
        ).scalars()
    )


def troubled_deliveries(user: User, limit: int = 200) -> list[DeliveryRow]:
    """What needs attention, for the user's reports: deliveries that failed for good, those
    failing and being retried (a partner outage shows at its first failed attempt), and tickets
    not acknowledged in time — in that order, newest first within each."""
    query = (
        sa.select(Delivery)
        .join(Report, Delivery.report_id == Report.id)
        .where(
            sa.or_(
                Delivery.status == DeliveryStatus.DEAD,
                sa.and_(
                    Delivery.status == DeliveryStatus.PENDING, Delivery.last_error.is_not(None)
                ),
                sa.and_(Delivery.purpose == FORWARD, Delivery.status == DeliveryStatus.SENT),
            )
        )
        .order_by(Delivery.updated_at.desc(), Delivery.id.desc())
        .options(selectinload(Delivery.department), selectinload(Delivery.report))
        .limit(limit * 5)
    )
    if not user.can_route_anywhere:
        query = query.where(Report.department_id.in_(sorted(user.department_ids)))
    rows = [_row(d) for d in db.session.execute(query).scalars()]
    order = {DeliveryStatus.DEAD: 0, DeliveryStatus.PENDING: 1}
    wanted = [r for r in rows if r.delivery.status in order or r.ack_overdue]
    wanted.sort(key=lambda r: order.get(r.delivery.status, 2))
    return wanted[:limit]
