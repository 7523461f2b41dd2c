"""Every parameter of the GeoReport v2 API, declared once (``Param``: where it is sent, what it
may be, what it means, which reader parses it), and the parameters of each operation. The views
read them with ``PARAM.read()``; the OpenAPI document (``app.open311.openapi``) is rendered from
the same declarations. A test (``tests/open311/test_parameters.py``) compares what the views
really read with what the document lists. Mostly data: each operation's parameters at the end."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.cities.examples import example_reference
from app.core.enums import AttributeType
from app.open311 import readers
from app.open311.limits import API_KEY_FIELD
from app.open311.param import Catalogue, Param
from app.open311.readers import attribute_field
from app.open311.render import FORMATS
from app.reports.drafts import PhotoUpload
from app.reports.idempotency import KEY_PATTERN

# GET requests: a page small enough to answer fast at a million reports (as Mark-a-Spot's
# page_size); clients that want more ask for it, up to MAX_PAGE_SIZE, or page on.
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_PAGE = 1_000_000
# X-Total-Count is counted up to this many requests and left out above it (as GitLab does with
# its x-total over 10,000): counting stops there, so its cost does not grow with history.
TOTAL_COUNT_CAP = 10_000
RESIDENT_LIST_DEFAULT = 20
RESIDENT_LIST_MAX = 100
ADDRESS_MAX_LENGTH = 255
DESCRIPTION_MAX_LENGTH = 2000
MAX_PHOTOS = 3
# Languages of the answers' texts, and those residents can get their status messages in.
LANGUAGES = ("de", "en", "tr", "ar")
NOTIFICATION_LANGUAGES = LANGUAGES
# A Telegram chat id: digits, negative for groups and channels (e.g. -1001234567890).
CHAT_ID_PATTERN = "^-?[0-9]{1,20}$"
CHAT_ID_EXAMPLE = "123456789"


def _active_codes(catalogue: Catalogue) -> list[str]:
    return catalogue.codes


def _attribute_fields(catalogue: Catalogue) -> dict[str, Any]:
    """``attribute[code]`` (and ``attribute[code][]`` for multi-value lists) of all categories."""
    fields: dict[str, Any] = {}
    for category in catalogue.categories:
        for attr in category.attributes:
            keys = attr.value_keys()
            if attr.datatype == AttributeType.MULTIVALUELIST:
                fields[attribute_field(attr.code, several=True)] = {
                    "type": "array",
                    "items": {"type": "string", "enum": keys},
                    "description": f"{attr.label('en')} (service {category.code}; several keys).",
                }
            elif attr.datatype == AttributeType.SINGLEVALUELIST:
                fields[attribute_field(attr.code)] = {
                    "type": "string",
                    "enum": keys,
                    "description": f"{attr.label('en')} (service {category.code}).",
                }
            else:
                fields.setdefault(
                    attribute_field(attr.code),
                    {
                        "type": "string",
                        "description": f"{attr.label('en')} ({attr.datatype.value}).",
                    },
                )
    return fields


# --- path -------------------------------------------------------------------------------------

FORMAT: Param[None] = Param("format", "path", description="Response format.", enum=FORMATS)
SERVICE_CODE_PATH: Param[None] = Param(
    "service_code",
    "path",
    min_length=1,
    example=lambda catalogue: catalogue.codes[0] if catalogue.codes else "x",
)
SERVICE_REQUEST_ID_PATH: Param[None] = Param(
    "service_request_id", "path", min_length=1, example=lambda _: example_reference()
)
CHAT_ID_PATH = Param(
    "chat_id",
    "path",
    parser=readers.required_chat_id,
    required=True,
    missing=_l("Please give the telegram_chat_id."),
    description="The resident's Telegram chat id.",
    pattern=CHAT_ID_PATTERN,
    example=CHAT_ID_EXAMPLE,
)
TOKEN_PATH: Param[None] = Param("token", "path", min_length=1)

# --- headers ----------------------------------------------------------------------------------

LANGUAGE: Param[None] = Param(  # read by the app's locale selector
    "Accept-Language",
    "header",
    description="Language of names and messages: de (default), en, tr or ar; the locale "
    "parameter wins.",
    example="tr",
)
IDEMPOTENCY_KEY = Param(
    "Idempotency-Key",
    "header",
    parser=readers.idempotency_key,
    description=(
        "One key per report, chosen by the client (1–100 letters, digits, . _ : -). Sent again "
        "with the same content within a day (a retry after a slow answer), it answers the "
        "report created the first time and creates nothing; with other content, 422. Keys "
        "belong to one API key."
    ),
    pattern=KEY_PATTERN.pattern,
)
IF_NONE_MATCH = Param(
    "If-None-Match",
    "header",
    parser=readers.entity_tags,
    description="The ETag of an answer this client holds: 304 without a body while it is "
    "still current.",
)
CHAT_HEADER = Param(
    "X-Telegram-Chat-Id",
    "header",
    parser=readers.chat_header,
    description="Leave out the requests this chat reported or supports (through this key).",
    pattern=CHAT_ID_PATTERN,
)

# --- query ------------------------------------------------------------------------------------

JURISDICTION: Param[None] = Param(
    "jurisdiction_id", "query", description="Ignored: this endpoint serves one jurisdiction."
)
# Read for every request before its view (``views._answer_language``).
RESPONSE_LOCALE = Param(
    "locale",
    "query",
    parser=readers.response_locale,
    description="Extension (as Mark-a-Spot's): the language of service names, descriptions, "
    "questions, status words and notices in this answer; wins over Accept-Language. A region "
    "(tr-TR) counts as its language; other values are ignored. Default: Accept-Language, "
    "else de.",
    enum=LANGUAGES,
)
SERVICE_REQUEST_IDS = Param(
    "service_request_id",
    "query",
    parser=readers.comma_list,
    description="Comma-separated ids; overrides all other filters.",
)
SERVICE_CODES = Param(
    "service_code",
    "query",
    parser=readers.comma_list,
    description="Comma-separated service codes.",
)
START_DATE = Param(
    "start_date",
    "query",
    parser=readers.w3c_datetime,
    description="Earliest requested_datetime (default: 90 days ago).",
    format="date-time",
)
END_DATE = Param(
    "end_date",
    "query",
    parser=readers.w3c_datetime,
    description="Latest requested_datetime; at most 90 days after start_date.",
    format="date-time",
)
STATUS = Param(
    "status",
    "query",
    parser=readers.statuses,
    description="open, closed, or both comma-separated.",
    enum=("open", "closed"),
    comma_separated=True,
)
UPDATED_AFTER = Param(
    "updated_after",
    "query",
    parser=readers.w3c_datetime,
    description="Extension: updated_datetime from.",
    format="date-time",
)
UPDATED_BEFORE = Param(
    "updated_before",
    "query",
    parser=readers.w3c_datetime,
    description="Extension: updated_datetime up to.",
    format="date-time",
)
BBOX = Param(
    "bbox",
    "query",
    parser=readers.bbox,
    description="Extension: min_long,min_lat,max_long,max_lat.",
    example="7.40,51.49,7.50,51.53",
)
PAGE = Param(
    "page",
    "query",
    parser=readers.whole_number,
    description="Extension: page number (Link headers name the first, previous, next and "
    "last pages).",
    type="integer",
    minimum=1,
    maximum=MAX_PAGE,
    default=1,
)
PAGE_SIZE = Param(
    "page_size",
    "query",
    parser=readers.whole_number,
    description=f"Extension: requests per page (default {DEFAULT_PAGE_SIZE}, at most "
    f"{MAX_PAGE_SIZE}).",
    type="integer",
    minimum=1,
    maximum=MAX_PAGE_SIZE,
    default=DEFAULT_PAGE_SIZE,
)
EXTENSIONS = Param(
    "extensions",
    "query",
    parser=readers.flag,
    description="true: add extended_attributes to each request.",
    type="boolean",
)
SERVICE_CODE = Param(
    "service_code",
    "query",
    parser=readers.required_text,
    required=True,
    missing=_l("Please choose a category."),
    description="The service.",
)
# Read as a pair (``readers.coordinates``), with one message for both.
LAT = Param(
    "lat",
    "query",
    parser=readers.text,
    required=True,
    description="WGS84 latitude.",
    type="number",
    minimum=-90,
    maximum=90,
)
LONG = Param(
    "long",
    "query",
    parser=readers.text,
    required=True,
    description="WGS84 longitude.",
    type="number",
    minimum=-180,
    maximum=180,
)
ADDRESS = Param(
    "address",
    "query",
    parser=readers.address,
    required=True,
    missing=_l("Please enter an address."),
    description="The address as typed.",
    max_length=ADDRESS_MAX_LENGTH,
    example="Musterstraße 1",
)
LIMIT = Param(
    "limit",
    "query",
    parser=readers.whole_number,
    description=f"At most this many requests (default {RESIDENT_LIST_DEFAULT}).",
    type="integer",
    minimum=1,
    maximum=RESIDENT_LIST_MAX,
    default=RESIDENT_LIST_DEFAULT,
)

# --- form fields ------------------------------------------------------------------------------

API_KEY: Param[None] = Param(  # read by ``limits.api_key_token``, like the header
    API_KEY_FIELD,
    "form",
    description="The client's key, when it cannot send the X-API-Key header (GeoReport v2).",
)
JURISDICTION_FIELD: Param[None] = Param("jurisdiction_id", "form", description="Ignored.")
SERVICE_CODE_FIELD = Param(
    "service_code",
    "form",
    parser=readers.required_text,
    required=True,
    missing=_l("Please choose a category."),
    enum=_active_codes,
)
LAT_FIELD = Param(
    "lat",
    "form",
    parser=readers.text,  # checked by the intake, with the address as the alternative
    description="WGS84 latitude; with long, or give address_string.",
    type="number",
    minimum=-90,
    maximum=90,
)
LONG_FIELD = Param("long", "form", parser=readers.text, type="number", minimum=-180, maximum=180)
ADDRESS_STRING = Param(
    "address_string",
    "form",
    parser=readers.text,
    description="Looked up with the geocoder when no lat/long.",
)
ADDRESS_ID: Param[None] = Param("address_id", "form", description="Not supported; ignored.")
DESCRIPTION = Param(
    "description", "form", parser=readers.raw_text, max_length=DESCRIPTION_MAX_LENGTH
)
EMAIL = Param(
    "email",
    "form",
    parser=readers.text,
    description="Given means: the person wants status updates here (consent).",
)
FIRST_NAME = Param("first_name", "form", parser=readers.text)
LAST_NAME = Param("last_name", "form", parser=readers.text)
PHONE = Param("phone", "form", parser=readers.text)
# Accepted and not stored: no personal identifiers, and no URL is ever fetched.
DEVICE_ID: Param[None] = Param("device_id", "form", description="Accepted, not stored.")
ACCOUNT_ID: Param[None] = Param("account_id", "form", description="Accepted, not stored.")
MEDIA_URL: Param[None] = Param(
    "media_url", "form", description="Accepted, not stored, never fetched."
)
TELEGRAM_CHAT_ID = Param(
    "telegram_chat_id",
    "form",
    parser=readers.chat_id,
    description="A Telegram chat id: digits, may start with -.",
    pattern=CHAT_ID_PATTERN,
    example=CHAT_ID_EXAMPLE,
)
REOPEN_CHAT_ID = Param(
    "telegram_chat_id",
    "form",
    parser=readers.required_chat_id,
    required=True,
    missing=_l("Please give the telegram_chat_id."),
    description=TELEGRAM_CHAT_ID.description,
    pattern=CHAT_ID_PATTERN,
    example=CHAT_ID_EXAMPLE,
)
UPDATES = Param(
    "updates",
    "form",
    parser=readers.boolean,
    description="true: the resident consents to status messages in this Telegram chat. "
    "Without it the chat id is not stored.",
    type="boolean",
    default=False,
)
LOCALE = Param(
    "locale",
    "form",
    parser=readers.notification_locale,
    description="The resident's language for status messages. Default: the best match of "
    "Accept-Language, else de; other languages get that default too.",
    enum=NOTIFICATION_LANGUAGES,
)
RESIDENT_LOCALE = Param(
    "locale",
    "form",
    parser=readers.choice,
    required=True,
    missing=_l(
        "Please give the locale: one of %(locales)s.", locales=", ".join(NOTIFICATION_LANGUAGES)
    ),
    description="The resident's language for status messages.",
    enum=NOTIFICATION_LANGUAGES,
)
COMMENT = Param(
    "comment",
    "form",
    parser=readers.required_text,
    required=True,
    missing=_l("Please tell us what is still wrong."),
    description="What is still wrong.",
    min_length=1,
)
ATTRIBUTE_FIELDS = Param(
    "attribute[code]",
    "form",
    parser=readers.attributes,
    expand=_attribute_fields,
)
MEDIA: Param[list[PhotoUpload]] = Param(
    "media",
    "file",
    parser=readers.photos,
    description="Photos (JPEG, PNG, WebP, HEIC), as in the v2.1 draft.",
    type="array",
    items={"type": "string", "format": "binary"},
    max_items=MAX_PHOTOS,
    aliases=("media[]",),
)

# --- the parameters of each operation (by operationId) ----------------------------------------

COMMON = (FORMAT, LANGUAGE, RESPONSE_LOCALE, JURISDICTION)
MESSENGER_FIELDS = (TELEGRAM_CHAT_ID, UPDATES, LOCALE)
OPERATIONS: dict[str, tuple[Param[Any], ...]] = {
    "discovery": (FORMAT, LANGUAGE, RESPONSE_LOCALE),
    "getServices": (*COMMON, IF_NONE_MATCH),
    "getServiceDefinition": (SERVICE_CODE_PATH, *COMMON, IF_NONE_MATCH),
    "postServiceRequest": (
        *COMMON,
        IDEMPOTENCY_KEY,
        API_KEY,
        JURISDICTION_FIELD,
        SERVICE_CODE_FIELD,
        LAT_FIELD,
        LONG_FIELD,
        ADDRESS_STRING,
        ADDRESS_ID,
        DESCRIPTION,
        EMAIL,
        FIRST_NAME,
        LAST_NAME,
        PHONE,
        DEVICE_ID,
        ACCOUNT_ID,
        MEDIA_URL,
        *MESSENGER_FIELDS,
        ATTRIBUTE_FIELDS,
        MEDIA,
    ),
    "getServiceRequests": (
        *COMMON,
        SERVICE_REQUEST_IDS,
        SERVICE_CODES,
        START_DATE,
        END_DATE,
        STATUS,
        UPDATED_AFTER,
        UPDATED_BEFORE,
        BBOX,
        PAGE,
        PAGE_SIZE,
        EXTENSIONS,
        IF_NONE_MATCH,
    ),
    "getNearbyRequests": (*COMMON, CHAT_HEADER, SERVICE_CODE, LAT, LONG),
    "getServiceRequest": (SERVICE_REQUEST_ID_PATH, *COMMON, IF_NONE_MATCH),
    "geocode": (*COMMON, ADDRESS),
    "checkLocation": (*COMMON, LAT, LONG),
    "addSupporter": (SERVICE_REQUEST_ID_PATH, *COMMON, API_KEY, *MESSENGER_FIELDS),
    "reopenRequest": (SERVICE_REQUEST_ID_PATH, *COMMON, API_KEY, REOPEN_CHAT_ID, COMMENT),
    "getResidentRequests": (CHAT_ID_PATH, *COMMON, LIMIT),
    "deleteResidentData": (CHAT_ID_PATH, *COMMON, API_KEY),
    "changeResidentLocale": (CHAT_ID_PATH, *COMMON, API_KEY, RESIDENT_LOCALE),
    "getToken": (TOKEN_PATH, *COMMON),
}
