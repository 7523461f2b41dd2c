"""The "test this rule" box: where a report of a category, at a point or in a district, with
some answers would go under the rules in the database right now. Writes nothing."""

from __future__ import annotations

from typing import Any

from flask import request

from app.admin.blueprint import bp, lang, page
from app.admin.views.options import category_options, district_options
from app.auth.decorators import admin_required
from app.catalogue import services as catalogue
from app.catalogue.fields import AttributeField, attribute_fields, attribute_groups, field_for
from app.catalogue.models import Category, CategoryGroup
from app.core.enums import AttributeType
from app.core.errors import Message, Refusal
from app.core.locale import pick_language
from app.extensions import db
from app.routing import rules as routing_rules


def _answers(fields: list[AttributeField], category: Category | None) -> dict[str, Any]:
    """The answers given for ``category``'s questions, by question code."""
    answers: dict[str, Any] = {}
    if category is None:
        return answers
    for item in fields:
        if not any(c.id == category.id for c in item.categories):
            continue
        given = [v.strip() for v in request.args.getlist(item.name) if v.strip()]
        if item.attribute.datatype == AttributeType.MULTIVALUELIST:
            answers[item.attribute.code] = given
        elif given:
            answers[item.attribute.code] = given[0]
    return answers


def test_box_context(
    groups: list[CategoryGroup],
    errors: dict[str, Message],
    preview: routing_rules.RoutePreview | None,
) -> dict[str, Any]:
    """What the box shows: the values asked, their problems and the answer (the rules page
    has the box too)."""
    categories = [c for g in groups for c in g.categories]
    fields = attribute_fields(categories)
    given = {item.name: request.args.getlist(item.name) for item in fields}
    return {
        "test": {
            "category": request.args.get("category", ""),
            "lat": request.args.get("lat", ""),
            "lon": request.args.get("lon", ""),
            "district": request.args.get("district", ""),
            "answers": given,
            "open_answers": any(v for values in given.values() for v in values)
            or any(name.startswith("attribute.") for name in errors),
        },
        "test_errors": errors,
        "test_category_options": category_options(groups),
        "test_district_options": district_options(),
        "test_groups": attribute_groups(fields),
        "preview": preview,
    }


@bp.get("/rules/test")
@admin_required
def rule_test():
    """Where would a report go? Uses ``route()`` with the rules in the database; writes nothing."""
    groups = catalogue.groups_with_categories()
    args = request.args
    if not any(args.get(k) for k in ("category", "lat", "lon", "district")):
        return page(
            "admin/rule_test.html",
            unreachable=routing_rules.unreachable(),
            **test_box_context(groups, {}, None),
        )
    category_id = args.get("category", "")
    district_id = args.get("district", "")
    category = db.session.get(Category, int(category_id)) if category_id.isdigit() else None
    fields = attribute_fields([c for g in groups for c in g.categories])
    errors: dict[str, Message] = {}
    preview = None
    status = 200
    try:
        preview = routing_rules.preview_route(
            category.id if category else None,
            args.get("lat", ""),
            args.get("lon", ""),
            int(district_id) if district_id.isdigit() else None,
            _answers(fields, category),
        )
    except Refusal as refusal:
        status = refusal.status
        for name, message in refusal.errors.items():
            if name.startswith("attribute.") and category is not None:
                item = field_for(fields, category.code, name.removeprefix("attribute."))
                name = item.name if item is not None else ""
            errors[name] = message
    return page(
        "admin/rule_test.html",
        status,
        unreachable=routing_rules.unreachable(),
        **test_box_context(groups, errors, preview),
    )


@bp.app_template_global()
def admin_pick(texts: dict[str, str] | None) -> str:
    return pick_language(texts, lang())
