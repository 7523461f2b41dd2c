"""Per-process caches of the city configuration, kept in step with the database.

What every report reads (the catalogue, the routing rules, the departments, the API keys) is
kept per process as plain immutable snapshots, valid while the city version
(``city_state.version``) stays the same:

- Every transaction that changes a configuration row (a category, question, group, routing
  rule, department, district; an API key revoked or deleted) raises the city version in the same
  transaction, once. A session hook sees the change (ORM objects flushed, and ORM ``update`` /
  ``delete`` statements), so every admin screen, CLI command and the city seed are covered.
- Other processes compare the version at their next request (``refresh_if_changed``, the one
  small primary-key read each request makes already) and drop their caches (``city_changed``).
- The process that commits the change drops its own caches right after the commit; while its
  transaction is open it reads the configuration fresh and caches nothing.
- Cached values carry the generation they were loaded in (read before loading); every drop
  raises the generation, so a value loaded from data older than a drop is never used after it.

Raw SQL that bypasses the ORM is not seen: follow it with ``bump_city_version()``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context
from sqlalchemy import orm

from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.cities.models import CityState
from app.core.signals import city_changed
from app.geo.models import CityBoundary, District
from app.open311.models import ApiKey
from app.routing.models import Department, RoutingRule

T = TypeVar("T")

# Rows whose insert, change or removal changes what the caches hold.
CONFIGURATION: tuple[type, ...] = (
    Category,
    CategoryAttribute,
    CategoryGroup,
    RoutingRule,
    Department,
    District,
    CityBoundary,
)
# Rows cached only while they exist unchanged: a new one needs no drop (a new API key).
CACHED_WHILE_UNCHANGED: tuple[type, ...] = (ApiKey,)

_EXT = "qm_config_cache"
_CHANGED = "qm_config_changed"  # session.info: this transaction changed configuration
_RAISED = "qm_config_version_raised"  # session.info: … and raised the city version already
_lock = threading.Lock()


@dataclass
class _Store:
    generation: int = 0
    entries: dict[str, tuple[int, Any]] = field(default_factory=dict)


def _store(app: Flask | None = None) -> _Store:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug proxy
    store = app.extensions.get(_EXT)
    if store is None:
        with _lock:
            store = app.extensions.setdefault(_EXT, _Store())
    return store


def generation() -> int:
    """The current generation of this process's caches (read it before loading a value)."""
    return _store().generation


def changing_configuration() -> bool:
    """Whether this request's transaction has changed configuration (then read it fresh)."""
    from app.extensions import db

    return bool(db.session().info.get(_CHANGED))


def cached(name: str, load: Callable[[], T]) -> T:
    """The value cached under ``name``, loaded by ``load()`` when there is none of the current
    generation (or fresh, uncached, while this transaction changes the configuration)."""
    if changing_configuration():
        return load()
    store = _store()
    current = store.generation
    entry = store.entries.get(name)
    if entry is not None and entry[0] == current:
        return entry[1]
    value = load()
    store.entries[name] = (current, value)
    return value


def forget_configuration(app: Flask | None = None) -> None:
    """Drop every cached value of this process (of ``app``)."""
    store = _store(app)
    with _lock:
        store.generation += 1
        store.entries = {}


@city_changed.connect
def _forget_on_city_change(app: Flask, **_: object) -> None:
    forget_configuration(app)


# --- raising the version ----------------------------------------------------------------------


def bump_city_version(session: orm.Session | None = None) -> None:
    """Raise the city version in ``session``'s transaction (once per transaction), so every
    process drops its caches after the commit."""
    if session is None:
        from app.extensions import db

        session = db.session()
    session.info[_CHANGED] = True
    if session.info.get(_RAISED):
        return
    if any(isinstance(obj, CityState) for obj in (*session.new, *session.dirty)):
        session.info[_RAISED] = True  # the seed raises it itself
        return
    session.connection().execute(
        sa.update(CityState.__table__)  # type: ignore[arg-type]  # a mapped class's Table
        .where(CityState.__table__.c.id == 1)
        .values(version=CityState.__table__.c.version + 1)
    )
    session.info[_RAISED] = True


def _changes_configuration(session: orm.Session) -> bool:
    for obj in (*session.new, *session.deleted):
        if isinstance(obj, CONFIGURATION) or (
            isinstance(obj, CACHED_WHILE_UNCHANGED) and obj in session.deleted
        ):
            return True
    return any(
        isinstance(obj, (*CONFIGURATION, *CACHED_WHILE_UNCHANGED)) and session.is_modified(obj)
        for obj in session.dirty
    )


def _before_flush(session: orm.Session, _context: Any, _instances: Any) -> None:
    if _changes_configuration(session):
        bump_city_version(session)


def _orm_statement(state: orm.ORMExecuteState) -> None:
    """ORM ``update(Category)…`` / ``delete(…)`` statements change configuration as well."""
    if not (state.is_update or state.is_delete):
        return
    watched = (*CONFIGURATION, *CACHED_WHILE_UNCHANGED)
    if any(issubclass(mapper.class_, watched) for mapper in state.all_mappers):
        bump_city_version(state.session)


def _after_commit(session: orm.Session) -> None:
    session.info.pop(_RAISED, None)
    if session.info.pop(_CHANGED, None) and has_app_context():
        forget_configuration()


def _after_rollback(session: orm.Session) -> None:
    session.info.pop(_RAISED, None)
    if session.info.pop(_CHANGED, None) and has_app_context():
        forget_configuration()  # what was read inside the transaction may have been cached


_HOOKS = (
    ("before_flush", _before_flush),
    ("do_orm_execute", _orm_statement),
    ("after_commit", _after_commit),
    ("after_rollback", _after_rollback),
)


def install_configuration_hooks() -> None:
    """Register the session hooks once per process (called by the app factory)."""
    for name, hook in _HOOKS:
        if not sa.event.contains(orm.Session, name, hook):
            sa.event.listen(orm.Session, name, hook)
