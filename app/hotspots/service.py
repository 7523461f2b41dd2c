"""Finding hotspots: reports of one category group counted per h3 cell over the last weeks.

The cell of a report is computed from its **public** point (``Report.public_lat/public_lon``:
for sensitive categories the centre of its 250 m grid cell), for the public layer and the inbox
alike, so both count the same reports in the same cells and no cell depends on an exact point
that the public view hides.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import h3
import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.catalogue.models import Category, CategoryGroup
from app.cities.settings import city
from app.core.db import utcnow
from app.core.enums import ReportStatus
from app.extensions import db
from app.hotspots.config import HotspotRule, rule_for
from app.reports.models import Report, ReportCopy

# Reports that do not stand for a problem of their own: a duplicate is counted through its
# original, a rejected report was no problem.
NOT_COUNTED = (ReportStatus.DUPLICATE, ReportStatus.REJECTED)
BATCH = 2000
WEEK = timedelta(weeks=1)


@dataclass(frozen=True)
class HotspotGroup:
    """A category group with its hotspot rule."""

    code: str
    names: dict[str, str]
    rule: HotspotRule

    def name(self, lang: str) -> str:
        return self.names.get(lang) or self.names.get("de") or self.code


@dataclass(frozen=True)
class Hotspot:
    """One cell with at least ``rule.min_reports`` reports in the window."""

    cell: str
    group_code: str
    resolution: int
    reports: int
    first: datetime  # the oldest report in the window
    last: datetime  # the newest
    window_start: datetime  # reports created after this …
    window_end: datetime  # … and not after this count
    weekly: tuple[int, ...]  # reports per week of the window, oldest week first
    report_ids: tuple[int, ...]  # newest first

    @property
    def week_starts(self) -> tuple[datetime, ...]:
        return tuple(self.window_start + i * WEEK for i in range(len(self.weekly)))

    @property
    def trend(self) -> tuple[tuple[datetime, int], ...]:
        """(start of the week, reports in it), oldest week first."""
        return tuple(zip(self.week_starts, self.weekly, strict=True))

    def boundary(self) -> list[list[float]]:
        """The hexagon as a closed GeoJSON ring ([lon, lat], 6 decimals)."""
        ring = [[round(lon, 6), round(lat, 6)] for lat, lon in h3.cell_to_boundary(self.cell)]
        return [*ring, ring[0]]


def hotspot_groups() -> list[HotspotGroup]:
    """Every category group with its rule, in the groups' order."""
    config = city().raw.get("hotspots")
    groups = db.session.execute(
        sa.select(CategoryGroup)
        .order_by(CategoryGroup.position, CategoryGroup.id)
        .options(selectinload(CategoryGroup.categories))
    ).scalars()
    return [
        HotspotGroup(
            code=group.code,
            names=dict(group.names or {}),
            rule=rule_for(
                group.code,
                is_sensitive=any(c.is_sensitive for c in group.categories),
                config=config,
            ),
        )
        for group in groups
    ]


def cell_of(public_lat: float, public_lon: float, resolution: int) -> str:
    """The h3 cell of a public point."""
    return h3.latlng_to_cell(public_lat, public_lon, resolution)


def _rows(
    rule: HotspotRule, since: datetime, until: datetime, department_ids: Collection[int] | None
) -> Iterator[Any]:
    query = (
        sa.select(Report.id, Report.public_lat, Report.public_lon, Report.created_at)
        .join(Category, Report.category_id == Category.id)
        .join(CategoryGroup, Category.group_id == CategoryGroup.id)
        .where(
            CategoryGroup.code == rule.group_code,
            Report.created_at > since,
            Report.created_at <= until,
            Report.status.not_in(NOT_COUNTED),
        )
    )
    if department_ids is not None:
        mine = sorted(department_ids)
        query = query.where(
            sa.or_(
                Report.department_id.in_(mine),
                Report.id.in_(
                    sa.select(ReportCopy.report_id).where(ReportCopy.department_id.in_(mine))
                ),
            )
        )
    yield from db.session.execute(query.execution_options(yield_per=BATCH))


def find_hotspots(
    rule: HotspotRule,
    *,
    now: datetime | None = None,
    department_ids: Collection[int] | None = None,
) -> list[Hotspot]:
    """The hotspots of one group, most reports first.

    A hotspot is a cell (h3, ``rule.resolution``) with at least ``rule.min_reports`` reports of
    the group created within the last ``rule.weeks`` weeks before ``now`` (later than exactly
    ``weeks`` weeks ago, not later than ``now``); duplicates and rejected reports do not count.
    ``department_ids`` limits the reports to those of these departments and the ones they were
    sent a copy of (a caseworker's view); ``None`` counts every report.
    """
    until = now or utcnow()
    since = until - rule.weeks * WEEK
    cells: dict[str, list[tuple[datetime, int]]] = {}
    for row in _rows(rule, since, until, department_ids):
        cell = cell_of(row.public_lat, row.public_lon, rule.resolution)
        cells.setdefault(cell, []).append((row.created_at, row.id))
    found = []
    for cell, entries in cells.items():
        if len(entries) < rule.min_reports:
            continue
        entries.sort(reverse=True)
        weekly = [0] * rule.weeks
        for created, _report_id in entries:
            # week i holds the reports of (since + i weeks, since + i + 1 weeks]
            week = -((since - created) // WEEK) - 1
            weekly[min(max(week, 0), rule.weeks - 1)] += 1
        found.append(
            Hotspot(
                cell=cell,
                group_code=rule.group_code,
                resolution=rule.resolution,
                reports=len(entries),
                first=entries[-1][0],
                last=entries[0][0],
                window_start=since,
                window_end=until,
                weekly=tuple(weekly),
                report_ids=tuple(report_id for _created, report_id in entries),
            )
        )
    found.sort(key=lambda h: (-h.reports, -h.last.timestamp(), h.cell))
    return found
