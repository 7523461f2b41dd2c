"""The public hotspot layer and the staff page of hotspots."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.auth.decorators import staff_required
from app.core.locale import current_lang
from app.extensions import db
from app.hotspots.config import cell_edge_m
from app.hotspots.service import Hotspot, find_hotspots, hotspot_groups
from app.hotspots.sparkline import sparkline
from app.inbox.presenters import local_date, status_label
from app.reports.models import Report

bp = Blueprint(
    "hotspots",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/hotspots/assets",
)

# Reports listed under one hotspot on the staff page (the count and trend cover all).
REPORTS_PER_HOTSPOT = 50


def _local_day(moment: datetime) -> str:
    tz = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin"))
    return moment.astimezone(tz).date().isoformat()


def _feature(hotspot: Hotspot, group_name: str, weeks: int) -> dict:
    """Only what the public may know of a hotspot: its cell, counts and dates."""
    return {
        "type": "Feature",
        "id": f"{hotspot.group_code}:{hotspot.cell}",
        "geometry": {"type": "Polygon", "coordinates": [hotspot.boundary()]},
        "properties": {
            "cell": hotspot.cell,
            "group": hotspot.group_code,
            "group_name": group_name,
            "reports": hotspot.reports,
            "weeks": weeks,
            "first": _local_day(hotspot.first),
            "last": _local_day(hotspot.last),
        },
    }


@bp.get("/hotspots.geojson")
def public_geojson():
    """Hotspots of the groups the city shows publicly (``?group=`` for one of them)."""
    lang = current_lang()
    groups = hotspot_groups()
    wanted = request.args.get("group", "").strip()
    if wanted:
        groups = [group for group in groups if group.code == wanted]
        if not groups:
            response = jsonify({"error": _("There is no category group with this code.")})
            response.status_code = 404
            return response
    features = [
        _feature(hotspot, group.name(lang), group.rule.weeks)
        for group in groups
        if group.rule.is_public
        for hotspot in find_hotspots(group.rule)
    ]
    response = jsonify({"type": "FeatureCollection", "features": features})
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "public, max-age=60"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


def _trend_label(hotspot: Hotspot) -> str:
    weeks = ", ".join(
        _("%(date)s: %(count)d", date=format_date(start, "short"), count=count)
        for start, count in hotspot.trend
    )
    return _(
        "Reports per week since %(date)s: %(weeks)s",
        date=format_date(hotspot.window_start, "medium"),
        weeks=weeks,
    )


@bp.get("/inbox/hotspots")
@staff_required
def inbox_hotspots():
    """The hotspots of the user's departments (dispatchers and admins: all), per group."""
    groups = hotspot_groups()
    wanted = request.args.get("group", "").strip()
    shown = [group for group in groups if not wanted or group.code == wanted]
    scope = None if current_user.can_route_anywhere else current_user.department_ids
    sections = []
    wanted_ids: set[int] = set()
    for group in shown:
        hotspots = find_hotspots(group.rule, department_ids=scope)
        for hotspot in hotspots:
            wanted_ids.update(hotspot.report_ids[:REPORTS_PER_HOTSPOT])
        sections.append((group, hotspots))
    reports = {}
    if wanted_ids:
        reports = {
            report.id: report
            for report in db.session.execute(
                sa.select(Report)
                .where(Report.id.in_(sorted(wanted_ids)))
                .options(
                    selectinload(Report.category),
                    selectinload(Report.district),
                    selectinload(Report.department),
                )
            ).scalars()
        }
    response = current_app.make_response(
        render_template(
            "hotspots/inbox.html",
            groups=groups,
            wanted=wanted,
            sections=sections,
            reports=reports,
            per_hotspot=REPORTS_PER_HOTSPOT,
            is_all=scope is None,
            sparkline=sparkline,
            trend_label=_trend_label,
            cell_edge_m=cell_edge_m,
            status_label=status_label,
            local_date=local_date,
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
