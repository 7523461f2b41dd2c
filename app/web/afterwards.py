"""After a report, for residents on the web: "not fixed?" through the signed link in the
e-mail saying a report was resolved, and "follow this report" on the status page.

The link is the credential: it names one report and the contact or supporter it was sent to,
and only someone holding it sees the form. The report is reopened by the same service as from
the bot (``app.reports.residents.reopen_by_resident``), so the event, the status and the
notifications are the same. Following adds the resident as a supporter with e-mail updates;
the address is never shown, not even back to the one who typed it. Both forms are CSRF
protected (app-wide) and rate limited per address (``app/web/limits.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES, Channel, ReportStatus
from app.core.errors import PhotoRejected
from app.core.locale import current_lang, when
from app.extensions import db
from app.forwarding.links import LinkInvalid, claim_from_reopen_token
from app.forwarding.resident_emails import recipient_for_target
from app.reports.models import Report, ReporterContact, ReportSupporter
from app.reports.public import PublicReport, public_report
from app.reports.queries import report_by_reference
from app.reports.residents import (
    REOPEN_WINDOW,
    can_be_reopened,
    follow_by_email,
    reopen_by_resident,
    reopen_deadline,
)
from app.reports.workflow import WorkflowError

bp = Blueprint("afterwards", __name__, template_folder="templates")

# What this browser did here, for the status page to say: reports it follows (references) and
# the report it has just reopened.
_SESSION_FOLLOWING = "qm_following"
_SESSION_REOPENED = "qm_reopened"
_REMEMBER_FOLLOWING = 10
COMMENT_MAX = 1000


class PageRefused(Exception):
    """A page that cannot be shown as asked: its status, title and message."""

    def __init__(self, status: int, title: str, message: str, reference: str | None = None):
        super().__init__(title)
        self.status, self.title, self.message, self.reference = status, title, message, reference


@bp.errorhandler(PageRefused)
def _refused(refusal: PageRefused):
    db.session.rollback()
    page = render_template(
        "afterwards/message.html",
        title=refusal.title,
        message=refusal.message,
        reference=refusal.reference,
        status=refusal.status,
    )
    return page, refusal.status


# --- the status page's part -------------------------------------------------------------------


@bp.app_context_processor
def _status_page_helpers() -> dict[str, Any]:
    return {"afterwards_offer": afterwards_offer}


@dataclass(frozen=True)
class AfterwardsOffer:
    """What the status page offers after a report: following it (open reports), the hint that
    "not fixed?" is in the e-mail (resolved within the 14 days), and whether this browser
    already follows it."""

    can_follow: bool
    following: bool
    reopen_until: str | None
    just_reopened: bool


def afterwards_offer(pub: PublicReport) -> AfterwardsOffer:
    reopen_until = None
    if pub.status == ReportStatus.RESOLVED and pub.closed_at is not None:
        deadline = pub.closed_at + REOPEN_WINDOW
        if utcnow() <= deadline:
            reopen_until = when(deadline)
    just_reopened = session.get(_SESSION_REOPENED) == pub.reference
    if just_reopened:
        session.pop(_SESSION_REOPENED)  # said once
    return AfterwardsOffer(
        can_follow=pub.is_open,
        following=pub.reference in (session.get(_SESSION_FOLLOWING) or []),
        reopen_until=reopen_until,
        just_reopened=just_reopened,
    )


# --- "follow this report" -----------------------------------------------------------------------


@bp.post("/r/<reference>/follow")
def follow(reference: str):
    """E-mail updates for a resident who gave consent; back to the status page, which says so."""
    report = _report_or_404(reference)
    email = (request.form.get("email") or "").strip()
    consent = bool(request.form.get("consent"))
    errors: dict[str, str] = {}
    normalised = None
    if not email:
        errors["email"] = _("Please enter your e-mail address.")
    elif len(email) > 254:
        errors["email"] = _("This e-mail address does not look right.")
    else:
        try:
            normalised = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = _("This e-mail address does not look right.")
    if not consent:
        errors["consent"] = _(
            "Please agree that we may use your e-mail address for updates about this report."
        )
    if errors or normalised is None:
        return _follow_page(report, errors, email=email, consent=consent, status=400)
    try:
        follow_by_email(report, normalised, current_lang())
    except WorkflowError as refused:
        db.session.rollback()
        return _follow_page(report, {"form": str(refused.message)}, status=409)
    db.session.commit()
    following = [r for r in session.get(_SESSION_FOLLOWING) or [] if r != report.reference]
    session[_SESSION_FOLLOWING] = [*following, report.reference][-_REMEMBER_FOLLOWING:]
    return redirect(url_for("web.status", reference=report.reference, _anchor="afterwards"), 303)


def _follow_page(
    report: Report, errors: dict[str, str], *, email: str = "", consent: bool = False, status: int
):
    page = render_template(
        "afterwards/follow.html",
        pub=public_report(report, current_lang()),
        errors=errors,
        email=email,
        consent=consent,
    )
    return page, status


def _report_or_404(reference: str) -> Report:
    report = report_by_reference(reference) if len(reference) <= 32 else None
    if report is None:
        raise PageRefused(
            404,
            _("Page not found"),
            _(
                "There is no page at this address. Perhaps the link is incomplete, or the "
                "reference number has a typo."
            ),
        )
    return report


# --- "not fixed?" -------------------------------------------------------------------------------


def _time_over(reference: str | None) -> PageRefused:
    return PageRefused(
        410,
        _("The time for “not fixed” is over"),
        _(
            "A resolved report can be reopened within 14 days. This time is over for this "
            "report. If the problem is still there, please send a new report."
        ),
        reference,
    )


def _resident_of_link(token: str) -> tuple[Report, ReporterContact | ReportSupporter]:
    """The report and person the link names — or the page saying why it cannot be used."""
    try:
        claim = claim_from_reopen_token(token, REOPEN_WINDOW)
    except LinkInvalid as invalid:
        if invalid.expired:
            raise _time_over(None) from None
        raise PageRefused(
            404,
            _("This link is not valid"),
            _(
                "This link is not valid. Perhaps it was not copied completely from the e-mail: "
                "please open it again from the e-mail, or send a new report."
            ),
        ) from None
    person = recipient_for_target(claim.target, claim.report_id)
    if person is None or not person.email:
        raise PageRefused(
            404,
            _("This link no longer works"),
            _(
                "This link no longer works because the contact details it was sent to have "
                "been deleted. If the problem is still there, please send a new report."
            ),
        )
    return person.report, person


def _reopenable(token: str) -> tuple[Report, ReporterContact | ReportSupporter]:
    """As ``_resident_of_link``, for a report that may still be reopened."""
    report, person = _resident_of_link(token)
    if report.status in OPEN_STATUSES:
        raise PageRefused(
            409,
            _("The report is being worked on again"),
            _(
                "Report %(reference)s is already open again, so there is nothing more to do "
                "here. You can follow it on its status page.",
                reference=report.reference,
            ),
            report.reference,
        )
    if report.status != ReportStatus.RESOLVED:
        raise PageRefused(
            409,
            _("This report cannot be reopened"),
            _(
                "Report %(reference)s is closed and cannot be reopened. If the problem is still "
                "there, please send a new report.",
                reference=report.reference,
            ),
            report.reference,
        )
    if not can_be_reopened(report):
        raise _time_over(report.reference)
    return report, person


def _not_fixed_page(
    token: str, report: Report, *, errors: dict[str, str] | None = None, comment: str = ""
) -> str:
    """The form; again with ``errors``, the comment as typed and, when a photo was chosen but
    not taken, the request to choose it again."""
    deadline = reopen_deadline(report)
    return render_template(
        "afterwards/not_fixed.html",
        pub=public_report(report, current_lang()),
        token=token,
        deadline=when(deadline) if deadline else "",
        errors=errors or {},
        comment=comment,
        comment_max=COMMENT_MAX,
        photo_dropped=bool(errors) and "photo" not in (errors or {}) and _photo_chosen(),
    )


@bp.get("/not-fixed/<token>")
def not_fixed(token: str):
    """The form behind the link in the "resolved" e-mail: what is still wrong, and a photo."""
    report, _person = _reopenable(token)
    return _not_fixed_page(token, report)


@bp.post("/not-fixed/<token>")
def not_fixed_send(token: str):
    """The report goes back to work, as when the bot's "not fixed?" is used."""
    report, person = _reopenable(token)
    comment = (request.form.get("comment") or "").strip()
    if not comment:
        errors = {"comment": _("Please tell us what is still wrong.")}
        return _not_fixed_page(token, report, errors=errors), 400
    if len(comment) > COMMENT_MAX:
        errors = {
            "comment": _("Please write at most %(max)d characters.", max=COMMENT_MAX),
        }
        return _not_fixed_page(token, report, errors=errors, comment=comment), 400
    try:
        reopen_by_resident(
            report,
            comment,
            Channel.WEB,
            email=person.email,
            api_key_id=person.api_key_id,
            photo=_uploaded_photo(),
        )
    except PhotoRejected as rejected:
        db.session.rollback()
        errors = {"photo": str(rejected.errors["photos"])}
        page = _not_fixed_page(token, report, errors=errors, comment=comment)
        return page, rejected.status
    except WorkflowError as refused:
        db.session.rollback()
        raise PageRefused(
            409, _("This report cannot be reopened"), str(refused.message), report.reference
        ) from None
    db.session.commit()
    session[_SESSION_REOPENED] = report.reference
    return redirect(url_for("web.status", reference=report.reference, _anchor="afterwards"), 303)


def _photo_chosen() -> bool:
    upload = request.files.get("photo")
    return upload is not None and bool(upload.filename)


def _uploaded_photo() -> bytes | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    # One byte over the limit is enough for the pipeline to refuse it with its own message.
    return upload.stream.read(current_app.config["PHOTO_MAX_BYTES"] + 1) or None
