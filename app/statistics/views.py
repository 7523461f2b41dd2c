"""``/statistik``: the city's figures, a district beside the city, and every table as CSV.

Parameters (the same on every page and download): ``period`` — ``2026`` (a year),
``2026-Q1`` (a quarter) or ``2026-03`` (a month), this year so far when missing; ``group`` — a
category group code; ``district`` — a district number (CSV downloads, or the form, which then
leads to the district's page). Wrong values get 400 with a message saying what is meant, an
unknown district or table 404.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from app.core.errors import Refusal
from app.statistics.formatting import DAYS, SHARE, csv_value, format_value, period_label
from app.statistics.months import city_timezone
from app.statistics.periods import Period, PeriodError, parse_period, period_choices
from app.statistics.queries import (
    DistrictInfo,
    GroupInfo,
    city_districts,
    city_groups,
    first_year,
    load_cube,
    load_statistics,
)
from app.statistics.tables.base import Scope, csv_url
from app.statistics.tables.page import page_tables, tiles

bp = Blueprint(
    "statistics",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets/statistics",
)


class Refused(Refusal):
    """A request the statistics cannot answer; ``message`` says why, in the reader's language."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message, status)
        self.title = title


def _lang() -> str:
    return str(get_locale() or "de")


def today() -> date:
    """Today in the city's time zone (months and due dates are the city's)."""
    return datetime.now(city_timezone()).date()


def _period(day: date) -> Period:
    value = request.args.get("period")
    try:
        return parse_period(value, day)
    except PeriodError as error:
        if str(error) == "future":
            message = _("The period %(period)s has not begun yet.", period=value)
        else:
            message = _(
                "“%(period)s” is not a period. Please give a year (2026), a quarter (2026-Q1) "
                "or a month (2026-03).",
                period=value,
            )
        raise Refused(400, _("Unknown period"), message) from None


def _group(groups: list[GroupInfo]) -> str | None:
    code = request.args.get("group") or None
    if code is not None and code not in {g.code for g in groups}:
        raise Refused(
            400,
            _("Unknown category group"),
            _(
                "There is no category group “%(group)s”. Known groups: %(groups)s.",
                group=code,
                groups=", ".join(g.code for g in groups),
            ),
        )
    return code


def _district(number: str | None) -> DistrictInfo | None:
    if number is None or number == "":
        return None
    for district in city_districts():
        if district.number == number:
            return district
    raise Refused(
        404,
        _("Unknown district"),
        _("There is no district with the number “%(number)s”.", number=number),
    )


@dataclass(frozen=True)
class Request:
    day: date
    period: Period
    scope: Scope
    groups: list[GroupInfo]


def _read(district_number: str | None) -> Request:
    day = today()
    period = _period(day)
    groups = city_groups()
    group = _group(groups)
    return Request(day, period, Scope(_district(district_number), group), groups)


@bp.errorhandler(Refused)
def _refused(error: Refused):
    if request.path.endswith(".csv"):
        return Response(error.message + "\n", error.status, mimetype="text/plain")
    return (
        render_template(
            "error.html", status=error.status, title=error.title, message=error.message
        ),
        error.status,
    )


def _page(req: Request, template: str):
    from app.core.locale import pick_language

    stats = load_statistics(req.period, req.day)
    lang = _lang()
    scope = req.scope
    shown = page_tables(stats, scope, lang)
    headline = shown.get("overview") or shown["comparison"]
    city_args: dict[str, Any] = {
        "period": req.period.code,
        **({"group": scope.group} if scope.group else {}),
    }
    if scope.district:
        cube_url = url_for(
            "statistics.district_cube_csv", number=scope.district.number, **city_args
        )
    else:
        cube_url = url_for("statistics.cube_csv", **city_args)
    group = next((g for g in req.groups if g.code == scope.group), None)
    return render_template(
        template,
        stats=stats,
        scope=scope,
        tables=shown,
        overview=headline,
        tiles=tiles(headline),
        unsafe_tables=[t for t in shown.values() if t.id.startswith(("answers-", "lighting"))],
        csv_urls={table_id: csv_url(table_id, stats, scope) for table_id in shown},
        cube_url=cube_url,
        city_url=url_for("statistics.city_page", **city_args),
        period_label=period_label(req.period),
        previous_label=period_label(stats.previous),
        label_of=period_label,
        choices=period_choices(first_year() or req.day.year, req.day),
        groups=req.groups,
        group_name=pick_language(group.names, lang) if group else "",
        districts=stats.districts,
        lang=lang,
        format_value=format_value,
    )


@bp.get("/statistik")
def city_page():
    number = request.args.get("district")
    if number:  # the form's district choice leads to the district's page
        district = _district(number)
        assert district is not None
        args: dict[str, Any] = {k: v for k, v in request.args.items() if k != "district" and v}
        return redirect(url_for("statistics.district_page", number=district.number, **args))
    return _page(_read(None), "statistics/city.html")


@bp.get("/statistik/bezirk/<number>")
def district_page(number: str):
    return _page(_read(number), "statistics/district.html")


def _csv(rows: list[list], filename: str) -> Response:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(rows)
    response = Response(buffer.getvalue(), mimetype="text/csv")  # text/csv; charset=utf-8
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _filename(name: str, req: Request) -> str:
    parts = ["statistik", name, req.period.code]
    if req.scope.district:
        parts.append(f"bezirk-{req.scope.district.number}")
    if req.scope.group:
        parts.append(req.scope.group)
    return "-".join(parts) + ".csv"


@bp.get("/statistik/<table>.csv")
def table_csv(table: str):
    req = _read(request.args.get("district"))
    stats = load_statistics(req.period, req.day)
    found = page_tables(stats, req.scope, _lang()).get(table)
    if found is None:
        raise Refused(
            404,
            _("Unknown table"),
            _("There is no table “%(table)s” for these parameters.", table=table),
        )
    return _csv([found.csv_header(), *found.csv_rows()], _filename(table, req))


CUBE_HEADER = [
    "month",
    "district",
    "district_name",
    "group",
    "group_name",
    "received",
    "with_target",
    "decided",
    "resolved_in_time",
    "in_time_pct",
    "resolved",
    "median_days",
    "closed",
    "backlog_end_of_month",
    "supporters",
    "lighting_checks",
]


def _cube(req: Request) -> Response:
    from app.core.locale import pick_language

    lang = _lang()
    districts = {d.id: d for d in city_districts()}
    names = {g.code: pick_language(g.names, lang) for g in req.groups}
    group = next((g for g in req.groups if g.code == req.scope.group), None)
    rows = load_cube(
        req.period.first,
        req.period.last,
        req.day,
        district_id=req.scope.district_id,
        group=group,
    )
    out: list[list] = [CUBE_HEADER]
    for row in rows:
        f = row.figures
        district = districts.get(row.district_id)
        out.append(
            [
                f"{row.month // 100}-{row.month % 100:02d}",
                district.number if district else "",
                district.name if district else _("outside the districts"),
                row.group,
                names.get(row.group, row.group),
                f.received,
                f.with_target,
                f.decided,
                f.resolved_in_time,
                csv_value(f.in_time_share, SHARE),
                f.resolved,
                csv_value(f.median_days, DAYS),
                f.closed,
                f.backlog,
                f.supporters,
                f.lighting_checks,
            ]
        )
    return _csv(out, _filename("bezirke-gruppen-monate", req))


@bp.get("/statistik.csv")
def cube_csv():
    return _cube(_read(request.args.get("district")))


@bp.get("/statistik/bezirk/<number>.csv")
def district_cube_csv(number: str):
    return _cube(_read(number))
