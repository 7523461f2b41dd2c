"""The partner API and signed photo links.

``/api/partner/tickets/<reference>[/acknowledge|/done|/return]``: a partner (EDG, a
contractor) reports back on a ticket it was sent, authenticated by its own bearer token
(``flask partners token <code>``; only the token's SHA-256 is stored, in
``Department.partner_token_hash``). A token only works for tickets sent to its department:
wrong, missing or foreign tokens get 403 and change nothing; an unknown reference 404; a
transition the ticket does not allow 409; a ticket that was withdrawn (the report moved to
another department or was merged, ``app.forwarding.withdrawal``) 410 with the code
``withdrawn``, and GET shows it as ``withdrawn``. The API is described at
``/api/partner/openapi.json``.

``/partner/photos/<token>``: a report photo for a partner, by a signed, expiring token
(itsdangerous, salt ``qm-photo``, ``PARTNER_PHOTO_MAX_AGE_DAYS``, default 7 days) as used in
webhook payloads and Open311 ``media_url``. No account, no cookie.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from datetime import timedelta
from typing import Any

import click
import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify, request, send_file
from flask.cli import AppGroup
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException, default_exceptions

from app.core.db import utcnow
from app.core.enums import DeliveryStatus
from app.core.errors import DraftInvalid, Refusal
from app.extensions import db
from app.forwarding import partner
from app.forwarding.links import app_path, public_url
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD
from app.forwarding.partner_contract import API, ERROR_CODES, GENERIC_MESSAGES, NOTE_MAX_LENGTH
from app.forwarding.withdrawal import is_withdrawn
from app.reports.models import Report, ReportPhoto
from app.reports.workflow import WorkflowError
from app.routing.models import Department

log = logging.getLogger(__name__)

bp = Blueprint("partner_api", __name__)

TOKEN_PREFIX = "qmp_"  # noqa: S105 - a prefix that secret scanners can recognise
_PHOTO_SALT = "qm-photo"


class ApiError(Refusal):
    """A partner API request refused with ``status`` and a message for the partner."""

    def __init__(
        self,
        status: int,
        message: str | LazyString | None = None,
        *,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message or GENERIC_MESSAGES.get(status, GENERIC_MESSAGES[400]), status)
        self.retry_after = retry_after


def error_response(
    status: int, message: str | LazyString | None = None, code: str | None = None
) -> Response:
    message = message or GENERIC_MESSAGES.get(status, GENERIC_MESSAGES[400])
    code = code or ERROR_CODES.get(status, "error" if status >= 500 else "bad_request")
    response = jsonify({"error": {"code": code, "status": status, "message": str(message)}})
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


# --- photo links -------------------------------------------------------------------------------


def _photo_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_PHOTO_SALT)


def photo_max_age() -> int:
    """Seconds a photo link stays valid."""
    return int(float(current_app.config.get("PARTNER_PHOTO_MAX_AGE_DAYS", 7)) * 86400)


def photo_token(photo: ReportPhoto, *, thumbnail: bool = False) -> str:
    # The storage key ties the token to this photo's content, not just to its row id.
    key = photo.thumbnail_key if thumbnail else photo.storage_key
    return _photo_serializer().dumps({"p": photo.id, "k": key})


def photo_url(photo: ReportPhoto, *, thumbnail: bool = False) -> str:
    # The worker builds these per ticket: the URL map bound once, not a test request each time.
    return public_url(app_path("partner_api.photo", token=photo_token(photo, thumbnail=thumbnail)))


def photo_links(photo: ReportPhoto) -> dict[str, Any]:
    """What a partner gets for one photo: signed URLs that expire, and the size."""
    return {
        "url": photo_url(photo),
        "thumbnail_url": photo_url(photo, thumbnail=True),
        "width": photo.width,
        "height": photo.height,
        "expires_at": (utcnow() + timedelta(seconds=photo_max_age())).isoformat(),
    }


@bp.get("/partner/photos/<token>")
def photo(token: str):
    try:
        data = _photo_serializer().loads(token, max_age=photo_max_age())
    except SignatureExpired:
        return error_response(410, _l("This photo link has expired."))
    except BadSignature:
        return error_response(403, _l("This photo link is not valid."))
    item = db.session.get(ReportPhoto, data.get("p")) if isinstance(data, dict) else None
    key = data.get("k") if isinstance(data, dict) else None
    if item is None or key not in (item.storage_key, item.thumbnail_key):
        return error_response(404, _l("This photo no longer exists."))
    from app.photos.service import photo_storage

    storage = photo_storage()
    try:
        path = storage.path(key)
        if path is not None:
            response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
        else:
            response = Response(storage.open(key), mimetype="image/jpeg")
    except (KeyError, FileNotFoundError):
        return error_response(404, _l("This photo no longer exists."))
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- partner tokens ----------------------------------------------------------------------------


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def rotate_partner_token(department: Department) -> str:
    """A new token for ``department`` (the old one stops working); returns it, stores its hash.
    The caller commits."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    department.partner_token_hash = hash_token(token)
    return token


def _bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticated_department() -> Department:
    """The department whose token came with the request; 403 otherwise."""
    token = _bearer_token()
    if token is None or len(token) > 200:
        raise ApiError(403)
    department = db.session.execute(
        sa.select(Department).where(Department.partner_token_hash == hash_token(token))
    ).scalar_one_or_none()
    if department is None or not department.is_active:
        raise ApiError(403)
    return department


def ticket_for(reference: str, department: Department, *, lock: bool = False) -> Delivery:
    """The latest ticket (FORWARD delivery) of report ``reference`` sent to ``department``;
    an open one before one that was withdrawn."""
    report_id = db.session.execute(
        sa.select(Report.id).where(Report.reference == reference[:32].strip().upper())
    ).scalar_one_or_none()
    if report_id is None:
        raise ApiError(404, _l("There is no report with this reference."))
    query = (
        sa.select(Delivery)
        .where(
            Delivery.report_id == report_id,
            Delivery.purpose == FORWARD,
            Delivery.department_id == department.id,
        )
        .order_by(
            sa.case((Delivery.status == DeliveryStatus.WITHDRAWN, 1), else_=0),
            Delivery.id.desc(),
        )
        .limit(1)
    )
    if lock:
        # Two simultaneous "done" posts: the second waits and then finds the ticket done. But a
        # worker holds the row while it sends: a partner calling from inside its webhook
        # handler would wait for the worker, which waits for the handler — answer at once.
        query = query.with_for_update(nowait=True)
    try:
        delivery = db.session.execute(query).scalar_one_or_none()
    except sa.exc.OperationalError as exc:  # the lock is taken (PostgreSQL: lock_not_available)
        db.session.rollback()
        raise ApiError(
            409,
            _l("This ticket is being delivered right now. Please try again in a few seconds."),
            retry_after=5,
        ) from exc
    if delivery is None:
        raise ApiError(403, _l("This ticket was not sent to you."))
    return delivery


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def ticket_status(delivery: Delivery) -> dict[str, Any]:
    report = delivery.report
    withdrawn = is_withdrawn(delivery)
    return {
        "reference": report.reference,
        "delivery_id": delivery.id,
        "idempotency_key": delivery.idempotency_key,
        "status": DeliveryStatus.WITHDRAWN.value if withdrawn else delivery.status.value,
        # What became of the report is no longer the partner's business once withdrawn.
        "report_status": None if withdrawn else report.status.value,
        "department": delivery.department.code if delivery.department else None,
        "sent_at": _iso(delivery.sent_at),
        "acknowledged_at": _iso(delivery.acknowledged_at),
        "done_at": _iso(delivery.done_at),
        "withdrawn_at": _iso(delivery.withdrawn_at),
        "note": delivery.partner_note,
    }


def _field(name: str) -> str | None:
    """A text field from a JSON body, a form or a multipart body."""
    if request.is_json:
        body = request.get_json(silent=True)
        if body is None:
            raise ApiError(400, _l("The body is not valid JSON."))
        if not isinstance(body, dict):
            raise ApiError(400, _l("The body must be a JSON object."))
        value = body.get(name)
    else:
        value = request.form.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ApiError(422, _l("“%(field)s” must be text.", field=name))
    value = value.strip()
    if len(value) > NOTE_MAX_LENGTH:
        raise ApiError(
            422,
            _l(
                "“%(field)s” is too long (at most %(max)d characters).",
                field=name,
                max=NOTE_MAX_LENGTH,
            ),
        )
    return value or None


@bp.get(f"{API}/tickets/<reference>")
def ticket(reference: str):
    department = authenticated_department()
    delivery = ticket_for(reference, department)
    return jsonify(ticket_status(delivery))


@bp.post(f"{API}/tickets/<reference>/<action>")
def act(reference: str, action: str):
    department = authenticated_department()
    if action not in ("acknowledge", "done", "return"):
        raise ApiError(404)
    delivery = ticket_for(reference, department, lock=True)
    partner.refuse_if_withdrawn(delivery)  # before anything else: 410, nothing changes
    note = _field("reason" if action == "return" else "note")
    if action == "acknowledge":
        partner.acknowledge(delivery, note)
    elif action == "done":
        upload = request.files.get("photo")
        photo = upload.read() if upload is not None and upload.filename else None
        partner.mark_done(delivery, note, photo)
    else:
        if note is None:
            raise ApiError(422, _l("Please give a reason."))
        partner.return_ticket(delivery, note)
    db.session.commit()
    return jsonify(ticket_status(delivery))


@bp.get(f"{API}/openapi.json")
def openapi():
    from app.forwarding.partner_openapi import document

    return jsonify(document())


# --- errors: JSON everywhere under this blueprint ----------------------------------------------


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    db.session.rollback()
    response = error_response(error.status, error.message)
    if error.retry_after:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


@bp.errorhandler(WorkflowError)
def _workflow_error(error: WorkflowError):
    db.session.rollback()
    code = "withdrawn" if isinstance(error, partner.TicketWithdrawn) else None
    return error_response(error.status, error.message, code)


@bp.errorhandler(DraftInvalid)
def _photo_rejected(error: DraftInvalid):
    db.session.rollback()
    status = 413 if error.status == 413 else 422
    return error_response(status, "; ".join(str(m) for m in error.errors.values()))


def _http_error(error: HTTPException):
    db.session.rollback()
    return error_response(error.code or 500)


bp.register_error_handler(HTTPException, _http_error)
for _code in default_exceptions:
    bp.register_error_handler(_code, _http_error)


@bp.errorhandler(Exception)
def _unexpected(error: Exception):
    from app.core.errors import (
        DATABASE_RETRY_AFTER,
        database_unavailable_message,
        discard_broken_session,
        is_database_unavailable,
    )

    if is_database_unavailable(error):
        log.warning("Database not reachable: %s", type(error).__name__)
        discard_broken_session()
        response = error_response(503, database_unavailable_message())
        response.headers["Retry-After"] = str(DATABASE_RETRY_AFTER)
        return response
    log.exception("Partner API request failed")
    db.session.rollback()
    return error_response(500)


# --- CLI -----------------------------------------------------------------------------------------

partners_cli = AppGroup("partners", help="Partner API tokens.")


@partners_cli.command("token")
@click.argument("department_code")
def token_command(department_code: str) -> None:
    """Create or rotate DEPARTMENT_CODE's partner API token; it is shown only this once."""
    department = db.session.execute(
        sa.select(Department).where(Department.code == department_code)
    ).scalar_one_or_none()
    if department is None:
        raise click.ClickException(f"No department with code {department_code!r}.")
    rotated = department.partner_token_hash is not None
    token = rotate_partner_token(department)
    db.session.commit()
    click.echo(
        f"Partner token for {department.code} ({department.name})"
        + (" – the previous token no longer works" if rotated else "")
        + ":"
    )
    click.echo(token)
    click.echo(
        "Shown only now; only its SHA-256 is stored. "
        f"Use it as 'Authorization: Bearer <token>' on {API}/…."
    )


@partners_cli.command("revoke")
@click.argument("department_code")
def revoke_command(department_code: str) -> None:
    """Revoke DEPARTMENT_CODE's partner API token."""
    department = db.session.execute(
        sa.select(Department).where(Department.code == department_code)
    ).scalar_one_or_none()
    if department is None:
        raise click.ClickException(f"No department with code {department_code!r}.")
    department.partner_token_hash = None
    db.session.commit()
    click.echo(f"Partner token of {department.code} revoked.")
