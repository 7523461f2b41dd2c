"""The checks of a draft, each on its own: the category's extra questions, the coordinates,
the photos, the contact, an address looked up, and control characters cleaned from every
text. Each gives back the checked value and the messages per field, in the user's language;
``app.reports.intake.validate_draft`` runs them all before anything is written."""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l

from app.catalogue.models import Category, CategoryAttribute
from app.catalogue.snapshot import CategorySnapshot, QuestionSnapshot
from app.cities.examples import coordinates_not_numbers
from app.cities.settings import city
from app.core.enums import AttributeType
from app.core.errors import DraftInvalid, PhotoRejected
from app.geo.geocoding import GeocoderUnavailable, Place
from app.geo.index import is_valid_coordinate
from app.geo.service import geocoder
from app.photos.pipeline import ProcessedPhoto, process_photo
from app.photos.service import photo_limits
from app.reports.drafts import ReportDraft

log = logging.getLogger(__name__)

STRING_MAX_LENGTH = 200
TEXT_MAX_LENGTH = 2000


def _as_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [str(item).strip() for item in items if str(item).strip()]


def _attribute_label(attr: CategoryAttribute | QuestionSnapshot) -> LazyString:
    """The attribute's label in the language the message is finally shown in."""
    return LazyString(lambda: attr.label(str(get_locale() or "de")))


def check_attributes(
    category: Category | CategorySnapshot, raw: dict[str, Any]
) -> tuple[dict[str, Any], dict]:
    """Typed values of the category's extra questions and errors per ``attribute.<code>``."""
    values: dict[str, Any] = {}
    errors: dict[str, LazyString] = {}
    for attr in category.attributes:
        field_name = f"attribute.{attr.code}"
        label = _attribute_label(attr)
        given = _as_list(raw.get(attr.code))
        if not given:
            if attr.is_required:
                errors[field_name] = _l("Please answer: %(label)s", label=label)
            continue
        if attr.datatype == AttributeType.MULTIVALUELIST:
            unknown = [v for v in given if v not in attr.value_keys()]
            if unknown:
                errors[field_name] = _l(
                    "“%(value)s” is not one of the choices for “%(label)s”.",
                    value=unknown[0],
                    label=label,
                )
            else:
                values[attr.code] = list(dict.fromkeys(given))
            continue
        value = given[0]
        if attr.datatype == AttributeType.SINGLEVALUELIST:
            if value not in attr.value_keys():
                errors[field_name] = _l(
                    "“%(value)s” is not one of the choices for “%(label)s”.",
                    value=value,
                    label=label,
                )
                continue
        elif attr.datatype == AttributeType.NUMBER:
            try:
                number = float(value.replace(",", "."))
            except ValueError:
                number = math.nan
            if not math.isfinite(number):
                errors[field_name] = _l("“%(label)s” must be a number.", label=label)
                continue
            values[attr.code] = int(number) if number.is_integer() else number
            continue
        elif attr.datatype == AttributeType.DATETIME:
            try:
                datetime.fromisoformat(value)
            except ValueError:
                errors[field_name] = _l(
                    "“%(label)s” must be a date and time like 2026-05-01T20:30.", label=label
                )
                continue
        else:
            default_max = (
                TEXT_MAX_LENGTH if attr.datatype == AttributeType.TEXT else STRING_MAX_LENGTH
            )
            limit = attr.max_length or default_max
            if len(value) > limit:
                errors[field_name] = _l(
                    "“%(label)s” is too long (at most %(max)d characters).", label=label, max=limit
                )
                continue
        values[attr.code] = value
    return values, errors


def parse_coordinates(draft: ReportDraft) -> tuple[float | None, float | None, dict]:
    """The draft's point, or none given, or a message."""
    raw_lat = "" if draft.lat is None else str(draft.lat).strip()
    raw_lon = "" if draft.lon is None else str(draft.lon).strip()
    if not raw_lat and not raw_lon:
        return None, None, {}
    if not raw_lat or not raw_lon:
        return None, None, {"location": _l("Please give both latitude and longitude.")}
    try:
        lat, lon = float(raw_lat.replace(",", ".")), float(raw_lon.replace(",", "."))
    except ValueError:
        return (
            None,
            None,
            {"location": coordinates_not_numbers()},
        )
    if not is_valid_coordinate(lat, lon):
        return (
            None,
            None,
            {
                "location": _l(
                    "These coordinates do not exist (latitude −90…90, longitude −180…180)."
                )
            },
        )
    return lat, lon, {}


def check_photos(draft: ReportDraft) -> tuple[list[ProcessedPhoto], DraftInvalid | None]:
    """The photos made ready to store, or the refusal of the first that cannot be used."""
    limit = current_app.config["PHOTO_MAX_COUNT"]
    if len(draft.photos) > limit:
        return [], DraftInvalid({"photos": _l("At most %(n)d photos, please.", n=limit)})
    processed: list[ProcessedPhoto] = []
    limits = photo_limits()
    for number, upload in enumerate(draft.photos, start=1):
        try:
            processed.append(process_photo(upload.data, limits))
        except PhotoRejected as refused:
            name = upload.filename or _l("Photo %(n)d", n=number)
            message = _l("%(name)s: %(reason)s", name=name, reason=refused.errors["photos"])
            return [], DraftInvalid({"photos": message}, refused.status)
    return processed, None


def check_contact(draft: ReportDraft) -> tuple[dict[str, str | None], dict]:
    """E-mail (normalised), name, phone and Telegram chat, if the resident agreed."""
    contact = draft.contact
    empty: dict[str, str | None] = {
        "email": None,
        "name": None,
        "phone": None,
        "telegram_chat_id": None,
    }
    if contact is None:
        return empty, {}
    email = (contact.email or "").strip() or None
    if email is None and not contact.telegram_chat_id:
        return empty, {}
    if not contact.consent:
        return empty, {
            "consent": _l(
                "Please agree that we may use your contact details for status updates "
                "– or leave the e-mail field empty."
            )
        }
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            return empty, {"email": _l("This e-mail address does not look right.")}
    return {
        "email": email,
        "name": (contact.name or "").strip()[:200] or None,
        "phone": (contact.phone or "").strip()[:50] or None,
        "telegram_chat_id": str(contact.telegram_chat_id) if contact.telegram_chat_id else None,
    }, {}


def geocode_address(address: str) -> tuple[Place | None, dict]:
    """The place of an address typed in, or why there is none."""
    service = geocoder()
    if service is None:
        return None, {
            "address": _l("Address search is switched off here. Please mark the place on the map.")
        }
    try:
        place = service.geocode(address)
    except GeocoderUnavailable:
        log.warning("Geocoder unavailable for an address search")
        return None, {
            "address": _l(
                "The address search is not reachable right now. Please mark the place on the "
                "map, or try again in a few minutes."
            )
        }
    if place is None:
        return None, {
            "address": _l(
                "We could not find “%(address)s” in %(city)s. Please check the address or mark "
                "the place on the map.",
                address=address,
                city=city().name,
            )
        }
    return place, {}


_CONTROL_CHARACTERS = dict.fromkeys(c for c in range(32) if chr(c) not in "\n\t")


def _clean_text(value: Any) -> Any:
    """Strip control characters (NUL breaks PostgreSQL text) from text of every channel."""
    if isinstance(value, str):
        return value.translate(_CONTROL_CHARACTERS)
    if isinstance(value, list | tuple):
        return [_clean_text(v) for v in value]
    return value


def cleaned_draft(draft: ReportDraft) -> ReportDraft:
    """The draft with control characters stripped from every text."""
    contact = draft.contact
    if contact is not None:
        contact = replace(
            contact,
            email=_clean_text(contact.email),
            name=_clean_text(contact.name),
            phone=_clean_text(contact.phone),
        )
    return replace(
        draft,
        category_code=_clean_text(draft.category_code),
        description=_clean_text(draft.description or ""),
        address=_clean_text(draft.address),
        attributes={_clean_text(k): _clean_text(v) for k, v in (draft.attributes or {}).items()},
        contact=contact,
    )
