"""Our categories and reports in GeoReport v2 terms — the only place that knows Open311 field names.

Nothing personal leaves here: no e-mail, name, phone or chat id; no photo until photos are
released; the description as moderated; addresses without house number; unsafe-place
(sensitive) reports get the coarse public point, no address and no unmoderated free text — as
on the web status page.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.core.enums import AttributeType, ReportStatus
from app.core.events import ReportEvent
from app.reports.labels import PUBLIC_STATUS_LABELS
from app.reports.models import Category, Report, pick_language
from app.reports.queries import public_point

# "Friedensplatz 1a, 44135 Dortmund" → "Friedensplatz, 44135 Dortmund", as on the status page:
# a house number may be someone's home.
_HOUSE_NUMBER = re.compile(r"\s+\d+\s*[a-zA-Z]?(\s*[-–/]\s*\d+\s*[a-zA-Z]?)?$")


def street_level(address: str | None) -> str | None:
    if not address:
        return None
    parts = [part.strip() for part in address.split(",")]
    parts[0] = _HOUSE_NUMBER.sub("", parts[0])
    return ", ".join(part for part in parts if part) or None


DATATYPE_DESCRIPTIONS = {
    AttributeType.NUMBER: _l("A number, e.g. 3 or 2.5."),
    AttributeType.DATETIME: _l("A date and time like 2026-05-01T20:30."),
    AttributeType.SINGLEVALUELIST: _l("One of the keys listed in values."),
    AttributeType.MULTIVALUELIST: _l(
        "One or more of the keys listed in values: attribute[code][]=key1&attribute[code][]=key2."
    ),
}


def current_language() -> str:
    """The language of this request (Accept-Language; German by default)."""
    locale = str(get_locale() or "")
    languages = current_app.config.get("LANGUAGES", ["de"])
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def w3c(moment: datetime | None) -> str | None:
    """A W3C date-time with the offset of the city's time zone, e.g. 2026-05-01T20:30:00+02:00."""
    if moment is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.astimezone(zone).isoformat(timespec="seconds")


def open311_status(status: ReportStatus) -> str:
    return "open" if status.is_open else "closed"


def status_name(status: ReportStatus) -> str:
    return str(PUBLIC_STATUS_LABELS.get(status, status.value))


# --- services ---------------------------------------------------------------------------------


def service(category: Category, lang: str) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name(lang),
        "description": category.description(lang) or None,
        "metadata": bool(category.attributes),
        "type": "realtime",
        "keywords": category.keywords or None,
        "group": category.group.name(lang) if category.group else None,
    }


def service_definition(category: Category, lang: str) -> dict[str, Any]:
    attributes = []
    for order, attr in enumerate(category.attributes, start=1):
        is_list = attr.datatype in (AttributeType.SINGLEVALUELIST, AttributeType.MULTIVALUELIST)
        datatype_description = attr.help_text(lang) or None
        if datatype_description is None and attr.datatype in DATATYPE_DESCRIPTIONS:
            datatype_description = str(DATATYPE_DESCRIPTIONS[attr.datatype])
        attributes.append(
            {
                "variable": True,
                "code": attr.code,
                "datatype": attr.datatype.value,
                "required": attr.is_required,
                "datatype_description": datatype_description,
                "order": order,
                "description": attr.label(lang),
                "values": [
                    {
                        "key": value["key"],
                        "name": pick_language(value.get("names"), lang) or value["key"],
                    }
                    for value in (attr.values if is_list else [])
                ],
            }
        )
    return {"service_code": category.code, "attributes": attributes}


# --- requests ---------------------------------------------------------------------------------


def service_notice(report: Report, lang: str) -> str | None:
    """The routing decision in words: where the report went and why, and who is informed too."""
    parts = [pick_language(report.routing_reason, lang)]
    parts += [pick_language(copy.reason, lang) for copy in report.copies]
    text = " · ".join(part for part in parts if part)
    return text or None


def _event_status(event: ReportEvent) -> ReportStatus | None:
    if event.kind == "submitted":
        return ReportStatus.NEW
    data = event.data or {}
    for key in ("new", "to", "status", "new_status"):
        value = data.get(key)
        if value in ReportStatus._value2member_map_:
            return ReportStatus(value)
    return None


def history_notes(events: Iterable[ReportEvent]) -> list[dict[str, Any]]:
    """The public history, oldest first: when, what happened, the status after it, the note."""
    notes = []
    for event in events:
        status = _event_status(event)
        notes.append(
            {
                "datetime": w3c(event.created_at),
                "type": event.kind,
                "status": status.value if status else None,
                "status_descriptive_name": status_name(status) if status else None,
                "description": event.public_note or None,
            }
        )
    return notes


def latest_public_note(events: Iterable[ReportEvent]) -> str | None:
    notes = [event.public_note for event in events if event.public_note]
    return notes[-1] if notes else None


def service_request(
    report: Report,
    lang: str,
    events: list[ReportEvent] | None,
    *,
    extensions: bool,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One report as a GeoReport v2 request. ``events`` are its public events (oldest first);
    with ``extensions`` the ``extended_attributes`` block is added (plus ``extra`` in it)."""
    events = events or []
    sensitive = report.category.is_sensitive
    lat, lon = public_point(report)
    data: dict[str, Any] = {
        "service_request_id": report.reference,
        "status": open311_status(report.status),
        "status_notes": latest_public_note(events),
        "service_name": report.category.name(lang),
        "service_code": report.category.code,
        # As moderated; an unsafe-place report's own free text is never shown unmoderated.
        "description": report.public_description or None,
        "agency_responsible": report.department.name if report.department else None,
        "service_notice": service_notice(report, lang),
        "requested_datetime": w3c(report.created_at),
        # For closed requests the spec wants the moment of closing here.
        "updated_datetime": w3c(
            report.closed_at
            if not report.status.is_open and report.closed_at
            else report.updated_at
        ),
        "address": None if sensitive else street_level(report.address),
        "zipcode": report.zipcode,
        "lat": lat,
        "long": lon,
        # media_url: left out until a public photo address exists (photos need release first).
    }
    if report.due_at is not None:
        # The category's target in working days; left out where the category has none.
        data["expected_datetime"] = w3c(report.due_at)
    if extensions:
        district = report.district
        ext: dict[str, Any] = {
            "detailed_status": report.status.value,
            "status_descriptive_name": status_name(report.status),
            "district": district.name if district else None,
            "district_number": district.number if district else None,
            "department": report.department.name if report.department else None,
            "department_code": report.department.code if report.department else None,
            "group": report.category.group.name(lang) if report.category.group else None,
            "coarse_location": sensitive,
            "channel": report.channel.value,
            "duplicate_of": report.duplicate_of.reference if report.duplicate_of_id else None,
            "notes": history_notes(events),
        }
        ext.update(extra or {})
        data["extended_attributes"] = ext
    return data
