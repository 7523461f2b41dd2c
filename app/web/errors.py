"""Friendly error pages for residents, in their language: 404, an expired form (CSRF), an
upload over the request size limit, too many requests (rate limits), a request with a NUL
character, and anything unexpected.

Only pages of this site get HTML; API paths (Open311 …) and other blueprints keep their own
error answers.
"""

from __future__ import annotations

from flask import Flask, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import refresh
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge

from app.core.edge import NulByteRefused
from app.web.form_page import megabytes, render_form
from app.web.forms import ReportForm
from app.web.i18n import switch_language
from app.web.language import SWITCH_FIELD

JSON_ENDPOINTS = ("web.photo_location", "web.nearby", "web.districts_geojson")
API_PREFIXES = ("/open311", "/api")
STAFF_BLUEPRINTS = ("inbox", "admin", "auth")


def _is_page_request() -> bool:
    if request.blueprint not in (None, "web", "afterwards"):
        return False
    if request.path.startswith(API_PREFIXES):
        return False
    return request.endpoint not in JSON_ENDPOINTS


def _is_report_post() -> bool:
    return request.method == "POST" and request.endpoint == "web.submit"


def _is_language_switch() -> bool:
    """The report form posted to its language switch (``app/web/language.py``)."""
    return request.method == "POST" and request.endpoint == "web.switch_language"


def _page(status: int, title: str, message: str):
    return render_template("error.html", status=status, title=title, message=message), status


def not_found(error: HTTPException):
    if not _is_page_request():
        return error
    return _page(
        404,
        _("Page not found"),
        _(
            "There is no page at this address. Perhaps the link is incomplete, or the reference "
            "number has a typo."
        ),
    )


def csrf_failed(error: CSRFError):
    if _is_language_switch():
        # The form comes back switched all the same (a language is no secret), its message in
        # the new language.
        switch_language(request.form.get(SWITCH_FIELD))
    message = _(
        "The form has expired or was incomplete, so it was not sent. Please check your entries "
        "and send it again. If this keeps happening, please reload the page and allow cookies "
        "for this site."
    )
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify({"error": message}), 400
    if not _is_page_request():
        return error
    if _is_report_post() or _is_language_switch():
        form = ReportForm.from_form(request.form)
        return render_form(
            form,
            {"form": message},
            400,
            photos_dropped=any(f.filename for f in request.files.getlist("photos")),
        )
    return _page(400, _("The form has expired"), message)


def too_large(error: RequestEntityTooLarge):
    config = current_app.config
    message = _(
        "Your upload is too large altogether (at most %(total)s MB). Please send at most "
        "%(count)d photos of up to %(each)s MB each, or smaller ones. Your entries could not "
        "be kept – please fill in the form again.",
        total=megabytes(config["MAX_CONTENT_LENGTH"] or 0),
        count=config["PHOTO_MAX_COUNT"],
        each=megabytes(config["PHOTO_MAX_BYTES"]),
    )
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify({"error": message}), 413
    if not _is_page_request():
        return error
    if _is_report_post():
        # The body was refused unread: nothing of the form can be shown again.
        return render_form(ReportForm(), {"form": message}, 413)
    return _page(413, _("Upload too large"), message)


def too_many_requests(error: RateLimitExceeded):
    """A per-address limit of the form (``app/web/limits.py``): 429 with Retry-After; the form
    comes back with the entries (not the photos) and says how long to wait."""
    from app.web.limits import retry_after_seconds, wait_text

    seconds = retry_after_seconds()
    headers = {"Retry-After": str(seconds)}
    message = " ".join(
        (
            _("Many requests came from your internet connection in a short time."),
            wait_text(seconds),
        )
    )
    if request.endpoint in JSON_ENDPOINTS:
        return jsonify({"error": message}), 429, headers
    if not _is_page_request():
        return error
    if _is_report_post():
        form_message = " ".join(
            (
                _(
                    "Many reports came from your internet connection in a short time, so this "
                    "one was not sent yet."
                ),
                wait_text(seconds),
                _("In an emergency call %(number)s.", number=_emergency_number()),
            )
        )
        form = ReportForm.from_form(request.form)
        page, status = render_form(
            form,
            {"form": form_message},
            429,
            photos_dropped=any(f.filename for f in request.files.getlist("photos")),
        )
        return page, status, headers
    if _is_language_switch():
        page, status = render_form(
            ReportForm.from_form(request.form),
            {"form": message},
            429,
            photos_dropped=any(f.filename for f in request.files.getlist("photos")),
        )
        return page, status, headers
    page, status = _page(429, _("Too many requests"), message)
    return page, status, headers


def nul_refused(error: NulByteRefused):
    """``%00`` in the address or a field (``app/core/edge.py``): 400 with a clear message, as
    JSON for JSON endpoints and APIs, as a staff or resident page otherwise."""
    refresh()  # the check runs before anything else; decide the language for this request
    message = _(
        "The address or a field of this request contains a NUL character (a zero byte), "
        "which is not allowed. Please check the link or your entries."
    )
    wants_json = (
        request.endpoint in JSON_ENDPOINTS
        or request.path.startswith(API_PREFIXES)
        or request.path.endswith((".json", ".geojson"))
        or request.is_json
        or request.accept_mimetypes.best == "application/json"
    )
    if wants_json:
        return jsonify({"error": message}), 400
    title = _("This request cannot be used")
    if request.blueprint in STAFF_BLUEPRINTS:
        page = render_template("inbox/error.html", status=400, title=title, message=message)
        return page, 400
    return _page(400, title, message)


def method_not_allowed(error: HTTPException):
    if not _is_page_request():
        return error
    return _page(
        405,
        _("This does not work here"),
        _("This address cannot be used like that. Please start again from the form."),
    )


def server_error(error: InternalServerError):
    if not _is_page_request():
        return error
    return _page(
        500,
        _("Something went wrong"),
        _(
            "Sorry, something went wrong on our side. Your report has not been sent. Please try "
            "again in a few minutes. In an emergency call %(number)s.",
            number=_emergency_number(),
        ),
    )


def database_unavailable(error: Exception):
    """The database cannot be reached for a moment: 503 with Retry-After, never a trace. The
    transaction was rolled back, so nothing was half written and no reference was handed out;
    the next request gets a fresh connection (its first statement, the city version check,
    replaces a connection the database closed)."""
    from app.core.errors import (
        DATABASE_RETRY_AFTER,
        database_unavailable_message,
        discard_broken_session,
        is_database_unavailable,
    )

    if not is_database_unavailable(error):
        raise error
    current_app.logger.warning("Database not reachable: %s", type(error).__name__)
    discard_broken_session()
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    message = database_unavailable_message()
    if request.path.startswith("/open311"):
        from app.open311.errors import error_response

        return error_response(503, [message], headers)
    wants_json = (
        request.endpoint in JSON_ENDPOINTS
        or request.path.startswith(API_PREFIXES)
        or request.path.endswith((".json", ".geojson", ".csv"))
        or request.accept_mimetypes.best == "application/json"
    )
    if wants_json:
        return jsonify({"error": message}), 503, headers
    if _is_report_post():
        message = _(
            "Your report could not be sent: the service is not available for a moment. Please "
            "go back, check that your entries are still there, and send it again in a minute. "
            "In an emergency call %(number)s.",
            number=_emergency_number(),
        )
    # The plain page for staff too: the staff layout would ask the database for the account.
    page, status = _page(503, _("Not available for a moment"), message)
    return page, status, headers


def _emergency_number() -> str:
    from app.cities.settings import city

    try:
        return city().emergency_number
    except Exception:  # noqa: BLE001 - the error page must render even if settings are broken
        return "112"  # the emergency number throughout the EU


def register_error_pages(app: Flask) -> None:
    app.register_error_handler(404, not_found)
    app.register_error_handler(405, method_not_allowed)
    app.register_error_handler(CSRFError, csrf_failed)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.register_error_handler(NulByteRefused, nul_refused)
    app.register_error_handler(InternalServerError, server_error)
    import sqlalchemy as sa

    for error_class in (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.TimeoutError):
        app.register_error_handler(error_class, database_unavailable)
