"""Pages behind the signed links in e-mails.

``/partner/t/<token>``: a partner without an account sees the ticket and acknowledges it,
reports it done (note, optional photo) or sends it back ("not ours"). GET only shows — mail
scanners open links — and every change is a POST with the page's CSRF token. A forged or
expired link gets a 403 and changes nothing; the link of a ticket that was withdrawn (the
report moved to another department or was merged) gets a 410 page saying so, shows nothing of
the report any more and changes nothing.

``/unsubscribe/<token>``: a resident stops the e-mails about one report. The signed token in
the URL is the authorisation, so the POST is exempt from CSRF; that also lets mail programs
unsubscribe with one click (RFC 8058, ``List-Unsubscribe-Post``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm.exc import StaleDataError

from app.core.enums import DeliveryStatus, ReportStatus
from app.core.errors import PhotoRejected
from app.core.events import Actor, record_event
from app.core.locale import current_lang
from app.extensions import csrf, db
from app.forwarding import partner as partner_service
from app.forwarding.links import (
    LinkInvalid,
    delivery_from_partner_token,
    target_from_unsubscribe_token,
)
from app.forwarding.mail import when
from app.forwarding.messages import ticket
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD, REMINDER
from app.forwarding.resident_emails import recipient_for_target
from app.forwarding.withdrawal import is_withdrawn
from app.reports.workflow import WorkflowError

bp = Blueprint("partner", __name__, url_prefix="/partner", template_folder="templates")
notifications_bp = Blueprint("notifications", __name__, template_folder="templates")

NOTE_MAX = 2000
ACTIONS = ("acknowledge", "done", "return")


def _private(response):
    """Token URLs must not leak (Referer), be cached or be indexed."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


bp.after_request(_private)
notifications_bp.after_request(_private)


def _message_page(status: int, title: str, message: str):
    return render_template("partner/message.html", title=title, message=message), status


@bp.errorhandler(CSRFError)
def _csrf_failed(error: CSRFError):
    db.session.rollback()
    return _message_page(
        400,
        _("The form has expired"),
        _(
            "Nothing was changed. Please open the link from the e-mail again and repeat your "
            "entry. If this keeps happening, please allow cookies for this site."
        ),
    )


def _refused(invalid: LinkInvalid):
    if invalid.expired:
        return _message_page(
            403,
            _("This link has expired"),
            _(
                "Links in our e-mails are valid for %(days)d days. Nothing was changed. Please "
                "ask the city for a new link and quote the reference number from the e-mail.",
                days=current_app.config["PARTNER_LINK_MAX_AGE_DAYS"],
            ),
        )
    return _message_page(
        403,
        _("This link is not valid"),
        _(
            "The link is incomplete or was changed, so nothing was changed. Please open it from "
            "the e-mail again, or copy it completely into the address bar."
        ),
    )


# --- partners ---------------------------------------------------------------------------------


def _state_text(delivery: Delivery) -> str:
    S = DeliveryStatus
    if delivery.status == S.SENT:
        return _("Sent to you, receipt not confirmed yet")
    if delivery.status == S.ACKNOWLEDGED:
        return _("Received on %(date)s", date=when(delivery.acknowledged_at))
    if delivery.status == S.DONE:
        return _("Reported done on %(date)s", date=when(delivery.done_at))
    if delivery.status == S.RETURNED:
        return _("Sent back to the city")
    return _("Not delivered yet")


def _render_ticket(
    delivery: Delivery,
    *,
    result: str | None = None,
    error: str | None = None,
    status: int = 200,
    form: dict[str, str] | None = None,
):
    lang = current_lang()
    S = DeliveryStatus
    context: dict[str, Any] = {
        "t": ticket(delivery, lang),
        "delivery": delivery,
        "state_text": _state_text(delivery),
        "reported_on": when(delivery.report.created_at),
        "due_on": when(delivery.report.due_at) if delivery.report.due_at else None,
        "can_acknowledge": delivery.status == S.SENT,
        "can_finish": delivery.status in (S.SENT, S.ACKNOWLEDGED),
        "result": result,
        "error": error,
        "form": form or {},
        "note_max": NOTE_MAX,
    }
    return render_template("partner/ticket.html", **context), status


def _ticket_of(delivery: Delivery) -> Delivery:
    """The forwarded ticket a link acts on: a reminder's link means its original ticket;
    links to anything else (messages to residents, notices) are not partner links."""
    if delivery.purpose == REMINDER:
        original = db.session.get(Delivery, (delivery.payload or {}).get("original_delivery_id"))
        if original is not None:
            delivery = original
    if delivery.purpose != FORWARD:
        raise LinkInvalid()
    return delivery


@bp.route("/t/<token>", methods=["GET", "POST"], endpoint="link")
def link(token: str):
    try:
        delivery = _ticket_of(delivery_from_partner_token(token))
    except LinkInvalid as invalid:
        db.session.rollback()
        return _refused(invalid)
    if is_withdrawn(delivery):
        db.session.rollback()
        return _withdrawn(delivery)
    if request.method != "POST":  # GET and HEAD only look
        return _render_ticket(delivery)
    return _act(delivery)


def _withdrawn(delivery: Delivery):
    report = delivery.report
    if report.status == ReportStatus.DUPLICATE and report.duplicate_of is not None:
        message = _(
            "Report %(reference)s was merged with report %(original)s, so it is no longer "
            "yours. Nothing was changed. Please do not work on it any more.",
            reference=report.reference,
            original=report.duplicate_of.reference,
        )
    else:
        message = _(
            "The city has passed report %(reference)s on to another office, so it is no longer "
            "yours. Nothing was changed. Please do not work on it any more.",
            reference=report.reference,
        )
    return _message_page(410, _("This report was withdrawn"), message)


def _act(delivery: Delivery):
    action = request.form.get("action", "")
    note = request.form.get("note", "").strip()
    reason = request.form.get("reason", "").strip()
    form = {"note": note, "reason": reason}
    if action not in ACTIONS:
        return _render_ticket(
            delivery, error=_("Please choose one of the buttons."), status=400, form=form
        )
    if len(note) > NOTE_MAX or len(reason) > NOTE_MAX:
        return _render_ticket(
            delivery,
            status=422,
            form=form,
            error=_("Please write at most %(n)d characters.", n=NOTE_MAX),
        )
    try:
        if action == "acknowledge":
            partner_service.acknowledge(delivery, note or None)
            result = _("Thank you! The report is marked as received.")
        elif action == "done":
            partner_service.mark_done(delivery, note or None, _uploaded_photo())
            result = _(
                "Thank you! The report is marked as done. The people who reported it "
                "will be informed."
            )
        else:
            partner_service.return_ticket(delivery, reason)
            result = _("The report was sent back to the city with your reason.")
        db.session.commit()
    except WorkflowError as refused:
        db.session.rollback()
        return _render_ticket(
            delivery, error=str(refused.message), status=refused.status, form=form
        )
    except PhotoRejected as rejected:
        db.session.rollback()
        return _render_ticket(
            delivery, error=str(rejected.errors["photos"]), status=rejected.status, form=form
        )
    except StaleDataError:
        db.session.rollback()
        return _render_ticket(
            delivery,
            status=409,
            form=form,
            error=_(
                "The report was changed at the same time. Nothing was saved; please try again."
            ),
        )
    return _render_ticket(delivery, result=result)


def _uploaded_photo() -> bytes | None:
    upload = request.files.get("photo")
    if upload is None or not upload.filename:
        return None
    # One byte over the limit is enough for the pipeline to refuse it with its own message.
    return upload.stream.read(current_app.config["PHOTO_MAX_BYTES"] + 1) or None


# --- residents --------------------------------------------------------------------------------


@notifications_bp.route("/unsubscribe/<token>", methods=["GET", "POST"], endpoint="unsubscribe")
@csrf.exempt
def unsubscribe(token: str):
    try:
        target = target_from_unsubscribe_token(token)
    except LinkInvalid as invalid:
        return _refused(invalid)
    person = recipient_for_target(target)
    if person is None:
        return _message_page(
            200,
            _("No more e-mails"),
            _(
                "We no longer store an address for this report, so you will not receive any "
                "more e-mails about it."
            ),
        )
    reference = person.report.reference
    if request.method == "POST":
        if person.wants_updates:
            person.wants_updates = False
            record_event(
                person.report_id, "resident_unsubscribed", Actor("resident", "email"), target=target
            )
            db.session.commit()
        return _message_page(
            200,
            _("Unsubscribed"),
            _(
                "You will not receive any more e-mails about report %(reference)s.",
                reference=reference,
            ),
        )
    return render_template(
        "partner/unsubscribe.html", reference=reference, subscribed=person.wants_updates
    )
