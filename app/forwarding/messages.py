"""The content of a ticket, the same for every sender: what the department or partner needs
to act (category, place, description, answers, photos, reference, links back)."""

from __future__ import annotations

from typing import Any

from flask import current_app, url_for

from app.forwarding.links import app_path, partner_token, public_url
from app.forwarding.models import Delivery
from app.reports.models import Report

MAP_LINK = "https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=19/{lat:.6f}/{lon:.6f}"


def attribute_lines(report: Report, lang: str = "de") -> list[tuple[str, str]]:
    """(label, answer) of the category's extra questions, in ``lang``."""
    lines = []
    for attr in report.category.attributes:
        value = report.attributes.get(attr.code)
        if value in (None, "", []):
            continue
        values = value if isinstance(value, list) else [value]
        lines.append((attr.label(lang), ", ".join(attr.value_name(str(v), lang) for v in values)))
    return lines


def _answerable(delivery: Delivery) -> Delivery:
    """A reminder's links act on the ticket it reminds of."""
    original_id = (delivery.payload or {}).get("original_delivery_id")
    if original_id:
        from app.extensions import db

        return db.session.get(Delivery, original_id) or delivery
    return delivery


def ticket(delivery: Delivery, lang: str = "de") -> dict[str, Any]:
    """Everything about the report a partner needs, as plain data (JSON-ready)."""
    report = delivery.report
    token = partner_token(_answerable(delivery))
    status_path = app_path("web.status", reference=report.reference)
    link_path = app_path("partner.link", token=token)
    return {
        "reference": report.reference,
        "idempotency_key": delivery.idempotency_key,
        "purpose": delivery.purpose,
        "category": {
            "code": report.category.code,
            "name": report.category.name(lang),
            "group": report.category.group.name(lang),
        },
        "status": report.status.value,
        "district": report.district.name if report.district else None,
        "address": report.address,
        "zipcode": report.zipcode,
        "lat": report.lat,
        "lon": report.lon,
        "map_url": MAP_LINK.format(lat=report.lat, lon=report.lon),
        "description": report.description,
        "attributes": [
            {"label": label, "value": value} for label, value in attribute_lines(report, lang)
        ],
        "created_at": report.created_at.isoformat(),
        "due_at": report.due_at.isoformat() if report.due_at else None,
        "department": delivery.department.name if delivery.department else None,
        "status_url": public_url(status_path),
        "partner_url": public_url(link_path),
        "photos": [p.storage_key for p in ticket_photos(delivery)],
        "photos_held_back": held_back_photos(delivery),
    }


def ticket_photos(delivery: Delivery) -> list:
    """The photos a ticket carries: the report's that partners may see (anonymised or checked),
    without a partner's "after" photo."""
    from app.reports.partner_photos import photos_for_partners

    return photos_for_partners(delivery.report)[0]


def held_back_photos(delivery: Delivery) -> int:
    """How many of the report's photos a ticket leaves out until a caseworker checked them."""
    from app.reports.partner_photos import photos_for_partners

    return photos_for_partners(delivery.report)[1]


def resident_target(delivery: Delivery):
    """The ReporterContact or ReportSupporter a resident delivery goes to (None if gone)."""
    from app.reports.models import ReporterContact, ReportSupporter

    kind, _, ident = delivery.target.partition(":")
    model = {"contact": ReporterContact, "supporter": ReportSupporter}.get(kind)
    if model is None or not ident.isdigit():
        return None
    from app.extensions import db

    return db.session.get(model, int(ident))


def resident_update_text(delivery: Delivery) -> str:
    """A short status message for a resident, in their language (payload ``locale``)."""
    from flask_babel import force_locale
    from flask_babel import gettext as _

    from app.core.enums import ReportStatus
    from app.reports.labels import PUBLIC_STATUS_LABELS

    report = delivery.report
    payload = delivery.payload or {}
    locale = payload.get("locale") or report.locale or "de"
    with current_app.test_request_context(), force_locale(locale):
        status_path = url_for("web.status", reference=report.reference)
        new = ReportStatus(payload.get("new", report.status.value))
        lines = [
            _(
                "Your report %(reference)s (%(category)s):",
                reference=report.reference,
                category=report.category.name(locale),
            ),
            _("Status: %(status)s", status=str(PUBLIC_STATUS_LABELS[new]))
            if payload.get("new") != payload.get("old")
            else _("New note from the city."),
        ]
        if payload.get("note"):
            lines.append(f"„{payload['note']}“" if locale == "de" else f"“{payload['note']}”")
        lines.append(_("Details: %(url)s", url=public_url(status_path)))
    return "\n".join(lines)
