"""What staff do to a report: one verb-named service per action.

Every service takes the actor explicitly, checks the whitelist or the permission, changes the
report, writes an event for the timeline and emits a signal; it flushes, the caller commits.
A stale ``expected_version`` (the version the caseworker's page showed) raises ``EditConflict``
instead of silently overwriting someone else's change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import cast

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.catalogue.models import Category
from app.cities.settings import city
from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.core.errors import Refusal
from app.core.events import Actor, record_event
from app.core.signals import (
    report_copied,
    report_rerouted,
    report_status_changed,
    signal_sender,
)
from app.extensions import db
from app.geo.index import is_valid_coordinate
from app.geo.service import district_index
from app.reports.due import due_date
from app.reports.labels import REROUTED, STAFF_STATUS_LABELS
from app.reports.models import Report, ReportCopy, ReportPhoto, ReportSupporter
from app.routing.models import Department
from app.routing.service import route

S = ReportStatus
CLOSED = frozenset(set(S) - OPEN_STATUSES)

# The whitelist: from → allowed targets. Everything else is refused.
TRANSITIONS: dict[ReportStatus, frozenset[ReportStatus]] = {
    S.NEW: frozenset(
        {
            S.IN_REVIEW,
            S.IN_PROGRESS,
            S.FORWARDED,
            S.RESOLVED,
            S.NOT_RESOLVABLE,
            S.DUPLICATE,
            S.REJECTED,
        }
    ),
    S.IN_REVIEW: frozenset(
        {S.IN_PROGRESS, S.FORWARDED, S.RESOLVED, S.NOT_RESOLVABLE, S.DUPLICATE, S.REJECTED}
    ),
    S.IN_PROGRESS: frozenset({S.FORWARDED, S.RESOLVED, S.NOT_RESOLVABLE, S.DUPLICATE, S.REJECTED}),
    # in_review: the partner returned the ticket ("not ours"), it goes back to triage.
    S.FORWARDED: frozenset(
        {S.IN_REVIEW, S.IN_PROGRESS, S.RESOLVED, S.NOT_RESOLVABLE, S.DUPLICATE, S.REJECTED}
    ),
    S.REOPENED: frozenset(
        {
            S.IN_REVIEW,
            S.IN_PROGRESS,
            S.FORWARDED,
            S.RESOLVED,
            S.NOT_RESOLVABLE,
            S.DUPLICATE,
            S.REJECTED,
        }
    ),
    S.RESOLVED: frozenset({S.REOPENED}),
    S.NOT_RESOLVABLE: frozenset(),
    S.DUPLICATE: frozenset(),
    S.REJECTED: frozenset(),
}


class WorkflowError(Refusal):
    """An action was refused; ``message`` is for the user, ``status`` the HTTP status."""

    def __init__(self, message: str | LazyString) -> None:
        super().__init__(message)


class TransitionNotAllowed(WorkflowError):
    status = 409


class EditConflict(WorkflowError):
    status = 409


class NotPermitted(WorkflowError):
    status = 403


@dataclass(frozen=True)
class BulkOutcome:
    report: Report
    error: WorkflowError | None


# --- permissions ------------------------------------------------------------------------------


def can_view(user: User, report: Report) -> bool:
    """Dispatchers and admins see everything; caseworkers their departments' reports and the
    ones their departments were sent a copy of."""
    if user.can_route_anywhere:
        return True
    mine = user.department_ids
    return report.department_id in mine or any(c.department_id in mine for c in report.copies)


def can_change(user: User, report: Report) -> bool:
    """Changing is for the responsible department (copies only read), dispatchers and admins."""
    return user.can_route_anywhere or (
        report.department_id is not None and report.department_id in user.department_ids
    )


def require_change(user: User, report: Report) -> None:
    if not can_change(user, report):
        raise NotPermitted(_l("You may not change reports of another department."))


def actor_for(user: User) -> Actor:
    return Actor("user", str(user.id), user.name)


def _check_version(report: Report, expected_version: int | None) -> None:
    if expected_version is not None and report.version != expected_version:
        raise EditConflict(
            _l(
                "Someone else changed this report while you were looking at it. "
                "Nothing was saved — please check the latest state and try again."
            )
        )


# --- actions ----------------------------------------------------------------------------------


def change_status(
    report: Report,
    new_status: ReportStatus,
    user: User,
    *,
    public_note: str | None = None,
    expected_version: int | None = None,
    actor: Actor | None = None,
) -> Report:
    """Move a report along the whitelist, optionally with a public note."""
    require_change(user, report)
    _check_version(report, expected_version)
    return apply_status(report, new_status, actor or actor_for(user), public_note)


def apply_status(
    report: Report,
    new_status: ReportStatus,
    actor: Actor,
    public_note: str | None,
    *,
    skip_residents: tuple[str, ...] = (),
    flush: bool = True,
) -> Report:
    """The status change itself (whitelist, event, signal) without a permission check: for
    the system and partners, whose authority was checked by their own channel.
    ``skip_residents``: addresses (``residents.resident_address``) not to tell, e.g. the
    resident who made the change."""
    old = report.status
    if new_status not in TRANSITIONS[old]:
        raise TransitionNotAllowed(
            _l(
                "A report cannot go from “%(old)s” to “%(new)s”.",
                old=STAFF_STATUS_LABELS[old],
                new=STAFF_STATUS_LABELS[new_status],
            )
        )
    report.status = new_status
    report.closed_at = utcnow() if new_status in CLOSED else None
    note = (public_note or "").strip() or None
    record_event(
        report.id,
        "status_changed",
        actor,
        is_public=True,
        public_note=note,
        old=old.value,
        new=new_status.value,
    )
    if flush:  # False: the caller flushes a batch of changes together (the worker)
        db.session.flush()
    report_status_changed.send(
        signal_sender(),
        report=report,
        old=old,
        new=new_status,
        public_note=note,
        skip_residents=skip_residents,
    )
    return report


def add_public_note(
    report: Report, text: str, user: User, *, expected_version: int | None = None
) -> Report:
    """A public note without a status change (shown on the status page, sent to the resident)."""
    require_change(user, report)
    _check_version(report, expected_version)
    text = text.strip()
    if not text:
        raise WorkflowError(_l("Please write a note."))
    record_event(report.id, "public_note", actor_for(user), is_public=True, public_note=text)
    db.session.flush()
    report_status_changed.send(
        signal_sender(),
        report=report,
        old=report.status,
        new=report.status,
        public_note=text,
    )
    return report


def add_note(report: Report, text: str, user: User) -> Report:
    """An internal note: staff only, never public. Needs no version: it overwrites nothing."""
    if not can_view(user, report):
        raise NotPermitted(_l("You may not see this report."))
    text = text.strip()
    if not text:
        raise WorkflowError(_l("Please write a note."))
    record_event(report.id, "note_added", actor_for(user), text=text)
    db.session.flush()
    return report


def reroute(
    report: Report,
    department: Department | None,
    reason: str,
    user: User,
    *,
    expected_version: int | None = None,
) -> Report:
    """Send a report to another department, or back to triage (``None``), with a reason."""
    require_change(user, report)
    _check_version(report, expected_version)
    reason = reason.strip()
    if not reason:
        raise WorkflowError(_l("Please say why the report goes elsewhere."))
    if department is not None and department.id == report.department_id:
        raise WorkflowError(_l("The report is already with this department."))
    old = report.department
    report.department = department
    report.routing_rule_id = None
    target = department.name if department else None
    source = old.name if old else None
    report.routing_reason = {
        lang: text.format(source=source or triage, target=target or triage, reason=reason)
        for lang, (text, triage) in REROUTED.items()
    }
    record_event(
        report.id,
        "rerouted",
        actor_for(user),
        reason=reason,
        old=old.code if old else None,
        new=department.code if department else None,
    )
    db.session.flush()
    report_rerouted.send(signal_sender(), report=report, old=old, new=department, reason=reason)
    return report


def mark_duplicate(
    report: Report,
    original: Report,
    user: User,
    *,
    expected_version: int | None = None,
    public_note: str | None = None,
) -> Report:
    """Close ``report`` as a duplicate of ``original``; its reporter and supporters follow
    the original from now on."""
    require_change(user, report)
    _check_version(report, expected_version)
    if original.id == report.id:
        raise WorkflowError(_l("A report cannot be a duplicate of itself."))
    given = original
    if original.duplicate_of_id is not None:
        original = original.duplicate_of or original
    if original.id == report.id:
        raise WorkflowError(_l("A report cannot be a duplicate of itself."))
    if not (can_view(user, given) and can_view(user, original)):
        # Merging adds supporters and an event to the original: only into reports one may see.
        raise NotPermitted(_l("You may only merge into a report you may see."))
    moved = 0
    contact = report.contact
    if contact is not None:
        original.supporters.append(
            ReportSupporter(
                channel=report.channel,
                email=contact.email,
                telegram_chat_id=contact.telegram_chat_id,
                locale=contact.locale,
                wants_updates=contact.wants_updates,
                api_key_id=contact.api_key_id,  # still the same client's resident
            )
        )
        moved += 1
    for supporter in list(report.supporters):
        supporter.report = original
        moved += 1
    report.duplicate_of = original
    note = (
        public_note
        or f"Doppelte Meldung von {original.reference} / duplicate of {original.reference}"
    )
    apply_status(report, S.DUPLICATE, actor_for(user), note)
    record_event(
        report.id,
        "marked_duplicate",
        actor_for(user),
        original=original.reference,
        supporters_moved=moved,
    )
    record_event(
        original.id,
        "duplicate_merged",
        actor_for(user),
        duplicate=report.reference,
        supporters_moved=moved,
    )
    db.session.flush()
    return report


def _rerun_routing(report: Report) -> tuple[Department | None, list[Department]]:
    """Route the report again by the rules; returns the department it had before and the
    departments that now get a copy and did not before."""
    old_department = report.department
    old_copies = {copy.department_id for copy in report.copies}
    area = district_index().district_at(report.lat, report.lon)
    report.district_id = cast(int, area.key) if area else None  # districts are keyed by id
    decision = route(
        report.category,
        area.number if area else None,
        area.name if area else None,
        report.attributes,
    )
    codes = [a.department_code for a in (decision.assignment, *decision.copies) if a]
    departments = {
        d.code: d
        for d in db.session.execute(
            db.select(Department).where(Department.code.in_(codes))
        ).scalars()
    }
    report.department = (
        departments[decision.assignment.department_code] if decision.assignment else None
    )
    report.routing_rule_id = decision.assignment.rule_id if decision.assignment else None
    report.routing_reason = decision.reason
    # A department that keeps its copy keeps its row (a new row for it would collide with the
    # old one, which the unit of work deletes only after inserting).
    kept = {copy.department_id: copy for copy in report.copies}
    copies = []
    for c in decision.copies:
        department = departments[c.department_code]
        copy = kept.get(department.id) or ReportCopy(department=department)
        copy.routing_rule_id, copy.reason = c.rule_id, c.reason
        copies.append(copy)
    report.copies = copies
    return old_department, [c.department for c in copies if c.department.id not in old_copies]


def _announce_routing(
    report: Report, old: Department | None, new_copies: list[Department], reason: str
) -> None:
    """The same side effects as a re-route by hand (ticket or notice to the new department,
    the old one's ticket withdrawn) plus notices to departments that newly get a copy."""
    app = signal_sender()
    if report.department_id != (old.id if old else None):
        report_rerouted.send(app, report=report, old=old, new=report.department, reason=reason)
    if new_copies:
        report_copied.send(app, report=report, departments=new_copies)


def change_category(
    report: Report, category: Category, user: User, *, expected_version: int | None = None
) -> Report:
    """Correct the category; routing and the due date are worked out again."""
    require_change(user, report)
    _check_version(report, expected_version)
    if category.id == report.category_id:
        return report
    old = report.category
    report.category = category
    report.due_at = due_date(category, report.created_at)
    old_department, new_copies = _rerun_routing(report)
    record_event(
        report.id,
        "category_changed",
        actor_for(user),
        old=old.code,
        new=category.code,
        department=report.department.code if report.department else None,
    )
    db.session.flush()
    _announce_routing(
        report, old_department, new_copies, f"category changed: {old.code} → {category.code}"
    )
    return report


def change_location(
    report: Report, lat: float, lon: float, user: User, *, expected_version: int | None = None
) -> Report:
    """Move the report's point (inside the city); district and routing are worked out again."""
    require_change(user, report)
    _check_version(report, expected_version)
    if not is_valid_coordinate(lat, lon) or not district_index().in_city(lat, lon):
        raise WorkflowError(_l("This place is outside %(city)s.", city=city().name))
    old = (report.lat, report.lon)
    report.lat, report.lon = lat, lon
    report.address = None
    old_department, new_copies = _rerun_routing(report)
    record_event(
        report.id,
        "location_changed",
        actor_for(user),
        old=list(old),
        new=[lat, lon],
        department=report.department.code if report.department else None,
    )
    db.session.flush()
    _announce_routing(report, old_department, new_copies, "place changed")
    return report


def moderate_description(
    report: Report,
    text: str | None,
    hidden: bool,
    user: User,
    *,
    expected_version: int | None = None,
) -> Report:
    """Set the public version of the description, or hide it; the original stays for staff."""
    require_change(user, report)
    _check_version(report, expected_version)
    report.description_moderated = text.strip() if text is not None else None
    report.is_description_hidden = hidden
    record_event(
        report.id,
        "description_moderated",
        actor_for(user),
        hidden=hidden,
        public_text=report.description_moderated,
    )
    db.session.flush()
    return report


def set_photo_public(photo: ReportPhoto, is_public: bool, user: User) -> ReportPhoto:
    """Release a photo for the public, or take it back (faces, number plates …)."""
    require_change(user, photo.report)
    photo.is_public = is_public
    record_event(
        photo.report_id,
        "photo_released" if is_public else "photo_hidden",
        actor_for(user),
        photo_id=photo.id,
    )
    db.session.flush()
    return photo


def bulk_change_status(
    reports: Iterable[Report],
    new_status: ReportStatus,
    user: User,
    *,
    public_note: str | None = None,
) -> list[BulkOutcome]:
    """Change many reports; each one that is not allowed is reported, the others go through."""
    outcomes = []
    for report in reports:
        try:
            nested = db.session.begin_nested()
            change_status(report, new_status, user, public_note=public_note)
            nested.commit()
            outcomes.append(BulkOutcome(report, None))
        except WorkflowError as error:
            nested.rollback()
            outcomes.append(BulkOutcome(report, error))
    return outcomes
