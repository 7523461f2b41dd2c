"""Exports of a queue filter as CSV and GeoJSON — never with the reporters' contact data.

Rows are read in keyset batches (the queue's own query), so an export of a large filter
streams instead of loading everything at once.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

from app.auth.models import User
from app.core.db import utcnow
from app.inbox.presenters import status_label, supporter_counts
from app.inbox.queries import QueueFilter, queue_page
from app.reports.models import Report

BATCH = 500

# Columns of both exports (GeoJSON: properties; the point is the geometry).
COLUMNS = (
    "reference",
    "created_at",
    "status",
    "status_label",
    "category_code",
    "category",
    "district_number",
    "district",
    "department_code",
    "department",
    "address",
    "lat",
    "lon",
    "due_at",
    "overdue",
    "closed_at",
    "supporters",
    "channel",
    "description",
)


def reports(user: User, queue_filter: QueueFilter, tz: str) -> Iterator[tuple[Report, int]]:
    """Every report of the filter, in the filter's order, with its supporter count."""
    f = replace(queue_filter, cursor=None)
    while True:
        page = queue_page(user, f, tz, page_size=BATCH, with_counts=False)
        counts = supporter_counts(r.id for r in page.reports)
        for report in page.reports:
            yield report, counts.get(report.id, 0)
        if page.next_cursor is None:
            return
        f = replace(f, cursor=page.next_cursor)


def row(report: Report, supporters: int, lang: str) -> dict[str, Any]:
    now = utcnow()
    return {
        "reference": report.reference,
        "created_at": report.created_at.isoformat(timespec="seconds"),
        "status": report.status.value,
        "status_label": status_label(report.status),
        "category_code": report.category.code,
        "category": report.category.name(lang),
        "district_number": report.district.number if report.district else None,
        "district": report.district.name if report.district else None,
        "department_code": report.department.code if report.department else None,
        "department": report.department.name if report.department else None,
        "address": report.address,
        "lat": round(report.lat, 6),
        "lon": round(report.lon, 6),
        "due_at": report.due_at.isoformat(timespec="seconds") if report.due_at else None,
        "overdue": bool(report.due_at and report.status.is_open and report.due_at < now),
        "closed_at": report.closed_at.isoformat(timespec="seconds") if report.closed_at else None,
        "supporters": supporters,
        "channel": report.channel.value,
        "description": report.description,
    }


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> Any:
    """Spreadsheet-safe: text that a spreadsheet would run as a formula gets a leading '."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_lines(user: User, queue_filter: QueueFilter, tz: str, lang: str) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(COLUMNS)
    yield "\ufeff" + flush()  # BOM: spreadsheets then read the umlauts right
    for n, (report, supporters) in enumerate(reports(user, queue_filter, tz), start=1):
        data = row(report, supporters, lang)
        writer.writerow([_cell(data[c]) for c in COLUMNS])
        if n % 100 == 0:
            yield flush()
    yield flush()


def feature(report: Report, supporters: int, lang: str) -> dict[str, Any]:
    properties = row(report, supporters, lang)
    lat, lon = properties.pop("lat"), properties.pop("lon")
    return {
        "type": "Feature",
        "id": report.reference,
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": properties,
    }


def geojson_chunks(user: User, queue_filter: QueueFilter, tz: str, lang: str) -> Iterator[str]:
    yield '{"type":"FeatureCollection","features":['
    for n, (report, supporters) in enumerate(reports(user, queue_filter, tz)):
        yield ("," if n else "") + json.dumps(
            feature(report, supporters, lang), ensure_ascii=False, separators=(",", ":")
        )
    yield "]}"
