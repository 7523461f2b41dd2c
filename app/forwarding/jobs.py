"""Periodic jobs the worker runs between deliveries."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import cast

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import DeliveryStatus
from app.core.events import Actor, record_event
from app.extensions import db
from app.forwarding.models import Delivery
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


def anonymise_closed_reports(now=None) -> int:
    """Retention: contact data of reports closed longer than ``RETENTION_DAYS`` ago is deleted
    (reporter and supporters); the reports themselves stay for the statistics."""
    from flask import current_app

    from app.core.enums import OPEN_STATUSES
    from app.reports.models import Report, ReporterContact, ReportSupporter
    from app.reports.residents import forget_contact

    days = current_app.config["RETENTION_DAYS"]
    if not days:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    closed = (
        sa.select(Report.id)
        .where(Report.closed_at.is_not(None), Report.closed_at < cutoff)
        .where(Report.status.not_in(OPEN_STATUSES))
    )
    removed = 0
    for model in (ReporterContact, ReportSupporter):
        has_contact = sa.or_(model.email.is_not(None), model.telegram_chat_id.is_not(None))
        query = sa.select(model).where(model.report_id.in_(closed), has_contact).limit(1000)
        # rows of ``model``: mypy joins the two classes to ``object``
        rows = cast(
            "Sequence[ReporterContact | ReportSupporter]",
            db.session.execute(query).scalars().all(),
        )
        for row in rows:
            record_event(
                row.report_id,
                "contact_deleted",
                Actor("system", "retention"),
                entry=model.__tablename__,
                reason="retention",
            )
            forget_contact(row)
        removed += len(rows)
    if removed:
        db.session.commit()
        log.info("Retention: removed %d contact entries of long-closed reports", removed)
    return removed


ARCHIVE_BATCH = 1000


def archive_closed_reports(now=None) -> int:
    """The archive: reports closed longer than ``ARCHIVE_AFTER_DAYS`` ago get ``archived_at``
    (so the inbox's default text search no longer reads them), ``ARCHIVE_BATCH`` per statement
    until none is left. Neither a change of the report's content nor of its version: its
    ``updated_at`` stays (public feeds and open data see nothing new)."""
    from flask import current_app

    from app.core.enums import OPEN_STATUSES
    from app.reports.models import Report

    days = current_app.config["ARCHIVE_AFTER_DAYS"]
    if not days or days < 0:
        return 0
    moment = now or utcnow()
    cutoff = moment - timedelta(days=days)
    # Read from the partial index ix_report_archivable (closed_at, not archived), whose
    # condition the query implies.
    due = (
        sa.select(Report.id)
        .where(Report.archived_at.is_(None), Report.closed_at < cutoff)
        .where(Report.status.not_in(sorted(OPEN_STATUSES)))
        .order_by(Report.closed_at)
        .limit(ARCHIVE_BATCH)
    )
    archived = 0
    while True:
        ids = list(db.session.execute(due).scalars())
        if not ids:
            break
        db.session.execute(
            sa.update(Report)
            .where(Report.id.in_(ids), Report.archived_at.is_(None))
            .values(archived_at=moment, updated_at=Report.updated_at)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        archived += len(ids)
        if len(ids) < ARCHIVE_BATCH:
            break
    if archived:
        log.info("Archive: %d reports closed longer than %d days ago archived", archived, days)
    return archived


def run_periodic_jobs() -> None:
    from app.forwarding.withdrawal import withdraw_stale_tickets

    withdraw_stale_tickets()  # before reminders: no reminder for a ticket that is not theirs
    remind_unacknowledged()
    anonymise_closed_reports()
    archive_closed_reports()
    forget_submission_keys()
    sweep_held_photos()


def sweep_held_photos() -> int:
    """Photos the web form held for a step nobody answered: gone after an hour."""
    from app.photos.held import sweep

    return sweep()


def forget_submission_keys() -> int:
    """Submission keys older than a day are of no use any more (a periodic job)."""
    from app.reports.idempotency import forget_old_keys

    removed = forget_old_keys()
    if removed:
        db.session.commit()
    return removed
