"""The queue's filter on a map, and as CSV or GeoJSON downloads."""

from __future__ import annotations

import tempfile
from collections.abc import Callable

from flask import Response, current_app, jsonify, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.orm import selectinload

from app.auth.decorators import staff_required
from app.core.locale import current_lang
from app.extensions import db
from app.inbox import exports
from app.inbox.blueprint import bp
from app.inbox.filters import local_timezone, parse_filter, today_local
from app.inbox.presenters import is_overdue, local_datetime, status_label
from app.inbox.queries import allowed_scopes, filter_choices, filtered
from app.reports.models import Report

EXPORT_IN_MEMORY = 8 * 1024 * 1024
MAP_LIMIT = 2000


@bp.get("/map")
@staff_required
def map_view():
    parsed = parse_filter(request.args, current_user)
    return render_template(
        "inbox/map.html",
        form=parsed.form,
        notices=parsed.notices,
        scopes=allowed_scopes(current_user),
        data_url=url_for(".map_geojson", **parsed.form.args()),
        tiles_url=current_app.config.get("MAP_TILES_URL") or "",
        tiles_attribution=current_app.config.get("MAP_TILES_ATTRIBUTION") or "",
        limit=MAP_LIMIT,
        **filter_choices(),
    )


@bp.get("/map.geojson")
@staff_required
def map_geojson():
    parsed = parse_filter(request.args, current_user)
    query = filtered(current_user, parsed.filter, local_timezone())
    if parsed.filter.newest_first:
        order = (Report.created_at.desc(), Report.id.desc())
    else:
        order = (Report.created_at.asc(), Report.id.asc())
    rows = (
        db.session.execute(
            query.order_by(*order).limit(MAP_LIMIT + 1).options(selectinload(Report.category))
        )
        .scalars()
        .all()
    )
    lang = current_lang()
    features = [
        {
            "type": "Feature",
            "id": r.reference,
            "geometry": {"type": "Point", "coordinates": [round(r.lon, 6), round(r.lat, 6)]},
            "properties": {
                "reference": r.reference,
                "url": url_for(".report", reference=r.reference),
                "category": r.category.name(lang),
                "status": r.status.value,
                "status_label": status_label(r.status),
                "overdue": is_overdue(r),
                "created": local_datetime(r.created_at),
            },
        }
        for r in rows[:MAP_LIMIT]
    ]
    response = jsonify(
        {
            "type": "FeatureCollection",
            "features": features,
            "truncated": len(rows) > MAP_LIMIT,
            "limit": MAP_LIMIT,
        }
    )
    response.mimetype = "application/geo+json"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _export(kind: str, mimetype: str, chunks: Callable) -> Response:
    """The whole export is written first (to memory, or a temporary file once it is large),
    then sent: it is read inside the request, and a client that goes away leaves no
    half-read query behind."""
    parsed = parse_filter(request.args, current_user)
    tz = local_timezone()
    spool = tempfile.SpooledTemporaryFile(max_size=EXPORT_IN_MEMORY)  # noqa: SIM115 (sent)
    for chunk in chunks(current_user, parsed.filter, tz, current_lang()):
        spool.write(chunk.encode("utf-8"))
    spool.seek(0)
    response = send_file(
        spool,
        mimetype=mimetype,
        as_attachment=True,
        max_age=0,
        download_name=f"quartiersmelder-{today_local(tz).isoformat()}.{kind}",
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/export.csv")
@staff_required
def export_csv():
    return _export("csv", "text/csv", exports.csv_lines)


@bp.get("/export.geojson")
@staff_required
def export_geojson():
    return _export("geojson", "application/geo+json", exports.geojson_chunks)
