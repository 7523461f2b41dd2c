"""The report page (everything a caseworker sees of one report, and the forms of its
actions) and the report's photos."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Response, abort, current_app, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.auth.decorators import staff_required
from app.catalogue.models import Category
from app.core.enums import ReportStatus
from app.core.locale import current_lang, pick_language
from app.extensions import db
from app.forwarding.models import Delivery
from app.inbox.blueprint import bp
from app.inbox.deliveries import deliveries_of, forwarding_targets
from app.inbox.presenters import attribute_rows, is_overdue, local_date, status_label, timeline
from app.inbox.queries import active_departments, category_groups, nearby_open_reports
from app.photos.service import photo_storage
from app.reports.models import Report, ReportPhoto, ReportSupporter, ResponseTemplate
from app.reports.partner_photos import partner_photos
from app.reports.workflow import TRANSITIONS, can_change, can_view

PHOTO_SIZES = ("full", "thumb")


def load_report(reference: str) -> Report:
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


def _partner_photos(report: Report) -> dict[int, str]:
    """Photos a partner sent with "done" (the place afterwards), by photo id → partner name."""
    found: dict[int, str] = {}
    for photo_id, delivery_id in partner_photos(report.id).items():
        delivery = db.session.get(Delivery, delivery_id) if delivery_id else None
        found[photo_id] = delivery.department.name if delivery and delivery.department else ""
    return found


def render_report(
    report: Report, *, error: str | None = None, status: int = 200, failed: str | None = None
):
    """The report page; after a refused action with the service's message, the HTTP status,
    the name of the form that failed and what it sent."""
    lang = current_lang()
    user = current_user
    targets = sorted(TRANSITIONS[report.status], key=list(ReportStatus).index)
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
        "departments": [d for d in active_departments() if d.id != report.department_id],
        "groups": category_groups(),
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


@bp.get("/reports/<reference>")
@staff_required
def report(reference: str):
    return render_report(load_report(reference))


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
    # Revalidated on every view (a 304 while the file is the same): after a box was pixelated
    # by hand the photo is another file, and nobody may keep seeing the old one from a cache.
    response.headers["Cache-Control"] = "private, no-cache"
    return response
