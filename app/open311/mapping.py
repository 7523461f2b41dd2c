"""Our categories and reports in GeoReport v2 terms — the only place that knows Open311 field names.

Requests are read only through the one public view (``app/reports/public.py``): no e-mail,
name, phone or chat id; only released photos; the description as moderated; addresses without
house number; unsafe-place (sensitive) reports with their cell's point, no address and no
unmoderated free text; no staff free text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask.globals import _cv_app
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from app.catalogue.models import Category
from app.cities.settings import city
from app.core.enums import AttributeType, ReportStatus
from app.core.locale import pick_language
from app.reports.labels import public_status
from app.reports.models import Report
from app.reports.public import PublicEvent, PublicReport, public_reports
from app.reports.public_facts import ReportFacts

DATATYPE_DESCRIPTIONS = {
    AttributeType.NUMBER: _l("A number, e.g. 3 or 2.5."),
    AttributeType.DATETIME: _l("A date and time like 2026-05-01T20:30."),
    AttributeType.SINGLEVALUELIST: _l("One of the keys listed in values."),
    AttributeType.MULTIVALUELIST: _l(
        "One or more of the keys listed in values: attribute[code][]=key1&attribute[code][]=key2."
    ),
}


def current_language() -> str:
    """The language of this answer (``locale``, else Accept-Language; German by default)."""
    locale = str(get_locale() or "")
    languages = current_app.config.get("LANGUAGES", ["de"])
    return locale if locale in languages else current_app.config["BABEL_DEFAULT_LOCALE"]


def w3c(moment: datetime | None) -> str | None:
    """A W3C date-time with the offset of the city's time zone, e.g. 2026-05-01T20:30:00+02:00."""
    if moment is None:
        return None
    # The app's config through the context variable, not the ``current_app`` proxy: a page of
    # requests writes some 150 of these.
    app_ctx = _cv_app.get(None)
    config = app_ctx.app.config if app_ctx is not None else current_app.config
    zone = ZoneInfo(config["BABEL_DEFAULT_TIMEZONE"])
    return moment.astimezone(zone).isoformat(timespec="seconds")


def open311_status(status: ReportStatus) -> str:
    return "open" if status.is_open else "closed"


def status_name(status: ReportStatus) -> str:
    return public_status(status)


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
        # Extensions for messenger clients: reports of a sensitive category (unsafe places) get
        # the emergency notice with the city's emergency number (both from the city's files).
        "sensitive": bool(category.is_sensitive),
        "emergency_number": city().emergency_number,
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


def service_notice(pub: PublicReport) -> str | None:
    """The routing decision in words made of public facts: where it went, who is informed too."""
    return notice((pub.routing_text, *pub.copy_texts))


def notice(texts: Iterable[str]) -> str | None:
    """Routing texts (``PublicReport.routing_text`` and ``copy_texts``) as one notice."""
    return " · ".join(part for part in texts if part) or None


def history_notes(events: Iterable[PublicEvent]) -> list[dict[str, Any]]:
    """The public history, oldest first: when, what happened, the status after it, the note."""
    return [
        {
            "datetime": w3c(event.created_at),
            "type": event.kind,
            "status": event.status.value if event.status else None,
            "status_descriptive_name": status_name(event.status) if event.status else None,
            "description": event.note,
        }
        for event in events
    ]


def service_requests(
    reports: Sequence[Report | ReportFacts],
    *,
    extensions: bool,
    extras: dict[str, dict[str, Any]] | None = None,
    supporters: dict[int, int] | None = None,
) -> list[dict[str, Any]]:
    """Reports as GeoReport v2 requests, read through the one public view (``supporters``:
    the counts by report id when they were read with the reports)."""
    views = public_reports(reports, current_language(), external_urls=True, supporters=supporters)
    return [
        service_request(pub, extensions=extensions, extra=(extras or {}).get(pub.reference))
        for pub in views
    ]


def service_request(
    pub: PublicReport, *, extensions: bool, extra: dict[str, Any] | None = None
) -> dict[str, Any]:
    """One report's public view as a GeoReport v2 request; with ``extensions`` the
    ``extended_attributes`` block is added (plus ``extra`` in it)."""
    data: dict[str, Any] = {
        "service_request_id": pub.reference,
        "status": "open" if pub.is_open else "closed",
        "status_notes": pub.latest_note,
        "service_name": pub.category_name,
        "service_code": pub.category_code,
        # As moderated; an unsafe-place report's own free text is never shown unmoderated.
        "description": pub.description or None,
        "agency_responsible": pub.department_name,
        "service_notice": service_notice(pub),
        "requested_datetime": w3c(pub.created_at),
        # For closed requests the spec wants the moment of closing here.
        "updated_datetime": w3c(
            pub.closed_at if not pub.is_open and pub.closed_at else pub.updated_at
        ),
        "address": pub.address,
        "zipcode": pub.zipcode,
        "lat": pub.lat,
        "long": pub.lon,
    }
    if pub.photos:
        # The first photo a caseworker released; unreleased photos are never linked.
        data["media_url"] = pub.photos[0].url
    if pub.due_at is not None:
        # The category's target in working days; left out where the category has none.
        data["expected_datetime"] = w3c(pub.due_at)
    if extensions:
        ext: dict[str, Any] = {
            "detailed_status": pub.status.value,
            "status_descriptive_name": pub.status_text,
            "district": pub.district_name,
            "district_number": pub.district_number,
            "department": pub.department_name,
            "department_code": pub.department_code,
            "group": pub.group_name,
            "coarse_location": pub.is_coarse,
            "channel": pub.channel,
            "duplicate_of": pub.duplicate_of,
            "supporter_count": pub.supporters,
            "media_urls": [photo.url for photo in pub.photos],
            "notes": history_notes(pub.events),
        }
        ext.update(extra or {})
        data["extended_attributes"] = ext
    return data
