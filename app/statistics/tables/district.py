"""The tables of a district's page that set the district beside the whole city."""

from __future__ import annotations

from flask_babel import gettext as _

from app.core.locale import pick_language
from app.statistics import charts
from app.statistics.charts import CITY, MAIN, Series
from app.statistics.formatting import (
    AUTO,
    COUNT,
    DAYS,
    SHARE,
    TEXT,
    days_text,
    period_label,
    share_text,
)
from app.statistics.queries import CUR, Statistics, share
from app.statistics.tables.base import (
    Column,
    Scope,
    Table,
    backlog_header,
    backlog_label,
    pair_rows,
)


def comparison(stats: Statistics, scope: Scope) -> Table:
    """The district beside the city (same group filter)."""
    assert scope.district is not None
    cur, prev = stats.totals(district_id=scope.district_id, group=scope.group)
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
        ("backlog", backlog_label(stats), COUNT, cur.backlog, city.backlog, prev.backlog),
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
        pair_rows(rows, "group_name", "in_time", "in_time_city", SHARE),
        series,
        maximum=1.0,
        tick_text=share_text,
    )
    median_chart = charts.bar_chart(
        "chart-compare-days",
        _("Median days to resolution: %(district)s and the city", district=name),
        pair_rows(rows, "group_name", "median_days", "median_days_city", DAYS),
        series,
        tick_text=days_text,
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
            Column("backlog", backlog_header(stats), COUNT),
        ],
        rows=rows,
        charts=[in_time_chart, median_chart],
    )
