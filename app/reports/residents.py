"""What residents do after reporting: say "me too", reopen a resolved report that is not
fixed, list their reports, and delete their contact data. Services flush; callers commit.

Contact and supporter entries belong to the API client that created them (``api_key_id``;
None for the web form and staff): a resident known by a chat id or an address is always looked
up among the entries of the same client, so one client can neither read, change nor delete
what residents gave another."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES, Channel, ReportStatus
from app.core.events import Actor, record_event
from app.core.files import track_new_file
from app.extensions import db
from app.photos.pipeline import process_photo
from app.photos.service import photo_limits, photo_storage
from app.reports.models import Report, ReporterContact, ReportPhoto, ReportSupporter
from app.reports.workflow import WorkflowError, apply_status

REOPEN_WINDOW = timedelta(days=14)


class ResidentActionRefused(WorkflowError):
    status = 409


def add_supporter(
    report: Report,
    channel: Channel,
    *,
    email: str | None = None,
    telegram_chat_id: str | None = None,
    locale: str = "de",
    wants_updates: bool = False,
    api_key_id: int | None = None,
) -> ReportSupporter:
    """ "Me too" on an open report; with consent the supporter also gets its updates.
    Saying it twice from the same chat or address (through the same client) counts once."""
    if report.status not in OPEN_STATUSES:
        raise ResidentActionRefused(_l("This report is already closed."))
    contact = report.contact
    if contact is not None and contact.api_key_id == api_key_id:
        own_chat = telegram_chat_id and contact.telegram_chat_id == str(telegram_chat_id)
        own_mail = email and contact.email and contact.email.lower() == email.lower()
        if own_chat or own_mail:
            raise ResidentActionRefused(
                _l("This is your own report: you will hear of it anyway, no need for “me too”.")
            )
    for supporter in report.supporters:
        if supporter.api_key_id != api_key_id:
            continue  # another client's entry: neither counted nor changed
        same_chat = telegram_chat_id and supporter.telegram_chat_id == telegram_chat_id
        same_mail = email and supporter.email and supporter.email.lower() == email.lower()
        if same_chat or same_mail:
            supporter.wants_updates = supporter.wants_updates or wants_updates
            return supporter
    supporter = ReportSupporter(
        report=report,
        channel=channel,
        email=email if wants_updates else None,
        telegram_chat_id=str(telegram_chat_id) if telegram_chat_id and wants_updates else None,
        locale=locale,
        wants_updates=wants_updates,
        api_key_id=api_key_id,
    )
    db.session.add(supporter)
    db.session.flush()
    record_event(
        report.id,
        "supporter_added",
        Actor("resident", channel.value),
        is_public=False,
        supporters=len(report.supporters),
    )
    return supporter


def follow_by_email(report: Report, email: str, locale: str) -> None:
    """ "Follow this report" (its status page): e-mail updates, with the resident's consent,
    as a supporter of the web. Following again, or with the reporter's own address, adds
    nobody: that one entry gets the updates (again)."""
    if report.status not in OPEN_STATUSES:
        raise ResidentActionRefused(_l("This report is already closed."))
    contact = report.contact
    if (
        contact is not None
        and contact.api_key_id is None
        and contact.email
        and contact.email.lower() == email.lower()
    ):
        contact.wants_updates = True
        return
    add_supporter(report, Channel.WEB, email=email, locale=locale, wants_updates=True)


def own_references(
    references: list[str], telegram_chat_id: str, api_key_id: int | None
) -> set[str]:
    """Those of ``references`` that this chat reported or supports (through this client)."""
    if not references:
        return set()
    chat = str(telegram_chat_id)
    reported = (
        sa.select(Report.reference)
        .join(ReporterContact, ReporterContact.report_id == Report.id)
        .where(
            Report.reference.in_(references),
            ReporterContact.telegram_chat_id == chat,
            ReporterContact.api_key_id.is_(None)
            if api_key_id is None
            else ReporterContact.api_key_id == api_key_id,
        )
    )
    supported = (
        sa.select(Report.reference)
        .join(ReportSupporter, ReportSupporter.report_id == Report.id)
        .where(
            Report.reference.in_(references),
            ReportSupporter.telegram_chat_id == chat,
            ReportSupporter.api_key_id.is_(None)
            if api_key_id is None
            else ReportSupporter.api_key_id == api_key_id,
        )
    )
    return set(db.session.execute(reported.union(supported)).scalars())


def _is_resident_of(
    report: Report, telegram_chat_id: str | None, email: str | None, api_key_id: int | None
) -> bool:
    people: list[ReporterContact | ReportSupporter] = [report.contact] if report.contact else []
    people += list(report.supporters)
    for person in people:
        if person.api_key_id != api_key_id:
            continue
        if telegram_chat_id and person.telegram_chat_id == str(telegram_chat_id):
            return True
        if email and person.email and person.email.lower() == email.lower():
            return True
    return False


def reopen_deadline(report: Report) -> datetime | None:
    """Until when the people of a resolved report may still say "not fixed"; None when the
    report is not resolved."""
    if report.status != ReportStatus.RESOLVED or report.closed_at is None:
        return None
    return report.closed_at + REOPEN_WINDOW


def can_be_reopened(report: Report) -> bool:
    """Resolved within the last 14 days."""
    deadline = reopen_deadline(report)
    return deadline is not None and utcnow() <= deadline


def reopen_by_resident(
    report: Report,
    comment: str,
    channel: Channel,
    *,
    telegram_chat_id: str | None = None,
    email: str | None = None,
    api_key_id: int | None = None,
    photo: bytes | None = None,
) -> Report:
    """ "Not fixed": a resolved report goes back to work within 14 days of being resolved,
    with the resident's comment as public note and, optionally, a photo of how it looks now
    (through the intake's photo pipeline; not public until a caseworker releases it).
    A refused photo (``PhotoRejected``) leaves the report as it was."""
    if not _is_resident_of(report, telegram_chat_id, email, api_key_id):
        raise ResidentActionRefused(_l("Only the people who reported this can reopen it."))
    if report.status != ReportStatus.RESOLVED:
        raise ResidentActionRefused(_l("Only a resolved report can be reopened."))
    if not can_be_reopened(report):
        raise ResidentActionRefused(
            _l("This report was resolved more than 14 days ago. Please send a new report.")
        )
    comment = (comment or "").strip()[:1000]
    if not comment:
        raise WorkflowError(_l("Please tell us what is still wrong."))
    actor = Actor("resident", channel.value)
    if photo:
        added = _attach_photo(report, photo)
        record_event(report.id, "resident_photo_added", actor, photo_id=added.id)
    # The resident knows what they wrote: the update goes to the others only.
    me = resident_address(telegram_chat_id=telegram_chat_id, email=email)
    return apply_status(
        report, ReportStatus.REOPENED, actor, comment, skip_residents=(me,) if me else ()
    )


def _attach_photo(report: Report, data: bytes) -> ReportPhoto:
    """A resident's photo, cleaned by the pipeline (``PhotoRejected`` for a refused one); the
    files go again when the transaction does not commit."""
    processed = process_photo(data, photo_limits())
    storage = photo_storage()
    image, thumb = storage.put(processed.image), storage.put(processed.thumbnail)
    for stored in (image, thumb):
        if stored.created:
            track_new_file(db.session(), storage, stored.key)
    photo = ReportPhoto(
        report=report,
        position=len(report.photos),
        storage_key=image.key,
        thumbnail_key=thumb.key,
        width=processed.width,
        height=processed.height,
        anonymisation=processed.anonymisation,
        boxes=processed.boxes,
    )
    db.session.add(photo)
    db.session.flush()
    return photo


def resident_address(
    *, telegram_chat_id: str | None = None, email: str | None = None
) -> str | None:
    """One person's address for updates, the same whether they reported or support:
    ``telegram:<chat>`` or ``email:<address, lower case>``."""
    if telegram_chat_id:
        return f"telegram:{telegram_chat_id}"
    if email:
        return f"email:{email.strip().lower()}"
    return None


def _owned_by(model, api_key_id: int | None):
    return model.api_key_id.is_(None) if api_key_id is None else model.api_key_id == api_key_id


def reports_of(
    *,
    telegram_chat_id: str | None = None,
    email: str | None = None,
    limit: int = 20,
    api_key_id: int | None = None,
) -> list[Report]:
    """The reports a resident made or supports (through the same client), newest first."""
    conditions = []
    if telegram_chat_id:
        conditions.append(ReporterContact.telegram_chat_id == str(telegram_chat_id))
    if email:
        conditions.append(sa.func.lower(ReporterContact.email) == email.lower())
    if not conditions:
        return []
    own = sa.select(ReporterContact.report_id).where(
        sa.or_(*conditions), _owned_by(ReporterContact, api_key_id)
    )
    supported_conditions = (
        [ReportSupporter.telegram_chat_id == str(telegram_chat_id)]
        if telegram_chat_id
        else [sa.func.lower(ReportSupporter.email) == (email or "").lower()]
    )
    supported = sa.select(ReportSupporter.report_id).where(
        sa.or_(*supported_conditions), _owned_by(ReportSupporter, api_key_id)
    )
    return list(
        db.session.execute(
            sa.select(Report)
            .where(sa.or_(Report.id.in_(own), Report.id.in_(supported)))
            .order_by(Report.created_at.desc(), Report.id.desc())
            .limit(limit)
        ).scalars()
    )


def forget_contact(row: ReporterContact | ReportSupporter) -> None:
    """Delete a resident's contact data. A supporter stays as an anonymous "me too" (so the
    public count of supporters does not drop); a reporter's contact row goes."""
    if isinstance(row, ReportSupporter):
        row.email = None
        row.telegram_chat_id = None
        row.wants_updates = False
    else:
        db.session.delete(row)


def delete_contact_data(
    *,
    telegram_chat_id: str | None = None,
    email: str | None = None,
    api_key_id: int | None = None,
) -> int:
    """Remove every contact and supporter entry of this resident made through this client;
    the reports stay (anonymous). Returns how many entries were removed."""
    removed = 0
    models: tuple[type[ReporterContact] | type[ReportSupporter], ...] = (
        ReporterContact,
        ReportSupporter,
    )
    for model in models:
        conditions = []
        if telegram_chat_id:
            conditions.append(model.telegram_chat_id == str(telegram_chat_id))
        if email:
            conditions.append(sa.func.lower(model.email) == email.lower())
        if not conditions:
            continue
        rows = cast(
            "Sequence[ReporterContact | ReportSupporter]",
            db.session.execute(
                sa.select(model).where(sa.or_(*conditions), _owned_by(model, api_key_id))
            )
            .scalars()
            .all(),
        )
        for row in rows:
            record_event(
                row.report_id, "contact_deleted", Actor("resident"), entry=model.__tablename__
            )
            forget_contact(row)
        removed += len(rows)
    db.session.flush()
    return removed
