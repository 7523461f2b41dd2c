"""Load a city configuration (districts, boundary, groups, categories, departments, rules).

The directory is checked first (``app.cities.schema``); nothing is written while it has a
problem. One city per installation: loading a city into a database that holds another one is
refused (``CityMismatch``); ``replace_city`` switches while no reports exist.

Idempotent: rows are matched by their codes/keys. Existing rows are left as the admins edited
them unless ``update=True``; rows missing from the database are always added. Every load raises
the city version, which running processes compare per request to drop their caches.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult

from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.cities.check import require_city
from app.cities.models import CityState
from app.core.enums import AttributeType, DepartmentKind, ReportStatus, RuleAction
from app.extensions import db
from app.geo.models import CityBoundary, District
from app.reports.models import ResponseTemplate
from app.routing.models import Department, RoutingRule

log = logging.getLogger(__name__)


class CityMismatch(Exception):
    """The database holds another city; loading this one would mix both."""

    def __init__(self, installed: str, wanted: str, directory: Path) -> None:
        self.installed = installed
        self.wanted = wanted
        super().__init__(
            f"This database holds the city {installed!r}; the configuration in {directory} is "
            f"{wanted!r}. One installation serves one city, so nothing was loaded. To switch "
            f"a database without reports: flask city replace {directory}. To keep {installed}: "
            f"point CITY_DIR to its directory. For a second city: a database of its own "
            f"(DATABASE_URL)."
        )


class ReportsExist(Exception):
    """``replace_city`` refused: the database holds reports of the current city."""

    def __init__(self, installed: str | None, reports: int) -> None:
        self.reports = reports
        super().__init__(
            f"This database holds {reports} report(s) of {installed or 'the current city'}: "
            f"replacing the city would leave them without their categories, districts and "
            f"departments, so nothing was changed. Start the new city on a database of its "
            f"own (DATABASE_URL=… flask db upgrade, then flask seed with CITY_DIR), or — if "
            f"the reports were only tests — delete them first."
        )


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


def installed_city() -> CityState | None:
    return db.session.get(CityState, 1)


def _claim(name: str, directory: Path) -> None:
    """Refuse another city; note this one and raise the version."""
    state = installed_city()
    if state is None:
        if is_seeded():  # seeded before the city was recorded, without a boundary
            boundary = db.session.execute(sa.select(CityBoundary.name)).scalars().first()
            if boundary is not None and boundary != name:
                raise CityMismatch(boundary, name, directory)
        state = CityState(id=1, name=name, version=0)
        db.session.add(state)
    elif state.name is not None and state.name != name:
        raise CityMismatch(state.name, name, directory)
    state.name = name
    state.version = (state.version or 0) + 1


def load_city(directory: str | Path, *, update: bool = False) -> SeedSummary:
    """Load the city in ``directory`` into the session (flushes; the caller commits).

    Raises ``CityConfigError`` (every problem, nothing loaded) or ``CityMismatch``.
    """
    checked = require_city(directory)
    directory = checked.directory
    city = checked.city
    _claim(city["name"], directory)
    summary = SeedSummary()

    districts: dict[str, District] = {}
    for district in checked.districts:
        districts[district["number"]] = _upsert(
            District,
            {"number": district["number"]},
            {
                "name": district["name"],
                "geometry": district["geometry"],
                "area_km2": district["area_km2"],
            },
            "districts",
            summary,
            update,
        )
    if checked.boundary is not None:
        _upsert(
            CityBoundary,
            {"name": city["name"]},
            {"geometry": checked.boundary},
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
                "names": dict(dept.get("names", {})),
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
                "auto_publish_photos": bool(cat.get("auto_publish_photos", False)),
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
                "district": districts[str(rule["district"])]
                if rule.get("district") is not None
                else None,
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


# Tables of the city configuration, children first; the runtime tables that only hold derived
# or per-city counters go too (there are no reports when a city is replaced).
_CITY_TABLES = (
    "stat_report",
    "stat_cell_detail",
    "stat_cell",
    "reference_counter",
    "user_department",
    "response_template",
    "routing_rule",
    "category_attribute",
    "category",
    "category_group",
    "department",
    "district",
    "city_boundary",
)


@dataclass
class ReplaceSummary:
    previous: str | None
    removed: dict[str, int]
    loaded: SeedSummary
    staff_unassigned: int

    def __str__(self) -> str:
        removed = ", ".join(f"{v} {k}" for k, v in self.removed.items() if v) or "nothing"
        text = f"removed {removed}; {self.loaded}"
        if self.staff_unassigned:
            text += (
                f"; {self.staff_unassigned} staff account(s) lost their departments "
                "(assign new ones: flask users create … --department, or /admin/users)"
            )
        return text


def replace_city(directory: str | Path) -> ReplaceSummary:
    """Remove the current city's configuration and load the one in ``directory``.

    Refused with ``ReportsExist`` when reports exist; checked first (``CityConfigError``):
    nothing is removed when the new configuration has a problem. Flushes; the caller commits.
    """
    from app.reports.models import Report

    require_city(directory)
    state = installed_city()
    previous = state.name if state is not None else None
    reports = db.session.execute(sa.select(sa.func.count(Report.id))).scalar_one()
    if reports:
        raise ReportsExist(previous, reports)
    staff = db.session.execute(
        sa.text("SELECT COUNT(DISTINCT user_id) FROM user_department")
    ).scalar_one()
    removed: dict[str, int] = {}
    for table in _CITY_TABLES:
        result = db.session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
        removed[table] = cast("CursorResult[Any]", result).rowcount or 0
    if state is not None:
        state.name = None
    db.session.flush()
    loaded = load_city(directory)
    return ReplaceSummary(previous, removed, loaded, staff)
