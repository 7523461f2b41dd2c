"""A report photo's review page: the photo with the boxes that were made unrecognisable (the
detector's and those drawn by hand), whether its automatic anonymisation failed or was off, a
form to make one more area unrecognisable by hand (per cent of the photo: works with the keyboard
and without JavaScript; dragging on the photo fills it in), and "Geprüft / freigeben"."""

from __future__ import annotations

import math
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.auth.decorators import staff_required
from app.extensions import db
from app.inbox.blueprint import bp
from app.inbox.report_views import load_report
from app.reports import photo_review
from app.reports.models import Report, ReportPhoto
from app.reports.partner_photos import partner_photo_ids
from app.reports.photo_review import BoxInvalid, PercentBox
from app.reports.workflow import WorkflowError, can_change, require_change

BOX_KINDS = {"face": _l("Face"), "plate": _l("Number plate"), "manual": _l("By hand")}
BOX_FIELDS = ("left", "top", "width", "height")


def _photo_of(report: Report, photo_id: int) -> tuple[ReportPhoto, int]:
    """The report's photo and its number on the report page; 404 for another report's."""
    for number, item in enumerate(report.photos, start=1):
        if item.id == photo_id:
            return item, number
    abort(404)


def _percent(value: float, whole: int) -> float:
    return round(value * 100 / whole, 1) if whole else 0.0


def photo_boxes(photo: ReportPhoto) -> list[dict[str, Any]]:
    """The photo's boxes for the page: pixels for the drawing, per cent and kind for words."""
    boxes = []
    for number, box in enumerate(photo.boxes or [], start=1):
        try:
            x, y, w, h = (int(box[k]) for k in ("x", "y", "w", "h"))
        except (KeyError, TypeError, ValueError):
            continue
        kind = str(box.get("kind") or "")
        kind = kind if kind in BOX_KINDS else "manual"
        boxes.append(
            {
                "number": number,
                "x": x,
                "y": y,
                "w": w,
                "h": h,
                "kind": kind,
                "label": str(BOX_KINDS[kind]),
                "left": _percent(x, photo.width),
                "top": _percent(y, photo.height),
                "width": _percent(w, photo.width),
                "height": _percent(h, photo.height),
            }
        )
    return boxes


def render_photo(
    report: Report,
    photo: ReportPhoto,
    number: int,
    *,
    error: str | None = None,
    status: int = 200,
    failed: str | None = None,
):
    context = {
        "report": report,
        "photo": photo,
        "number": number,
        "boxes": photo_boxes(photo),
        "may_change": can_change(current_user, report),
        "is_partner_photo": photo.id in partner_photo_ids(report.id),
        "error": error,
        "failed": failed,
        "posted": request.form if request.method == "POST" else {},
    }
    return render_template("inbox/photo.html", **context), status


@bp.get("/reports/<reference>/photos/<int:photo_id>")
@staff_required
def photo_review_page(reference: str, photo_id: int):
    report = load_report(reference)
    photo, number = _photo_of(report, photo_id)
    return render_photo(report, photo, number)


def _number(name: str) -> float:
    raw = request.form.get(name, "").strip().replace(",", ".").removesuffix("%").strip()
    try:
        value = float(raw) if 0 < len(raw) < 16 else math.nan
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise BoxInvalid(
            _(
                "Please give left, top, width and height of the area as numbers (per cent of "
                "the photo), for example 10, 20, 15 and 10."
            )
        )
    return value


def _photo_action(reference: str, photo_id: int, name: str, action) -> Any:
    """Run ``action(photo)`` (→ message, storage keys to remove), commit once, remove the files
    no photo uses any more, and go back to the photo; a refusal shows the page again."""
    report = load_report(reference)
    photo, number = _photo_of(report, photo_id)
    try:
        message, stale = action(photo)
        db.session.commit()
    except WorkflowError as refused:
        db.session.rollback()
        report = load_report(reference)
        photo, number = _photo_of(report, photo_id)
        return render_photo(
            report, photo, number, error=str(refused.message), status=refused.status, failed=name
        )
    except StaleDataError:
        db.session.rollback()
        abort(409)
    photo_review.discard_unused(stale)
    flash(message, "success")
    return redirect(
        url_for(".photo_review_page", reference=report.reference, photo_id=photo_id), 303
    )


@bp.post("/reports/<reference>/photos/<int:photo_id>/boxes")
@staff_required
def photo_add_box(reference: str, photo_id: int):
    def action(photo: ReportPhoto) -> tuple[str, set[str]]:
        require_change(current_user, photo.report)  # before reading the form: 403 first
        box = PercentBox(*(_number(name) for name in BOX_FIELDS))
        stale = photo_review.add_manual_box(photo, box, current_user)
        return _("The area was made unrecognisable for good; the photo counts as checked."), stale

    return _photo_action(reference, photo_id, "box", action)


@bp.post("/reports/<reference>/photos/<int:photo_id>/review")
@staff_required
def photo_check(reference: str, photo_id: int):
    def action(photo: ReportPhoto) -> tuple[str, set[str]]:
        publish = request.form.get("publish") == "1"
        photo_review.review_photo(photo, current_user, publish=publish)
        if publish:
            return _("The photo is checked and public."), set()
        return _("The photo is checked; partners may receive it. It is not public."), set()

    return _photo_action(reference, photo_id, "review", action)
