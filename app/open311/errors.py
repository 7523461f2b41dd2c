"""The spec's error body — ``[{"code": 400, "description": "…"}]`` / ``<errors><error>…`` — for
every failure under /open311, with descriptions in the client's language.

HTTP status as GeoReport v2 says: 404 for what does not exist, 403 for a missing or bad
api_key, 400 for everything else the client can fix; plus 409 (not possible in the request's
state: the resident extensions), 413 (upload too large), 429 (rate limit, with Retry-After)
and 503 (the geocoder is not available, with Retry-After).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException, default_exceptions

from app.core.errors import (
    DATABASE_RETRY_AFTER,
    DraftInvalid,
    Refusal,
    database_unavailable_message,
    discard_broken_session,
    is_database_unavailable,
)
from app.extensions import db
from app.open311.limits import ApiRateLimitExceeded, retry_after_seconds
from app.open311.render import FORMATS, respond

log = logging.getLogger(__name__)

GENERIC_MESSAGES = {
    400: _l("The request could not be understood. Please check the parameters."),
    403: _l("This needs a valid api_key."),
    404: _l("There is nothing at this address. The API lives at /open311/v2/."),
    405: _l("This method is not allowed here."),
    409: _l("This is not possible in the request's current state."),
    413: _l("The upload is too large."),
    429: _l("Too many requests from this client. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Please try again later."),
    503: _l("This service is not available right now. Please try again in a minute."),
}


class Open311Error(Refusal):
    """A refusal with an HTTP status and one or more messages for the user."""

    def __init__(
        self,
        status: int,
        *messages: str | LazyString,
        headers: dict[str, str] | None = None,
    ) -> None:
        given = list(messages) or [GENERIC_MESSAGES.get(status, GENERIC_MESSAGES[400])]
        # GeoReport errors carry no field names: the messages are kept in order.
        super().__init__({str(n): m for n, m in enumerate(given)}, status)
        self.headers = headers or {}


def request_format() -> str:
    """The format asked for by the URL suffix; JSON when there is no usable one."""
    view_args = request.view_args or {}
    fmt = view_args.get("fmt")
    if fmt in FORMATS:
        return fmt
    last = request.path.rsplit("/", 1)[-1]
    if "." in last and last.rsplit(".", 1)[1] in FORMATS:
        return last.rsplit(".", 1)[1]
    return "json"


def error_response(status: int, messages, headers: dict[str, str] | None = None) -> Response:
    body = [{"code": status, "description": str(message)} for message in messages]
    response = respond(request_format(), "errors", body, status=status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def draft_errors(error: DraftInvalid) -> Open311Error:
    """The intake service's refusal: 413 for a file over the limit, otherwise 400."""
    status = 413 if error.status == 413 else 400
    return Open311Error(status, *error.errors.values())


def install(bp: Blueprint) -> None:
    @bp.errorhandler(Open311Error)
    def _open311_error(error: Open311Error):
        return error_response(error.status, error.messages, error.headers)

    @bp.errorhandler(DraftInvalid)
    def _draft_invalid(error: DraftInvalid):
        db.session.rollback()
        refused = draft_errors(error)
        return error_response(refused.status, refused.messages)

    def _http_error(error: HTTPException):
        status = error.code or 500
        if isinstance(error, ApiRateLimitExceeded):
            return error_response(
                429, [GENERIC_MESSAGES[429]], {"Retry-After": str(retry_after_seconds())}
            )
        if status >= 500:
            log.error("Open311 request failed: %s", error)
        message = GENERIC_MESSAGES.get(status) or GENERIC_MESSAGES[400 if status < 500 else 500]
        headers = {}
        valid_methods = getattr(error, "valid_methods", None)  # MethodNotAllowed's
        if status == 405 and valid_methods:
            headers["Allow"] = ", ".join(valid_methods)
        return error_response(status, [message], headers)

    # By code as well as by class: handlers registered by code (the web's error pages) are
    # looked up before handlers by class, and would otherwise answer API paths in HTML.
    bp.register_error_handler(HTTPException, _http_error)
    for code in default_exceptions:
        bp.register_error_handler(code, _http_error)

    @bp.errorhandler(Exception)
    def _unexpected(error: Exception):
        if is_database_unavailable(error):
            log.warning("Database not reachable: %s", type(error).__name__)
            discard_broken_session()
            return error_response(
                503,
                [database_unavailable_message()],
                {"Retry-After": str(DATABASE_RETRY_AFTER)},
            )
        log.exception("Open311 request failed")
        db.session.rollback()
        return error_response(500, [GENERIC_MESSAGES[500]])
