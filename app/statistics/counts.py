"""What one report adds to its cell: the counts, the definitions the README explains, and the
form ``stat_report.counts`` keeps them in. Pure functions over plain data: reading the reports
is ``facts.py``, writing the cells ``rollup.py``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.enums import OPEN_STATUSES, ReportStatus
from app.statistics.models import NO_DISTRICT
from app.statistics.months import local_date, month_key

# What the key of a ``stat_cell_detail`` row means, per measure.
MEASURES = {
    "closed": "local month the report was closed, YYYYMM (for the backlog at a month's end)",
    "days": "calendar days from receipt to resolution, of resolved reports",
    "open_due": "local due date, YYYY-MM-DD, of open reports with a target",
    "reached": "code of a department the report was with at some point",
    "passed_on": "code of a department that re-routed the report elsewhere",
    "returned": "code of a department (partner) that returned the ticket as not theirs",
    "ticket": "code of a department the ticket was sent to (forwarding)",
    "answer": "code=value of a list question of a sensitive category",
    "lighting": "outcome of reports with a lighting check: resolved, not_resolvable, "
    "other_closed, open",
}
NOT_COUNTED_FOR_TARGET = frozenset({ReportStatus.DUPLICATE, ReportStatus.REJECTED})


@dataclass(frozen=True, order=True)
class CellKey:
    month: int
    district_id: int
    category_id: int

    def columns(self) -> dict[str, int]:
        """The key as the columns of a rollup row."""
        return {
            "month": self.month,
            "district_id": self.district_id,
            "category_id": self.category_id,
        }


@dataclass
class CellColumns:
    """The additive counts of a cell: the columns of ``stat_cell``."""

    received: int = 0
    with_target: int = 0
    target_closed: int = 0
    open_with_target: int = 0
    resolved_in_time: int = 0
    resolved: int = 0
    closed: int = 0
    supporters: int = 0

    def columns(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in CELL_COLUMNS}

    def add_columns(self, values: Iterable[int], sign: int = 1) -> None:
        """Add ``values``, given in the order of ``CELL_COLUMNS``, times ``sign``."""
        for name, n in zip(CELL_COLUMNS, values, strict=True):
            setattr(self, name, getattr(self, name) + sign * n)


CELL_COLUMNS = tuple(column.name for column in fields(CellColumns))


@dataclass
class CellCounts(CellColumns):
    details: Counter[tuple[str, str]] = field(default_factory=Counter)


@dataclass
class Trail:
    """What the event log, the deliveries and the copies say about one report."""

    reached: set[str] = field(default_factory=set)  # department codes
    passed_on: set[str] = field(default_factory=set)
    returned: set[str] = field(default_factory=set)
    tickets: set[str] = field(default_factory=set)
    supporters: int = 0
    lighting_copy: bool = False  # a copy to a lighting-check department


@dataclass(frozen=True)
class ReportFacts:
    """The non-personal facts of one report the statistics count."""

    category_id: int
    district_id: int | None
    department_code: str | None
    status: ReportStatus
    created_at: datetime
    closed_at: datetime | None
    updated_at: datetime
    due_at: datetime | None
    answers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RollupContext:
    """What counting needs besides the reports: time zone, the list questions of sensitive
    categories, and what makes a copy a lighting check."""

    tz: ZoneInfo
    # sensitive category id → {question code: allowed answer keys}
    answers: dict[int, dict[str, frozenset[str]]]
    lighting_attribute: str
    lighting_value: str
    lighting_departments: frozenset[int]
    # department id → code (counting a report from the session's objects)
    department_codes: dict[int, str] = field(default_factory=dict)

    @property
    def answer_codes(self) -> list[str]:
        return sorted({code for spec in self.answers.values() for code in spec})


def cell_of(facts: ReportFacts, tz: ZoneInfo) -> CellKey:
    return CellKey(
        month_key(facts.created_at, tz),
        facts.district_id if facts.district_id is not None else NO_DISTRICT,
        facts.category_id,
    )


def lighting_outcome(status: ReportStatus) -> str:
    if status == ReportStatus.RESOLVED:
        return "resolved"
    if status == ReportStatus.NOT_RESOLVABLE:
        return "not_resolvable"
    return "open" if status in OPEN_STATUSES else "other_closed"


def count_report(counts: CellCounts, facts: ReportFacts, trail: Trail, ctx: RollupContext) -> None:
    """Add one report to its cell's counts (the definitions the README explains)."""
    tz = ctx.tz
    details = counts.details
    counts.received += 1
    is_closed = facts.status not in OPEN_STATUSES
    closed_at = facts.closed_at or (facts.updated_at if is_closed else None)
    if is_closed and closed_at is not None:
        counts.closed += 1
        details["closed", str(month_key(closed_at, tz))] += 1
    if facts.status == ReportStatus.RESOLVED and closed_at is not None:
        counts.resolved += 1
        days = (local_date(closed_at, tz) - local_date(facts.created_at, tz)).days
        details["days", str(max(days, 0))] += 1
    if facts.due_at is not None and facts.status not in NOT_COUNTED_FOR_TARGET:
        counts.with_target += 1
        if is_closed:
            counts.target_closed += 1
            if (
                facts.status == ReportStatus.RESOLVED
                and closed_at is not None
                and closed_at <= facts.due_at
            ):
                counts.resolved_in_time += 1
        else:
            counts.open_with_target += 1
            details["open_due", local_date(facts.due_at, tz).isoformat()] += 1
    counts.supporters += trail.supporters

    reached = set(trail.reached)
    if facts.department_code is not None:
        reached.add(facts.department_code)
    for measure, departments in (
        ("reached", reached),
        ("passed_on", trail.passed_on),
        ("returned", trail.returned),
        ("ticket", trail.tickets),
    ):
        for code in departments:
            details[measure, code] += 1

    questions = ctx.answers.get(facts.category_id)
    if questions is None:
        return  # answers and lighting checks are counted for sensitive categories only
    for code, allowed in questions.items():
        value = facts.answers.get(code)
        values = value if isinstance(value, list) else [value]
        for item in dict.fromkeys(values):
            if isinstance(item, str) and item in allowed:
                details["answer", f"{code}={item}"] += 1
    answer = facts.answers.get(ctx.lighting_attribute)
    gave_it = ctx.lighting_value in (answer if isinstance(answer, list) else [answer])
    if trail.lighting_copy and gave_it:
        details["lighting", lighting_outcome(facts.status)] += 1


# --- one report's counts as stored, and differences -------------------------------------------


def flatten(counts: CellCounts) -> dict[str, int]:
    """A report's counts as ``stat_report.counts``: columns by name, details "measure|key"."""
    flat = {name: n for name, n in counts.columns().items() if n}
    flat.update({f"{measure}|{key}": n for (measure, key), n in counts.details.items() if n})
    return flat


def unflatten(flat: dict[str, int]) -> CellCounts:
    counts = CellCounts()
    columns = set(counts.columns())
    for name, n in flat.items():
        if name in columns:
            setattr(counts, name, getattr(counts, name) + n)
        else:
            measure, _sep, key = name.partition("|")
            counts.details[measure, key] += n
    return counts


def trail_of(counts: CellCounts) -> Trail:
    """The trail a report's stored counts were made from, as far as counting it again needs
    it while its department, category, answers and trail stay as they were (a status or date
    change): its supporters, the departments per measure, and whether it had a lighting check
    (the "lighting" detail is there exactly when its copy and answer made one)."""
    trail = Trail(supporters=counts.supporters)
    by_measure = {
        "reached": trail.reached,
        "passed_on": trail.passed_on,
        "returned": trail.returned,
        "ticket": trail.tickets,
    }
    for (measure, key), n in counts.details.items():
        if n and measure in by_measure:
            by_measure[measure].add(key)
        elif n and measure == "lighting":
            trail.lighting_copy = True
    return trail


def add_counts(total: CellCounts, other: CellCounts, sign: int = 1) -> None:
    total.add_columns(other.columns().values(), sign)
    for item, n in other.details.items():
        total.details[item] += sign * n
