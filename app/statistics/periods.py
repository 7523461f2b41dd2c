"""The periods the statistics are shown for: a month, a quarter or a year, compared with the
same period a year before. A period that is still running counts up to the current month,
and so does its comparison a year before."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from app.core.errors import Refusal
from app.statistics.months import add_months

MONTH, QUARTER, YEAR = "month", "quarter", "year"
_PATTERNS = (
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$"), MONTH),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), QUARTER),
    (re.compile(r"^(\d{4})$"), YEAR),
)
EARLIEST_YEAR = 2000


class PeriodError(Refusal):
    """A period parameter that names no period (the message says which forms are meant)."""


@dataclass(frozen=True)
class Period:
    kind: str  # month, quarter or year
    year: int
    number: int  # month 1–12, quarter 1–4, or 0 for a year
    first: int  # first month, 202601
    last: int  # last month counted: the period's last, or the current month if earlier

    @property
    def code(self) -> str:
        if self.kind == MONTH:
            return f"{self.year}-{self.number:02d}"
        if self.kind == QUARTER:
            return f"{self.year}-Q{self.number}"
        return str(self.year)

    @property
    def full_last(self) -> int:
        """The period's last month, whether or not it has begun."""
        if self.kind == MONTH:
            return self.first
        return add_months(self.first, 2 if self.kind == QUARTER else 11)

    @property
    def is_running(self) -> bool:
        return self.last < self.full_last

    @property
    def months(self) -> list[int]:
        result, month = [], self.first
        while month <= self.last:
            result.append(month)
            month = add_months(month, 1)
        return result

    def year_before(self) -> Period:
        return Period(
            self.kind,
            self.year - 1,
            self.number,
            add_months(self.first, -12),
            add_months(self.last, -12),
        )


def current_month(today: date) -> int:
    return today.year * 100 + today.month


def make_period(kind: str, year: int, number: int, today: date) -> Period:
    if kind == MONTH:
        first = year * 100 + number
        full_last = first
    elif kind == QUARTER:
        first = year * 100 + 3 * (number - 1) + 1
        full_last = add_months(first, 2)
    else:
        first, full_last = year * 100 + 1, year * 100 + 12
    now = current_month(today)
    if first > now:
        raise PeriodError("future")
    return Period(kind, year, number, first, min(full_last, now))


def parse_period(value: str | None, today: date) -> Period:
    """``2026-03`` (a month), ``2026-Q1`` (a quarter) or ``2026`` (a year); none: this year
    so far. Raises PeriodError for anything else and for periods that have not begun."""
    if not value:
        return make_period(YEAR, today.year, 0, today)
    value = value.strip()
    for pattern, kind in _PATTERNS:
        match = pattern.match(value)
        if match:
            year = int(match.group(1))
            if year < EARLIEST_YEAR:
                raise PeriodError("early")
            number = int(match.group(2)) if kind != YEAR else 0
            return make_period(kind, year, number, today)
    raise PeriodError("format")


def period_choices(first_year: int, today: date) -> list[tuple[int, list[Period]]]:
    """Every period from ``first_year`` to now, newest year first: the year, its quarters and
    its months (those that have begun)."""
    result = []
    for year in range(today.year, min(first_year, today.year) - 1, -1):
        periods = [make_period(YEAR, year, 0, today)]
        for quarter in range(1, 5):
            if year * 100 + 3 * (quarter - 1) + 1 <= current_month(today):
                periods.append(make_period(QUARTER, year, quarter, today))
        for month in range(1, 13):
            if year * 100 + month <= current_month(today):
                periods.append(make_period(MONTH, year, month, today))
        result.append((year, periods))
    return result
