"""The e-mails to departments and partners: tickets and their reminders, withdrawn tickets,
notices of new reports — in the department's language (``locale`` of its settings)."""

from __future__ import annotations

import logging
from email.message import EmailMessage
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from app.cities.settings import city
from app.core.enums import DeliveryStatus, DepartmentKind
from app.extensions import db
from app.forwarding.links import public_url
from app.forwarding.mail import (
    MailContent,
    NoRecipient,
    build_message,
    cut_subject,
    mail_language,
    message_id,
    place_summary,
    site_url,
    ticket_subject,
    when,
)
from app.forwarding.messages import ticket
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD, REMINDER
from app.forwarding.senders.ticket_data import department_of
from app.reports.models import Report
from app.reports.partner_photos import held_back_note
from app.routing.models import Department

log = logging.getLogger(__name__)


def _department_address(delivery: Delivery) -> tuple[Department, str]:
    department = department_of(delivery)
    if department is None:
        raise NoRecipient(f"no department {delivery.target!r}")
    address = ((department.forward_config or {}).get("to") or department.email or "").strip()
    if not address:
        raise NoRecipient(f"department {department.code!r} has no e-mail address")
    return department, address


def _place_facts(report: Report, data: dict[str, Any]) -> list[tuple[str, str]]:
    facts = []
    if report.address:
        facts.append((_("Address"), report.address))
    facts.append((_("District"), data["district"] or _("not within a district")))
    facts.append((_("Coordinates"), f"{report.lat:.6f}, {report.lon:.6f}"))
    return facts


def _inbox_url(report: Report) -> str:
    try:
        return site_url("inbox.report", reference=report.reference)
    except BuildError:  # the inbox is not registered (a stripped-down deployment)
        return public_url(f"/inbox/reports/{report.reference}")


# --- tickets and reminders -------------------------------------------------------------------


def _ticket_content(
    delivery: Delivery, forward: Delivery, department: Department, lang: str
) -> MailContent:
    report = forward.report
    data = ticket(forward, lang)
    subject = ticket_subject(report, lang)
    reminder = delivery.purpose == REMINDER
    if reminder:
        subject = _("Reminder: %(subject)s", subject=subject)
        heading = _(
            "Reminder: report %(reference)s has not been confirmed yet", reference=report.reference
        )
        intro = [
            _(
                "We sent you this report on %(date)s. Please confirm that you have received "
                "it, or tell us if it is not yours.",
                date=when(forward.sent_at or forward.created_at),
            )
        ]
    else:
        heading = _(
            "New report %(reference)s for %(department)s",
            reference=report.reference,
            department=department.name,
        )
        intro = [_("Please take care of the following report.")]
    facts = [
        (_("Reference"), report.reference),
        (_("Category"), f"{data['category']['name']} ({data['category']['group']})"),
        *_place_facts(report, data),
        (_("Reported on"), when(report.created_at)),
    ]
    if report.due_at:
        facts.append((_("To be resolved by"), when(report.due_at)))
    facts += [(item["label"], item["value"]) for item in data["attributes"]]
    blocks = []
    if report.description:
        blocks.append((_("Description"), report.description))
    count = len(data["photos"])
    if count:
        facts.append((_("Photos"), _("%(n)d attached to this e-mail", n=count)))
    if data["photos_held_back"]:
        facts.append((_("Photos held back"), str(held_back_note(data["photos_held_back"], lang))))
    days = current_app.config["PARTNER_LINK_MAX_AGE_DAYS"]
    return MailContent(
        lang=lang,
        subject=cut_subject(subject),
        heading=heading,
        intro=intro,
        facts=facts,
        blocks=blocks,
        actions=[(_("Confirm receipt or report as done"), data["partner_url"])],
        action_notes=[
            _(
                "On the page behind this link you can confirm receipt, report the report as done "
                "(with a note and a photo if you like) or send it back if it is not yours. No "
                "account is needed. Opening the link changes nothing."
            ),
            _("The link is valid for %(days)d days.", days=days),
        ],
        links=[(_("Map"), data["map_url"]), (_("Public status page"), data["status_url"])],
        footer=[
            _(
                "Sent automatically by the Quartiersmelder %(city)s. Please quote the "
                "reference %(reference)s in any reply.",
                city=city().name,
                reference=report.reference,
            )
        ],
    )


def _attach_photos(message: EmailMessage, forward: Delivery) -> None:
    """The ticket's photos (already re-encoded without metadata) as JPEG attachments."""
    from app.forwarding.messages import ticket_photos
    from app.photos.service import photo_storage

    report = forward.report
    storage = photo_storage()
    for number, photo in enumerate(ticket_photos(forward), start=1):
        try:
            data = storage.open(photo.storage_key)
        except (KeyError, OSError):
            log.warning(
                "Photo %s of %s is missing; sent without it", photo.storage_key, report.reference
            )
            continue
        message.add_attachment(
            data, maintype="image", subtype="jpeg", filename=f"{report.reference}-{number}.jpg"
        )


def compose_ticket(delivery: Delivery) -> EmailMessage | None:
    department, address = _department_address(delivery)
    forward = delivery
    if delivery.purpose == REMINDER:
        original = db.session.get(Delivery, (delivery.payload or {}).get("original_delivery_id"))
        if original is None or original.purpose != FORWARD:
            log.info("Reminder %s: the ticket is gone; nothing to remind", delivery.id)
            return None
        if original.status != DeliveryStatus.SENT:
            log.info(
                "Reminder %s: ticket %s is %s meanwhile; no reminder",
                delivery.id,
                original.id,
                original.status.value,
            )
            return None
        forward = original
    lang = mail_language((department.forward_config or {}).get("locale"))
    with force_locale(lang):
        content = _ticket_content(delivery, forward, department, lang)
    message = build_message(delivery, content, address)
    if delivery.purpose == REMINDER:
        message["In-Reply-To"] = message_id(forward)
        message["References"] = message_id(forward)
    _attach_photos(message, forward)
    return message


# --- withdrawn tickets ------------------------------------------------------------------------


def compose_withdrawal(delivery: Delivery) -> EmailMessage | None:
    """ "This report is no longer yours": to the department a ticket was sent to, in reply to
    that ticket's e-mail. Nothing of the report beyond what the ticket said."""
    department, address = _department_address(delivery)
    payload = delivery.payload or {}
    forward = db.session.get(Delivery, payload.get("original_delivery_id"))
    if forward is None or forward.purpose != FORWARD:
        log.info("Withdrawal %s: the ticket is gone; nothing to say", delivery.id)
        return None
    report = delivery.report
    lang = mail_language((department.forward_config or {}).get("locale"))
    with force_locale(lang):
        if payload.get("reason") == "duplicate" and payload.get("original_reference"):
            why = _(
                "It was merged with report %(original)s.", original=payload["original_reference"]
            )
        else:
            why = _("The city has passed it on to another office.")
        content = MailContent(
            lang=lang,
            subject=cut_subject(_("Withdrawn: %(subject)s", subject=ticket_subject(report, lang))),
            heading=_("Report %(reference)s is no longer yours", reference=report.reference),
            intro=[
                _(
                    "We sent you this report on %(date)s. It has been withdrawn from "
                    "%(department)s.",
                    date=when(forward.sent_at or forward.created_at),
                    department=department.name,
                ),
                why,
                _(
                    "Please do not work on it any more. The link in our earlier e-mail no "
                    "longer works."
                ),
            ],
            facts=[
                (_("Reference"), report.reference),
                (_("Category"), report.category.name(lang)),
            ],
            footer=[
                _(
                    "Sent automatically by the Quartiersmelder %(city)s. Please quote the "
                    "reference %(reference)s in any reply.",
                    city=city().name,
                    reference=report.reference,
                )
            ],
        )
    message = build_message(delivery, content, address)
    message["In-Reply-To"] = message_id(forward)
    message["References"] = message_id(forward)
    return message


# --- notices of new reports -------------------------------------------------------------------


def _notice_description(report: Report, department: Department) -> list[tuple[str, str]]:
    """The description for a notice. Outside organisations informed of an unsafe place get
    only what the public may read (free text can name people); the inbox has the rest."""
    if report.category.is_sensitive and department.kind == DepartmentKind.EXTERNAL:
        text = report.public_description
        if not text and report.description:
            text = _("The description of reports about unsafe places is shown in the inbox only.")
    else:
        text = report.description
    return [(_("Description"), text)] if text else []


def compose_notice(delivery: Delivery) -> EmailMessage:
    department, address = _department_address(delivery)
    report = delivery.report
    copy = bool((delivery.payload or {}).get("copy"))
    lang = mail_language((department.forward_config or {}).get("locale"))
    with force_locale(lang):
        summary = place_summary(report, lang)  # the reference goes in front once, below
        responsible = report.department.name if report.department else _("the dispatch team")
        if copy:
            subject = _("For your information: %(subject)s", subject=summary)
            heading = _("For your information: report %(reference)s", reference=report.reference)
            intro = [
                _(
                    "This is a copy for %(department)s. %(responsible)s is responsible for "
                    "the report.",
                    department=department.name,
                    responsible=responsible,
                )
            ]
        else:
            subject = _("New report: %(subject)s", subject=summary)
            heading = _(
                "New report %(reference)s for %(department)s",
                reference=report.reference,
                department=department.name,
            )
            intro = [_("A new report was routed to %(department)s.", department=department.name)]
        data = {"district": report.district.name if report.district else None}
        facts = [
            (_("Reference"), report.reference),
            (_("Category"), f"{report.category.name(lang)} ({report.category.group.name(lang)})"),
            *_place_facts(report, data),
            (_("Reported on"), when(report.created_at)),
        ]
        blocks = _notice_description(report, department)
        content = MailContent(
            lang=lang,
            subject=cut_subject(f"[{report.reference}] {subject}"),
            heading=heading,
            intro=intro,
            facts=facts,
            blocks=blocks,
            actions=[(_("Open the report in the inbox"), _inbox_url(report))],
            action_notes=[_("Signing in is required.")],
            footer=[_("Sent automatically by the Quartiersmelder %(city)s.", city=city().name)],
        )
    return build_message(delivery, content, address)
