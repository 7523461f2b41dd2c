"""Open-data page and files: ``/open-data/``, ``reports.csv``, ``reports.geojson``.

The files are current to the minute: built on each request (streamed), answered with 304 when
the client's ETag or date is still current, and cacheable for 60 s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import click
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    send_from_directory,
    stream_with_context,
)
from flask_babel import format_datetime
from werkzeug.http import http_date, is_resource_modified

from app.core.locale import current_lang
from app.opendata import export, snapshots
from app.opendata.config import licence

bp = Blueprint(
    "opendata",
    __name__,
    url_prefix="/open-data",
    template_folder="templates",
    static_folder="static",
    static_url_path="/assets",
    cli_group="open-data",
)

MAX_AGE = 60


def _file_lang() -> str:
    """A file's language is part of its URL (``?lang=en``), never the visitor's session, so the
    same URL always means the same file."""
    asked = request.args.get("lang", "")
    if asked in current_app.config["LANGUAGES"]:
        return asked
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def _batch() -> int:
    return int(current_app.config.get("OPEN_DATA_BATCH", export.DEFAULT_BATCH))


@bp.get("/")
def index():
    stamp = export.validators("page", current_lang())
    return render_template(
        "opendata/index.html",
        fields=export.FIELDS,
        snapshots=snapshots.snapshots(),
        licence=licence(),
        last_modified=format_datetime(stamp.last_modified, "medium")
        if stamp.last_modified
        else None,
    )


def _file(kind: str, mimetype: str, chunks: Callable[[str, int], Iterator[str]]) -> Response:
    lang = _file_lang()
    stamp = export.validators(kind, lang)
    headers = {
        "ETag": f'"{stamp.etag}"',
        "Cache-Control": f"public, max-age={MAX_AGE}",
        "Access-Control-Allow-Origin": "*",
    }
    if stamp.last_modified is not None:
        headers["Last-Modified"] = http_date(stamp.last_modified)
    if not is_resource_modified(
        request.environ, etag=stamp.etag, last_modified=stamp.last_modified
    ):
        return Response(status=304, headers=headers)
    suffix = "" if lang == current_app.config["BABEL_DEFAULT_LOCALE"] else f"-{lang}"
    headers["Content-Disposition"] = f'inline; filename="reports{suffix}.{kind}"'
    if request.method == "HEAD":
        # Headers only: no query is started (a stream nobody reads would hold its request
        # context and database cursor open).
        return Response(mimetype=mimetype, headers=headers)
    body = stream_with_context(chunk.encode("utf-8") for chunk in chunks(lang, _batch()))
    return Response(body, mimetype=mimetype, headers=headers)


@bp.get("/reports.csv")
def reports_csv():
    return _file("csv", "text/csv", export.csv_chunks)


@bp.get("/reports.geojson")
def reports_geojson():
    return _file("geojson", "application/geo+json", export.geojson_chunks)


@bp.get("/snapshots/<name>")
def snapshot(name: str):
    """A dated snapshot (``reports-2026-11-30.csv.gz``); it never changes once the day is over."""
    if not snapshots.NAME.match(name):
        abort(404)
    response = send_from_directory(
        snapshots.snapshot_dir(), name, mimetype="application/gzip", as_attachment=True
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.cli.command("snapshot")
@click.option("--date", "day", default=None, help="Date of the snapshot (default: today).")
def snapshot_command(day: str | None) -> None:
    """Write today's open-data snapshot (CSV and GeoJSON, gzip) and prune old ones."""
    tz = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin"))
    when = date.fromisoformat(day) if day else datetime.now(tz).date()
    for written in snapshots.write_snapshot(when):
        click.echo(f"{written.name}: {written.size:,} bytes")
