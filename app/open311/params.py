"""Query and form parameters of the GeoReport v2 API, parsed and checked (``Open311Error`` 400
with a message that says what to change)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.cities.examples import coordinates_not_numbers
from app.core.db import utcnow
from app.open311.errors import Open311Error

MAX_RANGE = timedelta(days=90)
DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 1000
MAX_IDS = 1000
# Dates far outside this window only overflow date arithmetic; no report is there.
MIN_YEAR, MAX_YEAR = 1900, 2999

_ATTRIBUTE_KEY = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# A Telegram chat id: digits, negative for groups and channels (e.g. -1001234567890).
_CHAT_ID = re.compile(r"^-?[0-9]{1,20}$")
# Languages residents can get their status messages in (the bot's languages).
NOTIFICATION_LANGUAGES = ("de", "en", "tr", "ar")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def clean(text: str) -> str:
    """Input text without NUL characters: they mean nothing in a report, and PostgreSQL can
    neither store nor compare them (it would answer with an error instead of a result)."""
    return text.replace("\x00", "")


def optional(args: MultiDict, name: str) -> str | None:
    """A parameter's value; empty counts as not given (GeoReport v2 "optional arguments")."""
    value = args.get(name)
    if value is None:
        return None
    value = clean(value).strip()
    return value or None


def comma_list(args: MultiDict, name: str) -> list[str]:
    """A comma-separated parameter, which may also be given several times."""
    items: list[str] = []
    for raw in args.getlist(name):
        items += [part.strip() for part in clean(raw).split(",") if part.strip()]
    return list(dict.fromkeys(items))


def w3c_datetime(args: MultiDict, name: str) -> datetime | None:
    """A W3C date-time (``2026-05-01T00:00:00Z``, ``…+02:00``, or a date); without a zone the
    city's local time is meant."""
    raw = optional(args, name)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise Open311Error(
            400,
            _l(
                "%(name)s must be a W3C date and time like 2026-05-01T00:00:00Z, not “%(value)s”.",
                name=name,
                value=raw[:40],
            ),
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]))
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        raise Open311Error(
            400,
            _l(
                "%(name)s must lie between the years %(first)d and %(last)d.",
                name=name,
                first=MIN_YEAR,
                last=MAX_YEAR,
            ),
        )
    return moment


def _check_order(start: datetime, end: datetime, start_name: str, end_name: str) -> None:
    if end < start:
        raise Open311Error(
            400, _l("%(end)s lies before %(start)s.", end=end_name, start=start_name)
        )


@dataclass(frozen=True)
class RequestFilter:
    ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    updated_after: datetime | None
    updated_before: datetime | None
    statuses: list[str]
    bbox: tuple[float, float, float, float] | None  # min_lon, min_lat, max_lon, max_lat
    page: int
    page_size: int
    extensions: bool


def _date_window(args: MultiDict, updated_given: bool) -> tuple[datetime | None, datetime | None]:
    start = w3c_datetime(args, "start_date")
    end = w3c_datetime(args, "end_date")
    if start is not None and end is not None:
        _check_order(start, end, "start_date", "end_date")
        if end - start > MAX_RANGE:
            raise Open311Error(
                400,
                _l("start_date and end_date may be at most 90 days apart (GeoReport v2)."),
            )
        return start, end
    if start is not None:
        return start, start + MAX_RANGE
    if end is not None:
        return end - MAX_RANGE, end
    if updated_given:
        return None, None
    now = utcnow()
    return now - MAX_RANGE, None


def positive_int(args: MultiDict, name: str, default: int, maximum: int) -> int:
    raw = optional(args, name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise Open311Error(
            400,
            _l("%(name)s must be a whole number from 1 to %(max)d.", name=name, max=maximum),
        )
    return value


def _bbox(args: MultiDict) -> tuple[float, float, float, float] | None:
    raw = optional(args, "bbox")
    if raw is None:
        return None
    message = _l(
        "bbox must be four numbers: min_long,min_lat,max_long,max_lat, e.g. 7.40,51.49,7.50,51.53."
    )
    try:
        values = [float(part) for part in raw.split(",")]
    except ValueError:
        raise Open311Error(400, message) from None
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise Open311Error(400, message)
    min_lon, min_lat, max_lon, max_lat = values
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        raise Open311Error(400, message)
    return min_lon, min_lat, max_lon, max_lat


def _flag(args: MultiDict, name: str) -> bool:
    return (optional(args, name) or "").lower() in {"1", "true", "yes"}


def request_filter(args: MultiDict) -> RequestFilter:
    """The filters of GET requests; ``service_request_id`` overrides all the others."""
    ids = [ref.upper() for ref in comma_list(args, "service_request_id")][:MAX_IDS]
    extensions = _flag(args, "extensions")
    if ids:
        return RequestFilter(ids, [], None, None, None, None, [], None, 1, MAX_IDS, extensions)
    statuses = [s.lower() for s in comma_list(args, "status")]
    unknown = [s for s in statuses if s not in {"open", "closed"}]
    if unknown:
        raise Open311Error(
            400, _l("status must be open or closed, not “%(value)s”.", value=unknown[0][:40])
        )
    updated_after = w3c_datetime(args, "updated_after")
    updated_before = w3c_datetime(args, "updated_before")
    if updated_after is not None and updated_before is not None:
        _check_order(updated_after, updated_before, "updated_after", "updated_before")
    start, end = _date_window(args, updated_after is not None or updated_before is not None)
    return RequestFilter(
        ids=[],
        service_codes=comma_list(args, "service_code"),
        start=start,
        end=end,
        updated_after=updated_after,
        updated_before=updated_before,
        statuses=statuses,
        bbox=_bbox(args),
        page=positive_int(args, "page", 1, 1_000_000),
        page_size=positive_int(args, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE),
        extensions=extensions,
    )


def attributes_from_form(form: MultiDict) -> dict[str, str | list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` as
    ``{code: v}`` and ``{code: [v1, v2]}``."""
    values: dict[str, list[str]] = {}
    for key in form:
        if not isinstance(key, str):  # a multipart part whose name could not be read
            continue
        match = _ATTRIBUTE_KEY.match(key)
        if match is None:
            continue
        values.setdefault(clean(match.group(1)), []).extend(clean(v) for v in form.getlist(key))
    return {code: items[0] if len(items) == 1 else items for code, items in values.items()}


def coordinate_pair(args: MultiDict) -> tuple[float, float]:
    """``lat`` and ``long``, both required, numbers, on the globe."""
    raw_lat, raw_lon = optional(args, "lat"), optional(args, "long")
    if raw_lat is None or raw_lon is None:
        raise Open311Error(400, _l("Please give both latitude and longitude."))
    try:
        lat, lon = float(raw_lat.replace(",", ".")), float(raw_lon.replace(",", "."))
    except ValueError:
        raise Open311Error(400, coordinates_not_numbers()) from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise Open311Error(
            400, _l("These coordinates do not exist (latitude −90…90, longitude −180…180).")
        )
    return lat, lon


def telegram_chat_id(value: str | None, *, required: bool = False) -> str | None:
    """A Telegram chat id (digits, may start with "-"); 400 when malformed (or missing and
    ``required``)."""
    value = clean(value or "").strip() or None
    if value is None:
        if required:
            raise Open311Error(400, _l("Please give the telegram_chat_id."))
        return None
    if not _CHAT_ID.match(value):
        raise Open311Error(
            400, _l("telegram_chat_id must be a number (digits, may start with “-”).")
        )
    return value


def boolean(args: MultiDict, name: str, default: bool = False) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off); 400 for anything else."""
    raw = optional(args, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise Open311Error(400, _l("%(name)s must be true or false.", name=name))


def notification_locale(args: MultiDict) -> str:
    """The resident's language for status messages: ``locale`` (de, en, tr, ar; a region
    like ``en-GB`` counts as its language), else the best match of Accept-Language, else
    German. Other languages get the default rather than a refusal: the report matters more."""
    raw = (optional(args, "locale") or "").lower().replace("_", "-")
    language = raw.split("-", 1)[0]
    if language in NOTIFICATION_LANGUAGES:
        return language
    return request.accept_languages.best_match(NOTIFICATION_LANGUAGES) or "de"
