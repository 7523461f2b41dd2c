"""Admin pages of the response templates: list, add, change, delete."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _

from app.admin import forms as f
from app.admin.blueprint import (
    bp,
    commit,
    confirm_delete,
    current_admin,
    form_of,
    page,
    show_errors,
)
from app.admin.fields import language_texts, texts_of
from app.admin.views.options import category_options
from app.auth.decorators import admin_required
from app.catalogue import services as catalogue
from app.core.enums import ReportStatus
from app.core.errors import Message, Refusal
from app.extensions import db
from app.inbox import response_templates as templates_service
from app.reports.labels import STAFF_STATUS_LABELS
from app.reports.models import ResponseTemplate


def _status_options() -> list[tuple[str, str]]:
    return [("", _("Any status")), *[(s.value, str(STAFF_STATUS_LABELS[s])) for s in ReportStatus]]


@bp.get("/response-templates")
@admin_required
def templates():
    return page(
        "admin/templates.html",
        templates=templates_service.templates_by_title(),
        status_labels=STAFF_STATUS_LABELS,
    )


@bp.route("/response-templates/new", methods=["GET", "POST"])
@admin_required
def template_new():
    return _template_page(None)


@bp.route("/response-templates/<int:template_id>", methods=["GET", "POST"])
@admin_required
def template_edit(template_id: int):
    return _template_page(db.get_or_404(ResponseTemplate, template_id))


def _template_data(template: ResponseTemplate | None) -> dict[str, Any]:
    if template is None:
        return {}
    return {
        "title": template.title,
        "category": template.category_id or "",
        "status": template.status.value if template.status else "",
        **language_texts(template.texts, "text"),
    }


def _template_page(template: ResponseTemplate | None):
    form = form_of(f.TemplateForm, lambda: _template_data(template))
    general: list[Message] = []
    status = 200
    if form.validate_on_submit():
        data = templates_service.TemplateData(
            title=form.title.data,
            texts=texts_of(form, "text"),
            category_id=form.category.number,
            status=ReportStatus(form.status.data) if form.status.data else None,
        )
        try:
            saved = commit(lambda: templates_service.save_template(current_admin(), template, data))
        except Refusal as refusal:
            general, status = show_errors(form, refusal), refusal.status
        else:
            flash(_("Saved the response template “%(title)s”.", title=saved.title), "success")
            return redirect(url_for(".templates"))
    elif request.method == "POST":
        status = 422
    return page(
        "admin/template_form.html",
        status,
        form=form,
        template=template,
        general=general,
        category_options=[
            ("", _("Any category")),
            *category_options(catalogue.groups_with_categories()),
        ],
        status_options=_status_options(),
    )


@bp.route("/response-templates/<int:template_id>/delete", methods=["GET", "POST"])
@admin_required
def template_delete(template_id: int):
    template = db.get_or_404(ResponseTemplate, template_id)
    return confirm_delete(
        lambda: templates_service.delete_template(current_admin(), template),
        done=_("Deleted the response template “%(title)s”.", title=template.title),
        then=url_for(".templates"),
        heading=_("Delete the response template “%(title)s”?", title=template.title),
        consequence=_("Notes already sent with it stay as they are."),
        back=url_for(".template_edit", template_id=template.id),
    )
