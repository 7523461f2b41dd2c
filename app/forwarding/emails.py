"""The e-mails of the outbox, composed with the standard library's ``EmailMessage``: tickets and
reminders to departments and partners, notices of new reports, updates for residents.

``compose(delivery)`` returns the message, ``None`` when there is nothing to send any more
(the resident unsubscribed, the ticket was acknowledged before its reminder went out), or
raises ``NoRecipient`` when no address is configured (retrying cannot help). Texts are built
once in the recipient's language and rendered twice: plain text here, HTML by a template.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from app.cities.settings import city
from app.core.db import utcnow
from app.core.enums import DeliveryStatus, DepartmentKind, ReportStatus
from app.forwarding.models import Delivery
from app.extensions import db
from app.forwarding.links import public_url, unsubscribe_token
from app.forwarding.messages import ticket
from app.forwarding.outbox import (
    DEPARTMENT_NOTICE,
    FORWARD,
    REMINDER,
    RESIDENT_UPDATE,
    WITHDRAWAL,
)
from app.reports.labels import PUBLIC_STATUS_LABELS
from app.reports.models import Report, ReporterContact, ReportSupporter
from app.routing.models import Department

log = logging.getLogger(__name__)

SUBJECT_MAX = 200


class NoRecipient(Exception):
    """No address to send to (a department without e-mail): retrying cannot help."""


@dataclass
class MailContent:
    """What an e-mail says, independent of plain text or HTML."""

    lang: str
    subject: str
    heading: str
    intro: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (title, longer text)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url): buttons
    action_notes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    footer: list[str] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------


def message_id(delivery: Delivery) -> str:
    """``<idempotency key@domain of MAIL_FROM>``: the same for every resend of a delivery."""
    return f"<{delivery.idempotency_key}@{mail_domain()}>"


def mail_domain() -> str:
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1]
    return address.rpartition("@")[2] or "quartiersmelder.invalid"


def _language(value: str | None, fallback: str | None = None) -> str:
    languages = current_app.config["LANGUAGES"]
    for candidate in (value, fallback):
        if candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _url(endpoint: str, lang: str | None = None, **values: Any) -> str:
    """An absolute link (``PUBLIC_BASE_URL``), usable from the worker (no request)."""
    if lang and lang != current_app.config["BABEL_DEFAULT_LOCALE"]:
        values["lang"] = lang
    with current_app.test_request_context():
        return public_url(url_for(endpoint, **values))


def _inbox_url(report: Report) -> str:
    try:
        return _url("inbox.report", reference=report.reference)
    except BuildError:  # the inbox is not registered (a stripped-down deployment)
        return public_url(f"/inbox/reports/{report.reference}")


def when(moment) -> str:
    """A date and time in the city's time zone and the current language (as on the site)."""
    from app.core.locale import when as site_when

    return site_when(moment)


def place_summary(report: Report, lang: str) -> str:
    """``Wilder Müll – Innenstadt-West, Friedensplatz 1`` (the parts there are)."""
    place = ", ".join(
        p for p in (report.district.name if report.district else None, report.address) if p
    )
    category = report.category.name(lang)
    return f"{category} – {place}" if place else category


def ticket_subject(report: Report, lang: str) -> str:
    return _one_line(f"[{report.reference}] {place_summary(report, lang)}")


def _cut(subject: str) -> str:
    subject = _one_line(subject)
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


def _department_of(delivery: Delivery) -> Department | None:
    if delivery.department is not None:
        return delivery.department
    return db.session.execute(
        db.select(Department).where(Department.code == delivery.target)
    ).scalar_one_or_none()


def _department_address(delivery: Delivery) -> tuple[Department, str]:
    department = _department_of(delivery)
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
    days = current_app.config["PARTNER_LINK_MAX_AGE_DAYS"]
    return MailContent(
        lang=lang,
        subject=_cut(subject),
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
        forward = db.session.get(Delivery, (delivery.payload or {}).get("original_delivery_id"))
        if forward is None or forward.purpose != FORWARD:
            log.info("Reminder %s: the ticket is gone; nothing to remind", delivery.id)
            return None
        if forward.status != DeliveryStatus.SENT:
            log.info(
                "Reminder %s: ticket %s is %s meanwhile; no reminder",
                delivery.id,
                forward.id,
                forward.status.value,
            )
            return None
    lang = _language((department.forward_config or {}).get("locale"))
    with force_locale(lang):
        content = _ticket_content(delivery, forward, department, lang)
    message = _message(delivery, content, address)
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
    lang = _language((department.forward_config or {}).get("locale"))
    with force_locale(lang):
        if payload.get("reason") == "duplicate" and payload.get("original_reference"):
            why = _(
                "It was merged with report %(original)s.", original=payload["original_reference"]
            )
        else:
            why = _("The city has passed it on to another office.")
        content = MailContent(
            lang=lang,
            subject=_cut(_("Withdrawn: %(subject)s", subject=ticket_subject(report, lang))),
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
    message = _message(delivery, content, address)
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
    lang = _language((department.forward_config or {}).get("locale"))
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
            subject=_cut(f"[{report.reference}] {subject}"),
            heading=heading,
            intro=intro,
            facts=facts,
            blocks=blocks,
            actions=[(_("Open the report in the inbox"), _inbox_url(report))],
            action_notes=[_("Signing in is required.")],
            footer=[_("Sent automatically by the Quartiersmelder %(city)s.", city=city().name)],
        )
    return _message(delivery, content, address)


# --- updates for residents --------------------------------------------------------------------


def resident_of(delivery: Delivery) -> ReporterContact | ReportSupporter | None:
    """The contact or supporter a ``contact:<id>`` / ``supporter:<id>`` target names."""
    return recipient_for_target(delivery.target, delivery.report_id)


def recipient_for_target(target: str, report_id: int | None = None):
    kind, _sep, ident = target.partition(":")
    model = {"contact": ReporterContact, "supporter": ReportSupporter}.get(kind)
    if model is None or not ident.isdigit():
        return None
    person = db.session.get(model, int(ident))
    if person is None or (report_id is not None and person.report_id != report_id):
        return None
    return person


def compose_resident_update(delivery: Delivery) -> EmailMessage | None:
    person = resident_of(delivery)
    if person is None or not person.wants_updates or not person.email:
        log.info(
            "Delivery %s: %s no longer wants e-mail updates (or was deleted); not sent",
            delivery.id,
            delivery.target,
        )
        return None
    report = delivery.report
    payload = delivery.payload or {}
    lang = _language(payload.get("locale"), person.locale)
    try:
        new = ReportStatus(payload.get("new") or report.status.value)
    except ValueError:
        new = report.status
    changed = payload.get("old") != new.value
    note = (payload.get("note") or "").strip()
    unsubscribe = _url("notifications.unsubscribe", lang, token=unsubscribe_token(delivery.target))
    with force_locale(lang):
        status_text = str(PUBLIC_STATUS_LABELS[new])
        category = report.category.name(lang)
        if changed:
            heading = _("New status: %(status)s", status=status_text)
        else:
            heading = _("News about report %(reference)s", reference=report.reference)
        if isinstance(person, ReporterContact):
            intro = _(
                "There is news about your report %(reference)s (%(category)s).",
                reference=report.reference,
                category=category,
            )
        else:
            intro = _(
                "There is news about report %(reference)s (%(category)s), which you support.",
                reference=report.reference,
                category=category,
            )
        facts = [
            (_("Reference"), report.reference),
            (_("Category"), category),
            (
                _("District"),
                report.district.name if report.district else _("not within a district"),
            ),
            (_("Status"), status_text),
        ]
        content = MailContent(
            lang=lang,
            subject=_cut(
                _(
                    "Report %(reference)s: %(status)s",
                    reference=report.reference,
                    status=status_text,
                )
            ),
            heading=heading,
            intro=[intro],
            facts=facts,
            blocks=[(_("Note from the city"), note)] if note else [],
            actions=[(_("Show the report"), _url("web.status", lang, reference=report.reference))],
            footer=[
                _(
                    "You receive this e-mail because you asked for updates about this report. "
                    "Please do not reply to it."
                ),
            ],
            links=[(_("Stop e-mails about this report"), unsubscribe)],
        )
    message = _message(delivery, content, person.email)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


# --- the message --------------------------------------------------------------------------------


def render_text(content: MailContent) -> str:
    lines = [content.heading, "=" * min(len(content.heading), 72), ""]
    for paragraph in content.intro:
        lines += [paragraph, ""]
    width = max((len(label) for label, _value in content.facts), default=0)
    for label, value in content.facts:
        lines.append(f"{label + ':':<{width + 1}} {value}")
    if content.facts:
        lines.append("")
    for title, text in content.blocks:
        lines += [f"{title}:", text, ""]
    for label, url in content.actions:
        lines += [f"{label}:", url, ""]
    for note in content.action_notes:
        lines += [note, ""]
    for label, url in content.links:
        lines.append(f"{label}: {url}")
    if content.links:
        lines.append("")
    lines.append("-- ")
    lines += content.footer
    return "\n".join(lines) + "\n"


def render_html(content: MailContent) -> str:
    with force_locale(content.lang), current_app.test_request_context():
        return render_template("email/message.html", mail=content)


def _message(delivery: Delivery, content: MailContent, to: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = content.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = _address(to)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(delivery)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Quartiersmelder-Reference"] = delivery.report.reference
    message["X-Quartiersmelder-Delivery"] = delivery.idempotency_key
    # Quoted-printable: readable, and 7-bit clean for servers without 8BITMIME.
    message.set_content(render_text(content), cte="quoted-printable")
    message.add_alternative(render_html(content), subtype="html", cte="quoted-printable")
    message["Content-Language"] = content.lang  # after the body: set_content drops Content-*
    return message


def _address(to: str) -> Address | str:
    name, address = parseaddr(to)
    if not address or "@" not in address:
        raise NoRecipient(f"not an e-mail address: {to!r}")
    username, _sep, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)


def compose(delivery: Delivery) -> EmailMessage | None:
    """The e-mail for ``delivery``; None when there is nothing to send (any more)."""
    if delivery.purpose in (FORWARD, REMINDER):
        return compose_ticket(delivery)
    if delivery.purpose == DEPARTMENT_NOTICE:
        return compose_notice(delivery)
    if delivery.purpose == RESIDENT_UPDATE:
        return compose_resident_update(delivery)
    if delivery.purpose == WITHDRAWAL:
        return compose_withdrawal(delivery)
    raise NoRecipient(f"the e-mail sender cannot send {delivery.purpose!r} messages")
