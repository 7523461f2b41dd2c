"""The e-mails to residents: a status change or a note from the city about a report they made
or support, in their language, with a one-click unsubscribe link — and when the report was
resolved, a link to say "not fixed" within the 14 days that allows."""

from __future__ import annotations

import logging
from email.message import EmailMessage

from flask_babel import force_locale
from flask_babel import gettext as _

from app.core.enums import ReportStatus
from app.extensions import db
from app.forwarding.links import reopen_token, unsubscribe_token
from app.forwarding.mail import (
    MailContent,
    build_message,
    cut_subject,
    mail_language,
    site_url,
    when,
)
from app.forwarding.models import Delivery
from app.reports.labels import PUBLIC_STATUS_LABELS
from app.reports.models import Report, ReporterContact, ReportSupporter
from app.reports.residents import can_be_reopened, reopen_deadline
from app.routing.names import department_name

log = logging.getLogger(__name__)


def resident_of(delivery: Delivery) -> ReporterContact | ReportSupporter | None:
    """The contact or supporter a ``contact:<id>`` / ``supporter:<id>`` target names."""
    return recipient_for_target(delivery.target, delivery.report_id)


def recipient_for_target(
    target: str, report_id: int | None = None
) -> ReporterContact | ReportSupporter | None:
    """The contact or supporter ``target`` names, if it is (still) one of ``report_id``'s."""
    kind, _sep, ident = target.partition(":")
    if kind not in ("contact", "supporter") or not ident.isdigit():
        return None
    person: ReporterContact | ReportSupporter | None
    if kind == "contact":
        person = db.session.get(ReporterContact, int(ident))
    else:
        person = db.session.get(ReportSupporter, int(ident))
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
    lang = mail_language(payload.get("locale"), person.locale)
    try:
        new = ReportStatus(payload.get("new") or report.status.value)
    except ValueError:
        new = report.status
    changed = payload.get("old") != new.value
    note = (payload.get("note") or "").strip()
    unsubscribe = site_url(
        "notifications.unsubscribe", lang, token=unsubscribe_token(delivery.target)
    )
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
            (
                _("Sent to"),
                department_name(report.department, lang)
                or _("the dispatch team, which passes it on to the right office"),
            ),
            (_("Status"), status_text),
        ]
        actions = [(_("Show the report"), site_url("web.status", lang, reference=report.reference))]
        action_notes = []
        resolved = changed and new == ReportStatus.RESOLVED
        offer = _reopen_offer(delivery.target, report, lang) if resolved else None
        if offer is not None:
            actions.append(offer[0])
            action_notes.append(offer[1])
        content = MailContent(
            lang=lang,
            subject=cut_subject(
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
            actions=actions,
            action_notes=action_notes,
            footer=[
                _(
                    "You receive this e-mail because you asked for updates about this report. "
                    "Please do not reply to it."
                ),
            ],
            links=[(_("Stop e-mails about this report"), unsubscribe)],
        )
    message = build_message(delivery, content, person.email)
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def _reopen_offer(target: str, report: Report, lang: str) -> tuple[tuple[str, str], str] | None:
    """The button "not fixed?" and its note, for the e-mail saying that the report was
    resolved, while it may still be reopened (None otherwise). The link works for this report
    and this person (``target``) only."""
    deadline = reopen_deadline(report)
    if deadline is None or not can_be_reopened(report):
        return None
    link = site_url("afterwards.not_fixed", lang, token=reopen_token(target, report.id))
    note = _(
        "If the problem is still there, you can tell us so until %(deadline)s: the report is "
        "then opened again.",
        deadline=when(deadline),
    )
    return (_("Not fixed? Tell us"), link), note
