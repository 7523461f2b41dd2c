"""The report form page: the form with its categories, extra questions and errors in page order.
Rendered by the form's views and by the error pages that send the form back (CSRF, too large,
too many requests)."""

from __future__ import annotations

import uuid
from typing import Any

from flask import current_app, render_template
from sqlalchemy.orm import selectinload

from app.catalogue.models import Category, CategoryGroup
from app.extensions import db
from app.web.forms import (
    AttributeField,
    ReportForm,
    attribute_fields,
    attribute_groups,
    category_choices,
    field_for,
)

# Where each error of the intake service is shown, in page order: the place first, then the
# category and its questions, then the rest.
PLACE_FIELDS = ("location", "address")
FIELD_ORDER = (*PLACE_FIELDS, "category", "photos", "description", "email", "consent")
FIELD_ANCHORS = {
    "location": "lat",
    "address": "address",
    "photos": "photos",
    "description": "description",
    "email": "email",
    "consent": "consent",
}


def category_groups() -> list[CategoryGroup]:
    return list(
        db.session.execute(
            db.select(CategoryGroup)
            .order_by(CategoryGroup.position, CategoryGroup.id)
            .options(selectinload(CategoryGroup.categories).selectinload(Category.attributes))
        ).scalars()
    )


def _page_errors(
    errors: dict[str, Any], form: ReportForm, fields: list[AttributeField], active: list[Category]
) -> tuple[dict[str, Any], list[tuple[str | None, Any]]]:
    """Errors by the name of the field they are shown at, and the summary: (anchor, message)
    in page order (place, category, its extra questions, photos, description, contact)."""
    by_field: dict[str, Any] = {}
    general: list[tuple[str | None, Any]] = []
    questions: list[tuple[str | None, Any]] = []
    for key, message in errors.items():
        item = (
            field_for(fields, form.category, key.removeprefix("attribute."))
            if key.startswith("attribute.")
            else None
        )
        if item is not None:
            by_field[item.name] = message
            questions.append((item.first_input_id, message))
        elif key in FIELD_ORDER:
            by_field[key] = message
        else:
            general.append((None, message))
    codes = [c.code for c in active]
    category_anchor = "category-" + (form.category if form.category in codes else codes[0])
    summary = list(general)
    summary.extend((FIELD_ANCHORS[key], by_field[key]) for key in PLACE_FIELDS if key in by_field)
    if "category" in by_field:
        summary.append((category_anchor, by_field["category"]))
    summary.extend(questions)
    summary.extend(
        (FIELD_ANCHORS[key], by_field[key])
        for key in FIELD_ORDER
        if key in by_field and key not in (*PLACE_FIELDS, "category")
    )
    return by_field, summary


def render_form(
    form: ReportForm,
    errors: dict[str, Any] | None = None,
    status: int = 200,
    photos_dropped: bool = False,
):
    groups = category_groups()
    choices = category_choices(groups)
    active = [c for ch in choices for c in ch.categories]
    fields = attribute_fields(active)
    field_errors, summary = _page_errors(errors or {}, form, fields, active)
    chosen = next((c for c in active if c.code == form.category), None)
    config = current_app.config
    if not form.submission_key:
        form.submission_key = uuid.uuid4().hex
    return render_template(
        "report_form.html",
        form=form,
        choices=choices,
        attribute_groups=attribute_groups(fields),
        chosen=chosen,
        errors=field_errors,
        error_summary=summary,
        photos_dropped=photos_dropped,
        description_max=config["DESCRIPTION_MAX_LENGTH"],
        photo_max_count=config["PHOTO_MAX_COUNT"],
        photo_max_mb=megabytes(config["PHOTO_MAX_BYTES"]),
        tiles_url=config.get("MAP_TILES_URL") or "",
        tiles_attribution=config.get("MAP_TILES_ATTRIBUTION") or "",
        # The language switcher sends this form along (app/web/language.py).
        language_form="report-form",
    ), status


def megabytes(n_bytes: int) -> str:
    value = n_bytes / (1024 * 1024)
    return str(int(value)) if value == int(value) else f"{value:.1f}"
