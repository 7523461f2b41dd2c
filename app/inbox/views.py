"""Caseworker inbox pages. Views stay thin: parse the request → one query or one workflow
service → commit once → redirect (or render). Permissions and the status whitelist live in
``app.reports.workflow``; a refused action re-renders the page with the service's message and
HTTP status, and nothing is saved."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.exc import StaleDataError

from app.auth.decorators import staff_required
from app.auth.models import Role
from app.catalogue.models import Category, CategoryGroup
from app.cities.examples import example_coordinates
from app.core.enums import ReportStatus
from app.core.locale import current_lang, pick_language
from app.forwarding.models import Delivery
from app.extensions import db
from app.forwarding.outbox import forward_manually, retry_delivery
from app.geo.models import District
from app.inbox import exports
from app.inbox.deliveries import deliveries_of, forwarding_targets, troubled_deliveries
from app.inbox.filters import parse_filter, today_local
from app.inbox.presenters import (
    age,
    ago,
    attribute_rows,
    channel_label,
    coordinate,
    is_overdue,
    language_name,
    local_date,
    local_datetime,
    partner_returns,
    status_label,
    supporter_counts,
    timeline,
)
from app.inbox.queries import Scope, allowed_scopes, filtered, nearby_open_reports, queue_page
from app.photos.service import photo_storage
from app.reports import workflow
from app.reports.models import Report, ReportPhoto, ReportSupporter, ResponseTemplate
from app.reports.workflow import TRANSITIONS, WorkflowError, can_change, can_view
from app.routing.models import Department

bp = Blueprint(
    "inbox",
    __name__,
    url_prefix="/inbox",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
)

STAFF_ROLES = (Role.CASEWORKER, Role.DISPATCHER, Role.ADMIN)
PAGE_SIZE = 50
EXPORT_IN_MEMORY = 8 * 1024 * 1024
MAP_LIMIT = 2000
BULK_LIMIT = 200
BULK_MESSAGES = 10
NOTE_MAX = 5000
PHOTO_SIZES = ("full", "thumb")

# The service's wording (app.reports.workflow), for a conflict only the database noticed.
CONFLICT = (
    "Someone else changed this report while you were looking at it. "
    "Nothing was saved — please check the latest state and try again."
)


@bp.before_request
def _staff_only():
    """Default deny for everything under /inbox (assets too), whatever a view declares."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    if current_user.role not in STAFF_ROLES:
        abort(403)
    return None


def _lang() -> str:
    return current_lang()


def _tz() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin")


def _scope_label(scope: str) -> str:
    return {
        Scope.MINE: _("My departments"),
        Scope.COPIES: _("Copies for my departments"),
        Scope.TRIAGE: _("Triage"),
        Scope.ALL: _("All reports"),
    }.get(scope, scope)


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {
        "status_label": status_label,
        "channel_label": channel_label,
        "local_datetime": local_datetime,
        "local_date": local_date,
        "age": age,
        "ago": ago,
        "is_overdue": is_overdue,
        "coordinate": coordinate,
        "language_name": language_name,
        "scope_label": _scope_label,
        "all_statuses": list(ReportStatus),
    }


# --- errors ---------------------------------------------------------------------------------


def _error_page(status: int, title: str, message: str):
    return render_template("inbox/error.html", status=status, title=title, message=message), status


@bp.errorhandler(403)
def _forbidden(error):
    return _error_page(
        403,
        _("Not for your department"),
        _("This report belongs to another department, or your role may not do this."),
    )


@bp.errorhandler(404)
def _not_found(error):
    return _error_page(
        404,
        _("Not found"),
        _("There is no report or page at this address. Please check the reference number."),
    )


@bp.errorhandler(CSRFError)
def _csrf_failed(error):
    return _error_page(
        400,
        _("The form has expired"),
        _(
            "The form was incomplete or has expired, so nothing was saved. Please reload the page "
            "and try again."
        ),
    )


# --- the queue --------------------------------------------------------------------------------


def _filter_choices() -> dict[str, Any]:
    groups = (
        db.session.execute(
            db.select(CategoryGroup)
            .order_by(CategoryGroup.position, CategoryGroup.id)
            .options(selectinload(CategoryGroup.categories))
        )
        .scalars()
        .all()
    )
    districts = db.session.execute(db.select(District).order_by(District.number)).scalars().all()
    departments = (
        db.session.execute(
            db.select(Department).where(Department.is_active.is_(True)).order_by(Department.name)
        )
        .scalars()
        .all()
    )
    return {"groups": groups, "districts": districts, "departments": departments}


@bp.get("/")
@staff_required
def queue():
    parsed = parse_filter(request.args, current_user)
    page = queue_page(current_user, parsed.filter, _tz(), page_size=PAGE_SIZE)
    form = parsed.form
    next_url = url_for(".queue", **form.args(cursor=page.next_cursor)) if page.next_cursor else None
    return render_template(
        "inbox/queue.html",
        page=page,
        form=form,
        notices=parsed.notices,
        scopes=allowed_scopes(current_user),
        supporters=supporter_counts(r.id for r in page.reports),
        returns=partner_returns(page.reports),
        next_url=next_url,
        is_later_page=parsed.filter.cursor is not None,
        here=request.full_path.rstrip("?"),
        bulk_targets=[s for s in ReportStatus if s != ReportStatus.NEW],
        **_filter_choices(),
    )


def _local_next(target: str | None) -> str:
    """Back to the queue page the form came from; only paths under /inbox/."""
    if target and target.startswith("/inbox/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for(".queue")


@bp.post("/bulk")
@staff_required
def bulk():
    back = _local_next(request.form.get("next"))
    references = list(
        dict.fromkeys(r.strip().upper() for r in request.form.getlist("reference") if r.strip())
    )[:BULK_LIMIT]
    value = request.form.get("status", "")
    if value not in ReportStatus._value2member_map_:
        flash(_("Please choose the new status."), "error")
        return redirect(back, 303)
    if not references:
        flash(_("Please select at least one report."), "error")
        return redirect(back, 303)
    found = (
        db.session.execute(
            db.select(Report)
            .where(Report.reference.in_(references))
            .options(selectinload(Report.copies))
        )
        .scalars()
        .all()
    )
    visible = {r.reference: r for r in found if can_view(current_user, r)}
    note = request.form.get("note", "").strip()[:NOTE_MAX] or None
    outcomes = workflow.bulk_change_status(
        [visible[ref] for ref in references if ref in visible],
        ReportStatus(value),
        current_user,
        public_note=note,
    )
    db.session.commit()
    done = sum(1 for o in outcomes if o.error is None)
    if done:
        flash(
            _(
                "New status “%(status)s” — reports changed: %(n)d",
                n=done,
                status=status_label(value),
            ),
            "success",
        )
    refused = [f"{o.report.reference}: {o.error.message}" for o in outcomes if o.error]
    refused += [
        _("%(reference)s: not found in your queues.", reference=ref)
        for ref in references
        if ref not in visible
    ]
    # One message each, but not hundreds: flashes travel in the session cookie.
    for line in refused[:BULK_MESSAGES]:
        flash(line, "error")
    if len(refused) > BULK_MESSAGES:
        flash(
            _("… and %(n)d more reports that were not changed.", n=len(refused) - BULK_MESSAGES),
            "error",
        )
    return redirect(back, 303)


# --- map and exports of the same filter ----------------------------------------------------


@bp.get("/map")
@staff_required
def map_view():
    parsed = parse_filter(request.args, current_user)
    return render_template(
        "inbox/map.html",
        form=parsed.form,
        notices=parsed.notices,
        scopes=allowed_scopes(current_user),
        data_url=url_for(".map_geojson", **parsed.form.args()),
        tiles_url=current_app.config.get("MAP_TILES_URL") or "",
        tiles_attribution=current_app.config.get("MAP_TILES_ATTRIBUTION") or "",
        limit=MAP_LIMIT,
        **_filter_choices(),
    )


@bp.get("/map.geojson")
@staff_required
def map_geojson():
    parsed = parse_filter(request.args, current_user)
    query = filtered(current_user, parsed.filter, _tz())
    if parsed.filter.newest_first:
        order = (Report.created_at.desc(), Report.id.desc())
    else:
        order = (Report.created_at.asc(), Report.id.asc())
    rows = (
        db.session.execute(
            query.order_by(*order).limit(MAP_LIMIT + 1).options(selectinload(Report.category))
        )
        .scalars()
        .all()
    )
    lang = _lang()
    features = [
        {
            "type": "Feature",
            "id": r.reference,
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
            "properties": {
                "reference": r.reference,
                "url": url_for(".report", reference=r.reference),
                "category": r.category.name(lang),
                "status": r.status.value,
                "status_label": status_label(r.status),
                "overdue": is_overdue(r),
                "created": local_datetime(r.created_at),
            },
        }
        for r in rows[:MAP_LIMIT]
    ]
    response = jsonify(
        {
            "type": "FeatureCollection",
            "features": features,
            "truncated": len(rows) > MAP_LIMIT,
            "limit": MAP_LIMIT,
        }
    )
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _export(kind: str, mimetype: str, chunks: Callable) -> Response:
    """The whole export is written first (to memory, or a temporary file once it is large),
    then sent: it is read inside the request, and a client that goes away leaves no
    half-read query behind."""
    parsed = parse_filter(request.args, current_user)
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_IN_MEMORY)  # noqa: SIM115 (sent)
    for chunk in chunks(current_user, parsed.filter, _tz(), _lang()):
        spool.write(chunk.encode("utf-8"))
    spool.seek(0)
    response = send_file(
        spool,
        mimetype=mimetype,
        as_attachment=True,
        max_age=0,
        download_name=f"quartiersmelder-{today_local(_tz()).isoformat()}.{kind}",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/export.csv")
@staff_required
def export_csv():
    return _export("csv", "text/csv", exports.csv_lines)


@bp.get("/export.geojson")
@staff_required
def export_geojson():
    return _export("geojson", "application/geo+json", exports.geojson_chunks)


# --- the report page --------------------------------------------------------------------------


def _load_report(reference: str) -> Report:
    """The report, or 404; 403 if the user may not see it."""
    report = None
    if len(reference) <= 32:
        report = db.session.execute(
            db.select(Report)
            .where(Report.reference == reference.strip().upper())
            .options(
                selectinload(Report.category).selectinload(Category.attributes),
                selectinload(Report.district),
                selectinload(Report.department),
                selectinload(Report.photos),
                selectinload(Report.copies),
                selectinload(Report.contact),
            )
        ).scalar_one_or_none()
    if report is None:
        abort(404)
    if not can_view(current_user, report):
        abort(403)
    return report


def _templates_for(report: Report, targets: list[ReportStatus]) -> list[ResponseTemplate]:
    rows = (
        db.session.execute(
            db.select(ResponseTemplate)
            .where(
                db.or_(
                    ResponseTemplate.category_id.is_(None),
                    ResponseTemplate.category_id == report.category_id,
                )
            )
            .order_by(ResponseTemplate.title)
        )
        .scalars()
        .all()
    )
    return [t for t in rows if t.status is None or t.status in targets]


def _nearby(report: Report) -> list[dict[str, Any]]:
    items = []
    for other, distance in nearby_open_reports(report):
        visible = can_view(current_user, other)
        items.append(
            {
                "reference": other.reference,
                "url": url_for(".report", reference=other.reference)
                if visible
                else url_for("web.status", reference=other.reference),
                "internal": visible,
                "status": status_label(other.status),
                "distance_m": round(distance),
                "created": local_date(other.created_at),
            }
        )
    return items


def _render_report(
    report: Report, *, error: str | None = None, status: int = 200, failed: str | None = None
):
    lang = _lang()
    user = current_user
    targets = sorted(TRANSITIONS[report.status], key=list(ReportStatus).index)
    departments = (
        db.session.execute(
            db.select(Department).where(Department.is_active.is_(True)).order_by(Department.name)
        )
        .scalars()
        .all()
    )
    groups = (
        db.session.execute(
            db.select(CategoryGroup)
            .order_by(CategoryGroup.position, CategoryGroup.id)
            .options(selectinload(CategoryGroup.categories))
        )
        .scalars()
        .all()
    )
    supporters = db.session.execute(
        db.select(db.func.count(ReportSupporter.id)).where(ReportSupporter.report_id == report.id)
    ).scalar_one()
    may_change = can_change(user, report)
    context = {
        "report": report,
        "error": error,
        "failed": failed,
        "posted": request.form if request.method == "POST" else {},
        "lang_code": lang,
        "category_name": report.category.name(lang),
        "attributes": attribute_rows(report, lang),
        "routing_reason": pick_language(report.routing_reason, lang),
        "copies": [(c.department.name, pick_language(c.reason, lang)) for c in report.copies],
        "supporters": supporters,
        "may_change": may_change,
        "contact": report.contact if may_change else None,
        "targets": targets,
        "response_templates": _templates_for(report, targets),
        "departments": [d for d in departments if d.id != report.department_id],
        "groups": groups,
        "nearby": _nearby(report),
        "partner_photos": _partner_photos(report),
        "events": timeline(report, lang, lambda ref: url_for(".report", reference=ref)),
        "overdue": is_overdue(report),
        "deliveries": deliveries_of(report),
        "forwarding_targets": forwarding_targets() if may_change else [],
        "tiles_url": current_app.config.get("MAP_TILES_URL") or "",
        "tiles_attribution": current_app.config.get("MAP_TILES_ATTRIBUTION") or "",
        "back_url": url_for(".queue"),
    }
    if request.method == "POST":
        # The language link of a re-rendered page must lead to the page, not to the action.
        def lang_url(target: str) -> str:
            return f"{url_for('.report', reference=report.reference)}?{urlencode({'lang': target})}"

        context["lang_url"] = lang_url
    return render_template("inbox/report.html", **context), status


def _partner_photos(report: Report) -> dict[int, str]:
    """Photos a partner sent with "done" (the place afterwards), by photo id → partner name."""
    from app.forwarding.models import Delivery
    from app.reports.partner_photos import partner_photos

    found: dict[int, str] = {}
    for photo_id, delivery_id in partner_photos(report.id).items():
        delivery = db.session.get(Delivery, delivery_id) if delivery_id else None
        found[photo_id] = delivery.department.name if delivery and delivery.department else ""
    return found


@bp.get("/reports/<reference>")
@staff_required
def report(reference: str):
    return _render_report(_load_report(reference))


@bp.get("/photos/<int:photo_id>/<size>")
@staff_required
def photo(photo_id: int, size: str):
    if size not in PHOTO_SIZES or photo_id > 2**62:
        abort(404)
    item = db.session.get(ReportPhoto, photo_id)
    if item is None:
        abort(404)
    if not can_view(current_user, item.report):
        abort(403)
    storage = photo_storage()
    key = item.storage_key if size == "full" else item.thumbnail_key
    path = storage.path(key)
    try:
        if path is not None and path.is_file():
            response = send_file(path, mimetype="image/jpeg", max_age=0, conditional=True)
        else:
            response = Response(storage.open(key), mimetype="image/jpeg")
    except (KeyError, FileNotFoundError):
        abort(404)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


# --- actions: one form, one service, one commit ---------------------------------------------


class FormInvalid(WorkflowError):
    """What the form sent cannot be used (422)."""


def _version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        raise FormInvalid(
            _("The form was incomplete. Please reload the page and try again.")
        ) from None


def _act(reference: str, name: str, action: Callable[[Report], str], anchor: str = ""):
    """Run ``action`` (parse → one service call → the success message), commit once, and
    redirect; on a refusal roll back and show the page again with the message and status."""
    report = _load_report(reference)
    try:
        message = action(report)
        db.session.commit()
    except WorkflowError as refused:
        db.session.rollback()
        return _render_report(
            _load_report(reference), error=str(refused.message), status=refused.status, failed=name
        )
    except StaleDataError:  # someone saved between our read and our write
        db.session.rollback()
        return _render_report(_load_report(reference), error=_(CONFLICT), status=409, failed=name)
    flash(message, "success")
    if not can_view(current_user, report):
        flash(_("The report has left your departments' queues."), "success")
        return redirect(url_for(".queue"), 303)
    return redirect(url_for(".report", reference=report.reference) + anchor, 303)


def _text(name: str) -> str:
    return request.form.get(name, "").strip()[:NOTE_MAX]


@bp.post("/reports/<reference>/status")
@staff_required
def change_status(reference: str):
    def action(report: Report) -> str:
        version = _version()
        value = request.form.get("status", "")
        note = _text("note")
        template_id = request.form.get("template", "")
        if template_id:
            template = (
                db.session.get(ResponseTemplate, int(template_id))
                if template_id.isdigit() and len(template_id) < 12
                else None
            )
            if template is None or template.category_id not in (None, report.category_id):
                raise FormInvalid(_("Please choose a response template from the list."))
            note = note or template.text(report.locale)
        if not value:
            if not note:
                raise FormInvalid(_("Please choose a new status or write a public note."))
            workflow.add_public_note(report, note, current_user, expected_version=version)
            return _("Public note added.")
        if value not in ReportStatus._value2member_map_:
            raise FormInvalid(_("Please choose a status from the list."))
        workflow.change_status(
            report, ReportStatus(value), current_user, public_note=note, expected_version=version
        )
        return _("Status set to “%(status)s”.", status=status_label(value))

    return _act(reference, "status", action, "#timeline")


@bp.post("/reports/<reference>/note")
@staff_required
def add_note(reference: str):
    def action(report: Report) -> str:
        _version()  # an internal note overwrites nothing: the version is not compared
        workflow.add_note(report, _text("text"), current_user)
        return _("Internal note added.")

    return _act(reference, "note", action, "#timeline")


@bp.post("/reports/<reference>/reroute")
@staff_required
def reroute(reference: str):
    def action(report: Report) -> str:
        version = _version()
        value = request.form.get("department", "")
        department = None
        if value != "triage":
            department = db.session.execute(
                db.select(Department).where(
                    Department.code == value[:64], Department.is_active.is_(True)
                )
            ).scalar_one_or_none()
            if department is None:
                raise FormInvalid(_("Please choose a department from the list."))
        workflow.reroute(
            report, department, _text("reason"), current_user, expected_version=version
        )
        if department is None:
            return _("The report went back to triage.")
        return _("The report was sent to %(department)s.", department=department.name)

    return _act(reference, "reroute", action)


@bp.post("/reports/<reference>/forward")
@staff_required
def forward(reference: str):
    def action(report: Report) -> str:
        workflow.require_change(current_user, report)
        code = request.form.get("department", "")[:64]
        department = next((d for d in forwarding_targets() if d.code == code), None)
        if department is None:
            raise FormInvalid(_("Please choose a department from the list."))
        forward_manually(report, department, current_user)
        return _("The ticket to %(department)s is on its way.", department=department.name)

    return _act(reference, "forward", action, "#deliveries")


@bp.post("/reports/<reference>/deliveries/<int:delivery_id>/retry")
@staff_required
def retry(reference: str, delivery_id: int):
    def action(report: Report) -> str:
        workflow.require_change(current_user, report)
        delivery = db.session.get(Delivery, delivery_id) if delivery_id < 2**62 else None
        if delivery is None or delivery.report_id != report.id:
            raise FormInvalid(_("This delivery does not belong to the report."))
        retry_delivery(delivery, current_user)
        return _("The delivery will be sent again in a moment.")

    return _act(reference, "retry", action, "#deliveries")


@bp.get("/deliveries")
@staff_required
def deliveries():
    """Failed deliveries and tickets partners have not acknowledged in time."""
    return render_template("inbox/deliveries.html", rows=troubled_deliveries(current_user))


@bp.post("/reports/<reference>/duplicate")
@staff_required
def mark_duplicate(reference: str):
    def action(report: Report) -> str:
        version = _version()
        wanted = request.form.get("original", "").strip().upper()[:32]
        original = (
            db.session.execute(
                db.select(Report).where(Report.reference == wanted)
            ).scalar_one_or_none()
            if wanted
            else None
        )
        if original is None:
            raise FormInvalid(
                _("There is no report with the reference “%(reference)s”.", reference=wanted)
                if wanted
                else _("Please give the reference of the original report.")
            )
        workflow.mark_duplicate(
            report,
            original,
            current_user,
            expected_version=version,
            public_note=_text("note") or None,
        )
        return _(
            "Marked as a duplicate of %(reference)s.",
            reference=(report.duplicate_of or original).reference,
        )

    return _act(reference, "duplicate", action)


@bp.post("/reports/<reference>/category")
@staff_required
def change_category(reference: str):
    def action(report: Report) -> str:
        version = _version()
        code = request.form.get("category", "")[:64]
        category = db.session.execute(
            db.select(Category).where(Category.code == code)
        ).scalar_one_or_none()
        if category is None:
            raise FormInvalid(_("Please choose a category from the list."))
        workflow.change_category(report, category, current_user, expected_version=version)
        return _("Category changed to “%(category)s”.", category=category.name(_lang()))

    return _act(reference, "category", action)


def _coordinate(name: str) -> float | None:
    raw = request.form.get(name, "").strip().replace(",", ".")
    try:
        value = float(raw) if len(raw) < 32 else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) else None


@bp.post("/reports/<reference>/location")
@staff_required
def change_location(reference: str):
    def action(report: Report) -> str:
        version = _version()
        lat, lon = _coordinate("lat"), _coordinate("lon")
        if lat is None or lon is None:
            raise FormInvalid(
                _(
                    "Please give the place as latitude and longitude, for example "
                    "%(lat)s and %(lon)s, or click on the map.",
                    **example_coordinates(),
                )
            )
        workflow.change_location(report, lat, lon, current_user, expected_version=version)
        return _("The location was changed.")

    return _act(reference, "location", action)


@bp.post("/reports/<reference>/description")
@staff_required
def moderate_description(reference: str):
    def action(report: Report) -> str:
        version = _version()
        text = request.form.get("public_text", "").strip()[:NOTE_MAX]
        hidden = request.form.get("hidden") in {"1", "on", "true"}
        workflow.moderate_description(
            report, text or None, hidden, current_user, expected_version=version
        )
        return _("The public description was saved.")

    return _act(reference, "description", action)


@bp.post("/reports/<reference>/photos/<int:photo_id>")
@staff_required
def photo_visibility(reference: str, photo_id: int):
    def action(report: Report) -> str:
        _version()  # releasing a photo overwrites nothing: the version is not compared
        item = next((p for p in report.photos if p.id == photo_id), None)
        if item is None:
            abort(404)
        public = request.form.get("public") == "1"
        workflow.set_photo_public(item, public, current_user)
        return (
            _("The photo is now public.") if public else _("The photo is hidden from the public.")
        )

    return _act(reference, "photo", action, "#photos")
