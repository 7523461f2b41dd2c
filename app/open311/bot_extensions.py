"""Extensions of the API for reporting clients that speak for a resident — the Telegram bot,
which talks to the backend only over this API with its own key:

- ``GET  v2/geocode``                                  an address → point, short address, district
- ``GET  v2/locations/check``                          is a shared point inside the city?
- ``POST v2/requests/{id}/supporters``                 "me too" (optionally with updates)
- ``POST v2/requests/{id}/reopen``                     "not fixed" within 14 days of resolving
- ``GET  v2/residents/telegram/{chat_id}/requests``    the resident's reports (made or supported)
- ``POST v2/residents/telegram/{chat_id}/delete``      delete the resident's contact data
- ``POST v2/residents/telegram/{chat_id}/locale``      the language of the resident's updates

``POST v2/requests`` takes ``telegram_chat_id``, ``updates`` and ``locale`` too (in ``views``).
Every route needs an API key, and the resident routes see and change only the contact and
supporter entries created with the same key (another client's chat data stays out of reach).
Thin: the work is in ``app.reports.residents``.
"""

from __future__ import annotations

import logging

from flask_babel import LazyString, format_decimal
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm.exc import StaleDataError

from app.cities.settings import city
from app.core.db import utcnow
from app.core.enums import Channel, ReportStatus
from app.extensions import db
from app.geo.geocoding import GeocoderUnavailable
from app.geo.service import district_index, geocoder
from app.open311 import mapping
from app.open311.errors import Open311Error, error_response
from app.open311.params import (
    ADDRESS,
    CHAT_ID_PATH,
    COMMENT,
    LAT,
    LIMIT,
    LOCALE,
    LONG,
    REOPEN_CHAT_ID,
    RESIDENT_LOCALE,
    TELEGRAM_CHAT_ID,
    UPDATES,
)
from app.open311.queries import reports_by_references
from app.open311.readers import clean, coordinates
from app.open311.render import respond
from app.open311.views import _require_api_key, bp
from app.reports.models import Report
from app.reports.public_facts import ReportFacts
from app.reports.queries import report_by_reference
from app.reports.resident_locale import change_resident_locale
from app.reports.residents import (
    REOPEN_WINDOW,
    add_supporter,
    delete_contact_data,
    reopen_by_resident,
    reports_of,
)
from app.reports.workflow import WorkflowError

log = logging.getLogger(__name__)

RETRY_AFTER_S = "60"


@bp.errorhandler(WorkflowError)
def _refused(error: WorkflowError):
    """A resident action the report's state does not allow: 409 with the service's reason;
    anything else the client can correct: 400."""
    db.session.rollback()
    status = 409 if error.status == 409 else 400
    return error_response(status, [error.message])


@bp.errorhandler(StaleDataError)
def _changed_meanwhile(error: StaleDataError):
    db.session.rollback()
    return error_response(
        409, [_l("The request was changed at the same moment. Please try again.")]
    )


def _report_or_404(service_request_id: str) -> Report:
    reference = clean(service_request_id).strip()[:40]
    report = report_by_reference(reference) if reference else None
    if report is None:
        raise Open311Error(404, _l("There is no request “%(id)s”.", id=reference))
    return report


def _unavailable(message: str | LazyString) -> Open311Error:
    return Open311Error(503, message, headers={"Retry-After": RETRY_AFTER_S})


def can_reopen(report: Report | ReportFacts) -> bool:
    """Resolved within the last 14 days: the resident may still say "not fixed"."""
    return (
        report.status == ReportStatus.RESOLVED
        and report.closed_at is not None
        and utcnow() - report.closed_at <= REOPEN_WINDOW
    )


# --- geocoding --------------------------------------------------------------------------------


@bp.get("/v2/geocode.<fmt>")
def geocode(fmt: str):
    """A typed address → the point, the address as understood, and the district; for clients
    that show what they understood before they post."""
    _require_api_key()
    address = ADDRESS.read()
    service = geocoder()
    if service is None:
        raise _unavailable(
            _l("The address search is switched off here. Please send the place as a location.")
        )
    try:
        place = service.geocode(address)
    except GeocoderUnavailable:
        log.warning("Geocoder unavailable for an API address search")
        raise _unavailable(
            _l(
                "The address search is not reachable right now. Please send the place as a "
                "location, or try again in a minute."
            )
        ) from None
    name = city().name
    if place is None:
        raise Open311Error(
            404,
            _l(
                "We could not find “%(address)s” in %(city)s. Please check the address.",
                address=address[:100],
                city=name,
            ),
        )
    index = district_index()
    if not index.in_city(place.lat, place.lon):
        raise Open311Error(400, _outside_the_city(place.lat, place.lon))
    district = index.district_at(place.lat, place.lon)
    body = {
        "lat": place.lat,
        "long": place.lon,
        "address": place.address,
        "district": district.name if district else None,
    }
    return respond(fmt, "place", body)


def _outside_the_city(lat: float, lon: float) -> LazyString:
    """The refusal of a point outside the city, with how far outside (as the web form says)."""
    km = district_index().distance_outside_m(lat, lon) / 1000
    return _l(
        "This place is outside %(city)s (about %(km)s km beyond the city boundary). "
        "We can only take reports from within %(city)s.",
        city=city().name,
        km=LazyString(lambda: format_decimal(km, format="0.0")),
    )


@bp.get("/v2/locations/check.<fmt>")
def check_location(fmt: str):
    """Is this point inside the city? For clients that take a shared location and should
    refuse one outside at once — as the web form does — rather than when the report is
    posted: ``inside``, the district, and the message to show (Accept-Language) when not."""
    _require_api_key()
    lat, lon = coordinates(LAT, LONG)
    index = district_index()
    if index.in_city(lat, lon):
        district = index.district_at(lat, lon)
        body = {"inside": True, "district": district.name if district else None, "message": None}
    else:
        body = {"inside": False, "district": None, "message": str(_outside_the_city(lat, lon))}
    return respond(fmt, "location", body)


# --- "me too" and "not fixed" -----------------------------------------------------------------


@bp.post("/v2/requests/<service_request_id>/supporters.<fmt>")
def add_request_supporter(service_request_id: str, fmt: str):
    """ "Me too" on an open request. With ``telegram_chat_id`` and ``updates=true`` the chat
    gets the request's status messages (in ``locale``); without consent no chat id is kept."""
    key = _require_api_key()
    report = _report_or_404(service_request_id)
    chat_id = TELEGRAM_CHAT_ID.read()
    updates = UPDATES.read() and chat_id is not None
    locale = LOCALE.read()
    add_supporter(
        report,
        Channel.TELEGRAM if chat_id is not None else Channel.OPEN311,
        telegram_chat_id=chat_id,
        locale=locale,
        wants_updates=updates,
        api_key_id=key.id,
    )
    count = len(report.supporters)
    db.session.commit()
    body = {"service_request_id": report.reference, "supporters": count}
    return respond(fmt, "support", body, status=201)


@bp.post("/v2/requests/<service_request_id>/reopen.<fmt>")
def reopen_request(service_request_id: str, fmt: str):
    """ "Not fixed": the reporter or a supporter (known by the chat) reopens a request that
    was resolved at most 14 days ago; the comment becomes its public note."""
    key = _require_api_key()
    report = _report_or_404(service_request_id)
    chat_id = REOPEN_CHAT_ID.read()
    comment = COMMENT.read()
    reopen_by_resident(
        report, comment, Channel.TELEGRAM, telegram_chat_id=chat_id, api_key_id=key.id
    )
    db.session.commit()
    body = mapping.service_requests([report], extensions=True)
    return respond(fmt, "service_requests", body)


# --- the resident's reports and data ------------------------------------------------------------


@bp.get("/v2/residents/telegram/<chat_id>/requests.<fmt>")
def resident_requests(chat_id: str, fmt: str):
    """The reports this chat made or supports (where it gave consent), newest first — public
    fields only, with the detailed status and whether "not fixed" is still possible."""
    key = _require_api_key()
    chat_id = CHAT_ID_PATH.read()
    limit = LIMIT.read()
    found = reports_of(telegram_chat_id=chat_id, limit=limit, api_key_id=key.id)
    page = reports_by_references([r.reference for r in found])
    reopenable = {report.reference: can_reopen(report) for report in page.reports}
    body = mapping.service_requests(
        page.reports,
        extensions=True,
        extras={ref: {"can_reopen": value} for ref, value in reopenable.items()},
        supporters=page.supporters,
    )
    for item in body:
        item["can_reopen"] = reopenable[item["service_request_id"]]
    return respond(fmt, "service_requests", body)


@bp.post("/v2/residents/telegram/<chat_id>/delete.<fmt>")
def delete_resident_data(chat_id: str, fmt: str):
    """Deletes every contact and supporter entry of this chat made with this key; the reports
    stay, anonymous."""
    key = _require_api_key()
    chat_id = CHAT_ID_PATH.read()
    deleted = delete_contact_data(telegram_chat_id=chat_id, api_key_id=key.id)
    db.session.commit()
    return respond(fmt, "deletion", {"deleted": deleted})


@bp.post("/v2/residents/telegram/<chat_id>/locale.<fmt>")
def change_resident_language(chat_id: str, fmt: str):
    """The language of the chat's later status messages (``locale``: de, en, tr or ar), on
    every contact and supporter entry of this chat made with this key."""
    key = _require_api_key()
    chat_id = CHAT_ID_PATH.read()
    locale = RESIDENT_LOCALE.read()
    changed = change_resident_locale(telegram_chat_id=chat_id, locale=locale, api_key_id=key.id)
    db.session.commit()
    return respond(fmt, "locale", {"locale": locale, "updated": changed})
