"""The tables of the city page: key figures, the last twelve months, and the figures by
category group, by district and by department (the last three also on a district's page)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask import url_for
from flask_babel import gettext as _

from app.core.locale import pick_language
from app.statistics import charts
from app.statistics.charts import MAIN, OTHER, Chart, Series
from app.statistics.formatting import (
    AUTO,
    COUNT,
    DAYS,
    SHARE,
    TEXT,
    count_text,
    month_name,
    period_label,
    share_text,
)
from app.statistics.months import add_months
from app.statistics.queries import Figures, Statistics, share
from app.statistics.tables.base import (
    Column,
    Scope,
    Table,
    backlog_header,
    backlog_label,
    pair_rows,
    year_series,
)


def overview(stats: Statistics, scope: Scope) -> Table:
    cur, prev = stats.totals(district_id=scope.district_id, group=scope.group)
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
        ("backlog", backlog_label(stats), COUNT, cur.backlog, prev.backlog),
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
        value_text=count_text,
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


# --- by category group and by district: the same figures, and the same two charts ------------


def _breakdown_columns(first: Column, stats: Statistics) -> list[Column]:
    return [
        first,
        Column("received", _("Received"), COUNT),
        Column("received_year_before", _("Received a year before"), COUNT),
        Column("in_time", _("Resolved within the target"), SHARE),
        Column("in_time_year_before", _("Within the target a year before"), SHARE),
        Column("median_days", _("Median days to resolution"), DAYS),
        Column("median_days_year_before", _("Median days a year before"), DAYS),
        Column("backlog", backlog_header(stats), COUNT),
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


def _breakdown_charts(
    name: str, titles: tuple[str, str], rows: list[dict[str, Any]], label: str, stats: Statistics
) -> list[Chart]:
    """Received, and the share resolved within the target, of each row against a year
    before; charts ``chart-<name>-received`` and ``chart-<name>-in-time``."""
    series = year_series(stats)
    return [
        charts.bar_chart(
            f"chart-{name}-received",
            titles[0],
            pair_rows(rows, label, "received", "received_year_before", COUNT),
            series,
            tick_text=count_text,
            integer=True,
        ),
        charts.bar_chart(
            f"chart-{name}-in-time",
            titles[1],
            pair_rows(rows, label, "in_time", "in_time_year_before", SHARE),
            series,
            maximum=1.0,
            tick_text=share_text,
        ),
    ]


def groups(stats: Statistics, scope: Scope, lang: str) -> Table:
    rows = []
    for group in stats.groups:
        if scope.group and group.code != scope.group:
            continue
        cur, prev = stats.totals(district_id=scope.district_id, group=group.code)
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
        charts=_breakdown_charts(
            "groups",
            (
                _("Reports received by category group"),
                _("Share resolved within the target, by category group"),
            ),
            rows,
            "group_name",
            stats,
        ),
    )


def districts(stats: Statistics, scope: Scope, lang: str) -> Table:
    rows: list[dict[str, Any]] = []
    links = {}
    outside = _("outside the districts")
    entries = [(d.id, d.number, d.name) for d in stats.districts]
    if stats.has_outside:
        entries.append((0, "", outside))
    for district_id, number, name in entries:
        cur, prev = stats.totals(district_id=district_id, group=scope.group)
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
        charts=_breakdown_charts(
            "districts",
            (
                _("Reports received by district"),
                _("Share resolved within the target, by district"),
            ),
            rows,
            "district_name",
            stats,
        ),
    )


def _without_district(scope: Scope, stats: Statistics) -> dict[str, Any]:
    args = scope.query(stats.period)
    args.pop("district", None)
    return args


def departments(stats: Statistics, scope: Scope, lang: str) -> Table:
    cur, prev = stats.totals(district_id=scope.district_id, group=scope.group)
    rows = []
    names = {code: stats.department_name_in(code, lang) for code in stats.departments}
    for code, name in sorted(names.items(), key=lambda d: d[1]):
        now = cur.departments.get(code)
        before = prev.departments.get(code)
        if not now and not before:
            continue
        now = now or Counter()
        before = before or Counter()
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
        pair_rows(rows, "department_name", "elsewhere_share", "elsewhere_share_year_before", SHARE),
        year_series(stats),
        tick_text=share_text,
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
