"""The partner loop: a forwarded ticket goes sent → acknowledged → done | returned.

Partners report back through a signed link or the partner API; both call these services.
"done" moves the report to the department's ``done_status`` (resolved, or in_review for a
check first) and so notifies the resident; "returned" sends the report back to triage with
the partner's reason. Services flush; the caller commits.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.core.db import utcnow
from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import Actor, record_event
from app.core.signals import report_rerouted
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD
from app.forwarding.withdrawal import is_withdrawn
from app.reports.workflow import TRANSITIONS, WorkflowError, apply_status

S = DeliveryStatus
PARTNER_TRANSITIONS = {
    S.SENT: {S.ACKNOWLEDGED, S.DONE, S.RETURNED},
    S.ACKNOWLEDGED: {S.DONE, S.RETURNED},
    # The partner answers, so the ticket arrived even if the worker never recorded it
    # (killed after the server accepted, or a timeout after delivery): accept the answer.
    S.PENDING: {S.ACKNOWLEDGED, S.DONE, S.RETURNED},
    S.DEAD: {S.ACKNOWLEDGED, S.DONE, S.RETURNED},
}


class PartnerActionRefused(WorkflowError):
    status = 409


class TicketWithdrawn(PartnerActionRefused):
    """The report moved away from the partner's department: the ticket is no longer theirs."""

    status = 410


def partner_actor(delivery: Delivery) -> Actor:
    department = delivery.department
    return Actor(
        "partner", department.code if department else "?", department.name if department else ""
    )


def refuse_if_withdrawn(delivery: Delivery) -> None:
    """``TicketWithdrawn`` when the report has moved away from the ticket's department."""
    if is_withdrawn(delivery):
        raise TicketWithdrawn(
            _l("This ticket was withdrawn: the report is no longer yours. Nothing was changed.")
        )


def _move(delivery: Delivery, new: DeliveryStatus) -> None:
    if delivery.purpose != FORWARD:
        raise PartnerActionRefused(_l("This message is not a ticket."))
    refuse_if_withdrawn(delivery)
    if new not in PARTNER_TRANSITIONS.get(delivery.status, set()):
        if delivery.status == new:
            return  # a second click on the same link changes nothing
        raise PartnerActionRefused(
            _l("This ticket is already “%(status)s”.", status=delivery.status.value)
        )
    if delivery.status in (S.PENDING, S.DEAD):
        delivery.sent_at = delivery.sent_at or utcnow()  # it evidently arrived
    delivery.status = new


def acknowledge(delivery: Delivery, note: str | None = None) -> Delivery:
    """The partner has the ticket and takes care of it."""
    was = delivery.status
    _move(delivery, S.ACKNOWLEDGED)
    if was != delivery.status:
        delivery.acknowledged_at = utcnow()
        delivery.partner_note = (note or "").strip() or delivery.partner_note
        record_event(
            delivery.report_id,
            "partner_acknowledged",
            partner_actor(delivery),
            delivery_id=delivery.id,
            note=delivery.partner_note,
        )
        db.session.flush()
    return delivery


def mark_done(delivery: Delivery, note: str | None = None, photo: bytes | None = None) -> Delivery:
    """The partner fixed it: the report moves on and the resident hears of it."""
    was = delivery.status
    _move(delivery, S.DONE)
    if was == delivery.status:
        return delivery
    now = utcnow()
    delivery.done_at = now
    delivery.acknowledged_at = delivery.acknowledged_at or now
    note = (note or "").strip() or None
    delivery.partner_note = note or delivery.partner_note
    report = delivery.report
    photo_id = _attach_photo(delivery, photo) if photo else None
    record_event(
        report.id,
        "partner_done",
        partner_actor(delivery),
        delivery_id=delivery.id,
        note=note,
        photo_id=photo_id,
    )
    target = delivery.department.done_status if delivery.department else ReportStatus.RESOLVED
    if target in TRANSITIONS[report.status]:
        # The partner's own words are the public note; the status itself says "resolved".
        apply_status(report, target, partner_actor(delivery), note)
    db.session.flush()
    return delivery


def return_ticket(delivery: Delivery, reason: str) -> Delivery:
    """ "Not ours": the report goes back to triage with the partner's reason."""
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError(_l("Please give a reason."))
    _move(delivery, S.RETURNED)
    delivery.partner_note = reason
    report = delivery.report
    old = report.department
    report.department = None
    report.routing_rule_id = None
    name = old.name if old else ""
    report.routing_reason = {
        "de": f"Von {name} zurückgegeben: {reason} → Sichtung",
        "en": f"Returned by {name}: {reason} → triage",
    }
    record_event(
        report.id,
        "partner_returned",
        partner_actor(delivery),
        delivery_id=delivery.id,
        reason=reason,
    )
    if ReportStatus.IN_REVIEW in TRANSITIONS[report.status]:
        apply_status(report, ReportStatus.IN_REVIEW, partner_actor(delivery), None)
    db.session.flush()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object; typed as Flask
    report_rerouted.send(app, report=report, old=old, new=None, reason=reason)
    return delivery


def _attach_photo(delivery: Delivery, data: bytes) -> int:
    """The partner's photo of the cleaned spot, through the same pipeline (not public yet)."""
    from app.core.files import track_new_file
    from app.photos.pipeline import process_photo
    from app.photos.service import photo_limits, photo_storage
    from app.reports.models import ReportPhoto

    processed = process_photo(data, photo_limits())  # PhotoRejected → the caller answers 4xx
    storage = photo_storage()
    image, thumb = storage.put(processed.image), storage.put(processed.thumbnail)
    for stored in (image, thumb):
        if stored.created:
            track_new_file(db.session(), storage, stored.key)
    photo = ReportPhoto(
        report=delivery.report,
        position=len(delivery.report.photos),
        storage_key=image.key,
        thumbnail_key=thumb.key,
        width=processed.width,
        height=processed.height,
        anonymisation=processed.anonymisation,
        boxes=processed.boxes,
    )
    db.session.add(photo)
    db.session.flush()
    return photo.id
