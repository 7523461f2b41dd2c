"""A report's category, group, department and district from this process's caches, by id.

Pages that read reports (the public status and confirmation pages, Open311 GET, the inbox)
used to load a report's category, its group, its department and its district from the
database on every request. They are configuration, and the process keeps them already: the
catalogue snapshot (``app.catalogue.snapshot``: categories with their groups, departments and
the active routing rules) and the district index (``app.geo.service``: every district's
number and name beside its polygon). Both are dropped when the city version changes, which
every request compares first (``app.cities.settings.refresh_if_changed``).

:func:`lookups` indexes the snapshot by id. :func:`give_cached_relations` sets a report's
``category``, ``department``, ``district`` and its copies' ``department`` to rows made from
those caches without a query (for templates that read the ORM relations).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import orm
from sqlalchemy.orm.attributes import set_committed_value

from app.catalogue.models import Category
from app.catalogue.snapshot import CategorySnapshot, DepartmentSnapshot, attach, catalogue
from app.cities.cache import cached
from app.core.db import adopt
from app.extensions import db
from app.geo.index import DistrictArea
from app.geo.models import District
from app.reports.models import Report
from app.routing.models import Department
from app.routing.resolve import RuleSpec


@dataclass(frozen=True)
class Lookups:
    """The catalogue snapshot by id (categories and departments, active or not; the active
    rules of active departments) and the districts of the district index."""

    categories: Mapping[int, CategorySnapshot]
    departments: Mapping[int, DepartmentSnapshot]
    rules: Mapping[int, RuleSpec]

    def category(self, category_id: int) -> CategorySnapshot | None:
        return self.categories.get(category_id)

    def department(self, department_id: int | None) -> DepartmentSnapshot | None:
        return None if department_id is None else self.departments.get(department_id)

    @staticmethod
    def district(district_id: int | None) -> DistrictArea | None:
        from app.geo.service import district_index

        return None if district_id is None else district_index().get(district_id)


def _index() -> Lookups:
    snapshot = catalogue()
    return Lookups(
        categories=MappingProxyType({c.id: c for c in snapshot.categories.values()}),
        departments=MappingProxyType({d.id: d for d in snapshot.departments.values()}),
        rules=MappingProxyType({rule.id: rule for rule in snapshot.rules}),
    )


def lookups() -> Lookups:
    """This process's lookups (made again when the city version changed)."""
    return cached("catalogue_by_id", _index)


def _district_row(area: DistrictArea) -> District:
    """The district as a row of the current session, without a query: number and name from
    the index; the polygon and the area load when read."""
    session = db.session()
    existing = session.identity_map.get(session.identity_key(District, area.key))
    if existing is not None:
        return existing
    row = District(id=area.key, number=area.number, name=area.name)
    adopt(session, row)
    return row


def _unloaded(obj: object, key: str) -> bool:
    return key in orm.attributes.instance_state(obj).unloaded


def give_cached_relations(reports: Iterable[Report]) -> None:
    """Set each report's ``category``, ``department`` and ``district`` (and the ``department``
    of copies already loaded) from the caches, where they are not loaded yet; what the caches
    lack (a row made after the snapshot) is left to load as before. Each row is made (or found
    in the session) once per call, however many reports share it."""
    from app.geo.service import district_index

    found = lookups()
    districts: Any = None  # the district index, fetched when first needed
    rows: dict[tuple[type, Any], object] = {}

    def row_of(model: type, snapshot: CategorySnapshot | DepartmentSnapshot) -> object:
        key = (model, snapshot.id)
        row = rows.get(key)
        if row is None:
            row = rows[key] = attach(model, snapshot)
        return row

    def district_row(area: DistrictArea) -> object:
        key = (District, area.key)
        row = rows.get(key)
        if row is None:
            row = rows[key] = _district_row(area)
        return row

    for report in reports:
        unloaded = orm.attributes.instance_state(report).unloaded
        if "category" in unloaded:
            category = found.category(report.category_id)
            if category is not None:
                set_committed_value(report, "category", row_of(Category, category))
        if "department" in unloaded:
            department = found.department(report.department_id)
            if department is not None or report.department_id is None:
                row = row_of(Department, department) if department is not None else None
                set_committed_value(report, "department", row)
        if "district" in unloaded:
            district_id = report.district_id
            if district_id is not None and districts is None:
                districts = district_index()
            area = None if district_id is None else districts.get(district_id)
            if area is not None or district_id is None:
                set_committed_value(
                    report, "district", district_row(area) if area is not None else None
                )
        if "copies" not in unloaded:
            for copy in report.copies:
                if _unloaded(copy, "department"):
                    copied = found.department(copy.department_id)
                    if copied is not None:
                        set_committed_value(copy, "department", row_of(Department, copied))
