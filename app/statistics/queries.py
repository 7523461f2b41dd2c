"""Reading the rollup: the figures of a period and of the same period a year before, per
district and category group, in a few queries of a few thousand rows however many reports
there are."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.extensions import db
from app.geo.models import District
from app.routing.models import Department
from app.routing.names import pick_department_name
from app.statistics.counts import CELL_COLUMNS, CellColumns
from app.statistics.facts import LIST_TYPES
from app.statistics.models import NO_DISTRICT, StatCell, StatCellDetail
from app.statistics.months import add_months
from app.statistics.periods import Period

CUR, PREV = "cur", "prev"
DEPARTMENT_MEASURES = ("reached", "passed_on", "returned", "ticket")


def median_of(histogram: Counter[int]) -> float | None:
    """The median of the values counted in ``histogram`` (the mean of the two middle values
    when their number is even, like PostgreSQL's percentile_cont(0.5))."""
    total = sum(histogram.values())
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # 0-based positions of the middle value(s)
    found: list[int] = []
    seen = 0
    for value in sorted(histogram):
        count = histogram[value]
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return sum(found) / len(found)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass
class Figures(CellColumns):
    """Additive counts of some cells over some months, and what follows from them."""

    not_yet_due: int = 0  # open reports with a target whose due date is today or later
    backlog: int = 0
    days: Counter[int] = field(default_factory=Counter)
    departments: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    answers: Counter[str] = field(default_factory=Counter)
    lighting: Counter[str] = field(default_factory=Counter)

    def add(self, other: Figures) -> None:
        self.add_columns(other.columns().values())
        self.not_yet_due += other.not_yet_due
        self.backlog += other.backlog
        self.days.update(other.days)
        for department_id, counts in other.departments.items():
            self.departments[department_id].update(counts)
        self.answers.update(other.answers)
        self.lighting.update(other.lighting)

    def add_detail(self, measure: str, key: str, n: int) -> None:
        if measure == "days":
            self.days[int(key)] += n
        elif measure == "open_due":  # only those due today or later are read
            self.not_yet_due += n
        elif measure in DEPARTMENT_MEASURES:
            self.departments[key][measure] += n
        elif measure == "answer":
            self.answers[key] += n
        elif measure == "lighting":
            self.lighting[key] += n

    @property
    def decided(self) -> int:
        """Reports with a target whose outcome is known: closed, or open and past due."""
        return self.target_closed + self.open_with_target - self.not_yet_due

    @property
    def in_time_share(self) -> float | None:
        return share(self.resolved_in_time, self.decided)

    @property
    def median_days(self) -> float | None:
        return median_of(self.days)

    @property
    def lighting_checks(self) -> int:
        return sum(self.lighting.values())


@dataclass(frozen=True)
class GroupInfo:
    id: int
    code: str
    names: dict[str, str]
    category_ids: frozenset[int]
    is_sensitive: bool


@dataclass(frozen=True)
class DistrictInfo:
    id: int
    number: str
    name: str


@dataclass
class Statistics:
    """The figures of ``period`` (``CUR``) and the same period a year before (``PREV``) per
    district key and group code, plus the received reports per month for the trend."""

    period: Period
    previous: Period
    groups: list[GroupInfo]
    districts: list[DistrictInfo]
    departments: dict[str, str]  # code → name (German)
    cells: dict[tuple[str, int, str], Figures]
    monthly: dict[tuple[int, int, str], int]
    attribute_labels: dict[str, Any]
    # code → the name in other languages (``department_name_in`` picks one, German else).
    department_names: dict[str, dict[str, str]] = field(default_factory=dict)

    def department_name_in(self, code: str, lang: str) -> str:
        return pick_department_name(self.departments[code], self.department_names.get(code), lang)

    def total(
        self,
        bucket: str,
        *,
        district_id: int | None = None,
        group: str | None = None,
        sensitive: bool | None = None,
    ) -> Figures:
        result = Figures()
        sensitive_groups = {g.code for g in self.groups if g.is_sensitive}
        for (b, district_key, group_code), figures in self.cells.items():
            if b != bucket:
                continue
            if district_id is not None and district_key != district_id:
                continue
            if group is not None and group_code != group:
                continue
            if sensitive is not None and (group_code in sensitive_groups) != sensitive:
                continue
            result.add(figures)
        return result

    def totals(
        self,
        *,
        district_id: int | None = None,
        group: str | None = None,
        sensitive: bool | None = None,
    ) -> tuple[Figures, Figures]:
        """The figures of the period and of the year before, for the same cells."""
        return (
            self.total(CUR, district_id=district_id, group=group, sensitive=sensitive),
            self.total(PREV, district_id=district_id, group=group, sensitive=sensitive),
        )

    def received_per_month(
        self, months: list[int], *, district_id: int | None = None, group: str | None = None
    ) -> list[int]:
        totals: Counter[int] = Counter()
        for (month, district_key, group_code), n in self.monthly.items():
            if district_id is not None and district_key != district_id:
                continue
            if group is not None and group_code != group:
                continue
            totals[month] += n
        return [totals[month] for month in months]

    @property
    def sensitive_groups(self) -> list[GroupInfo]:
        return [g for g in self.groups if g.is_sensitive]

    @property
    def has_outside(self) -> bool:
        return any(key == NO_DISTRICT and f.received for (_, key, _), f in self.cells.items())


def city_groups() -> list[GroupInfo]:
    groups: dict[str, dict[str, Any]] = {}
    rows = db.session.execute(
        sa.select(
            CategoryGroup.id,
            CategoryGroup.code,
            CategoryGroup.names,
            Category.id,
            Category.is_sensitive,
        )
        .join(Category, Category.group_id == CategoryGroup.id)
        .order_by(CategoryGroup.position, CategoryGroup.id)
    )
    for group_id, code, names, category_id, sensitive in rows:
        entry = groups.setdefault(
            code, {"id": group_id, "names": names, "ids": set(), "sensitive": False}
        )
        entry["ids"].add(category_id)
        entry["sensitive"] = entry["sensitive"] or bool(sensitive)
    return [
        GroupInfo(e["id"], code, e["names"], frozenset(e["ids"]), e["sensitive"])
        for code, e in groups.items()
    ]


def city_districts() -> list[DistrictInfo]:
    rows = db.session.execute(
        sa.select(District.id, District.number, District.name).order_by(District.number)
    )
    return [DistrictInfo(*row) for row in rows]


def first_year() -> int | None:
    month = db.session.execute(sa.select(sa.func.min(StatCell.month))).scalar()
    return month // 100 if month else None


def _attribute_labels(groups: list[GroupInfo]) -> dict[str, Any]:
    """Question and answer names of the sensitive categories' list questions."""
    ids = [i for g in groups if g.is_sensitive for i in g.category_ids]
    questions: dict[str, Any] = {}
    if not ids:
        return questions
    for attribute in db.session.execute(
        sa.select(CategoryAttribute)
        .where(CategoryAttribute.category_id.in_(ids), CategoryAttribute.datatype.in_(LIST_TYPES))
        .order_by(CategoryAttribute.position, CategoryAttribute.id)
    ).scalars():
        entry = questions.setdefault(attribute.code, {"labels": attribute.labels, "values": {}})
        for value in attribute.values:
            entry["values"].setdefault(value["key"], value.get("names") or {})
    return questions


def load_statistics(period: Period, today: date) -> Statistics:
    """Everything the city and district pages show for ``period``, from the rollup: the sums
    per month (or period), district and category group come from SQL, a few thousand rows."""
    previous = period.year_before()
    groups = city_groups()
    code_of = {g.id: g.code for g in groups}
    cells: dict[tuple[str, int, str], Figures] = defaultdict(Figures)
    monthly: dict[tuple[int, int, str], int] = Counter()
    c, d = StatCell.__table__.c, StatCellDetail.__table__.c
    category = Category.__table__.c

    # 1. The cells of the trend's 24 months (which include both periods).
    trend_first = add_months(period.last, -23)
    rows = db.session.execute(
        sa.select(
            c.month,
            c.district_id,
            category.group_id,
            *(sa.func.sum(c[name]) for name in CELL_COLUMNS),
        )
        .join(Category.__table__, category.id == c.category_id)
        .where(c.month.between(trend_first, period.last))
        .group_by(c.month, c.district_id, category.group_id)
    )
    for month, district_key, group_id, *values in rows:
        group = code_of[group_id]
        monthly[month, district_key, group] += int(values[0])
        if period.first <= month <= period.last:
            bucket = CUR
        elif previous.first <= month <= previous.last:
            bucket = PREV
        else:
            continue
        cells[bucket, district_key, group].add_columns(int(value) for value in values)

    # 2. Keyed counts of each period (one query each: a simple range groups fastest).
    for bucket, span in ((CUR, period), (PREV, previous)):
        in_span = d.month.between(span.first, span.last)
        rows = db.session.execute(
            sa.select(d.district_id, category.group_id, d.measure, d.key, sa.func.sum(d.n))
            .join(Category.__table__, category.id == d.category_id)
            .where(in_span, d.measure.in_(("days", *DEPARTMENT_MEASURES, "answer", "lighting")))
            .group_by(d.district_id, category.group_id, d.measure, d.key)
        )
        for district_key, group_id, measure, key, n in rows:
            cells[bucket, district_key, code_of[group_id]].add_detail(measure, key, int(n))
        # Open reports not yet due: their outcome is not known, "in time" leaves them out.
        rows = db.session.execute(
            sa.select(d.district_id, category.group_id, sa.func.sum(d.n))
            .join(Category.__table__, category.id == d.category_id)
            .where(d.measure == "open_due", d.key >= today.isoformat(), in_span)
            .group_by(d.district_id, category.group_id)
        )
        for district_key, group_id, n in rows:
            cells[bucket, district_key, code_of[group_id]].not_yet_due += int(n)

    # 3. and 4. The backlog at each period's end: received up to then, less closed up to then.
    last, prev_last = period.last, previous.last
    rows = db.session.execute(
        sa.select(
            c.district_id,
            category.group_id,
            sa.func.sum(c.received),
            sa.func.sum(sa.case((c.month <= prev_last, c.received), else_=0)),
        )
        .join(Category.__table__, category.id == c.category_id)
        .where(c.month <= last)
        .group_by(c.district_id, category.group_id)
    )
    for district_key, group_id, received, received_prev in rows:
        group = code_of[group_id]
        cells[CUR, district_key, group].backlog += int(received or 0)
        cells[PREV, district_key, group].backlog += int(received_prev or 0)
    rows = db.session.execute(
        sa.select(
            d.district_id,
            category.group_id,
            sa.func.sum(sa.case((d.key <= str(last), d.n), else_=0)),
            sa.func.sum(
                sa.case((sa.and_(d.month <= prev_last, d.key <= str(prev_last)), d.n), else_=0)
            ),
        )
        .join(Category.__table__, category.id == d.category_id)
        .where(d.measure == "closed", d.month <= last)
        .group_by(d.district_id, category.group_id)
    )
    for district_key, group_id, closed, closed_prev in rows:
        group = code_of[group_id]
        cells[CUR, district_key, group].backlog -= int(closed or 0)
        cells[PREV, district_key, group].backlog -= int(closed_prev or 0)

    department_rows = db.session.execute(
        sa.select(Department.code, Department.name, Department.names)
    ).all()
    departments = {code: name for code, name, _names in department_rows}
    return Statistics(
        period=period,
        previous=previous,
        groups=groups,
        districts=city_districts(),
        departments=departments,
        cells=dict(cells),
        monthly=dict(monthly),
        attribute_labels=_attribute_labels(groups),
        department_names={code: names or {} for code, _name, names in department_rows},
    )


@dataclass(frozen=True)
class CubeRow:
    month: int
    district_id: int
    group: str
    figures: Figures


def load_cube(
    first: int,
    last: int,
    today: date,
    *,
    district_id: int | None = None,
    group: GroupInfo | None = None,
) -> list[CubeRow]:
    """Month × district × group: every figure per month (the backlog at each month's end),
    for the CSV download."""
    groups = city_groups()
    group_of = {i: g.code for g in groups for i in g.category_ids}
    c, d = StatCell.__table__.c, StatCellDetail.__table__.c
    cell_filter: list[Any] = []
    detail_filter: list[Any] = []
    if district_id is not None:
        cell_filter.append(c.district_id == district_id)
        detail_filter.append(d.district_id == district_id)
    if group is not None:
        cell_filter.append(c.category_id.in_(group.category_ids))
        detail_filter.append(d.category_id.in_(group.category_ids))
    figures: dict[tuple[int, int, str], Figures] = defaultdict(Figures)
    received_before: Counter[tuple[int, str]] = Counter()  # received before ``first``
    received_in: dict[tuple[int, int, str], int] = Counter()
    for row in db.session.execute(
        sa.select(c.month, c.district_id, c.category_id, *(c[n] for n in CELL_COLUMNS)).where(
            c.month <= last, *cell_filter
        )
    ):
        group_code = group_of.get(row.category_id)
        if group_code is None:
            continue
        if row.month < first:
            received_before[row.district_id, group_code] += row.received
            continue
        received_in[row.month, row.district_id, group_code] += row.received
        figures[row.month, row.district_id, group_code].add_columns(
            getattr(row, name) for name in CELL_COLUMNS
        )
    closed_by: dict[tuple[int, str], Counter[int]] = defaultdict(Counter)  # closing month
    for month, district_key, category_id, measure, key, n in db.session.execute(
        sa.select(d.month, d.district_id, d.category_id, d.measure, d.key, d.n).where(
            d.month <= last,
            sa.or_(d.month >= first, d.measure == "closed"),
            sa.or_(d.measure != "open_due", d.key >= today.isoformat()),
            *detail_filter,
        )
    ):
        group_code = group_of.get(category_id)
        if group_code is None:
            continue
        if measure == "closed":
            closed_by[district_key, group_code][int(key)] += n
        elif month >= first:
            figures[month, district_key, group_code].add_detail(measure, key, n)
    # Backlog at each month's end, running through the months in order.
    series: dict[tuple[int, str], int] = Counter(received_before)
    for key, closings in closed_by.items():
        series[key] -= sum(n for month, n in closings.items() if month < first)
    rows = []
    month = first
    keys = sorted({(k[1], k[2]) for k in figures} | set(series))
    while month <= last:
        for key in keys:
            series[key] += received_in.get((month, *key), 0)
            series[key] -= closed_by.get(key, Counter()).get(month, 0)
            cell = figures.get((month, *key))
            if cell is None and not series[key]:
                continue
            cell = cell or Figures()
            cell.backlog = series[key]
            rows.append(CubeRow(month, key[0], key[1], cell))
        month = add_months(month, 1)
    return rows
