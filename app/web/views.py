"""Resident-facing pages. Views stay thin: parse the request, build a draft, call the intake
service, render. Validation and messages come from the service."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh

from app.cities.settings import city
from app.core.errors import DraftInvalid, PhotoRejected
from app.core.events import Actor
from app.core.locale import current_lang, when
from app.extensions import db
from app.geo.index import is_valid_coordinate
from app.geo.service import district_outlines
from app.photos.pipeline import process_photo
from app.photos.service import photo_limits, photo_storage
from app.reports import idempotency
from app.reports.drafts import PhotoUpload
from app.reports.intake import submit_report
from app.reports.labels import public_status
from app.reports.models import Report, ReportPhoto
from app.reports.nearby import find_nearby_open_reports
from app.reports.public import PublicReport, public_report_by_reference
from app.web import held_photos
from app.web.errors import register_error_pages
from app.web.form_page import category_groups, render_form
from app.web.forms import (
    ReportForm,
    attribute_fields,
    category_choices,
    has_files,
    read_photos,
)
from app.web.language import language_context, switch_language
from app.web.me_too import cards_fragment, me_too, nearby_step, supported

bp = Blueprint(
    "web",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)


def _setup(state) -> None:
    app = state.app
    register_error_pages(app)
    # Decide the language before anything else runs: CSRFProtect's check (and the error page
    # it may lead to) comes before any blueprint's before-request function.
    app.before_request_funcs.setdefault(None, []).insert(0, _fresh_locale)


bp.record_once(_setup)

WEB_ACTOR = Actor("resident", "web")
_SESSION_SENT = "qm_sent"  # this browser's recent reports: reference -> notes, updates
_REMEMBER_SENT = 5
_NOT_FINGERPRINTED = ("csrf_token", "submission_key", "offer_nearby")
_PHOTOS_AGAIN = _l(
    "Please choose the photos again: files are not kept when the form is shown again."
)


# --- language and page context --------------------------------------------------------------


def _fresh_locale() -> None:
    # Flask-Babel caches the locale on ``g``; a request must decide anew (``?lang=``), also
    # when it shares an app context with earlier ones (the test client does).
    refresh()


@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    return {**language_context(), "city": city()}


bp.add_url_rule("/report/language", view_func=switch_language, methods=["POST"])


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/report")
def report_form():
    return render_form(ReportForm.from_args(request.args))


@bp.post("/report")
def submit():
    fields = attribute_fields(
        [c for ch in category_choices(category_groups()) for c in ch.categories]
    )
    form = ReportForm.from_form(request.form)
    uploads = request.files.getlist("photos")
    photos = read_photos(uploads, current_app.config["PHOTO_MAX_BYTES"])
    # "Send my own report anyway" after the step with the reports nearby: its photos were held.
    held = held_photos.held(form.held_photos) if form.held_photos and not photos else None
    draft = form.to_draft(fields, photos or held or [], current_lang())
    submission = _submission(form, photos)
    if submission is not None:
        earlier = idempotency.earlier_report(*submission)
        if earlier is not None:  # sent twice (a double click, a reload): one report
            return redirect(url_for(".submitted", reference=earlier.reference), 303)
    if form.held_photos and not photos and held is None:
        return render_form(form, {"photos": _PHOTOS_AGAIN}, 422)
    if form.offer_nearby:
        step = nearby_step(form, draft)
        if step is not None:
            return step
    try:
        result = submit_report(draft, WEB_ACTOR)
    except DraftInvalid as invalid:
        db.session.rollback()
        if held is not None:
            held_photos.drop(form.held_photos)
        dropped = has_files(uploads) or held is not None
        return render_form(form, invalid.errors, invalid.status, photos_dropped=dropped)
    if submission is not None:
        idempotency.remember(*submission, result.report)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # The same form was committed by a request running at the same time: that one counts.
        db.session.rollback()
        earlier = idempotency.earlier_report(*submission) if submission is not None else None
        if earlier is None:
            raise
        return redirect(url_for(".submitted", reference=earlier.reference), 303)
    if held is not None:
        held_photos.drop(form.held_photos)
    # From the intake's result: the committed report is not read again.
    _remember_sent(result.reference, [str(note) for note in result.notes], result.has_contact)
    return redirect(url_for(".submitted", reference=result.reference), 303)


def _submission(form: ReportForm, uploads: list[PhotoUpload]) -> tuple[str, str, str] | None:
    """(scope, key, fingerprint) of this form: its key and what was entered. The same entries
    sent again with the same key find the first report; changed entries make a new one.
    Held photos count by their token (one of the entries): they are gone once sent."""
    if not idempotency.is_valid_key(form.submission_key):
        return None
    entries = {k: v for k, v in request.form.lists() if k not in _NOT_FINGERPRINTED}
    digest = idempotency.fingerprint(entries, [photo.data for photo in uploads])
    return "web", f"{form.submission_key}:{digest[:32]}", digest


def _remember_sent(reference: str, notes: list[str], updates: bool) -> None:
    """What only the sender sees on the confirmation page (notes in the language of sending)."""
    sent = dict(session.get(_SESSION_SENT) or {})
    sent.pop(reference, None)
    sent[reference] = {"notes": notes, "updates": updates}
    session[_SESSION_SENT] = dict(list(sent.items())[-_REMEMBER_SENT:])


@bp.post("/report/photo-location")
def photo_location():
    """The GPS position in a photo's EXIF data, for the map; the photo is not stored."""
    upload = request.files.get("photo")
    if upload is None:
        return jsonify({"error": _("Please choose a photo.")}), 400
    data = upload.stream.read(current_app.config["PHOTO_MAX_BYTES"] + 1)
    try:
        photo = process_photo(data, photo_limits(anonymise=False))  # read, not kept
    except PhotoRejected as refused:
        return jsonify({"error": str(refused.errors["photos"])}), refused.status
    if photo.gps is None:
        return jsonify({})
    lat, lon = photo.gps
    return jsonify({"lat": round(lat, 6), "lon": round(lon, 6)})


def _float_arg(name: str) -> float | None:
    try:
        value = float((request.args.get(name) or "").replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@bp.get("/report/nearby")
def nearby():
    """Open reports of the category near a point (for "already reported nearby")."""
    code = (request.args.get("category") or "").strip()
    lat, lon = _float_arg("lat"), _float_arg("lon")
    if not code or lat is None or lon is None or not is_valid_coordinate(lat, lon):
        return jsonify({"reports": []}), 400
    found = find_nearby_open_reports(code, lat, lon)
    # Sensitive categories: compared cell to cell and without a distance (public.py).
    return jsonify(
        {
            "reports": [
                {
                    "reference": item.reference,
                    "url": url_for(".status", reference=item.reference),
                    "status": public_status(item.status),
                    "distance_m": None if item.distance_m is None else round(item.distance_m),
                }
                for item in found
            ]
        }
    )


bp.add_url_rule("/report/nearby/cards", "nearby_cards", cards_fragment)
bp.add_url_rule("/report/me-too", "me_too", me_too, methods=["POST"])
bp.add_url_rule("/report/<reference>/supported", "supported", supported)


@bp.get("/report/districts.geojson")
def districts_geojson():
    """Simplified district outlines, so that the map means something even without tiles."""
    response = jsonify(district_outlines())
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


# --- after sending: confirmation and public status ------------------------------------------


def _public_or_404(reference: str) -> PublicReport:
    """The report's public view, read in two statements (names from the process's caches)."""
    pub = public_report_by_reference(reference, current_lang())
    if pub is None:
        abort(404)
    return pub


@bp.get("/report/<reference>/submitted")
def submitted(reference: str):
    pub = _public_or_404(reference)
    mine = (session.get(_SESSION_SENT) or {}).get(pub.reference) or {}
    return render_template(
        "submitted.html",
        pub=pub,
        notes=mine.get("notes", []),
        updates=mine.get("updates", False),
    )


def _event_text(event) -> str:
    if event.kind == "submitted":
        return _("Report received")
    if event.status is not None:
        return _("Status: %(status)s", status=public_status(event.status))
    return _("Update")


@bp.get("/r")
def find_report():
    reference = (request.args.get("reference") or "").strip()
    if not reference:
        return redirect(url_for(".index"))
    return redirect(url_for(".status", reference=reference.upper()))


@bp.get("/r/<reference>")
def status(reference: str):
    pub = _public_or_404(reference)
    history = [
        {"when": when(e.created_at), "text": _event_text(e), "note": e.note} for e in pub.events
    ]
    return render_template(
        "status.html",
        pub=pub,
        created=when(pub.created_at),
        point=(
            round(pub.lat, 4 if pub.is_coarse else 5),
            round(pub.lon, 4 if pub.is_coarse else 5),
        ),
        unreleased_photos=pub.photos_held,
        history=history,
        tiles_url=current_app.config.get("MAP_TILES_URL") or "",
        tiles_attribution=current_app.config.get("MAP_TILES_ATTRIBUTION") or "",
    )


@bp.get("/r/<reference>/photos/<int:photo_id>/<size>")
def public_photo(reference: str, photo_id: int, size: str):
    """A photo that a caseworker released; unreleased photos are not found."""
    if size not in ("full", "thumb") or photo_id > 2**62 or len(reference) > 32:
        abort(404)
    item = db.session.execute(
        db.select(ReportPhoto)
        .join(Report, ReportPhoto.report_id == Report.id)
        .where(
            ReportPhoto.id == photo_id,
            Report.reference == reference.upper(),
            ReportPhoto.is_public.is_(True),
        )
    ).scalar_one_or_none()
    if item is None or not item.shareable:  # released, and anonymised or checked
        abort(404)
    storage = photo_storage()
    key = item.storage_key if size == "full" else item.thumbnail_key
    try:
        response = Response(storage.open(key), mimetype="image/jpeg")
    except (KeyError, FileNotFoundError):
        abort(404)
    # Revalidated on every view (a 304 while the file is the same): an area a caseworker makes
    # unrecognisable later is another file, and no cache may keep showing the old one.
    response.set_etag(key.partition(".")[0])
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)


@bp.get("/about")
def about():
    return render_template(
        "about.html",
        # Tiles are credited only where they are shown (MAP_TILES_URL empty: no tiles).
        tiles_attribution=(
            current_app.config.get("MAP_TILES_ATTRIBUTION") or ""
            if current_app.config.get("MAP_TILES_URL")
            else ""
        ),
        geocoding=bool(current_app.config.get("GEOCODER_URL")),
    )
