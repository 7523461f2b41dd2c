"""Writing deliveries: in the same transaction as the report change that causes them.

Signal handlers (connected in ``register``) add rows and never commit; the worker sends them
after the commit. Nothing is sent to a resident who did not consent (``wants_updates``).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from flask import Flask

from app.core.enums import DeliveryStatus, ReportStatus
from app.core.signals import (
    report_copied,
    report_rerouted,
    report_status_changed,
    report_submitted,
)
from app.extensions import db
from app.forwarding.models import Delivery
from app.reports.models import Report, ReporterContact, ReportSupporter
from app.routing.models import Department

FORWARD = "forward"  # a ticket to a department/partner (partner loop)
DEPARTMENT_NOTICE = "department_notice"  # "a new report for you" e-mail
RESIDENT_UPDATE = "resident_update"  # a status change or public note for a resident
REMINDER = "reminder"  # an unacknowledged ticket, reminded once
WITHDRAWAL = "withdrawal"  # a ticket is no longer the partner's (app.forwarding.withdrawal)


def new_key(prefix: str) -> str:
    """Stable for the delivery's lifetime: the receiver recognises a resend by it."""
    return f"{prefix}-{uuid.uuid4().hex}"


# The new rows of a report being taken in (``kept_apart``), or None: into the session.
_KEPT_APART: ContextVar[list[Delivery] | None] = ContextVar("qm_deliveries_kept", default=None)


@contextmanager
def kept_apart() -> Iterator[list[Delivery]]:
    """Inside, the rows the handlers add are not added to the session but to the list: the
    intake writes them with the new report itself (``app.reports.intake._insert_report``);
    adding one to the session would pull the report in, only to be taken out again."""
    kept: list[Delivery] = []
    token = _KEPT_APART.set(kept)
    try:
        yield kept
    finally:
        _KEPT_APART.reset(token)


def add_delivery(
    report: Report,
    method: str,
    target: str,
    purpose: str,
    *,
    department: Department | None = None,
    payload: dict[str, Any] | None = None,
) -> Delivery:
    delivery = Delivery(
        report=report,
        method=method,
        target=target,
        purpose=purpose,
        department=department,
        idempotency_key=new_key(purpose),
        payload=payload or {},
        status=DeliveryStatus.PENDING,
    )
    kept = _KEPT_APART.get()
    if kept is None:
        db.session.add(delivery)
    else:
        kept.append(delivery)
    return delivery


def forward_to(report: Report, department: Department, *, manual: bool = False) -> Delivery | None:
    """A ticket to ``department`` by its forwarding method (None when it has none). While a
    photo of the report waits for its anonymisation the ticket waits too (app/photos/jobs.py:
    released when the photos are done, else sent without them after the hold)."""
    if not department.forward_method:
        return None
    delivery = add_delivery(
        report,
        department.forward_method,
        department.code,
        FORWARD,
        department=department,
        payload={"manual": manual},
    )
    _hold_for_photos(report, delivery)
    return delivery


def _hold_for_photos(report: Report, delivery: Delivery) -> None:
    """A ticket of a report with photos still pending anonymisation is due only after
    ``ANONYMISE_HOLD_TICKETS_S`` — or as soon as the photo runner has done them
    (``app.photos.jobs.release_tickets``). The worker claims due deliveries only, so a held one
    costs its claim nothing."""
    if not any(photo.anonymisation == "pending" for photo in report.photos):
        return
    from datetime import timedelta

    from flask import current_app

    from app.core.db import utcnow

    hold = float(current_app.config.get("ANONYMISE_HOLD_TICKETS_S", 600.0))
    delivery.next_attempt_at = utcnow() + timedelta(seconds=hold)


def notify_department(
    report: Report, department: Department, *, copy: bool = False
) -> Delivery | None:
    """An e-mail notice of a new report to a department that wants one."""
    if not (department.notify_on_new and department.email):
        return None
    return add_delivery(
        report,
        "email",
        department.code,
        DEPARTMENT_NOTICE,
        department=department,
        payload={"copy": copy},
    )


def _route_side_effects(report: Report, department: Department | None) -> None:
    if department is None:
        return
    if forward_to(report, department) is None:
        notify_department(report, department)


def on_report_submitted(sender: Flask, *, report: Report, **_: Any) -> None:
    _route_side_effects(report, report.department)
    for copy in report.copies:
        notify_department(report, copy.department, copy=True)


def on_report_rerouted(sender: Flask, *, report: Report, new: Department | None, **_: Any) -> None:
    _route_side_effects(report, new)


def on_report_copied(sender: Flask, *, report: Report, departments: list, **_: Any) -> None:
    for department in departments:
        notify_department(report, department, copy=True)


def resident_recipients(report: Report, skip: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """(method, target, locale) of everyone who asked for updates on ``report``: one entry per
    person (a reporter who also said "me too" from the same chat or address gets one message),
    none for the addresses in ``skip``."""
    from app.reports.residents import resident_address

    seen = set(skip)
    recipients = []
    people: list[tuple[ReporterContact | ReportSupporter, str]] = []
    if report.contact is not None:
        people.append((report.contact, "contact"))
    people += [(supporter, "supporter") for supporter in report.supporters]
    for person, kind in people:
        if not person.wants_updates:
            continue
        address = resident_address(telegram_chat_id=person.telegram_chat_id, email=person.email)
        if address is None or address in seen:
            continue
        seen.add(address)
        method = "telegram" if person.telegram_chat_id else "email"
        recipients.append((method, f"{kind}:{person.id}", person.locale))
    return recipients


def on_status_changed(
    sender: Flask,
    *,
    report: Report,
    old: ReportStatus,
    new: ReportStatus,
    public_note: str | None,
    skip_residents: tuple[str, ...] = (),
    **_: Any,
) -> None:
    """Every public status change or public note goes to the residents who asked for it."""
    for method, target, locale in resident_recipients(report, skip_residents):
        add_delivery(
            report,
            method,
            target,
            RESIDENT_UPDATE,
            payload={"old": old.value, "new": new.value, "note": public_note, "locale": locale},
        )


def register(app: Flask) -> None:
    report_submitted.connect(on_report_submitted)
    report_rerouted.connect(on_report_rerouted)
    report_copied.connect(on_report_copied)
    report_status_changed.connect(on_status_changed)


def forward_manually(report: Report, department: Department, user) -> Delivery:
    """A caseworker sends the ticket to a configured partner (any report, any partner)."""
    from flask_babel import lazy_gettext as _l

    from app.core.events import record_event
    from app.reports.workflow import WorkflowError, actor_for, require_change

    require_change(user, report)
    delivery = forward_to(report, department, manual=True) if department.is_active else None
    if delivery is None:
        raise WorkflowError(_l("No forwarding is configured for this department."))
    record_event(report.id, "forwarded_manually", actor_for(user), department=department.code)
    db.session.flush()
    return delivery


def retry_delivery(delivery: Delivery, user) -> Delivery:
    """A dead (or waiting) delivery goes out at the worker's next round."""
    from app.core.db import utcnow
    from app.core.events import record_event
    from app.reports.workflow import actor_for, require_change

    require_change(user, delivery.report)
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    record_event(
        delivery.report_id,
        "delivery_retried",
        actor_for(user),
        department=delivery.department.code if delivery.department else None,
    )
    db.session.flush()
    return delivery
