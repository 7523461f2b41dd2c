"""The actions on the report page: one form, one service, one commit. A refusal rolls back
and shows the page again with the service's message and HTTP status."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.auth.decorators import staff_required
from app.catalogue.models import Category
from app.cities.examples import example_coordinates
from app.core.enums import ReportStatus
from app.core.locale import current_lang
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import forward_manually, retry_delivery
from app.inbox.blueprint import bp
from app.inbox.deliveries import forwarding_targets
from app.inbox.form_input import FormInvalid, form_coordinate, form_text, form_version
from app.inbox.presenters import status_label
from app.inbox.report_views import load_report, render_report
from app.reports import photo_review, workflow
from app.reports.models import Report, ResponseTemplate
from app.reports.workflow import WorkflowError, can_view
from app.routing.models import Department

# The service's wording (app.reports.workflow), for a conflict only the database noticed.
CONFLICT = (
    "Someone else changed this report while you were looking at it. "
    "Nothing was saved — please check the latest state and try again."
)


def _act(reference: str, name: str, action: Callable[[Report], str], anchor: str = ""):
    """Run ``action`` (parse → one service call → the success message), commit once, and
    redirect; on a refusal roll back and show the page again with the message and status."""
    report = load_report(reference)
    try:
        message = action(report)
        db.session.commit()
    except WorkflowError as refused:
        db.session.rollback()
        return render_report(
            load_report(reference), error=str(refused.message), status=refused.status, failed=name
        )
    except StaleDataError:  # someone saved between our read and our write
        db.session.rollback()
        return render_report(load_report(reference), error=_(CONFLICT), status=409, failed=name)
    flash(message, "success")
    if not can_view(current_user, report):
        flash(_("The report has left your departments' queues."), "success")
        return redirect(url_for(".queue"), 303)
    return redirect(url_for(".report", reference=report.reference) + anchor, 303)


@bp.post("/reports/<reference>/status")
@staff_required
def change_status(reference: str):
    def action(report: Report) -> str:
        version = form_version()
        value = request.form.get("status", "")
        note = form_text("note")
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
        form_version()  # an internal note overwrites nothing: the version is not compared
        workflow.add_note(report, form_text("text"), current_user)
        return _("Internal note added.")

    return _act(reference, "note", action, "#timeline")


@bp.post("/reports/<reference>/reroute")
@staff_required
def reroute(reference: str):
    def action(report: Report) -> str:
        version = form_version()
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
            report, department, form_text("reason"), current_user, expected_version=version
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


@bp.post("/reports/<reference>/duplicate")
@staff_required
def mark_duplicate(reference: str):
    def action(report: Report) -> str:
        version = form_version()
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
            public_note=form_text("note") or None,
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
        version = form_version()
        code = request.form.get("category", "")[:64]
        category = db.session.execute(
            db.select(Category).where(Category.code == code)
        ).scalar_one_or_none()
        if category is None:
            raise FormInvalid(_("Please choose a category from the list."))
        workflow.change_category(report, category, current_user, expected_version=version)
        return _("Category changed to “%(category)s”.", category=category.name(current_lang()))

    return _act(reference, "category", action)


@bp.post("/reports/<reference>/location")
@staff_required
def change_location(reference: str):
    def action(report: Report) -> str:
        version = form_version()
        lat, lon = form_coordinate("lat"), form_coordinate("lon")
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
        version = form_version()
        text = form_text("public_text")
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
        form_version()  # releasing a photo overwrites nothing: the version is not compared
        item = next((p for p in report.photos if p.id == photo_id), None)
        if item is None:
            abort(404)
        if request.form.get("public") == "1":  # a release is the photo's review too
            photo_review.review_photo(item, current_user, publish=True)
            return _("The photo is now public.")
        workflow.set_photo_public(item, False, current_user)
        return _("The photo is hidden from the public.")

    return _act(reference, "photo", action, "#photos")
