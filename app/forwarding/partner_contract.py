"""What the partner API promises, shared by the API (``api``) and its OpenAPI description
(``partner_openapi``): where it lives, its limits, and its error codes with their messages."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

API = "/api/partner"
NOTE_MAX_LENGTH = 2000

GENERIC_MESSAGES: dict[int, LazyString] = {
    400: _l("The request could not be understood."),
    403: _l("This needs a valid partner token (Authorization: Bearer …)."),
    404: _l("There is nothing at this address."),
    405: _l("This method is not allowed here."),
    409: _l("This ticket does not allow that now."),
    410: _l("This link has expired."),
    413: _l("The upload is too large."),
    422: _l("The request could not be processed."),
    500: _l("Something went wrong on our side. Please try again later."),
}
ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    410: "expired",
    413: "too_large",
    422: "invalid",
    500: "error",
}
