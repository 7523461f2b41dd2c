"""Admin pages of the catalogue: categories and their extra questions."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.admin import forms as f
from app.admin.blueprint import bp, commit, current_admin, form_of, lang, page, show_errors
from app.admin.fields import language_texts, texts_of
from app.auth.decorators import admin_required
from app.catalogue import services as catalogue
from app.catalogue.models import Category, CategoryAttribute
from app.core.enums import AttributeType
from app.core.errors import Message, Refusal
from app.extensions import db

DATATYPE_LABELS = {
    AttributeType.STRING: _l("Short text"),
    AttributeType.TEXT: _l("Long text"),
    AttributeType.NUMBER: _l("Number"),
    AttributeType.DATETIME: _l("Date and time"),
    AttributeType.SINGLEVALUELIST: _l("One choice from a list"),
    AttributeType.MULTIVALUELIST: _l("Several choices from a list"),
}


@bp.get("/categories")
@admin_required
def categories():
    return page(
        "admin/categories.html",
        groups=catalogue.groups_with_categories(),
        report_counts=catalogue.report_counts_by_category(),
    )


@bp.route("/categories/new", methods=["GET", "POST"])
@admin_required
def category_new():
    return _category_page(None)


@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
@admin_required
def category_edit(category_id: int):
    return _category_page(db.get_or_404(Category, category_id))


def _category_data(category: Category | None) -> dict[str, Any]:
    if category is None:
        return {"is_active": True}
    return {
        "code": category.code,
        "group": category.group_id,
        **language_texts(category.names, "name"),
        **language_texts(category.descriptions, "description"),
        "keywords": category.keywords or "",
        "target_working_days": category.target_working_days,
        "nearby_radius_m": category.nearby_radius_m,
        "is_sensitive": category.is_sensitive,
        "auto_publish_photos": category.auto_publish_photos,
        "is_active": category.is_active,
    }


def _category_page(category: Category | None):
    form = form_of(f.CategoryForm, lambda: _category_data(category))
    form.current_code = category.code if category is not None else None
    general: list[Message] = []
    status = 200
    if form.validate_on_submit():
        data = catalogue.CategoryData(
            code=form.code.data,
            group_id=form.group.number,
            names=texts_of(form, "name"),
            descriptions=texts_of(form, "description"),
            keywords=form.keywords.data,
            target_working_days=form.target_working_days.number,
            nearby_radius_m=form.nearby_radius_m.number,
            is_sensitive=form.is_sensitive.data,
            auto_publish_photos=form.auto_publish_photos.data,
            is_active=form.is_active.data,
        )
        try:
            saved = commit(lambda: catalogue.save_category(current_admin(), category, data))
        except Refusal as refusal:
            general, status = show_errors(form, refusal), refusal.status
        else:
            flash(_("Saved the category “%(name)s”.", name=saved.name(lang())), "success")
            return redirect(url_for(".category_edit", category_id=saved.id))
    elif request.method == "POST":
        status = 422
    used = catalogue.reports_of_category(category) if category is not None else 0
    return page(
        "admin/category_form.html",
        status,
        form=form,
        category=category,
        general=general,
        group_options=[(str(g.id), g.name(lang())) for g in catalogue.groups_with_categories()],
        used=used,
        datatype_labels=DATATYPE_LABELS,
    )


# --- category questions (attributes) -------------------------------------------------------------


def _attribute_or_404(category: Category, attribute_id: int) -> CategoryAttribute:
    attribute = db.session.get(CategoryAttribute, attribute_id)
    if attribute is None or attribute.category_id != category.id:
        abort(404)
    return attribute


@bp.route("/categories/<int:category_id>/questions/new", methods=["GET", "POST"])
@admin_required
def attribute_new(category_id: int):
    return _attribute_page(db.get_or_404(Category, category_id), None)


@bp.route("/categories/<int:category_id>/questions/<int:attribute_id>", methods=["GET", "POST"])
@admin_required
def attribute_edit(category_id: int, attribute_id: int):
    category = db.get_or_404(Category, category_id)
    return _attribute_page(category, _attribute_or_404(category, attribute_id))


def _attribute_data(category: Category, attribute: CategoryAttribute | None) -> dict[str, Any]:
    if attribute is None:
        return {"datatype": AttributeType.STRING.value, "position": len(category.attributes) + 1}
    return {
        "code": attribute.code,
        "datatype": attribute.datatype.value,
        **language_texts(attribute.labels, "label"),
        **language_texts(attribute.help_texts, "help"),
        "is_required": attribute.is_required,
        "values": attribute.values,
        "max_length": attribute.max_length,
        "position": category.attributes.index(attribute) + 1,
    }


def _attribute_page(category: Category, attribute: CategoryAttribute | None):
    form = form_of(f.AttributeForm, lambda: _attribute_data(category, attribute))
    form.current_code = attribute.code if attribute is not None else None
    general: list[Message] = []
    status = 200
    if form.validate_on_submit():
        data = catalogue.AttributeData(
            code=form.code.data,
            datatype=AttributeType(form.datatype.data),
            labels=texts_of(form, "label"),
            help_texts=texts_of(form, "help"),
            is_required=form.is_required.data,
            values=form.values.values,
            max_length=form.max_length.number,
            position=form.position.number,
        )
        try:
            saved = commit(
                lambda: catalogue.save_attribute(current_admin(), category, attribute, data)
            )
        except Refusal as refusal:
            general, status = show_errors(form, refusal), refusal.status
        else:
            flash(_("Saved the question “%(label)s”.", label=saved.label(lang())), "success")
            return redirect(url_for(".category_edit", category_id=category.id) + "#questions")
    elif request.method == "POST":
        status = 422
    return page(
        "admin/attribute_form.html",
        status,
        form=form,
        category=category,
        attribute=attribute,
        general=general,
        datatype_options=[(t.value, str(label)) for t, label in DATATYPE_LABELS.items()],
    )


@bp.route(
    "/categories/<int:category_id>/questions/<int:attribute_id>/delete", methods=["GET", "POST"]
)
@admin_required
def attribute_delete(category_id: int, attribute_id: int):
    category = db.get_or_404(Category, category_id)
    attribute = _attribute_or_404(category, attribute_id)
    form = f.ConfirmForm()
    general: list[Message] = []
    status = 200
    if form.validate_on_submit():
        label = attribute.label(lang())
        try:
            commit(lambda: catalogue.delete_attribute(current_admin(), attribute))
        except Refusal as refusal:
            general, status = refusal.messages, refusal.status
        else:
            flash(_("Deleted the question “%(label)s”.", label=label), "success")
            return redirect(url_for(".category_edit", category_id=category.id) + "#questions")
    return page(
        "admin/confirm_delete.html",
        status,
        form=form,
        general=general,
        heading=_("Delete the question “%(label)s”?", label=attribute.label(lang())),
        consequence=_(
            "Reports that already answered it keep their answers. The web form and "
            "the Open311 service definition no longer ask it."
        ),
        back=url_for(".attribute_edit", category_id=category.id, attribute_id=attribute.id),
    )
