"""Routing against the database: the rules as plain specs for the pure ``resolve`` function,
and where a report of a category, place and answers goes."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm

from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.core.enums import RuleAction
from app.extensions import db
from app.geo.models import District
from app.routing.models import Department, RoutingRule
from app.routing.resolve import RoutingDecision, RoutingInput, RuleSpec, resolve


def load_rules(rule_ids: Collection[int] | None = None) -> list[RuleSpec]:
    """The active rules (or those of ``rule_ids``, active or not) as plain specs, in one query
    (this runs for every report)."""
    attr = sa.orm.aliased(CategoryAttribute)
    rows = db.session.execute(
        sa.select(
            RoutingRule.id,
            RoutingRule.position,
            RoutingRule.action,
            RoutingRule.attribute_code,
            RoutingRule.attribute_value,
            Department.code,
            Department.name,
            Category.code,
            Category.names,
            CategoryGroup.code,
            CategoryGroup.names,
            District.number,
            District.name,
            attr.values,
        )
        .join(Department, RoutingRule.department_id == Department.id)
        .outerjoin(Category, RoutingRule.category_id == Category.id)
        .outerjoin(CategoryGroup, RoutingRule.category_group_id == CategoryGroup.id)
        .outerjoin(District, RoutingRule.district_id == District.id)
        .outerjoin(
            attr,
            sa.and_(
                attr.category_id == RoutingRule.category_id, attr.code == RoutingRule.attribute_code
            ),
        )
        .where(
            RoutingRule.id.in_(rule_ids)
            if rule_ids is not None
            else sa.and_(RoutingRule.is_active.is_(True), Department.is_active.is_(True))
        )
    ).all()
    specs = []
    for (
        rule_id,
        position,
        action,
        attribute_code,
        attribute_value,
        dept_code,
        dept_name,
        category_code,
        category_names,
        group_code,
        group_names,
        district_number,
        district_name,
        attribute_values,
    ) in rows:
        value_name = next(
            (v.get("names") for v in attribute_values or [] if v["key"] == attribute_value), None
        )
        specs.append(
            RuleSpec(
                id=rule_id,
                position=position,
                action=RuleAction(action).value,
                department_code=dept_code,
                department_name=dept_name,
                category_code=category_code,
                category_name=category_names,
                group_code=group_code,
                group_name=group_names,
                district_number=district_number,
                district_name=district_name,
                attribute_code=attribute_code,
                attribute_value=attribute_value,
                attribute_value_name=value_name,
            )
        )
    return specs


def route(
    category: Category,
    district_number: str | None,
    district_name: str | None,
    attributes: dict[str, Any],
) -> RoutingDecision:
    """Where a report of this category, place and answers goes (rules from the database)."""
    return resolve(
        load_rules(),
        RoutingInput(
            category_code=category.code,
            category_name=category.names,
            group_code=category.group.code,
            district_number=district_number,
            district_name=district_name,
            attributes=attributes,
        ),
    )
