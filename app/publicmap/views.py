"""The public map: the page (filters, map, list), its cluster endpoint and "already reported
here". Views stay thin: parse, ask ``queries``, render."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.catalogue.models import CategoryGroup
from app.cities.settings import city
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.extensions import db
from app.geo.models import District
from app.publicmap.filters import BadParameter, parse_bbox, parse_filter, parse_point, parse_zoom
from app.publicmap.grid import MAX_CELLS, grid_for
from app.publicmap.queries import clusters, nearby_open_reports, report_page
from app.reports.labels import PUBLIC_STATUS_LABELS

bp = Blueprint(
    "publicmap",
    __name__,
    template_folder="templates",
    static_folder="static",
    static_url_path="/karte/assets",
)

DEFAULT_RATE_LIMIT = "600/minute"
_LIMITER = "qm_publicmap_limiter"
JSON_ENDPOINTS = ("publicmap.clusters_json", "publicmap.nearby_json")


def _lang() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _tz() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def _status_text(status: ReportStatus) -> str:
    return str(PUBLIC_STATUS_LABELS[status])


def _bad_request(*messages: str) -> tuple[Response, int]:
    return jsonify({"error": " ".join(messages), "problems": list(messages)}), 400


# --- rate limit of the JSON endpoints ---------------------------------------------------------


@bp.before_request
def _rate_limit():
    """The JSON endpoints cost an aggregate each: ``PUBLIC_MAP_RATE_LIMIT`` per client address
    (counters in ``RATELIMIT_STORAGE_URI``, shared by several web processes on Redis)."""
    if request.endpoint not in JSON_ENDPOINTS or not current_app.config.get(
        "RATELIMIT_ENABLED", True
    ):
        return None
    limiter = current_app.extensions.get(_LIMITER)
    if limiter is None:
        storage = storage_from_string(current_app.config["RATELIMIT_STORAGE_URI"])
        limiter = current_app.extensions[_LIMITER] = FixedWindowRateLimiter(storage)
    item = parse(current_app.config.get("PUBLIC_MAP_RATE_LIMIT") or DEFAULT_RATE_LIMIT)
    if limiter.hit(item, "publicmap", request.remote_addr or "unknown"):
        return None
    response = jsonify({"error": _("Too many requests. Please wait a minute and try again.")})
    response.status_code = 429
    response.headers["Retry-After"] = "60"
    return response


# --- the page -----------------------------------------------------------------------------------


def _status_choices() -> list[tuple[str, str]]:
    return [
        ("open", _("open")),
        ("closed", _("closed")),
    ]


def _detailed_status_choices() -> list[tuple[str, str]]:
    ordered = [s for s in ReportStatus if s in OPEN_STATUSES] + [
        s for s in ReportStatus if s not in OPEN_STATUSES
    ]
    return [(s.value, _status_text(s)) for s in ordered]


@bp.get("/karte")
def page():
    lang = _lang()
    parsed = parse_filter(request.args, _tz())
    cursor = request.args.get("cursor") or None
    listing = report_page(parsed.filter, lang, cursor)
    groups = db.session.execute(
        db.select(CategoryGroup).order_by(CategoryGroup.position, CategoryGroup.id)
    ).scalars()
    districts = db.session.execute(
        db.select(District.number, District.name).order_by(District.name)
    ).all()
    settings = city()
    filter_args: dict[str, Any] = parsed.form.args()
    return render_template(
        "publicmap/karte.html",
        form=parsed.form,
        notices=parsed.problems,
        groups=[(g.code, g.name(lang)) for g in groups],
        districts=districts,
        status_choices=_status_choices(),
        detailed_status_choices=_detailed_status_choices(),
        listing=listing,
        rows=[
            {
                "reference": r.reference,
                "category": r.category_name,
                "district": r.district_name,
                "status": _status_text(r.status),
                "is_open": r.status in OPEN_STATUSES,
                "date": format_date(r.created_at, "medium"),
                "iso_date": r.created_at.date().isoformat(),
            }
            for r in listing.reports
        ],
        is_later_page=bool(cursor),
        first_page_url=url_for(".page", **filter_args),
        next_page_url=(
            url_for(".page", cursor=listing.next_cursor, **filter_args)
            if listing.next_cursor
            else None
        ),
        filter_query=urlencode(filter_args),
        map_center=settings.map_center,
        # One step out from the city's usual zoom: the whole city rather than its centre.
        map_zoom=max(settings.map_zoom - 1, 0),
        tiles_url=current_app.config.get("MAP_TILES_URL") or "",
        tiles_attribution=current_app.config.get("MAP_TILES_ATTRIBUTION") or "",
        i18n=_map_texts(),
    )


def _map_texts() -> dict[str, Any]:
    """The words the map's script shows, in the page's language."""
    return {
        "zoomIn": _("Zoom in"),
        "zoomOut": _("Zoom out"),
        "loading": _("Loading reports …"),
        "count": _("{n} reports in this part of the map."),
        "countOne": _("1 report in this part of the map."),
        "none": _("No reports in this part of the map."),
        "failed": _("The reports could not be loaded for the map. The list shows them."),
        "cluster": _("{n} reports here – zoom in"),
        "approximate": _("Shown approximately (within about 250 m)."),
        "tilesFailed": _(
            "The map tiles could not be loaded. The district outlines are shown instead; the "
            "list below has every report."
        ),
        "chosen": _("Chosen place: {lat}, {lon}"),
        "chosenMarker": _("Chosen place"),
        "nearbyLoading": _("Looking for reports at this place …"),
        "nearbyTitle": _("Already reported here (open):"),
        "nearbyNone": _("Nothing open has been reported here yet."),
        "nearbyFailed": _("Could not check for reports at this place."),
        "nearbyApprox": _("nearby (location shown only approximately)"),
        "distance": _("{m} m away"),
        "hotspots": _("Hotspots"),
        "hotspot": _("Hotspot: {group}, {n} reports in {weeks} weeks"),
    }


# --- JSON -----------------------------------------------------------------------------------------


@bp.get("/karte/clusters.json")
def clusters_json():
    """Grid clusters of the filtered public points in ``bbox`` at ``zoom``.

    ``{"total", "cell": {"lat", "lon"}, "clusters": [{"count", "lat", "lon"}, …]}``; a cluster
    of one adds ``reference``, ``category``, ``status``, ``status_text``, ``url`` and
    ``approximate`` (true for a sensitive report, whose point is its cell's centre).
    """
    try:
        bbox = parse_bbox(request.args.get("bbox"))
        zoom = parse_zoom(request.args.get("zoom"))
    except BadParameter as bad:
        return _bad_request(str(bad))
    parsed = parse_filter(request.args, _tz())
    if parsed.problems:
        return _bad_request(*parsed.problems)
    grid = grid_for(zoom, bbox, city().map_center[0])
    result = clusters(parsed.filter, bbox, grid, _lang())
    items = []
    for cluster in result.clusters:
        item: dict[str, Any] = {
            "count": cluster.count,
            "lat": round(cluster.lat, 6),
            "lon": round(cluster.lon, 6),
        }
        if cluster.single is not None:
            single = cluster.single
            item.update(
                reference=single.reference,
                category=single.category_name,
                status=single.status.value,
                status_text=_status_text(single.status),
                url=url_for("web.status", reference=single.reference),
                approximate=single.is_coarse,
            )
        items.append(item)
    response = jsonify(
        {
            "zoom": zoom,
            "cell": {"lat": grid.d_lat, "lon": grid.d_lon},
            "max_cells": MAX_CELLS,
            "total": result.total,
            "clusters": items,
        }
    )
    response.headers["Cache-Control"] = "public, max-age=30"
    return response


@bp.get("/karte/nearby.json")
def nearby_json():
    """Open reports of any category near ``lat``/``lon`` ("already reported here")."""
    try:
        lat, lon = parse_point(request.args.get("lat"), request.args.get("lon"))
    except BadParameter as bad:
        return _bad_request(str(bad))
    found = nearby_open_reports(lat, lon, _lang())
    return jsonify(
        {
            "reports": [
                {
                    "reference": item.reference,
                    "category": item.category_name,
                    "status": item.status.value,
                    "status_text": _status_text(item.status),
                    "url": url_for("web.status", reference=item.reference),
                    "distance_m": item.distance_m,
                    "approximate": item.is_coarse,
                }
                for item in found
            ]
        }
    )
