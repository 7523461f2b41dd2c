"""The tables of the statistics pages — each with its chart — built from ``Statistics``.

The page shows a table's rows formatted for the reader's language; its CSV download
(``/statistik/<table>.csv``) writes the same rows with plain numbers, so what is downloaded is
what was shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from app.core.locale import pick_language
from app.statistics import charts
from app.statistics.charts import CITY, MAIN, OTHER, Chart, Row, Series
from app.statistics.months import add_months
from app.statistics.periods import MONTH, QUARTER, Period
from app.statistics.queries import CUR, PREV, DistrictInfo, Figures, Statistics, share
from flask import url_for
from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _

COUNT, SHARE, DAYS, TEXT, AUTO = "count", "share", "days", "text", "auto"


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


# --- words and numbers ------------------------------------------------------------------------


def month_date(month: int) -> date:
    return date(month // 100, month % 100, 1)


def month_name(month: int, width: str = "MMMM yyyy") -> str:
    return format_date(month_date(month), width)


def period_label(period: Period) -> str:
    if period.kind == MONTH:
        label = month_name(period.first)
    elif period.kind == QUARTER:
        label = _("Q%(number)d %(year)d", number=period.number, year=period.year)
    else:
        label = str(period.year)
    if period.is_running and period.kind != MONTH:
        label = _("%(period)s (up to %(month)s)", period=label, month=month_name(period.last))
    return label


def percent_pattern(decimals: int = 0, signed: bool = False) -> str:
    """The reader's locale's percent pattern (``#,##0 %`` in German, ``#,##0%`` in English)
    with ``decimals`` decimals, and with a sign if asked."""
    locale = get_locale()
    pattern = locale.percent_formats[None].pattern if locale else "#,##0%"
    pattern = pattern.split(";")[0]
    if decimals:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals)
    if signed:
        pattern = f"+{pattern};−{pattern}"
    return pattern


def format_value(value: Any, kind: str) -> str:
    """A figure as the page shows it ("–" where there is nothing to measure)."""
    if value is None or value == "":
        return "–"
    if kind == SHARE:
        return format_percent(value, percent_pattern(1))
    if kind == DAYS:
        return format_decimal(value, "#,##0.0")
    if kind == COUNT:
        return format_decimal(value, "#,##0")
    return str(value)


def csv_value(value: Any, kind: str) -> Any:
    """A figure as the CSV holds it: shares in per cent with one decimal, days with one."""
    if value is None:
        return ""
    if kind == SHARE:
        return round(value * 100, 1)
    if kind == DAYS:
        return round(value, 1)
    return value


def _count_text(value: float) -> str:
    return format_value(value, COUNT)


def _share_text(value: float) -> str:
    return format_percent(value, percent_pattern())


def _days_text(value: float) -> str:
    return format_value(value, DAYS)


def _series(period: Period, previous: Period) -> list[Series]:
    return [Series(period_label(period), MAIN), Series(period_label(previous), OTHER)]


@dataclass(frozen=True)
class Scope:
    """What a page shows: the whole city or one district, all groups or one."""

    district: DistrictInfo | None = None
    group: str | None = None

    @property
    def district_id(self) -> int | None:
        return self.district.id if self.district else None

    def query(self, period: Period) -> dict[str, str]:
        args = {"period": period.code}
        if self.group:
            args["group"] = self.group
        if self.district:
            args["district"] = self.district.number
        return args


def csv_url(table_id: str, stats: Statistics, scope: Scope) -> str:
    return url_for("statistics.table_csv", table=table_id, **scope.query(stats.period))


def _totals(stats: Statistics, scope: Scope) -> tuple[Figures, Figures]:
    return (
        stats.total(CUR, district_id=scope.district_id, group=scope.group),
        stats.total(PREV, district_id=scope.district_id, group=scope.group),
    )


# --- the tables -------------------------------------------------------------------------------


def overview(stats: Statistics, scope: Scope) -> Table:
    cur, prev = _totals(stats, scope)
    backlog_label = (
        _("Open at present") if stats.period.is_running else _("Open at the end of the period")
    )
    rows = [
        ("received", _("Reports received"), COUNT, cur.received, prev.received),
        (
            "in_time",
            _("Resolved within the target"),
            SHARE,
            cur.in_time_share,
            prev.in_time_share,
        ),
        ("median_days", _("Median days to resolution"), DAYS, cur.median_days, prev.median_days),
        ("resolved", _("Resolved so far"), COUNT, cur.resolved, prev.resolved),
        ("backlog", backlog_label, COUNT, cur.backlog, prev.backlog),
        ("supporters", _("“Me too” from other residents"), COUNT, cur.supporters, prev.supporters),
    ]
    return Table(
        id="overview",
        code_key="key",
        title=_("Key figures"),
        caption=_(
            "Key figures, %(period)s and the same period a year before",
            period=period_label(stats.period),
        ),
        columns=[
            Column("figure", _("Figure"), TEXT),
            Column("value", period_label(stats.period), AUTO),
            Column("year_before", period_label(stats.previous), AUTO),
        ],
        rows=[
            {"key": key, "figure": label, "value": value, "year_before": before, "_kind": kind}
            for key, label, kind, value, before in rows
        ],
    )


def trend_months(stats: Statistics) -> list[int]:
    """The twelve months that end with the period's last."""
    return [add_months(stats.period.last, -i) for i in range(11, -1, -1)]


def months(stats: Statistics, scope: Scope) -> Table:
    months_now = trend_months(stats)
    months_before = [add_months(m, -12) for m in months_now]
    now = stats.received_per_month(months_now, district_id=scope.district_id, group=scope.group)
    before = stats.received_per_month(
        months_before, district_id=scope.district_id, group=scope.group
    )
    title = _("Reports received per month")
    chart = charts.column_chart(
        "chart-months",
        title,
        [month_name(m, "MMM") for m in months_now],
        [now, before],
        [
            Series(_("Last 12 months"), MAIN),
            Series(_("Same months a year before"), OTHER),
        ],
        label_texts=[month_name(m) for m in months_now],
        value_text=_count_text,
        subtitles=[
            str(m // 100) if i == 0 or m % 100 == 1 else "" for i, m in enumerate(months_now)
        ],
    )
    return Table(
        id="months",
        title=_("Over the last 12 months"),
        caption=_(
            "Reports received per month, %(first)s to %(last)s, and a year before",
            first=month_name(months_now[0]),
            last=month_name(months_now[-1]),
        ),
        columns=[
            Column("month", _("Month"), TEXT, "month_label"),
            Column("received", _("Received"), COUNT),
            Column("year_before_month", _("Month a year before"), TEXT, "year_before_month_label"),
            Column("received_year_before", _("Received a year before"), COUNT),
        ],
        rows=[
            {
                "month": f"{m // 100}-{m % 100:02d}",
                "month_label": month_name(m),
                "received": n,
                "year_before_month": f"{b // 100}-{b % 100:02d}",
                "year_before_month_label": month_name(b),
                "received_year_before": nb,
            }
            for m, n, b, nb in zip(months_now, now, months_before, before, strict=True)
        ],
        charts=[chart],
    )


def _breakdown_columns(first: Column, stats: Statistics) -> list[Column]:
    return [
        first,
        Column("received", _("Received"), COUNT),
        Column("received_year_before", _("Received a year before"), COUNT),
        Column("in_time", _("Resolved within the target"), SHARE),
        Column("in_time_year_before", _("Within the target a year before"), SHARE),
        Column("median_days", _("Median days to resolution"), DAYS),
        Column("median_days_year_before", _("Median days a year before"), DAYS),
        Column(
            "backlog",
            _("Open at present") if stats.period.is_running else _("Open at the period's end"),
            COUNT,
        ),
        Column("supporters", _("“Me too”"), COUNT),
    ]


def _breakdown_row(cur: Figures, prev: Figures) -> dict[str, Any]:
    return {
        "received": cur.received,
        "received_year_before": prev.received,
        "in_time": cur.in_time_share,
        "in_time_year_before": prev.in_time_share,
        "median_days": cur.median_days,
        "median_days_year_before": prev.median_days,
        "backlog": cur.backlog,
        "supporters": cur.supporters,
    }


def _received_chart(chart_id: str, title: str, rows: list[dict], label: str, stats) -> Chart:
    return charts.bar_chart(
        chart_id,
        title,
        [
            Row(
                row[label],
                (row["received"], row["received_year_before"]),
                (_count_text(row["received"]), _count_text(row["received_year_before"])),
            )
            for row in rows
        ],
        _series(stats.period, stats.previous),
        tick_text=_count_text,
        integer=True,
    )


def _in_time_chart(chart_id: str, title: str, rows: list[dict], label: str, stats) -> Chart:
    return charts.bar_chart(
        chart_id,
        title,
        [
            Row(
                row[label],
                (row["in_time"], row["in_time_year_before"]),
                (
                    format_value(row["in_time"], SHARE),
                    format_value(row["in_time_year_before"], SHARE),
                ),
            )
            for row in rows
        ],
        _series(stats.period, stats.previous),
        maximum=1.0,
        tick_text=_share_text,
    )


def groups(stats: Statistics, scope: Scope, lang: str) -> Table:
    rows = []
    for group in stats.groups:
        if scope.group and group.code != scope.group:
            continue
        cur = stats.total(CUR, district_id=scope.district_id, group=group.code)
        prev = stats.total(PREV, district_id=scope.district_id, group=group.code)
        rows.append(
            {"group": group.code, "group_name": pick_language(group.names, lang)}
            | _breakdown_row(cur, prev)
        )
    return Table(
        id="groups",
        code_key="group",
        title=_("By category group"),
        caption=_("Reports by category group, %(period)s", period=period_label(stats.period)),
        columns=_breakdown_columns(Column("group_name", _("Category group"), TEXT), stats),
        rows=rows,
        charts=[
            _received_chart(
                "chart-groups-received",
                _("Reports received by category group"),
                rows,
                "group_name",
                stats,
            ),
            _in_time_chart(
                "chart-groups-in-time",
                _("Share resolved within the target, by category group"),
                rows,
                "group_name",
                stats,
            ),
        ],
    )


def districts(stats: Statistics, scope: Scope, lang: str) -> Table:
    rows, links = [], {}
    outside = _("outside the districts")
    entries = [(d.id, d.number, d.name) for d in stats.districts]
    if stats.has_outside:
        entries.append((0, "", outside))
    for district_id, number, name in entries:
        cur = stats.total(CUR, district_id=district_id, group=scope.group)
        prev = stats.total(PREV, district_id=district_id, group=scope.group)
        if number:
            links[len(rows)] = url_for(
                "statistics.district_page", number=number, **_without_district(scope, stats)
            )
        rows.append({"district": number, "district_name": name} | _breakdown_row(cur, prev))
    return Table(
        id="districts",
        code_key="district",
        title=_("By district"),
        caption=_("Reports by district, %(period)s", period=period_label(stats.period)),
        columns=_breakdown_columns(Column("district_name", _("District"), TEXT), stats),
        rows=rows,
        links=links,
        charts=[
            _received_chart(
                "chart-districts-received",
                _("Reports received by district"),
                rows,
                "district_name",
                stats,
            ),
            _in_time_chart(
                "chart-districts-in-time",
                _("Share resolved within the target, by district"),
                rows,
                "district_name",
                stats,
            ),
        ],
    )


def _without_district(scope: Scope, stats: Statistics) -> dict[str, str]:
    args = scope.query(stats.period)
    args.pop("district", None)
    return args


def departments(stats: Statistics, scope: Scope) -> Table:
    cur, prev = _totals(stats, scope)
    rows = []
    for code, name in sorted(stats.departments.items(), key=lambda d: d[1]):
        now = cur.departments.get(code)
        before = prev.departments.get(code)
        if not now and not before:
            continue
        now = now or {}
        before = before or {}
        reached = now.get("reached", 0)
        rows.append(
            {
                "department": code,
                "department_name": name,
                "reached": reached,
                "passed_on": now.get("passed_on", 0),
                "returned": now.get("returned", 0),
                "elsewhere_share": share(now.get("passed_on", 0) + now.get("returned", 0), reached),
                "elsewhere_share_year_before": share(
                    before.get("passed_on", 0) + before.get("returned", 0), before.get("reached", 0)
                ),
                "tickets": now.get("ticket", 0),
            }
        )
    title = _("Passed on or returned as “not responsible”, by department")
    chart = charts.bar_chart(
        "chart-departments",
        title,
        [
            Row(
                row["department_name"],
                (row["elsewhere_share"], row["elsewhere_share_year_before"]),
                (
                    format_value(row["elsewhere_share"], SHARE),
                    format_value(row["elsewhere_share_year_before"], SHARE),
                ),
            )
            for row in rows
        ],
        _series(stats.period, stats.previous),
        tick_text=_share_text,
    )
    return Table(
        id="departments",
        code_key="department",
        title=_("Departments"),
        caption=_(
            "Reports per department, %(period)s: passed on to another department or returned "
            "by a partner as not theirs",
            period=period_label(stats.period),
        ),
        columns=[
            Column("department_name", _("Department"), TEXT),
            Column("reached", _("Reports"), COUNT),
            Column("passed_on", _("Passed on"), COUNT),
            Column("returned", _("Returned as not responsible"), COUNT),
            Column("elsewhere_share", _("Share passed on or returned"), SHARE),
            Column("elsewhere_share_year_before", _("Share a year before"), SHARE),
            Column("tickets", _("Sent as a ticket"), COUNT),
        ],
        rows=rows,
        charts=[chart],
    )


def _unsafe_totals(stats: Statistics, scope: Scope) -> tuple[Figures, Figures]:
    return (
        stats.total(CUR, district_id=scope.district_id, sensitive=True),
        stats.total(PREV, district_id=scope.district_id, sensitive=True),
    )


def answers(stats: Statistics, scope: Scope, lang: str, code: str, *, city: bool = False) -> Table:
    """Unsafe-place reports by one list question (reasons, time of day); beside a district,
    the city's shares."""
    question = stats.attribute_labels[code]
    cur, prev = _unsafe_totals(stats, scope)
    city_cur = stats.total(CUR, sensitive=True) if city else None
    rows = []
    for key, names in question["values"].items():
        n = cur.answers.get(f"{code}={key}", 0)
        n_prev = prev.answers.get(f"{code}={key}", 0)
        row = {
            "answer": key,
            "answer_name": pick_language(names, lang) or key,
            "reports": n,
            "share": share(n, cur.received),
            "reports_year_before": n_prev,
            "share_year_before": share(n_prev, prev.received),
        }
        if city_cur is not None:
            row["share_city"] = share(city_cur.answers.get(f"{code}={key}", 0), city_cur.received)
        rows.append(row)
    label = pick_language(question["labels"], lang) or code
    title = _("Unsafe places: %(question)s", question=label)
    columns = [
        Column("answer_name", _("Answer"), TEXT),
        Column("reports", _("Reports"), COUNT),
        Column("share", _("Share of unsafe-place reports"), SHARE),
        Column("reports_year_before", _("Reports a year before"), COUNT),
        Column("share_year_before", _("Share a year before"), SHARE),
    ]
    if city_cur is not None:
        columns.append(Column("share_city", _("Share in the city"), SHARE))
        series = [
            Series(scope.district.name if scope.district else "", MAIN),
            Series(_("City"), CITY),
        ]
        values = [(row["share"], row["share_city"]) for row in rows]
    else:
        series = _series(stats.period, stats.previous)
        values = [(row["share"], row["share_year_before"]) for row in rows]
    chart = charts.bar_chart(
        f"chart-answers-{code}",
        title,
        [
            Row(row["answer_name"], value, tuple(format_value(v, SHARE) for v in value))
            for row, value in zip(rows, values, strict=True)
        ],
        series,
        tick_text=_share_text,
    )
    return Table(
        id=f"answers-{code}",
        code_key="answer",
        title=title,
        caption=_(
            "Unsafe-place reports, %(period)s, by the answer to “%(question)s” (several "
            "answers possible)",
            period=period_label(stats.period),
            question=label,
        ),
        columns=columns,
        rows=rows,
        charts=[chart],
    )


LIGHTING_OUTCOMES: dict[str, Callable[[], str]] = {
    "resolved": lambda: _("Resolved"),
    "not_resolvable": lambda: _("Cannot be resolved"),
    "other_closed": lambda: _("Closed otherwise (duplicate, rejected)"),
    "open": lambda: _("Still open"),
}


def lighting(stats: Statistics, scope: Scope) -> Table:
    cur, prev = _unsafe_totals(stats, scope)
    rows = [
        {
            "outcome": key,
            "outcome_name": label(),
            "reports": cur.lighting.get(key, 0),
            "share": share(cur.lighting.get(key, 0), cur.lighting_checks),
            "reports_year_before": prev.lighting.get(key, 0),
        }
        for key, label in LIGHTING_OUTCOMES.items()
    ]
    title = _("Lighting checks and their outcome")
    chart = charts.bar_chart(
        "chart-lighting",
        title,
        [
            Row(
                row["outcome_name"],
                (row["reports"], row["reports_year_before"]),
                (_count_text(row["reports"]), _count_text(row["reports_year_before"])),
            )
            for row in rows
        ],
        _series(stats.period, stats.previous),
        tick_text=_count_text,
        integer=True,
    )
    intro = _(
        "%(checks)s of %(reports)s unsafe-place reports (%(share)s) led to a lighting check "
        "(a year before: %(checks_before)s of %(reports_before)s).",
        checks=_count_text(cur.lighting_checks),
        reports=_count_text(cur.received),
        share=format_value(share(cur.lighting_checks, cur.received), SHARE),
        checks_before=_count_text(prev.lighting_checks),
        reports_before=_count_text(prev.received),
    )
    return Table(
        id="lighting",
        code_key="outcome",
        title=title,
        caption=_(
            "Unsafe-place reports with a lighting check, %(period)s, by the report's outcome",
            period=period_label(stats.period),
        ),
        columns=[
            Column("outcome_name", _("Outcome"), TEXT),
            Column("reports", _("Reports"), COUNT),
            Column("share", _("Share of lighting checks"), SHARE),
            Column("reports_year_before", _("Reports a year before"), COUNT),
        ],
        rows=rows,
        charts=[chart],
        intro=intro,
    )


def comparison(stats: Statistics, scope: Scope) -> Table:
    """The district beside the city (same group filter)."""
    assert scope.district is not None
    cur, prev = _totals(stats, scope)
    city = stats.total(CUR, group=scope.group)
    rows = [
        ("received", _("Reports received"), COUNT, cur.received, city.received, prev.received),
        (
            "in_time",
            _("Resolved within the target"),
            SHARE,
            cur.in_time_share,
            city.in_time_share,
            prev.in_time_share,
        ),
        (
            "median_days",
            _("Median days to resolution"),
            DAYS,
            cur.median_days,
            city.median_days,
            prev.median_days,
        ),
        (
            "backlog",
            _("Open at present") if stats.period.is_running else _("Open at the end of the period"),
            COUNT,
            cur.backlog,
            city.backlog,
            prev.backlog,
        ),
        (
            "supporters",
            _("“Me too” from other residents"),
            COUNT,
            cur.supporters,
            city.supporters,
            prev.supporters,
        ),
    ]
    return Table(
        id="comparison",
        code_key="key",
        title=_("%(district)s and the city", district=scope.district.name),
        caption=_(
            "%(district)s beside the whole city, %(period)s, and the district a year before",
            district=scope.district.name,
            period=period_label(stats.period),
        ),
        columns=[
            Column("figure", _("Figure"), TEXT),
            Column("district", scope.district.name, AUTO),
            Column("city", _("City"), AUTO),
            Column(
                "district_year_before",
                _("%(district)s a year before", district=scope.district.name),
                AUTO,
            ),
        ],
        rows=[
            {
                "key": key,
                "figure": label,
                "district": value,
                "city": city_value,
                "district_year_before": before,
                "_kind": kind,
            }
            for key, label, kind, value, city_value, before in rows
        ],
    )


def group_comparison(stats: Statistics, scope: Scope, lang: str) -> Table:
    assert scope.district is not None
    rows = []
    for group in stats.groups:
        if scope.group and group.code != scope.group:
            continue
        here = stats.total(CUR, district_id=scope.district.id, group=group.code)
        city = stats.total(CUR, group=group.code)
        rows.append(
            {
                "group": group.code,
                "group_name": pick_language(group.names, lang),
                "received": here.received,
                "share_of_city": share(here.received, city.received),
                "in_time": here.in_time_share,
                "in_time_city": city.in_time_share,
                "median_days": here.median_days,
                "median_days_city": city.median_days,
                "backlog": here.backlog,
            }
        )
    name = scope.district.name
    series = [Series(name, MAIN), Series(_("City"), CITY)]
    in_time_chart = charts.bar_chart(
        "chart-compare-in-time",
        _("Share resolved within the target: %(district)s and the city", district=name),
        [
            Row(
                row["group_name"],
                (row["in_time"], row["in_time_city"]),
                (format_value(row["in_time"], SHARE), format_value(row["in_time_city"], SHARE)),
            )
            for row in rows
        ],
        series,
        maximum=1.0,
        tick_text=_share_text,
    )
    median_chart = charts.bar_chart(
        "chart-compare-days",
        _("Median days to resolution: %(district)s and the city", district=name),
        [
            Row(
                row["group_name"],
                (row["median_days"], row["median_days_city"]),
                (
                    format_value(row["median_days"], DAYS),
                    format_value(row["median_days_city"], DAYS),
                ),
            )
            for row in rows
        ],
        series,
        tick_text=_days_text,
    )
    return Table(
        id="group-comparison",
        code_key="group",
        title=_("By category group, beside the city"),
        caption=_(
            "%(district)s by category group beside the whole city, %(period)s",
            district=name,
            period=period_label(stats.period),
        ),
        columns=[
            Column("group_name", _("Category group"), TEXT),
            Column("received", _("Received"), COUNT),
            Column("share_of_city", _("Share of the city's reports"), SHARE),
            Column("in_time", _("Resolved within the target"), SHARE),
            Column("in_time_city", _("Within the target, city"), SHARE),
            Column("median_days", _("Median days to resolution"), DAYS),
            Column("median_days_city", _("Median days, city"), DAYS),
            Column(
                "backlog",
                _("Open at present") if stats.period.is_running else _("Open at the period's end"),
                COUNT,
            ),
        ],
        rows=rows,
        charts=[in_time_chart, median_chart],
    )


def show_unsafe_places(stats: Statistics, scope: Scope) -> bool:
    sensitive = {g.code for g in stats.sensitive_groups}
    return bool(sensitive) and (scope.group is None or scope.group in sensitive)


def page_tables(stats: Statistics, scope: Scope, lang: str) -> dict[str, Table]:
    """Every table of the city page, or of a district's page, by id."""
    tables: list[Table]
    if scope.district is None:
        tables = [
            overview(stats, scope),
            months(stats, scope),
            groups(stats, scope, lang),
            districts(stats, scope, lang),
            departments(stats, scope),
        ]
    else:
        tables = [
            comparison(stats, scope),
            months(stats, scope),
            group_comparison(stats, scope, lang),
            departments(stats, scope),
        ]
    if show_unsafe_places(stats, scope):
        for code in stats.attribute_labels:
            tables.append(answers(stats, scope, lang, code, city=scope.district is not None))
        tables.append(lighting(stats, scope))
    return {table.id: table for table in tables}


def change_text(value: float | None, before: float | None, kind: str) -> str:
    """How a figure moved since the year before, in words."""
    if value is None or before is None:
        return ""
    if kind == SHARE:
        points = (value - before) * 100
        if abs(points) < 0.05:
            return _("unchanged")
        return _("%(change)s percentage points", change=format_decimal(points, "+#,##0.0;−#,##0.0"))
    if kind == DAYS:
        days = value - before
        if abs(days) < 0.05:
            return _("unchanged")
        return _("%(change)s days", change=format_decimal(days, "+#,##0.0;−#,##0.0"))
    if value == before:
        return _("unchanged")
    if not before:
        return format_decimal(value - before, "+#,##0;−#,##0")
    return format_percent((value - before) / before, percent_pattern(signed=True))


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    lines: tuple[str, ...]


def tiles(table: Table) -> list[Tile]:
    """The key figures at a glance: the overview's (or comparison's) rows as tiles."""
    result = []
    for row in table.rows:
        kind = row["_kind"]
        if table.id == "comparison":
            lines = (
                _("City: %(value)s", value=format_value(row["city"], kind)),
                _(
                    "A year before: %(value)s",
                    value=format_value(row["district_year_before"], kind),
                ),
            )
            value = row["district"]
        else:
            change = change_text(row["value"], row["year_before"], kind)
            lines = (
                _("A year before: %(value)s", value=format_value(row["year_before"], kind)),
                *((_("Change: %(change)s", change=change),) if change else ()),
            )
            value = row["value"]
        result.append(Tile(row["key"], row["figure"], format_value(value, kind), lines))
    return result
