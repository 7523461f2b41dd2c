"""Where the public sees a report: the exact point for ordinary categories; for sensitive
(unsafe-place) categories the centre of the report's 250 m grid cell, computed once and
stored in ``report.public_lat``/``public_lon``, kept current by a flush hook when the point or
the category changes, and when a category's sensitivity changes."""

from __future__ import annotations

from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy import orm

from app.catalogue.models import Category
from app.geo.index import coarse_point
from app.reports.models import Report

# The public grid of sensitive reports (metres). Changing it needs a migration that recomputes
# every stored public point.
COARSE_CELL_M = 250


def public_point_of(lat: float, lon: float, *, sensitive: bool) -> tuple[float, float]:
    """The public point of a report at (lat, lon): exact, or its cell centre if sensitive."""
    if sensitive:
        return coarse_point(lat, lon, COARSE_CELL_M)
    return lat, lon


# --- keeping the stored public point current --------------------------------------------------


def _changed(obj: Any, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _refresh_public_points(session: orm.Session, _context: Any, _instances: Any) -> None:
    """Before every flush: new reports, and reports whose point or category changed, get their
    public point; a category whose sensitivity changed takes all its reports along."""
    with session.no_autoflush:
        for obj in list(session.new) + list(session.dirty):
            if isinstance(obj, Report):
                is_new = obj in session.new
                if not is_new and not _changed(obj, "lat", "lon", "category", "category_id"):
                    continue
                category = _category_of(session, obj)
                if category is None or obj.lat is None or obj.lon is None:
                    continue
                obj.public_lat, obj.public_lon = public_point_of(
                    obj.lat, obj.lon, sensitive=bool(category.is_sensitive)
                )
            elif (
                isinstance(obj, Category)
                and obj.id is not None
                and obj not in session.new
                and _changed(obj, "is_sensitive")
            ):
                _recompute_category(session, obj.id, bool(obj.is_sensitive))


def _category_of(session: orm.Session, report: Report) -> Category | None:
    """The category the report will have after this flush (relationship or foreign key)."""
    state = sa.inspect(report)
    if state.attrs["category"].history.has_changes() or report.category_id is None:
        return report.category
    if state.attrs["category_id"].history.has_changes():
        return session.get(Category, report.category_id)
    return report.category or session.get(Category, report.category_id)


def _recompute_category(session: orm.Session, category_id: int, sensitive: bool) -> None:
    table = cast(sa.Table, Report.__table__)  # a mapped class's table, typed as any FromClause
    if not sensitive:
        session.execute(
            table.update()
            .where(table.c.category_id == category_id)
            .values(public_lat=table.c.lat, public_lon=table.c.lon)
        )
        return
    rows = session.execute(
        sa.select(table.c.id, table.c.lat, table.c.lon).where(table.c.category_id == category_id)
    ).all()
    updates = []
    for row in rows:
        lat, lon = public_point_of(row.lat, row.lon, sensitive=True)
        updates.append({"row_id": row.id, "cell_lat": lat, "cell_lon": lon})
    if updates:
        session.execute(
            table.update()
            .where(table.c.id == sa.bindparam("row_id"))
            .values(public_lat=sa.bindparam("cell_lat"), public_lon=sa.bindparam("cell_lon")),
            updates,
            execution_options={"synchronize_session": False},
        )


def install_public_point_hook() -> None:
    """Register the flush hook once per process (called by the app factory)."""
    if not sa.event.contains(orm.Session, "before_flush", _refresh_public_points):
        sa.event.listen(orm.Session, "before_flush", _refresh_public_points)
