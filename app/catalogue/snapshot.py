"""The city's catalogue, routing rules and departments as one immutable snapshot per process.

Every report needs its category with the questions and group, the active routing rules and the
departments they name. Reading them from the database for each report was a third of the
intake's time, so a process keeps them as plain frozen dataclasses (never ORM instances, which
belong to one session) in ``app.cities.cache``: loaded once, dropped when the city version
changes (every change of a category, question, group, rule or department raises it, here or in
another process).

A department's snapshot holds all its columns (``columns``), so columns added later are there
without a change here. ``attach`` turns a snapshot into a row of the current session without a
query, for relationships (a report's department, category).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import orm

from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.cities.cache import cached
from app.core.db import adopt
from app.core.enums import AttributeType
from app.core.locale import pick_language
from app.extensions import db
from app.routing.models import Department
from app.routing.resolve import RuleSpec

M = TypeVar("M")


def _columns(row: Any) -> Mapping[str, Any]:
    """Every column attribute of an ORM row (deep copies: the snapshot shares nothing)."""
    mapper = sa.inspect(type(row))
    return MappingProxyType(
        {attr.key: copy.deepcopy(getattr(row, attr.key)) for attr in mapper.column_attrs}
    )


@dataclass(frozen=True)
class QuestionSnapshot:
    """An extra question of a category (reads like ``CategoryAttribute``)."""

    id: int
    code: str
    datatype: AttributeType
    is_required: bool
    labels: Mapping[str, str]
    help_texts: Mapping[str, str]
    values: tuple[Mapping[str, Any], ...]
    max_length: int | None
    position: int

    def label(self, locale: str = "de") -> str:
        return pick_language(dict(self.labels), locale)

    def help_text(self, locale: str = "de") -> str:
        return pick_language(dict(self.help_texts), locale)

    def value_keys(self) -> list[str]:
        return [v["key"] for v in self.values]

    def value_name(self, key: str, locale: str = "de") -> str:
        for value in self.values:
            if value["key"] == key:
                return pick_language(value.get("names"), locale) or key
        return key


@dataclass(frozen=True)
class GroupSnapshot:
    id: int
    code: str
    names: Mapping[str, str]
    position: int

    def name(self, locale: str = "de") -> str:
        return pick_language(dict(self.names), locale)


@dataclass(frozen=True)
class CategorySnapshot:
    """A category with its group and questions (reads like ``Category``); ``columns`` holds
    every column of the row."""

    id: int
    code: str
    names: Mapping[str, str]
    is_active: bool
    is_sensitive: bool
    target_working_days: int | None
    group: GroupSnapshot
    attributes: tuple[QuestionSnapshot, ...]
    columns: Mapping[str, Any]

    def name(self, locale: str = "de") -> str:
        return pick_language(dict(self.names), locale)


@dataclass(frozen=True)
class DepartmentSnapshot:
    """A department: ``columns`` holds every column of the row (``names`` once it exists)."""

    id: int
    code: str
    name: str
    is_active: bool
    columns: Mapping[str, Any]

    @property
    def names(self) -> Mapping[str, str]:
        return self.columns.get("names") or {}


@dataclass(frozen=True)
class CatalogueSnapshot:
    categories: Mapping[str, CategorySnapshot]  # by code, active or not
    departments: Mapping[str, DepartmentSnapshot]  # by code, active or not
    rules: tuple[RuleSpec, ...]  # the active rules of active departments

    def active_category(self, code: str | None) -> CategorySnapshot | None:
        category = self.categories.get((code or "").strip())
        return category if category is not None and category.is_active else None


def _load() -> CatalogueSnapshot:
    from app.routing.service import load_rules

    groups = {
        g.id: GroupSnapshot(id=g.id, code=g.code, names=dict(g.names or {}), position=g.position)
        for g in db.session.execute(sa.select(CategoryGroup)).scalars()
    }
    categories: dict[str, CategorySnapshot] = {}
    for category in db.session.execute(
        sa.select(Category).options(orm.selectinload(Category.attributes))
    ).scalars():
        categories[category.code] = CategorySnapshot(
            id=category.id,
            code=category.code,
            names=dict(category.names or {}),
            is_active=bool(category.is_active),
            is_sensitive=bool(category.is_sensitive),
            target_working_days=category.target_working_days,
            group=groups[category.group_id],
            attributes=tuple(_question(a) for a in category.attributes),
            columns=_columns(category),
        )
    departments = {
        d.code: DepartmentSnapshot(
            id=d.id, code=d.code, name=d.name, is_active=bool(d.is_active), columns=_columns(d)
        )
        for d in db.session.execute(sa.select(Department)).scalars()
    }
    return CatalogueSnapshot(
        categories=MappingProxyType(categories),
        departments=MappingProxyType(departments),
        rules=tuple(load_rules()),
    )


def _question(attr: CategoryAttribute) -> QuestionSnapshot:
    return QuestionSnapshot(
        id=attr.id,
        code=attr.code,
        datatype=AttributeType(attr.datatype),
        is_required=bool(attr.is_required),
        labels=dict(attr.labels or {}),
        help_texts=dict(attr.help_texts or {}),
        values=tuple(copy.deepcopy(list(attr.values or []))),
        max_length=attr.max_length,
        position=attr.position,
    )


def catalogue() -> CatalogueSnapshot:
    """This process's snapshot of the catalogue, rules and departments (loaded when the city
    version changed since it was taken)."""
    return cached("catalogue", _load)


def attach(model: type[M], snapshot: CategorySnapshot | DepartmentSnapshot) -> M:
    """The row of ``snapshot`` in the current session, made from the snapshot without a query
    (the one already in the session if there is one). Its relationships load when read."""
    session = db.session()
    key = session.identity_key(model, snapshot.id)
    existing = session.identity_map.get(key)
    if existing is not None:
        return existing
    # As a query loads a row: a new instance whose state is filled in directly (no
    # constructor, no attribute events), then taken as what the database holds. A copy of what
    # is mutable (JSON columns), so the session's row never shares it with the snapshot; plain
    # values as they are.
    row = orm.class_mapper(model).class_manager.new_instance()
    row.__dict__.update(
        {
            k: copy.deepcopy(v) if isinstance(v, dict | list) else v
            for k, v in snapshot.columns.items()
        }
    )
    adopt(session, row)
    return row
