"""The open-data files: the public view of every report, streamed row by row.

Rows come from :func:`app.reports.public.public_select` (no description, no exact point of a
sensitive report, no contact data, no staff text) plus the supporter count, read with
``yield_per`` — a server-side cursor on PostgreSQL — so a file of a million reports is written
batch by batch and never held in memory. Names (categories, groups, districts, departments) come
from the small configuration tables, read once per file.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from app.catalogue.models import Category, CategoryGroup
from app.core.events import ReportEvent
from app.core.locale import pick_language
from app.extensions import db
from app.geo.models import District
from app.reports.labels import PUBLIC_STATUS_LABELS
from app.reports.models import Report, ReportSupporter
from app.reports.public import public_select
from app.routing.models import Department
from app.routing.names import pick_department_name

DEFAULT_BATCH = 1000


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    description: Any  # a lazy string: shown in the page's language


FIELDS: tuple[Field, ...] = (
    Field("reference", "text", _l("Reference number of the report (prefix-year-number); stable.")),
    Field("category_code", "text", _l("Code of the category (the Open311 service_code).")),
    Field("category_name", "text", _l("Name of the category in the file's language.")),
    Field("group_code", "text", _l("Code of the category group.")),
    Field("group_name", "text", _l("Name of the category group in the file's language.")),
    Field(
        "status",
        "text",
        _l(
            "Detailed status: new, in_review, in_progress, forwarded, resolved, not_resolvable, "
            "duplicate, rejected or reopened."
        ),
    ),
    Field("status_text", "text", _l("The status as residents read it on the status page.")),
    Field("is_open", "boolean", _l("true while the report is being worked on, else false.")),
    Field("district_number", "text", _l("Number of the city district (empty if none).")),
    Field("district_name", "text", _l("Name of the city district (empty if none).")),
    Field("department_code", "text", _l("Code of the responsible department (empty: triage).")),
    Field(
        "department_name",
        "text",
        _l(
            "Name of the responsible department in German, the same in every language's file "
            "(empty: triage); see department_name_local."
        ),
    ),
    Field(
        "department_name_local",
        "text",
        _l(
            "Name of the responsible department in the file's language; the German name where "
            "it has none (empty: triage)."
        ),
    ),
    Field(
        "lat",
        "number",
        _l(
            "Latitude (WGS 84) of the public point: where it was reported, or for sensitive "
            "categories the centre of its 250 m grid cell."
        ),
    ),
    Field("lon", "number", _l("Longitude (WGS 84) of the public point, as lat.")),
    Field(
        "is_coarse",
        "boolean",
        _l("true if the point is only the centre of a 250 m cell (unsafe places)."),
    ),
    Field("created_at", "datetime", _l("When the report was received (UTC, ISO 8601).")),
    Field("updated_at", "datetime", _l("When the report last changed (UTC, ISO 8601).")),
    Field(
        "closed_at", "datetime", _l("When the report was closed (UTC, ISO 8601; empty if open).")
    ),
    Field("supporters", "integer", _l('How many residents said "me too".')),
)
FIELD_NAMES = tuple(field.name for field in FIELDS)


# --- validators --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Validators:
    etag: str
    last_modified: datetime | None


def _names_fingerprint() -> str:
    """The names a file shows change with an admin's edit, not with a report."""
    parts = []
    for model, columns in (
        (Category, (Category.id, Category.code, Category.names, Category.group_id)),
        (CategoryGroup, (CategoryGroup.id, CategoryGroup.code, CategoryGroup.names)),
        (District, (District.id, District.number, District.name)),
        (Department, (Department.id, Department.code, Department.name)),
    ):
        rows = db.session.execute(sa.select(*columns).order_by(model.id)).all()
        parts.append(json.dumps([list(row) for row in rows], sort_keys=True, default=str))
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def validators(kind: str, lang: str) -> Validators:
    """ETag and Last-Modified of a file, from a few indexed aggregates — no file is built.

    The ETag changes with the number of reports, their latest change, the latest event (which
    also records supporters joining or being removed), the number of supporters and the names;
    Last-Modified is the latest change of a report or event.
    """
    count, last_update = db.session.execute(
        sa.select(sa.func.count(Report.id), sa.func.max(Report.updated_at))
    ).one()
    last_event = db.session.execute(
        sa.select(ReportEvent.id, ReportEvent.created_at).order_by(ReportEvent.id.desc()).limit(1)
    ).first()
    supporters = db.session.execute(sa.select(sa.func.count(ReportSupporter.id))).scalar_one()
    if last_update is not None and last_update.tzinfo is None:  # a bare aggregate on SQLite
        last_update = last_update.replace(tzinfo=UTC)
    moments = [m for m in (last_update, last_event.created_at if last_event else None) if m]
    last_modified = max(moments) if moments else None
    key = "|".join(
        str(part)
        for part in (
            kind,
            lang,
            count,
            last_update.isoformat() if last_update else "",
            last_event.id if last_event else "",
            supporters,
            _names_fingerprint(),
        )
    )
    return Validators(
        etag=hashlib.sha256(key.encode()).hexdigest()[:32], last_modified=last_modified
    )


# --- rows --------------------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _query() -> sa.Select[Any]:
    supporters = (
        sa.select(sa.func.count(ReportSupporter.id))
        .where(ReportSupporter.report_id == Report.id)
        .correlate(Report)
        .scalar_subquery()
    )
    return public_select().add_columns(supporters.label("supporters")).order_by(Report.id)


def rows(lang: str, batch: int = DEFAULT_BATCH) -> Iterator[dict[str, Any]]:
    """Every report's public row (oldest first), read ``batch`` rows at a time."""
    groups: dict[str, dict[str, str]] = {
        row.code: row.names
        for row in db.session.execute(sa.select(CategoryGroup.code, CategoryGroup.names))
    }
    districts = {
        row.id: (row.number, row.name)
        for row in db.session.execute(sa.select(District.id, District.number, District.name))
    }
    departments = {
        row.id: (row.code, row.name, pick_department_name(row.name, row.names, lang))
        for row in db.session.execute(
            sa.select(Department.id, Department.code, Department.name, Department.names)
        )
    }
    with force_locale(lang):
        status_texts = {status: str(label) for status, label in PUBLIC_STATUS_LABELS.items()}
    group_names = {code: pick_language(names, lang) for code, names in groups.items()}
    result = db.session.execute(_query().execution_options(yield_per=batch))
    for row in result:
        district = districts.get(row.district_id, (None, None))
        department = departments.get(row.department_id, (None, None, None))
        yield {
            "reference": row.reference,
            "category_code": row.category_code,
            "category_name": pick_language(row.category_names, lang),
            "group_code": row.group_code,
            "group_name": group_names.get(row.group_code, row.group_code),
            "status": row.status.value,
            "status_text": status_texts[row.status],
            "is_open": row.status.is_open,
            "district_number": district[0],
            "district_name": district[1],
            "department_code": department[0],
            "department_name": department[1],
            "department_name_local": department[2],
            "lat": round(row.lat, 6),
            "lon": round(row.lon, 6),
            "is_coarse": bool(row.is_coarse),
            "created_at": _iso(row.created_at),
            "updated_at": _iso(row.updated_at),
            "closed_at": _iso(row.closed_at),
            "supporters": int(row.supporters or 0),
        }


# --- formats -------------------------------------------------------------------------------


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def csv_chunks(lang: str, batch: int = DEFAULT_BATCH) -> Iterator[str]:
    """RFC 4180 CSV (UTF-8, comma, CRLF), a header line first; one chunk per ``batch`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def take() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(FIELD_NAMES)
    yield take()
    for n, row in enumerate(rows(lang, batch), start=1):
        writer.writerow([_csv_value(row[name]) for name in FIELD_NAMES])
        if n % batch == 0:
            yield take()
    rest = take()
    if rest:
        yield rest


def geojson_chunks(lang: str, batch: int = DEFAULT_BATCH) -> Iterator[str]:
    """A GeoJSON FeatureCollection (RFC 7946) of Points; one chunk per ``batch`` features."""
    yield '{"type":"FeatureCollection","features":['
    pending: list[str] = []
    for n, row in enumerate(rows(lang, batch)):
        lat, lon = row.pop("lat"), row.pop("lon")
        feature = {
            "type": "Feature",
            "id": row["reference"],
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": row,
        }
        pending.append(
            ("," if n else "") + json.dumps(feature, ensure_ascii=False, separators=(",", ":"))
        )
        if len(pending) >= batch:
            yield "".join(pending)
            pending = []
    yield "".join(pending) + "]}"
