"""“Me too” on the web: open reports of the chosen category near the chosen place, as cards
from their public view (category, status, distance, released photo, public description),
each with a button that counts the resident as affected instead of filing a new report.

The form's script fetches the cards while the resident fills in the form (``nearby_cards``).
Without it, sending the form first shows them as a step of their own (``nearby_step``), with
"send my own report anyway" beside "me too". Either way the buttons belong to the form
``me-too-form`` (``POST /report/me-too``, ``me_too``), which counts the resident once however
often it is sent. Routes registered by ``app.web.views``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Response, abort, redirect, render_template, request, session, url_for

from app.core.enums import Channel
from app.core.errors import DraftInvalid
from app.core.locale import current_lang
from app.extensions import db
from app.geo.index import is_valid_coordinate
from app.photos.pipeline import photo_location
from app.photos.service import photo_limits
from app.reports import idempotency
from app.reports.checks import geocode_address, parse_coordinates
from app.reports.drafts import ReportDraft
from app.reports.nearby import find_nearby_open_reports
from app.reports.public import PublicReport, public_report, public_reports
from app.reports.queries import report_by_reference, reports_by_references
from app.reports.residents import ResidentActionRefused
from app.reports.support import support_report
from app.web import held_photos
from app.web.forms import ReportForm

_SESSION_SUPPORTED = "qm_supported"  # this browser's "me too": reference -> updates by e-mail
_REMEMBER = 10
# Fields of the report form that the step does not carry on to "send my own report anyway".
_NOT_CARRIED = ("csrf_token", "offer_nearby", "held_photos")


@dataclass(frozen=True)
class NearbyCard:
    """An open report nearby as the public may see it; no distance for unsafe places."""

    pub: PublicReport
    distance_m: int | None


def nearby_cards(category_code: str, lat: float, lon: float) -> list[NearbyCard]:
    """Open reports of the category near the point, nearest first (public view only: an
    unsafe place is compared cell to cell and shown without a distance)."""
    found = find_nearby_open_reports(category_code, lat, lon)
    if not found:
        return []
    reports = reports_by_references([item.reference for item in found])
    public = {
        pub.reference: pub for pub in public_reports(reports, current_lang(), with_events=False)
    }
    return [
        NearbyCard(
            pub=public[item.reference],
            distance_m=None if item.distance_m is None else round(item.distance_m),
        )
        for item in found
        if item.reference in public
    ]


def place_of(draft: ReportDraft) -> tuple[float, float] | None:
    """Where the draft says the problem is, read as the intake reads it: the coordinates, else
    the photo's location (when asked for), else the address looked up. None when it says no
    place (or a wrong one: the intake explains that)."""
    lat, lon, errors = parse_coordinates(draft)
    if errors:
        return None
    if lat is not None and lon is not None:
        return lat, lon
    if draft.use_photo_location:
        limits = photo_limits()
        for photo in draft.photos:
            found = photo_location(photo.data, limits)
            if found is not None:
                return found
    address = (draft.address or "").strip()[:255]
    if address:
        place, _errors = geocode_address(address)
        if place is not None:
            return place.lat, place.lon
    return None


def nearby_step(form: ReportForm, draft: ReportDraft):
    """The step before sending, when open reports of the category are near the place: their
    cards with "me too", and "send my own report anyway" with everything entered (photos are
    held, not sent again). None when there are none."""
    point = place_of(draft) if draft.category_code else None
    if point is None:
        return None
    cards = nearby_cards(draft.category_code or "", *point)
    if not cards:
        return None
    token = held_photos.hold(draft.photos) if draft.photos else ""
    carried = [
        (name, value)
        for name, values in request.form.lists()
        if name not in _NOT_CARRIED
        for value in values
    ]
    return render_template(
        "report_nearby.html",
        cards=cards,
        carried=carried,
        held_token=token,
        photo_count=len(draft.photos),
        email=form.email,
        consent=form.consent,
        submission_key=form.submission_key,
        errors={},
    )


# --- routes ------------------------------------------------------------------------------------


def cards_fragment():
    """``GET /report/nearby/cards``: the cards for the form's script (an empty answer when
    there are none)."""
    code = (request.args.get("category") or "").strip()[:64]
    lat, lon = _number(request.args.get("lat")), _number(request.args.get("lon"))
    if not code or lat is None or lon is None or not is_valid_coordinate(lat, lon):
        # Not a page: a short word for whoever asked without a category or a place.
        return Response("category, lat and lon, please", 400, mimetype="text/plain")
    cards = nearby_cards(code, lat, lon)
    if not cards:
        return ""
    return render_template("_nearby_cards.html", cards=cards, email="", consent=False, errors={})


def _number(value: str | None) -> float | None:
    try:
        return float((value or "").replace(",", "."))
    except ValueError:
        return None


def me_too():
    """``POST /report/me-too``: count the resident as affected by an open report (with an
    e-mail address and consent: send them its updates); sent twice, counted once."""
    reference = (request.form.get("reference") or "").strip().upper()[:32]
    report = report_by_reference(reference) if reference else None
    if report is None:
        abort(404)
    email = (request.form.get("email") or "").strip()[:254]
    consent = bool(request.form.get("consent"))
    key = (request.form.get("submission_key") or "").strip()[:40]
    submission = None
    if idempotency.is_valid_key(key):
        digest = idempotency.fingerprint(
            {"reference": report.reference, "email": email, "consent": consent}
        )
        submission = ("web-me-too", f"{key}:{report.reference}:{digest[:16]}", digest)
        if idempotency.earlier_report(*submission) is not None:
            return _supported(report.reference, bool(email))
    try:
        support_report(
            report, Channel.WEB, email=email or None, consent=consent, locale=current_lang()
        )
    except (DraftInvalid, ResidentActionRefused) as refused:
        db.session.rollback()
        return _refused_page(report.reference, refused, email, consent), refused.status
    if submission is not None:
        idempotency.remember(*submission, report)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # The same "me too" committed by a request running at the same time: that one counts.
        db.session.rollback()
        if submission is None or idempotency.earlier_report(*submission) is None:
            raise
    held_photos.drop(request.form.get("held_photos") or "")
    return _supported(report.reference, bool(email))


def _refused_page(
    reference: str, refused: DraftInvalid | ResidentActionRefused, email: str, consent: bool
):
    report = report_by_reference(reference)
    assert report is not None
    errors: dict[str, Any] = {k: v for k, v in refused.errors.items() if k in ("email", "consent")}
    return render_template(
        "report_nearby.html",
        cards=[NearbyCard(pub=public_report(report, current_lang()), distance_m=None)],
        refusal=None if errors else refused.message,
        carried=None,
        email=email,
        consent=consent,
        submission_key=request.form.get("submission_key") or "",
        held_token=request.form.get("held_photos") or "",
        errors=errors,
    )


def _supported(reference: str, updates: bool):
    supported = dict(session.get(_SESSION_SUPPORTED) or {})
    supported.pop(reference, None)
    supported[reference] = {"updates": updates}
    session[_SESSION_SUPPORTED] = dict(list(supported.items())[-_REMEMBER:])
    return redirect(url_for("web.supported", reference=reference), 303)


def supported(reference: str):
    """``GET /report/<reference>/supported``: the thanks after "me too" (for the browser that
    said it; others see the report's status page)."""
    mine = (session.get(_SESSION_SUPPORTED) or {}).get(reference.upper())
    report = report_by_reference(reference) if len(reference) <= 32 else None
    if report is None:
        abort(404)
    if mine is None:
        return redirect(url_for("web.status", reference=report.reference), 303)
    return render_template(
        "supported.html", pub=public_report(report, current_lang()), updates=mine.get("updates")
    )
