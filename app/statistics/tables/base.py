"""What a statistics table is (columns, rows, charts, its CSV), the scope a page shows, and
the pieces the tables share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from app.statistics.charts import MAIN, OTHER, Chart, Row, Series
from app.statistics.formatting import AUTO, COUNT, TEXT, csv_value, format_value, period_label
from app.statistics.periods import Period
from app.statistics.queries import DistrictInfo, Statistics


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    header: str
    kind: str = COUNT
    display: str | None = None  # the row's key of the text shown instead (a month's name)


@dataclass
class Table:
    id: str
    title: str
    caption: str
    columns: list[Column]
    rows: list[dict[str, Any]]
    charts: list[Chart] = field(default_factory=list)
    links: dict[int, str] = field(default_factory=dict)  # row index → link of the first cell
    intro: str = ""
    code_key: str | None = None  # the rows' code (group, district …), first in the CSV

    def csv_header(self) -> list[str]:
        keys = [self.code_key] if self.code_key else []
        for column in self.columns:
            keys.append(column.key)
            if column.display:
                keys.append(column.display)
        return keys

    def csv_rows(self) -> list[list[Any]]:
        result = []
        for row in self.rows:
            values = [row.get(self.code_key, "")] if self.code_key else []
            for column in self.columns:
                kind = row.get("_kind", TEXT) if column.kind == AUTO else column.kind
                values.append(csv_value(row.get(column.key), kind))
                if column.display:
                    values.append(row.get(column.display, ""))
            result.append(values)
        return result


@dataclass(frozen=True)
class Scope:
    """What a page shows: the whole city or one district, all groups or one."""

    district: DistrictInfo | None = None
    group: str | None = None

    @property
    def district_id(self) -> int | None:
        return self.district.id if self.district else None

    def query(self, period: Period) -> dict[str, Any]:
        args = {"period": period.code}
        if self.group:
            args["group"] = self.group
        if self.district:
            args["district"] = self.district.number
        return args


def csv_url(table_id: str, stats: Statistics, scope: Scope) -> str:
    return url_for("statistics.table_csv", table=table_id, **scope.query(stats.period))


def year_series(stats: Statistics) -> list[Series]:
    """The period and the same period a year before, as a chart's two series."""
    return [Series(period_label(stats.period), MAIN), Series(period_label(stats.previous), OTHER)]


def pair_rows(
    rows: list[dict[str, Any]], label: str, first: str, second: str, kind: str
) -> list[Row]:
    """Chart rows of two figures of each table row (``first`` and ``second``), labelled by
    ``label``, with their texts as the table shows them."""
    return [
        Row(
            row[label],
            (row[first], row[second]),
            (format_value(row[first], kind), format_value(row[second], kind)),
        )
        for row in rows
    ]


def backlog_label(stats: Statistics) -> str:
    """The backlog in a list of figures."""
    return _("Open at present") if stats.period.is_running else _("Open at the end of the period")


def backlog_header(stats: Statistics) -> str:
    """The backlog as a column's header."""
    return _("Open at present") if stats.period.is_running else _("Open at the period's end")
