"""Changing the catalogue: categories and their extra questions.

Each service takes the admin who acts and input whose shape the form has checked (required,
lengths, codes, number ranges); it checks what needs the database – a code already taken, a
code that reports or routing rules use – and raises ``Refusal`` (a message per form field,
nothing changed). Then it changes the rows, flushes and logs what changed with the admin's
id; the caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.services import require_admin
from app.catalogue.models import LIST_TYPES, TEXT_TYPES, Category, CategoryAttribute, CategoryGroup
from app.core.changes import apply_changes
from app.core.enums import AttributeType
from app.core.errors import Refusal
from app.extensions import db
from app.reports.models import Report
from app.routing.rules import rule_positions, rules_using_attribute

log = logging.getLogger(__name__)


def groups_with_categories() -> list[CategoryGroup]:
    """Every group in order, with its categories and their questions loaded."""
    return list(
        db.session.execute(
            sa.select(CategoryGroup)
            .order_by(CategoryGroup.position, CategoryGroup.id)
            .options(selectinload(CategoryGroup.categories).selectinload(Category.attributes))
        ).scalars()
    )


def active_categories() -> list[Category]:
    """The categories residents can choose, in order, with their group loaded."""
    return list(
        db.session.execute(
            sa.select(Category)
            .where(Category.is_active.is_(True))
            .order_by(Category.position)
            .options(selectinload(Category.group))
        ).scalars()
    )


def report_counts_by_category() -> dict[int, int]:
    """Category id → how many reports it has (categories without reports left out)."""
    return dict(
        db.session.execute(
            sa.select(Report.category_id, sa.func.count(Report.id)).group_by(Report.category_id)
        )
        .tuples()
        .all()
    )


def reports_of_category(category: Category) -> int:
    return db.session.execute(
        sa.select(sa.func.count(Report.id)).where(Report.category_id == category.id)
    ).scalar_one()


# --- categories ------------------------------------------------------------------------------


@dataclass
class CategoryData:
    """A category as entered: trimmed, languages left empty left out."""

    code: str
    group_id: int | None
    names: dict[str, str]
    descriptions: dict[str, str] = field(default_factory=dict)
    keywords: str = ""
    target_working_days: int | None = None
    nearby_radius_m: int | None = None
    is_sensitive: bool = False
    is_active: bool = True
    auto_publish_photos: bool = False


SENSITIVE_AUTO_PUBLISH = _l(
    "Photos of a sensitive category (unsafe places) are never published automatically: a "
    "caseworker checks each one. Please leave this off."
)


def save_category(admin: User, category: Category | None, data: CategoryData) -> Category:
    """Create (``category`` None) or change a category. The code is fixed once reports use it."""
    require_admin(admin)
    errors: dict[str, str | LazyString] = {}
    code = data.code
    if category is None or code != category.code:
        if db.session.execute(
            sa.select(sa.func.count(Category.id)).where(Category.code == code)
        ).scalar_one():
            errors["code"] = _l("There is already a category with the code “%(code)s”.", code=code)
        elif category is not None and (used := reports_of_category(category)):
            errors["code"] = _l(
                "The code cannot be changed any more: %(n)d reports use it (it is the Open311 "
                "service_code).",
                n=used,
            )
    group = db.session.get(CategoryGroup, data.group_id) if data.group_id else None
    if group is None:
        errors["group"] = _l("Please choose a group.")
    if data.auto_publish_photos and data.is_sensitive:
        errors["auto_publish_photos"] = SENSITIVE_AUTO_PUBLISH
    if errors:
        raise Refusal(errors)
    assert group is not None

    created = category is None
    if category is None:
        last = db.session.execute(sa.select(sa.func.max(Category.position))).scalar()
        category = Category(position=(last or 0) + 1, code=code, names=data.names)
        db.session.add(category)
    old_group = category.group.code if category.group is not None else None
    changes = apply_changes(
        category,
        code=code,
        names=data.names,
        descriptions=data.descriptions,
        keywords=data.keywords or None,
        target_working_days=data.target_working_days,
        nearby_radius_m=data.nearby_radius_m,
        is_sensitive=bool(data.is_sensitive),
        is_active=bool(data.is_active),
        auto_publish_photos=bool(data.auto_publish_photos),
    )
    if old_group != group.code:
        category.group = group
        changes["group"] = (old_group, group.code)
    db.session.flush()
    log.info(
        "admin %s %s category %s: %s",
        admin.id,
        "created" if created else "changed",
        category.code,
        changes,
    )
    return category


# --- category attributes (extra questions) ----------------------------------------------------


@dataclass
class AttributeData:
    """A question as entered: trimmed, languages left empty left out."""

    code: str
    datatype: AttributeType
    labels: dict[str, str]
    help_texts: dict[str, str] = field(default_factory=dict)
    is_required: bool = False
    # [{"key": "dark", "names": {"de": "zu dunkel", "en": "too dark"}}, …] for list types
    values: list[dict[str, Any]] = field(default_factory=list)
    max_length: int | None = None
    position: int | None = None  # 1-based place among the category's questions; None: last


def save_attribute(
    admin: User, category: Category, attribute: CategoryAttribute | None, data: AttributeData
) -> CategoryAttribute:
    """Create or change one extra question of ``category``. Its code is fixed once reports of
    the category store answers under it; a rule's question and choices stay."""
    require_admin(admin)
    errors: dict[str, str | LazyString] = {}
    code, datatype = data.code, data.datatype
    rules = rules_using_attribute(category, attribute.code) if attribute is not None else []
    if attribute is None or code != attribute.code:
        if any(a.code == code for a in category.attributes if a is not attribute):
            errors["code"] = _l("This category already has a question “%(code)s”.", code=code)
        elif attribute is not None and (used := reports_of_category(category)):
            errors["code"] = _l(
                "The code cannot be changed any more: %(n)d reports of this category store "
                "their answers under it.",
                n=used,
            )
        elif rules:
            errors["code"] = _l(
                "Routing rule %(positions)s uses this question; change that rule first.",
                positions=rule_positions(rules),
            )
    values = list(data.values)
    keys = [v["key"] for v in values]
    duplicates = sorted({k for k in keys if keys.count(k) > 1})
    if datatype in LIST_TYPES and not values:
        errors["values"] = _l("A list question needs at least one choice.")
    elif datatype not in LIST_TYPES and values:
        errors["values"] = _l(
            "Only list questions have choices: leave this empty or choose a list type."
        )
    elif duplicates:
        errors["values"] = _l("The key “%(key)s” is used twice.", key=duplicates[0])
    elif attribute is not None:
        for rule in rules:
            if rule.attribute_value not in keys and datatype in LIST_TYPES:
                errors["values"] = _l(
                    "Routing rule %(position)d uses the choice “%(key)s”; change that rule first.",
                    position=rule.position,
                    key=rule.attribute_value,
                )
                break
        else:
            if rules and datatype not in LIST_TYPES:
                errors["datatype"] = _l(
                    "Routing rule %(positions)s uses a choice of this question; change that rule "
                    "first.",
                    positions=rule_positions(rules),
                )
    if data.max_length is not None and datatype not in TEXT_TYPES:
        errors["max_length"] = _l("Only text questions have a maximum length: leave this empty.")
    if errors:
        raise Refusal(errors)

    created = attribute is None
    if attribute is None:
        attribute = CategoryAttribute(
            category=category,
            code=code,
            datatype=datatype,
            labels=data.labels,
            position=len(category.attributes),
        )
        db.session.add(attribute)
    changes = apply_changes(
        attribute,
        code=code,
        datatype=datatype,
        labels=data.labels,
        help_texts=data.help_texts,
        is_required=bool(data.is_required),
        values=values,
        max_length=data.max_length,
    )
    old_place = _place(category.attributes, attribute)
    if data.position is not None or created:
        order = [a for a in category.attributes if a is not attribute]
        index = len(order) if data.position is None else min(max(data.position, 1) - 1, len(order))
        order.insert(index, attribute)
        for position, item in enumerate(order):
            item.position = position
        category.attributes[:] = order
        if not created and old_place != index + 1:
            changes["order"] = (old_place, index + 1)
    db.session.flush()
    log.info(
        "admin %s %s question %s of category %s: %s",
        admin.id,
        "added" if created else "changed",
        attribute.code,
        category.code,
        changes,
    )
    return attribute


def _place(items: list[Any], item: Any) -> int | None:
    return items.index(item) + 1 if item in items else None


def delete_attribute(admin: User, attribute: CategoryAttribute) -> None:
    """Remove a question. Answers already given stay in the reports."""
    require_admin(admin)
    category = attribute.category
    rules = rules_using_attribute(category, attribute.code)
    if rules:
        raise Refusal(
            {
                "": _l(
                    "Routing rule %(positions)s uses this question; change that rule first.",
                    positions=rule_positions(rules),
                )
            },
            409,
        )
    code = attribute.code
    category.attributes.remove(attribute)
    for position, item in enumerate(category.attributes):
        item.position = position
    db.session.flush()
    log.info("admin %s deleted question %s of category %s", admin.id, code, category.code)
