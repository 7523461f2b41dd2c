"""A ticket stays bound to the delivery it came from: when the report moves away from the
department it was sent to, the ticket is withdrawn.

Withdrawn are the open tickets (pending, sent, acknowledged, failed) of the department a report
leaves — re-routed by staff, returned by a partner (its other open tickets of the report), its
category or place changed so that routing chose another department — and every open ticket of
a report merged into another as a duplicate. A ticket a caseworker forwarded by hand to a
department that is not responsible stays open until the report leaves that department or is
merged.

Withdrawing sets the status ``withdrawn`` (and ``withdrawn_at``); from then on the partner's
link and API answer "withdrawn" and change nothing (``partner._move``). A ticket that may have
reached the partner (it was sent, or tried) gets a **withdrawal notice** through the outbox, by
the ticket's own method (e-mail, webhook; Open311 has no way to withdraw a request, so its
partners are told by e-mail when the department has an address). Reminders still waiting for
the ticket are withdrawn with it.

When it happens: at once on the signals that say a report moved (``report_rerouted``, a status
change to ``duplicate``); in the worker, when a ticket being sent turns out to be stale; and in
the worker's periodic sweep (``withdraw_stale_tickets``), which catches every other way a
report can leave a department (a category or place change). Until then, ``stale_reason`` already
makes the link and the API answer "withdrawn".
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Flask

from app.core.db import utcnow
from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import Actor, record_event
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD, REMINDER, WITHDRAWAL, add_delivery
from app.reports.models import Report
from app.routing.models import Department

log = logging.getLogger(__name__)

S = DeliveryStatus
OPEN_TICKET = (S.PENDING, S.SENT, S.ACKNOWLEDGED, S.DEAD)
SYSTEM = Actor("system", "forwarding")
# Why a ticket was withdrawn (payload of the notice, the event, the partner's page).
REROUTED = "rerouted"  # staff or a partner's return sent the report elsewhere
DUPLICATE = "duplicate"  # merged into another report
MOVED = "moved"  # routing chose another department (category or place changed)
NOTICE_METHODS = ("email", "webhook")


def is_manual(delivery: Delivery) -> bool:
    return bool((delivery.payload or {}).get("manual"))


def stale_reason(delivery: Delivery) -> str | None:
    """Why an open ticket no longer belongs to its department (None: it does, or it is not
    open): the report is a duplicate, or (for tickets routing sent) it is with another
    department now."""
    if delivery.purpose != FORWARD or delivery.status not in OPEN_TICKET:
        return None
    report = delivery.report
    if report.status == ReportStatus.DUPLICATE:
        return DUPLICATE
    if not is_manual(delivery) and report.department_id != delivery.department_id:
        return MOVED
    return None


def is_withdrawn(delivery: Delivery) -> bool:
    """Withdrawn, or due to be: the partner may no longer act on it."""
    return delivery.status == S.WITHDRAWN or stale_reason(delivery) is not None


def may_have_arrived(delivery: Delivery) -> bool:
    """Sent, answered or at least tried: the partner may know the ticket."""
    return delivery.status != S.PENDING or delivery.attempts > 0


def _notice_method(delivery: Delivery) -> str | None:
    if delivery.method in NOTICE_METHODS:
        return delivery.method
    department = delivery.department
    config = (department.forward_config or {}) if department else {}
    if department is not None and (department.email or config.get("to")):
        return "email"
    return None


def send_notice(delivery: Delivery, reason: str) -> Delivery | None:
    """The withdrawal notice for ``delivery`` (None when no channel can carry one)."""
    method = _notice_method(delivery)
    report = delivery.report
    payload: dict[str, Any] = {"original_delivery_id": delivery.id, "reason": reason}
    if reason == DUPLICATE and report.duplicate_of is not None:
        payload["original_reference"] = report.duplicate_of.reference
    if method is None:
        log.warning(
            "Ticket %s of %s withdrawn; %s has no channel for a notice",
            delivery.id,
            report.reference,
            delivery.target,
        )
        return None
    return add_delivery(
        report, method, delivery.target, WITHDRAWAL, department=delivery.department, payload=payload
    )


def _withdraw_reminders(delivery: Delivery, now) -> None:
    reminders = db.session.execute(
        sa.select(Delivery).where(
            Delivery.report_id == delivery.report_id,
            Delivery.purpose == REMINDER,
            Delivery.status == S.PENDING,
        )
    ).scalars()
    for reminder in reminders:
        if (reminder.payload or {}).get("original_delivery_id") == delivery.id:
            reminder.status = S.WITHDRAWN
            reminder.withdrawn_at = now


def withdraw(delivery: Delivery, reason: str) -> Delivery | None:
    """Withdraw one open ticket; returns the notice (None when the ticket never left or no
    channel can carry one). Flushes nothing; the caller's transaction commits."""
    notify = may_have_arrived(delivery)
    now = utcnow()
    delivery.status = S.WITHDRAWN
    delivery.withdrawn_at = now
    _withdraw_reminders(delivery, now)
    record_event(
        delivery.report_id,
        "ticket_withdrawn",
        SYSTEM,
        delivery_id=delivery.id,
        department=delivery.department.code if delivery.department else delivery.target,
        cause=reason,
        notice=notify,
    )
    return send_notice(delivery, reason) if notify else None


def _open_tickets(report: Report, department: Department | None = None) -> list[Delivery]:
    """The report's open tickets (of ``department``), locked where the database can; a ticket
    a worker is sending right now is skipped here and withdrawn by the worker or the sweep."""
    query = (
        sa.select(Delivery)
        .where(
            Delivery.report_id == report.id,
            Delivery.purpose == FORWARD,
            Delivery.status.in_(OPEN_TICKET),
        )
        .order_by(Delivery.id)
        .execution_options(populate_existing=True)
    )
    if department is not None:
        query = query.where(Delivery.department_id == department.id)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(db.session.execute(query).scalars())


def on_report_rerouted(sender: Flask, *, report: Report, old: Department | None, **_: Any) -> None:
    """The report left ``old``: its open tickets there are withdrawn."""
    if old is None:
        return
    for delivery in _open_tickets(report, old):
        withdraw(delivery, REROUTED)


def on_status_changed(
    sender: Flask, *, report: Report, old: ReportStatus, new: ReportStatus, **_: Any
) -> None:
    """Merged into another report: every open ticket of the duplicate is withdrawn."""
    if new == ReportStatus.DUPLICATE and old != new:
        for delivery in _open_tickets(report):
            withdraw(delivery, DUPLICATE)


def withdrawn_while_sending(delivery: Delivery, *, first_attempt: bool) -> None:
    """The worker sent a ticket that was withdrawn meanwhile (no row locks on SQLite): when
    no notice went out at the withdrawal (it had never been tried), one goes out now."""
    if first_attempt:
        duplicate = delivery.report.status == ReportStatus.DUPLICATE
        send_notice(delivery, DUPLICATE if duplicate else REROUTED)


def withdraw_stale_tickets(limit: int = 500) -> int:
    """The sweep: withdraw open tickets whose report has moved on without a signal saying so
    (a category or place change). Commits when it withdrew any."""
    query = (
        sa.select(Delivery)
        .join(Report, Delivery.report_id == Report.id)
        .where(
            Delivery.purpose == FORWARD,
            Delivery.status.in_(OPEN_TICKET),
            sa.or_(
                Report.status == ReportStatus.DUPLICATE,
                sa.and_(
                    Report.department_id.is_distinct_from(Delivery.department_id),
                    # Forwarded by hand to a department that is not responsible: stays open.
                    sa.func.coalesce(Delivery.payload["manual"].as_boolean(), False) == sa.false(),
                ),
            ),
        )
        .order_by(Delivery.id)
        .limit(limit)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(of=Delivery, skip_locked=True)
    withdrawn = 0
    for delivery in db.session.execute(query).scalars().all():
        reason = stale_reason(delivery)
        if reason is not None:
            withdraw(delivery, reason)
            withdrawn += 1
    if withdrawn:
        db.session.commit()
        log.info("Withdrew %d tickets whose reports moved to another department", withdrawn)
    else:
        db.session.rollback()
    return withdrawn


def register(app: Flask) -> None:
    from app.core.signals import report_rerouted, report_status_changed

    report_rerouted.connect(on_report_rerouted)
    report_status_changed.connect(on_status_changed)
