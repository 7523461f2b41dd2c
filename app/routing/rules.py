"""Changing the routing rules: their order (positions 1..n without gaps), add, change, move
and delete, and the "test this rule" preview.

Each writing service takes the admin who acts, checks what needs the database (the category,
district, department and question a rule names exist) and raises ``Refusal`` (a message per
form field, nothing changed); then it changes the rows, flushes and logs the rule before and
after with the admin's id. The caller commits. Routing reads the rules on every report
(``app.routing.service``), so a change counts from the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.services import require_admin
from app.catalogue.models import LIST_TYPES, Category, CategoryGroup
from app.cities.examples import coordinates_not_numbers
from app.core.changes import apply_changes
from app.core.enums import RuleAction
from app.core.errors import Refusal
from app.extensions import db
from app.geo.index import is_valid_coordinate
from app.geo.models import District
from app.geo.service import district_index
from app.reports.checks import check_attributes
from app.reports.models import Report, ReportCopy
from app.routing.models import Department, RoutingRule
from app.routing.resolve import RoutingDecision, unreachable_rules
from app.routing.service import load_rules, route

log = logging.getLogger(__name__)

CONDITION_VALUE_MAX = 120


def ordered_rules() -> list[RoutingRule]:
    """Every rule, in the order routing tries them."""
    return list(
        db.session.execute(
            sa.select(RoutingRule).order_by(RoutingRule.position, RoutingRule.id)
        ).scalars()
    )


def rules_with_details() -> list[RoutingRule]:
    """Every rule in order, with what it names loaded (for the list of rules)."""
    return list(
        db.session.execute(
            sa.select(RoutingRule)
            .order_by(RoutingRule.position, RoutingRule.id)
            .options(
                selectinload(RoutingRule.category).selectinload(Category.attributes),
                selectinload(RoutingRule.category_group),
                selectinload(RoutingRule.district),
                selectinload(RoutingRule.department),
            )
        ).scalars()
    )


def rule_count() -> int:
    return db.session.execute(sa.select(sa.func.count(RoutingRule.id))).scalar_one()


def rule_positions(rules: Iterable[RoutingRule]) -> str:
    """``3, 5``: the rules' positions, for messages."""
    return ", ".join(str(r.position) for r in sorted(rules, key=lambda r: r.position))


def rules_using_attribute(category: Category, code: str) -> list[RoutingRule]:
    """The rules whose condition asks the question ``code`` of ``category``."""
    return list(
        db.session.execute(
            sa.select(RoutingRule)
            .where(
                RoutingRule.attribute_code == code,
                sa.or_(RoutingRule.category_id == category.id, RoutingRule.category_id.is_(None)),
            )
            .order_by(RoutingRule.position)
        ).scalars()
    )


def active_rules_of(department: Department) -> list[RoutingRule]:
    """The active rules that send reports (or copies) to ``department``."""
    return list(
        db.session.execute(
            sa.select(RoutingRule)
            .where(RoutingRule.department_id == department.id, RoutingRule.is_active.is_(True))
            .order_by(RoutingRule.position)
        ).scalars()
    )


def active_rule_counts() -> dict[int, int]:
    """Department id → how many active rules send reports (or copies) there."""
    return dict(
        db.session.execute(
            sa.select(RoutingRule.department_id, sa.func.count(RoutingRule.id))
            .where(RoutingRule.is_active.is_(True))
            .group_by(RoutingRule.department_id)
        )
        .tuples()
        .all()
    )


def is_always_routed(category: Category, rules: Iterable[RoutingRule]) -> bool:
    """An active route rule catches every report of the category, wherever it is."""
    return any(
        r.is_active
        and r.department.is_active
        and r.action == RuleAction.ROUTE
        and r.district_id is None
        and r.attribute_code is None
        and r.category_id in (None, category.id)
        and r.category_group_id in (None, category.group_id)
        for r in rules
    )


def unreachable() -> dict[int, dict[str, int]]:
    """Active route rules that never decide: rule id → its position and the position of the
    earlier rule that matches all its reports first."""
    group_of = dict(
        db.session.execute(
            sa.select(Category.code, CategoryGroup.code).join(
                CategoryGroup, Category.group_id == CategoryGroup.id
            )
        )
        .tuples()
        .all()
    )
    specs = load_rules()
    position = {spec.id: spec.position for spec in specs}
    return {
        rule_id: {"position": position[rule_id], "first": first.position}
        for rule_id, first in unreachable_rules(specs, group_of).items()
    }


def _renumber(rules: list[RoutingRule]) -> None:
    """Positions 1..n in list order, without gaps."""
    for position, rule in enumerate(rules, start=1):
        if rule.position != position:
            rule.position = position


def describe_rule(rule: RoutingRule) -> str:
    """For the log: ``3 route group:beleuchtung district:any -> tiefbau-licht``."""
    what = (
        f"category:{rule.category.code}"
        if rule.category is not None
        else f"group:{rule.category_group.code}"
        if rule.category_group is not None
        else "any"
    )
    where = f"district:{rule.district.number}" if rule.district is not None else "district:any"
    condition = f" if {rule.attribute_code}={rule.attribute_value}" if rule.attribute_code else ""
    return (
        f"{rule.position} {rule.action} {what} {where}{condition} -> "
        f"{rule.department.code if rule.department else '?'}"
    )


# --- add, change, move, delete -----------------------------------------------------------------


@dataclass
class RuleData:
    """A rule as entered (the form has read the choices and the position)."""

    department_id: int | None
    action: RuleAction = RuleAction.ROUTE
    category_id: int | None = None
    group_id: int | None = None
    district_id: int | None = None
    attribute_code: str = ""
    attribute_value: str = ""
    note: str = ""
    is_active: bool = True
    position: int | None = None  # 1-based; None: at the end (new) or where it is (edit)


def save_rule(admin: User, rule: RoutingRule | None, data: RuleData) -> RoutingRule:
    """Create or change a rule; its position is taken among the others (1..n, no gaps).
    Routing reads the rules on every report, so the change counts from the next one."""
    require_admin(admin)
    errors: dict[str, str | LazyString] = {}
    if data.category_id and data.group_id:
        errors["target"] = _l("Please choose either a category or a group.")
    category = db.session.get(Category, data.category_id) if data.category_id else None
    group = db.session.get(CategoryGroup, data.group_id) if data.group_id else None
    if (data.category_id and category is None) or (data.group_id and group is None):
        errors["target"] = _l("This category or group does not exist (any more).")
    district = db.session.get(District, data.district_id) if data.district_id else None
    if data.district_id and district is None:
        errors["district"] = _l("This district does not exist.")
    department = db.session.get(Department, data.department_id) if data.department_id else None
    if department is None:
        errors["department"] = _l("Please choose a department.")
    attribute_code = data.attribute_code or None
    attribute_value = data.attribute_value or None
    if problem := _condition_problem(category, attribute_code, attribute_value):
        errors["condition"] = problem
    rules = ordered_rules()
    others = [r for r in rules if r is not rule]
    if data.position is not None and not 1 <= data.position <= len(others) + 1:
        errors["position"] = _l("Please give a position from 1 to %(max)d.", max=len(others) + 1)
    if errors:
        raise Refusal(errors)

    created = rule is None
    before = None if rule is None else describe_rule(rule)
    if rule is None:
        rule = RoutingRule(position=len(rules) + 1)
        db.session.add(rule)
    changes = apply_changes(
        rule,
        action=data.action,
        category=category,
        category_group=group,
        district=district,
        attribute_code=attribute_code,
        attribute_value=attribute_value,
        department=department,
        note=data.note or None,
        is_active=bool(data.is_active),
    )
    if data.position is not None:
        others.insert(data.position - 1, rule)
    elif created:
        others.append(rule)
    else:
        others = rules
    _renumber(others)
    db.session.flush()
    if created:
        log.info("admin %s added routing rule %s: %s", admin.id, rule.id, describe_rule(rule))
    else:
        log.info(
            "admin %s changed routing rule %s: %s => %s (%s)",
            admin.id,
            rule.id,
            before,
            describe_rule(rule),
            ", ".join(changes) or "no change",
        )
    return rule


def _condition_problem(
    category: Category | None, code: str | None, value: str | None
) -> LazyString | None:
    """What is wrong with the condition "the answer to ``code`` is ``value``", if anything."""
    if (code is None) != (value is None):
        return _l("Please give both the question and the answer, or neither.")
    if code is None or value is None:
        return None
    if category is None:
        return _l("A condition on an answer needs one category (not a group or any category).")
    attribute = next((a for a in category.attributes if a.code == code), None)
    if attribute is None:
        return _l(
            "“%(category)s” has no question “%(code)s”.", category=category.name("de"), code=code
        )
    if attribute.datatype in LIST_TYPES and value not in attribute.value_keys():
        return _l(
            "“%(value)s” is not one of the choices for “%(label)s”.",
            value=value,
            label=attribute.label("de"),
        )
    if len(value) > CONDITION_VALUE_MAX:
        return _l(
            "This is too long: %(length)d characters, at most %(max)d.",
            length=len(value),
            max=CONDITION_VALUE_MAX,
        )
    return None


def move_rule(admin: User, rule: RoutingRule, direction: str) -> RoutingRule:
    """One place up (earlier, tried first) or down."""
    require_admin(admin)
    if direction not in ("up", "down"):
        raise Refusal({"": _l("A rule can be moved up or down.")}, 400)
    rules = ordered_rules()
    index = rules.index(rule)
    target = index - 1 if direction == "up" else index + 1
    if 0 <= target < len(rules):
        rules[index], rules[target] = rules[target], rules[index]
    _renumber(rules)
    db.session.flush()
    log.info(
        "admin %s moved routing rule %s %s: now at %d", admin.id, rule.id, direction, rule.position
    )
    return rule


def delete_rule(admin: User, rule: RoutingRule) -> None:
    """Remove a rule; reports it placed keep their department and reason text."""
    require_admin(admin)
    described = describe_rule(rule)
    rule_id = rule.id
    # SQLite enforces no foreign keys here; say explicitly what PostgreSQL's SET NULL does.
    for model in (Report, ReportCopy):
        db.session.execute(
            sa.update(model)
            .where(model.routing_rule_id == rule_id)
            .values(routing_rule_id=None)
            .execution_options(synchronize_session=False)
        )
    db.session.delete(rule)
    db.session.flush()
    _renumber(ordered_rules())
    db.session.flush()
    log.info("admin %s deleted routing rule %s: %s", admin.id, rule_id, described)


# --- the "test this rule" box ------------------------------------------------------------------


@dataclass
class RoutePreview:
    """Where a report would go, with the rules that decide it (by id, for links)."""

    category: Category
    district: District | None
    decision: RoutingDecision
    lat: float | None = None
    lon: float | None = None
    rules: dict[int, RoutingRule] = field(default_factory=dict)

    def rule(self, rule_id: int | None) -> RoutingRule | None:
        return self.rules.get(rule_id) if rule_id is not None else None


def preview_route(
    category_id: int | None,
    lat: str = "",
    lon: str = "",
    district_id: int | None = None,
    answers: Mapping[str, Any] | None = None,
) -> RoutePreview:
    """Where a report of this category, at this point (or in this district), with these
    answers would go under the current rules. Nothing is written."""
    errors: dict[str, str | LazyString] = {}
    category = db.session.get(Category, category_id) if category_id else None
    if category is None:
        errors["category"] = _l("Please choose a category.")
    point, district = _place_of(errors, (lat or "").strip(), (lon or "").strip(), district_id)
    attributes: dict[str, Any] = {}
    if category is not None:
        given = {code: value for code, value in (answers or {}).items() if value not in ("", [])}
        attributes, problems = check_attributes(category, given)
        errors.update({k: v for k, v in problems.items() if k.split(".", 1)[1] in given})
    if errors:
        raise Refusal(errors)
    assert category is not None
    if point is not None:
        area = district_index().district_at(*point)
        district = db.session.get(District, area.key) if area is not None else None
    decision = route(
        category,
        district.number if district else None,
        district.name if district else None,
        attributes,
    )
    ids = [a.rule_id for a in (decision.assignment, *decision.copies) if a is not None]
    rules = (
        {
            r.id: r
            for r in db.session.execute(
                sa.select(RoutingRule).where(RoutingRule.id.in_(ids))
            ).scalars()
        }
        if ids
        else {}
    )
    return RoutePreview(
        category=category,
        district=district,
        decision=decision,
        lat=point[0] if point else None,
        lon=point[1] if point else None,
        rules=rules,
    )


def _place_of(
    errors: dict[str, str | LazyString], lat: str, lon: str, district_id: int | None
) -> tuple[tuple[float, float] | None, District | None]:
    """The point (in the city) or the district a preview is asked for; problems into
    ``errors``."""
    if bool(lat) != bool(lon):
        errors["location"] = _l("Please give both latitude and longitude.")
    elif lat:
        try:
            point = (float(lat.replace(",", ".")), float(lon.replace(",", ".")))
        except ValueError:
            errors["location"] = coordinates_not_numbers()
            return None, None
        if not is_valid_coordinate(*point):
            errors["location"] = _l(
                "These coordinates do not exist (latitude −90…90, longitude −180…180)."
            )
            return None, None
        if not district_index().in_city(*point):
            errors["location"] = _l(
                "This point is outside the city: reports from there are not accepted."
            )
        return point, None
    elif district_id:
        district = db.session.get(District, district_id)
        if district is None:
            errors["district"] = _l("This district does not exist.")
        return None, district
    else:
        errors["location"] = _l(
            "Please give a point (latitude and longitude) or choose a district."
        )
    return None, None
