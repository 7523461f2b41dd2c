"""Readers of the API's parameters: each takes the values sent and the parameter's declaration
(``app.open311.param.Param``: its name, bounds, choices, pattern, default and the message for
a missing value) and answers the value, or ``Open311Error`` 400 with a message that says what
to change. Empty counts as not given (GeoReport v2 "optional arguments")."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ETags, MultiDict
from werkzeug.http import parse_etags

from app.cities.examples import coordinates_not_numbers
from app.core.locale import chosen_locale
from app.open311.errors import Open311Error
from app.open311.param import Param, Source
from app.reports import idempotency
from app.reports.drafts import PhotoUpload

# Dates far outside this window only overflow date arithmetic; no report is there.
MIN_YEAR, MAX_YEAR = 1900, 2999

ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def attribute_field(code: str, *, several: bool = False) -> str:
    """The form field of a category attribute: ``attribute[code]`` (``attribute[code][]`` for
    one of several values), as ``ATTRIBUTE_FIELD`` reads it."""
    return f"attribute[{code}][]" if several else f"attribute[{code}]"


def clean(text: str) -> str:
    """Input text without NUL characters: they mean nothing in a report, and PostgreSQL can
    neither store nor compare them (it would answer with an error instead of a result)."""
    return text.replace("\x00", "")


def sent(source: Source, name: str) -> Any:
    """``source.get(name)``: the first value sent, None when there is none. A form or query
    string is asked whether it holds the name first: werkzeug's ``MultiDict.get`` makes (and
    catches) an HTTP exception for each name that was not sent, and a POST leaves most of the
    optional parameters out."""
    if isinstance(source, MultiDict) and name not in source:
        return None
    return source.get(name)


def optional(source: Source, name: str) -> str | None:
    """A parameter's value; empty counts as not given (GeoReport v2 "optional arguments")."""
    value = sent(source, name)
    if value is None:
        return None
    value = clean(value).strip()
    return value or None


def _missing(param: Param[Any]) -> Open311Error:
    assert param.missing is not None, f"{param.name} is required: declare its message"
    return Open311Error(400, param.missing)


def text(source: Source, param: Param[str | None]) -> str | None:
    """Text, stripped; None when not given."""
    return optional(source, param.name)


def required_text(source: Source, param: Param[str]) -> str:
    """Text that must be given (``param.missing`` otherwise)."""
    value = optional(source, param.name)
    if value is None:
        raise _missing(param)
    return value


def raw_text(source: Source, param: Param[str]) -> str:
    """Free text as sent (without NUL characters), "" when not given; the intake checks it."""
    return clean(sent(source, param.name) or "")


def address(source: Source, param: Param[str]) -> str:
    """A typed address: given, and at most ``max_length`` characters."""
    value = required_text(source, param)
    if param.max_length is not None and len(value) > param.max_length:
        raise Open311Error(
            400,
            _l("The address is too long (at most %(max)d characters).", max=param.max_length),
        )
    return value


def comma_list(source: Source, param: Param[list[str]]) -> list[str]:
    """A comma-separated parameter, which may also be given several times."""
    items: list[str] = []
    for raw in source.getlist(param.name):
        items += [part.strip() for part in clean(raw).split(",") if part.strip()]
    return list(dict.fromkeys(items))


def statuses(source: Source, param: Param[list[str]]) -> list[str]:
    """Comma-separated choices of ``param.enum``, lower-cased."""
    values = [value.lower() for value in comma_list(source, param)]
    unknown = [value for value in values if value not in param.choices()]
    if unknown:
        raise Open311Error(
            400, _l("status must be open or closed, not “%(value)s”.", value=unknown[0][:40])
        )
    return values


def w3c_datetime(source: Source, param: Param[datetime | None]) -> datetime | None:
    """A W3C date-time (``2026-05-01T00:00:00Z``, ``…+02:00``, or a date); without a zone the
    city's local time is meant."""
    name = param.name
    raw = optional(source, name)
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


def whole_number(source: Source, param: Param[int]) -> int:
    """A whole number from 1 to ``param.maximum``; ``param.default`` when not given."""
    assert param.minimum == 1, "the message says: from 1"
    assert param.maximum is not None, param.name
    raw = optional(source, param.name)
    if raw is None:
        return int(param.default)
    maximum = int(param.maximum)
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= maximum:
        raise Open311Error(
            400,
            _l("%(name)s must be a whole number from 1 to %(max)d.", name=param.name, max=maximum),
        )
    return value


def flag(source: Source, param: Param[bool]) -> bool:
    """Lenient: 1, true or yes switch it on; anything else leaves it off."""
    return (optional(source, param.name) or "").lower() in {"1", "true", "yes"}


def boolean(source: Source, param: Param[bool]) -> bool:
    """``true``/``false`` (also 1/0, yes/no, on/off); 400 for anything else."""
    raw = optional(source, param.name)
    if raw is None:
        return bool(param.default)
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise Open311Error(400, _l("%(name)s must be true or false.", name=param.name))


def bbox(source: Source, param: Param[Any]) -> tuple[float, float, float, float] | None:
    """min_long,min_lat,max_long,max_lat on the globe."""
    raw = optional(source, param.name)
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


def coordinates(lat: Param[Any], lon: Param[Any]) -> tuple[float, float]:
    """Latitude and longitude, both required, numbers, within their declared bounds."""
    raw_lat, raw_lon = optional(lat.source(), lat.name), optional(lon.source(), lon.name)
    if raw_lat is None or raw_lon is None:
        raise Open311Error(400, _l("Please give both latitude and longitude."))
    try:
        values = float(raw_lat.replace(",", ".")), float(raw_lon.replace(",", "."))
    except ValueError:
        raise Open311Error(400, coordinates_not_numbers()) from None
    for value, param in zip(values, (lat, lon), strict=True):
        assert param.minimum is not None, param.name
        assert param.maximum is not None, param.name
        if not (math.isfinite(value) and param.minimum <= value <= param.maximum):
            raise Open311Error(
                400, _l("These coordinates do not exist (latitude −90…90, longitude −180…180).")
            )
    return values


def chat_id_value(value: str | None, param: Param[Any]) -> str | None:
    """A Telegram chat id as ``param.pattern`` says (digits, may start with "-"); None when not
    given, unless ``param.required``."""
    value = clean(value or "").strip() or None
    if value is None:
        if param.required:
            raise _missing(param)
        return None
    if param.pattern is not None and not re.match(param.pattern, value):
        raise Open311Error(
            400, _l("telegram_chat_id must be a number (digits, may start with “-”).")
        )
    return value


def chat_id(source: Source, param: Param[str | None]) -> str | None:
    """An optional chat id."""
    return chat_id_value(sent(source, param.name), param)


def required_chat_id(source: Source, param: Param[str]) -> str:
    """A chat id that must be given (``param.required``)."""
    value = chat_id_value(sent(source, param.name), param)
    assert value is not None, f"{param.name}: declare it required"
    return value


def chat_header(source: Source, param: Param[str | None]) -> str | None:
    """A chat id in a header: not sent (or empty), None; sent, it must be one."""
    raw = sent(source, param.name)
    if not raw:
        return None
    value = chat_id_value(raw, param)
    if value is None:  # sent, but only blanks
        raise Open311Error(400, _l("Please give the telegram_chat_id."))
    return value


def _language(source: Source, param: Param[Any]) -> str | None:
    """One of ``param.enum`` from the parameter (a region like ``en-GB`` or ``tr_TR`` counts as
    its language), else None."""
    raw = (optional(source, param.name) or "").lower().replace("_", "-")
    language = raw.split("-", 1)[0]
    return language if language in param.choices() else None


def notification_locale(source: Source, param: Param[str]) -> str:
    """The resident's language for status messages: one of ``param.enum``, else the language of
    this answer (the ``locale`` query parameter), else the best match of Accept-Language, else
    the first (German). Other languages get the default rather than a refusal: the report
    matters more."""
    languages = param.choices()
    chosen = chosen_locale()
    return (
        _language(source, param)
        or (chosen if chosen in languages else None)
        or request.accept_languages.best_match(languages)
        or languages[0]
    )


def response_locale(source: Source, param: Param[str | None]) -> str | None:
    """The language of this answer's texts (the ``locale`` query parameter): one of
    ``param.enum``; anything else is ignored (Accept-Language decides), never refused."""
    return _language(source, param)


def choice(source: Source, param: Param[str]) -> str:
    """One of ``param.enum``, exactly (``param.missing`` otherwise)."""
    value = optional(source, param.name)
    if value is None or value not in param.choices():
        raise _missing(param)
    return value


def idempotency_key(source: Source, param: Param[str | None]) -> str | None:
    """A client's key for one report (the pattern is ``idempotency.KEY_PATTERN``)."""
    given = (sent(source, param.name) or "").strip()
    if not given:
        return None
    if not idempotency.is_valid_key(given):
        raise Open311Error(
            400,
            _l(
                "The Idempotency-Key header must be 1 to 100 characters: letters, digits, "
                "dot, underscore, colon or hyphen."
            ),
        )
    return given


def entity_tags(source: Source, param: Param[ETags]) -> ETags:
    """The entity tags of ``If-None-Match`` (``*`` included); none when not sent. A malformed
    header matches nothing, so the full answer is sent (RFC 9110: a condition the server
    cannot read is ignored)."""
    return parse_etags(sent(source, param.name))


def attributes(source: Source, param: Param[Any]) -> dict[str, str | list[str]]:
    """``attribute[code]=v`` and ``attribute[code][]=v1&attribute[code][]=v2`` as
    ``{code: v}`` and ``{code: [v1, v2]}``."""
    values: dict[str, list[str]] = {}
    for key in source:
        if not isinstance(key, str):  # a multipart part whose name could not be read
            continue
        match = ATTRIBUTE_FIELD.match(key)
        if match is None:
            continue
        values.setdefault(clean(match.group(1)), []).extend(clean(v) for v in source.getlist(key))
    return {code: items[0] if len(items) == 1 else items for code, items in values.items()}


def photos(source: Source, param: Param[list[PhotoUpload]]) -> list[PhotoUpload]:
    """The uploaded files under ``param.name`` and its aliases (``media``, ``media[]``)."""
    return [
        PhotoUpload(data=upload.read(), filename=upload.filename)
        for name in (param.name, *param.aliases)
        for upload in source.getlist(name)
        if upload.filename
    ]
