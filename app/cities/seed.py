"""Load a city configuration (districts, boundary, groups, categories, departments, rules).

Idempotent: rows are matched by their codes/keys. Existing rows are left as the admins edited
them unless ``update=True``; rows missing from the database are always added.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from app.core.enums import AttributeType, DepartmentKind, ReportStatus, RuleAction
from app.extensions import db
from app.geo.models import CityBoundary, District
from app.reports.models import Category, CategoryAttribute, CategoryGroup, ResponseTemplate
from app.routing.models import Department, RoutingRule

log = logging.getLogger(__name__)


@dataclass
class SeedSummary:
    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, *, added: bool) -> None:
        target = self.added if added else self.updated
        target[kind] = target.get(kind, 0) + 1

    def __str__(self) -> str:
        added = ", ".join(f"{v} {k}" for k, v in self.added.items()) or "nothing"
        updated = ", ".join(f"{v} {k}" for k, v in self.updated.items()) or "nothing"
        return f"added {added}; updated {updated}"


def _upsert(
    model,
    lookup: dict[str, Any],
    values: dict[str, Any],
    kind: str,
    summary: SeedSummary,
    update: bool,
):
    row = db.session.execute(db.select(model).filter_by(**lookup)).scalar_one_or_none()
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
        summary.count(kind, added=True)
    elif update:
        changed = False
        for key, value in values.items():
            if getattr(row, key) != value:
                setattr(row, key, value)
                changed = True
        if changed:
            summary.count(kind, added=False)
    return row


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def load_city(directory: str | Path, *, update: bool = False) -> SeedSummary:
    """Load the city in ``directory`` into the session (flushes; the caller commits)."""
    directory = Path(directory)
    city = _read_json(directory / "city.json")
    summary = SeedSummary()

    number_prop = city.get("district_number_property", "number")
    name_prop = city.get("district_name_property", "name")
    districts: dict[str, District] = {}
    for feature in _read_json(directory / city["districts_file"])["features"]:
        props = feature["properties"]
        number = str(props[number_prop])
        districts[number] = _upsert(
            District,
            {"number": number},
            {
                "name": props[name_prop],
                "geometry": feature["geometry"],
                "area_km2": props.get("area_km2"),
            },
            "districts",
            summary,
            update,
        )
    if city.get("boundary_file"):
        boundary = _read_json(directory / city["boundary_file"])
        geometry = boundary["features"][0]["geometry"] if "features" in boundary else boundary
        _upsert(
            CityBoundary,
            {"name": city["name"]},
            {"geometry": geometry},
            "boundaries",
            summary,
            update,
        )

    groups: dict[str, CategoryGroup] = {}
    for position, group in enumerate(city["category_groups"]):
        groups[group["code"]] = _upsert(
            CategoryGroup,
            {"code": group["code"]},
            {"names": group["names"], "position": position},
            "category groups",
            summary,
            update,
        )
    departments: dict[str, Department] = {}
    for dept in city["departments"]:
        departments[dept["code"]] = _upsert(
            Department,
            {"code": dept["code"]},
            {
                "name": dept["name"],
                "kind": DepartmentKind(dept.get("kind", "internal")),
                "email": dept.get("email"),
                "description": dept.get("description"),
                "forward_method": dept.get("forward_method"),
                "forward_config": dept.get("forward_config", {}),
                "notify_on_new": bool(dept.get("notify_on_new", False)),
                "ack_deadline_hours": dept.get("ack_deadline_hours"),
                "done_status": ReportStatus(dept.get("done_status", "resolved")),
            },
            "departments",
            summary,
            update,
        )
    db.session.flush()

    categories: dict[str, Category] = {}
    for position, cat in enumerate(city["categories"]):
        category = _upsert(
            Category,
            {"code": cat["code"]},
            {
                "group": groups[cat["group"]],
                "names": cat["names"],
                "descriptions": cat.get("descriptions", {}),
                "keywords": cat.get("keywords"),
                "position": position,
                "is_sensitive": bool(cat.get("sensitive", False)),
                "nearby_radius_m": cat.get("nearby_radius_m"),
                "target_working_days": cat.get("target_working_days"),
            },
            "categories",
            summary,
            update,
        )
        categories[cat["code"]] = category
        db.session.flush()
        for attr_position, attr in enumerate(cat.get("attributes", [])):
            _upsert(
                CategoryAttribute,
                {"category_id": category.id, "code": attr["code"]},
                {
                    "datatype": AttributeType(attr["datatype"]),
                    "is_required": bool(attr.get("required", False)),
                    "labels": attr["labels"],
                    "help_texts": attr.get("help", {}),
                    "values": attr.get("values", []),
                    "max_length": attr.get("max_length"),
                    "position": attr_position,
                },
                "category attributes",
                summary,
                update,
            )

    for position, rule in enumerate(city["routing_rules"], start=1):
        attribute = rule.get("attribute") or (None, None)
        _upsert(
            RoutingRule,
            {"key": rule["key"]},
            {
                "position": rule.get("position", position),
                "action": RuleAction(rule.get("action", "route")),
                "category": categories.get(rule["category"]) if rule.get("category") else None,
                "category_group": groups.get(rule["group"]) if rule.get("group") else None,
                "district": districts[str(rule["district"])] if rule.get("district") else None,
                "attribute_code": attribute[0],
                "attribute_value": attribute[1],
                "department": departments[rule["department"]],
                "note": rule.get("note"),
            },
            "routing rules",
            summary,
            update,
        )
    for template in city.get("response_templates", []):
        _upsert(
            ResponseTemplate,
            {"title": template["title"]},
            {
                "status": ReportStatus(template["status"]) if template.get("status") else None,
                "category": categories.get(template["category"])
                if template.get("category")
                else None,
                "texts": template["texts"],
            },
            "response templates",
            summary,
            update,
        )
    db.session.flush()
    log.debug("City %s loaded: %s", city["name"], summary)
    return summary


def is_seeded() -> bool:
    return db.session.execute(sa.select(sa.func.count(District.id))).scalar_one() > 0
