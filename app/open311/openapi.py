"""The OpenAPI 3 description of the API, built from the code's own constants and the active
categories (service codes and their attributes are enums), served at /open311/v2/openapi.json.

A test runs schemathesis against it: every documented status, content type and body shape
must be what the views really answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from app.catalogue.models import Category
from app.cities.examples import example_reference
from app.cities.settings import city
from app.core.enums import AttributeType, ReportStatus
from app.extensions import db
from app.open311.params import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, NOTIFICATION_LANGUAGES

JSON = "application/json"
XML = "text/xml"

DESCRIPTION = """\
Open311 **GeoReport v2** of the Quartiersmelder: residents' reports of dirt and litter, lighting
defects and unsafe places. Every method answers in JSON or XML, chosen by the URL suffix
(`.json`, `.xml`); texts are in the language of `Accept-Language` (German by default, English).
Date-times are W3C date-times with a time zone. Errors are the spec's error body
(`[{"code": 400, "description": "…"}]`, `<errors><error>…`): 404 for what does not exist,
403 for a missing, unknown or revoked API key, 400 for anything else the client can correct,
413 for an upload over the size limit, 429 when the rate limit is reached (with `Retry-After`).

**Keys.** Reading needs no key. `POST requests`, `GET requests/nearby` and the extensions
for messenger clients (below) need an API key, best sent in the `X-API-Key` header: URLs with
their query strings end up in access logs. For GeoReport v2 compatibility the key is also taken
from the `api_key` form field of a POST or the `api_key` query parameter (the header wins when
both are sent). Operators create keys with `flask api-keys create NAME` (stored only as a
hash; revoke with `flask api-keys revoke NAME`). Each key may make {rate_limit} (per client
address without a key). Resident data (contact and supporter entries) belongs to the key it was
created with: the resident extensions see and change only the entries of the key asking.

**Privacy.** No GET answer contains personal data: no e-mail, name, phone, device or account
id, and no internal notes. Addresses are given down to the street (no house number), the
description as moderated by a caseworker (hidden ones are null). Reports of sensitive
categories (unsafe places) are shown with a coarse location (the centre of a grid cell of
about 250 m, `extended_attributes.coarse_location`), without address, and their free text only
once a caseworker has moderated it. `media_url` is the first photo a caseworker released (all
of them in `extended_attributes.media_urls`); photos not released are never linked. The
routing shown in `service_notice` is made from public facts (category, district, department
and the rule's own data), never from staff or partner notes. Every answer is read through one
public view of a report, the same as the web status page, the public map and the open data.

**Contact data and consent.** GeoReport v2 has no consent field. A client that sends `email`
declares that the person asked for status updates to that address: the address (with
`first_name`, `last_name`, `phone`) is stored for that purpose only, apart from the report, and
can be deleted. The same holds for a `telegram_chat_id` sent with `updates=true` (see the
extensions below). Without either no contact data is stored. `device_id`, `account_id` and
`media_url` are accepted and not stored (no URL is ever fetched); `account_id` is answered as null.

**Photos.** As in the GeoReport v2.1 draft, `POST requests` accepts `multipart/form-data` with
up to three image files in `media` (or `media[]`): JPEG, PNG, WebP or HEIC. They go through the
same photo pipeline as the web form (all metadata removed).

**Extensions** (following the GeoReport v2 extensions page and Mark-a-Spot):
`extended_attributes` on each request (always on `requests/{id}`, on lists with
`extensions=true`) with the detailed status, district, department and the public history in
`notes`; `page`/`page_size`, `bbox`, `updated_after`/`updated_before` on `GET requests`; and
`GET requests/nearby` for reporting clients (open reports of one category near a point).
Requests are created synchronously, so `GET tokens/{token}` answers 404 for every token.

**Extensions for messenger clients** (the Telegram bot; each needs an `api_key`, answers JSON
or XML, and answers 409 when the request's state does not allow the action):
`GET geocode` (an address → point, address as understood, district; 503 with `Retry-After`
when the geocoder is off or unreachable); `GET locations/check` (is a point inside the city,
with the message to show when not); on `POST requests` the fields `telegram_chat_id`,
`updates` and `locale` (the chat id is stored only with `updates=true`, the resident's consent
to status messages in that chat, in `locale`); `POST requests/{id}/supporters` ("me too");
`POST requests/{id}/reopen` ("not fixed", within 14 days of resolving, by the reporter or a
supporter); `GET residents/telegram/{chat_id}/requests` (the chat's reports, public fields
only, with `can_reopen`), `POST residents/telegram/{chat_id}/locale` (the language of the
chat's later status messages) and `POST residents/telegram/{chat_id}/delete` (removes the
chat's contact and supporter entries; the reports stay, anonymous). The resident routes see
and change only the entries made with the calling key.
"""


def _error_content() -> dict[str, Any]:
    return {
        JSON: {"schema": {"$ref": "#/components/schemas/Errors"}},
        XML: {"schema": {"type": "string"}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "A parameter is missing or wrong; the description says which.",
        403: "The API key (X-API-Key header or api_key) is missing, unknown or revoked.",
        404: "Unknown format suffix, service code or request.",
        409: "Not possible in the request's current state; the description says why.",
        413: "An uploaded file or the whole request is too large.",
        422: "The Idempotency-Key was used within a day for a request with other content.",
        429: "Rate limit reached; try again after Retry-After seconds.",
        503: "The geocoder is switched off or not reachable; try again after Retry-After.",
    }
    responses: dict[str, Any] = {}
    for code in codes:
        responses[str(code)] = {"description": texts[code], "content": _error_content()}
    if 429 in codes:
        responses["429"]["headers"] = {
            "Retry-After": {
                "description": "Seconds until the limit resets.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    if 503 in codes:
        responses["503"]["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    return responses


def _ok(schema_ref: str, description: str, status: int = 200) -> dict[str, Any]:
    return {
        str(status): {
            "description": description,
            "content": {
                JSON: {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}},
                XML: {"schema": {"type": "string"}},
            },
        }
    }


FORMAT = {
    "name": "format",
    "in": "path",
    "required": True,
    "description": "Response format.",
    "schema": {"type": "string", "enum": ["json", "xml"]},
}
LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "Language of names and messages: de (default) or en.",
    "schema": {"type": "string", "example": "en"},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "One key per report, chosen by the client (1–100 letters, digits, . _ : -). Sent again "
        "with the same content within a day (a retry after a slow answer), it answers the "
        "report created the first time and creates nothing; with other content, 422. Keys "
        "belong to one API key."
    ),
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9._:-]{1,100}$"},
}
CHAT_HEADER = {
    "name": "X-Telegram-Chat-Id",
    "in": "header",
    "required": False,
    "description": "Leave out the requests this chat reported or supports (through this key).",
    "schema": {"type": "string", "pattern": "^-?[0-9]{1,20}$"},
}
JURISDICTION = {
    "name": "jurisdiction_id",
    "in": "query",
    "required": False,
    "description": "Ignored: this endpoint serves one jurisdiction.",
    "schema": {"type": "string"},
}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _schemas(codes: list[str]) -> dict[str, Any]:
    string = {"type": "string"}
    datetime_ = {"type": "string", "format": "date-time"}
    statuses = [s.value for s in ReportStatus]
    return {
        "Errors": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["code", "description"],
                "properties": {
                    "code": {"type": "integer"},
                    "description": string,
                },
            },
        },
        "Discovery": {
            "type": "object",
            "required": ["changeset", "contact", "key_service", "endpoints"],
            "properties": {
                "changeset": string,
                "contact": string,
                "key_service": string,
                "endpoints": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["specification", "url", "changeset", "type", "formats"],
                        "properties": {
                            "specification": string,
                            "url": string,
                            "changeset": string,
                            "type": {"type": "string", "enum": ["production", "test"]},
                            "formats": {"type": "array", "items": string},
                            "description": string,
                        },
                    },
                },
            },
        },
        "Services": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["service_code", "service_name", "metadata", "type"],
                "properties": {
                    "service_code": {"type": "string", "enum": codes} if codes else string,
                    "service_name": string,
                    "description": _nullable(string),
                    "metadata": {"type": "boolean"},
                    "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
                    "keywords": _nullable(string),
                    "group": _nullable(string),
                    "sensitive": {
                        "type": "boolean",
                        "description": "Extension: an unsafe-place category; its public point "
                        "is the ~250 m cell, and clients show the emergency notice.",
                    },
                    "emergency_number": {
                        "type": "string",
                        "description": "Extension: the city's emergency number (e.g. for the "
                        "notice clients show with sensitive categories).",
                    },
                },
            },
        },
        "ServiceDefinition": {
            "type": "object",
            "required": ["service_code", "attributes"],
            "properties": {
                "service_code": string,
                "attributes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": [
                            "variable",
                            "code",
                            "datatype",
                            "required",
                            "order",
                            "description",
                            "values",
                        ],
                        "properties": {
                            "variable": {"type": "boolean"},
                            "code": string,
                            "datatype": {
                                "type": "string",
                                "enum": [t.value for t in AttributeType],
                            },
                            "required": {"type": "boolean"},
                            "datatype_description": _nullable(string),
                            "order": {"type": "integer", "minimum": 1},
                            "description": string,
                            "values": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "required": ["key", "name"],
                                    "properties": {"key": string, "name": string},
                                },
                            },
                        },
                    },
                },
            },
        },
        "CreatedRequests": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["service_request_id", "service_notice", "account_id"],
                "properties": {
                    "service_request_id": {"type": "string", "example": example_reference()},
                    "service_notice": _nullable(
                        {"type": "string", "description": "The routing decision in words."}
                    ),
                    "account_id": _nullable(string),
                },
            },
        },
        "Note": {
            "type": "object",
            "required": ["datetime", "type", "status", "status_descriptive_name", "description"],
            "properties": {
                "datetime": datetime_,
                "type": {"type": "string", "description": "What happened, e.g. submitted."},
                "status": _nullable({"type": "string", "enum": statuses}),
                "status_descriptive_name": _nullable(string),
                "description": _nullable({"type": "string", "description": "Public note."}),
            },
        },
        "ExtendedAttributes": {
            "type": "object",
            "required": [
                "detailed_status",
                "status_descriptive_name",
                "district",
                "district_number",
                "department",
                "department_code",
                "group",
                "coarse_location",
                "channel",
                "duplicate_of",
                "notes",
            ],
            "properties": {
                "detailed_status": {"type": "string", "enum": statuses},
                "status_descriptive_name": string,
                "district": _nullable(string),
                "district_number": _nullable(string),
                "department": _nullable(
                    {"type": "string", "description": "Null: waiting in the triage queue."}
                ),
                "department_code": _nullable(string),
                "group": _nullable(string),
                "coarse_location": {
                    "type": "boolean",
                    "description": "True: lat/long are the centre of a ~250 m cell.",
                },
                "channel": string,
                "duplicate_of": _nullable(
                    {"type": "string", "description": "The request this one duplicates."}
                ),
                "supporter_count": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "How many residents said “me too” (a number only).",
                },
                "media_urls": {
                    "type": "array",
                    "items": {"type": "string", "format": "uri"},
                    "description": "Photos released by a caseworker.",
                },
                "notes": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                "distance_m": _nullable(
                    {
                        "type": "number",
                        "description": "Only in requests/nearby: metres from the given point; "
                        "null for sensitive categories, which are compared by their ~250 m cell.",
                    }
                ),
                "can_reopen": {
                    "type": "boolean",
                    "description": "Only in residents/telegram/{chat_id}/requests.",
                },
            },
        },
        "ServiceRequests": {
            "type": "array",
            "items": {"$ref": "#/components/schemas/ServiceRequest"},
        },
        "ResidentRequests": {
            "type": "array",
            "items": {
                "allOf": [
                    {"$ref": "#/components/schemas/ServiceRequest"},
                    {
                        "type": "object",
                        "required": ["can_reopen", "extended_attributes"],
                        "properties": {
                            "can_reopen": {
                                "type": "boolean",
                                "description": "Resolved within the last 14 days: "
                                "requests/{id}/reopen is possible.",
                            }
                        },
                    },
                ]
            },
        },
        "Place": {
            "type": "object",
            "required": ["lat", "long", "address", "district"],
            "properties": {
                "lat": {"type": "number", "minimum": -90, "maximum": 90},
                "long": {"type": "number", "minimum": -180, "maximum": 180},
                "address": {
                    "type": "string",
                    "description": "The address as understood.",
                    "example": f"Musterstraße 1, {city().name}",
                },
                "district": _nullable({"type": "string"}),
            },
        },
        "Support": {
            "type": "object",
            "required": ["service_request_id", "supporters"],
            "properties": {
                "service_request_id": string,
                "supporters": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "How many residents support the request now.",
                },
            },
        },
        "LocationCheck": {
            "type": "object",
            "required": ["inside", "district", "message"],
            "properties": {
                "inside": {
                    "type": "boolean",
                    "description": "Whether the point lies inside the city boundary.",
                },
                "district": _nullable(
                    {
                        "type": "string",
                        "example": "Innenstadt-West",
                        "description": "The district, when inside.",
                    }
                ),
                "message": _nullable(
                    {
                        "type": "string",
                        "description": "When outside: why the point cannot be taken, in the "
                        "language of Accept-Language, to show to the resident.",
                    }
                ),
            },
        },
        "LocaleChange": {
            "type": "object",
            "required": ["locale", "updated"],
            "properties": {
                "locale": {"type": "string", "enum": list(NOTIFICATION_LANGUAGES)},
                "updated": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Contact and supporter entries that changed language.",
                },
            },
        },
        "Deletion": {
            "type": "object",
            "required": ["deleted"],
            "properties": {
                "deleted": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Contact and supporter entries removed.",
                }
            },
        },
        "ServiceRequest": {
            "type": "object",
            "required": [
                "service_request_id",
                "status",
                "service_name",
                "service_code",
                "requested_datetime",
                "updated_datetime",
                "lat",
                "long",
            ],
            "properties": {
                "service_request_id": string,
                "status": {"type": "string", "enum": ["open", "closed"]},
                "status_notes": _nullable(string),
                "service_name": string,
                "service_code": string,
                "description": _nullable(
                    {"type": "string", "description": "As moderated; null when hidden."}
                ),
                "agency_responsible": _nullable(string),
                "service_notice": _nullable(string),
                "requested_datetime": datetime_,
                "updated_datetime": datetime_,
                "expected_datetime": {
                    **datetime_,
                    "description": "When it should be resolved (the category's target in "
                    "working days); left out where the category has none.",
                },
                "address": _nullable(
                    {"type": "string", "description": "Null for sensitive categories."}
                ),
                "zipcode": _nullable(string),
                "lat": {"type": "number"},
                "long": {"type": "number"},
                "media_url": {
                    "type": "string",
                    "format": "uri",
                    "description": "The first photo a caseworker released; left out otherwise.",
                },
                "extended_attributes": {"$ref": "#/components/schemas/ExtendedAttributes"},
            },
        },
    }


def _attribute_fields(categories: list[Category]) -> dict[str, Any]:
    """``attribute[code]`` (and ``attribute[code][]`` for multi-value lists) of all categories."""
    fields: dict[str, Any] = {}
    for category in categories:
        for attr in category.attributes:
            keys = attr.value_keys()
            if attr.datatype == AttributeType.MULTIVALUELIST:
                fields[f"attribute[{attr.code}][]"] = {
                    "type": "array",
                    "items": {"type": "string", "enum": keys},
                    "description": f"{attr.label('en')} (service {category.code}; several keys).",
                }
            elif attr.datatype == AttributeType.SINGLEVALUELIST:
                fields[f"attribute[{attr.code}]"] = {
                    "type": "string",
                    "enum": keys,
                    "description": f"{attr.label('en')} (service {category.code}).",
                }
            else:
                fields.setdefault(
                    f"attribute[{attr.code}]",
                    {
                        "type": "string",
                        "description": f"{attr.label('en')} ({attr.datatype.value}).",
                    },
                )
    return fields


CHAT_ID_SCHEMA = {
    "type": "string",
    "pattern": "^-?[0-9]{1,20}$",
    "example": "123456789",
    "description": "A Telegram chat id: digits, may start with -.",
}
LOCALE_SCHEMA = {
    "type": "string",
    "enum": list(NOTIFICATION_LANGUAGES),
    "description": "The resident's language for status messages. Default: the best match of "
    "Accept-Language, else de; other languages get that default too.",
}
UPDATES_SCHEMA = {
    "type": "boolean",
    "description": "true: the resident consents to status messages in this Telegram chat. "
    "Without it the chat id is not stored.",
}


def _messenger_fields() -> dict[str, Any]:
    return {
        "telegram_chat_id": CHAT_ID_SCHEMA,
        "updates": UPDATES_SCHEMA,
        "locale": LOCALE_SCHEMA,
    }


API_KEY_FIELD = {
    "type": "string",
    "description": "The client's key, when it cannot send the X-API-Key header (GeoReport v2).",
}
# Either scheme; a POST may instead carry the key in its ``api_key`` form field.
NEEDS_KEY = [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}]
KEYED_OPERATIONS = frozenset(
    {
        "postServiceRequest",
        "getNearbyRequests",
        "geocode",
        "checkLocation",
        "addSupporter",
        "reopenRequest",
        "getResidentRequests",
        "deleteResidentData",
        "changeResidentLocale",
    }
)
SECURITY_SCHEMES = {
    "ApiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The client's key (recommended: headers stay out of access logs).",
    },
    "ApiKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": "api_key",
        "description": (
            "The client's key in the URL, for GeoReport v2 clients that cannot send the header. "
            "The server's logs show it as [redacted]; proxies in between may not."
        ),
    },
}


def _form_body(properties: dict[str, Any], required: list[str], example: dict) -> dict[str, Any]:
    """A form body (form-encoded or multipart); the key in the header or in ``api_key``."""
    schema = {
        "type": "object",
        "required": list(required),
        "properties": {"api_key": API_KEY_FIELD, **properties},
    }
    if not schema["required"]:
        del schema["required"]
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": schema, "example": dict(example)},
            "multipart/form-data": {"schema": schema},
        },
    }


def _post_body(codes: list[str], categories: list[Category]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "api_key": API_KEY_FIELD,
        "jurisdiction_id": {"type": "string", "description": "Ignored."},
        "service_code": {"type": "string", "enum": codes} if codes else {"type": "string"},
        "lat": {
            "type": "number",
            "minimum": -90,
            "maximum": 90,
            "description": "WGS84 latitude; with long, or give address_string.",
        },
        "long": {"type": "number", "minimum": -180, "maximum": 180},
        "address_string": {
            "type": "string",
            "description": "Looked up with the geocoder when no lat/long.",
        },
        "address_id": {"type": "string", "description": "Not supported; ignored."},
        "description": {"type": "string", "maxLength": 2000},
        "email": {
            "type": "string",
            "description": "Given means: the person wants status updates here (consent).",
        },
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string"},
        "device_id": {"type": "string", "description": "Accepted, not stored."},
        "account_id": {"type": "string", "description": "Accepted, not stored."},
        "media_url": {"type": "string", "description": "Accepted, not stored, never fetched."},
        **_messenger_fields(),
        **_attribute_fields(categories),
    }
    form_schema = {
        "type": "object",
        "required": ["service_code"],
        "properties": properties,
    }
    multipart_schema = {
        "type": "object",
        "required": ["service_code"],
        "properties": {
            **properties,
            "media": {
                "type": "array",
                "maxItems": 3,
                "items": {"type": "string", "format": "binary"},
                "description": "Photos (JPEG, PNG, WebP, HEIC), as in the v2.1 draft.",
            },
        },
    }
    example = {
        "service_code": "wilder-muell" if "wilder-muell" in codes else (codes[0] if codes else ""),
        "lat": round(float(city().map_center[0]), 4),
        "long": round(float(city().map_center[1]), 4),
        "description": "Sperrmüll neben dem Container",
        "email": "anwohnerin@example.org",
    }
    return {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {"schema": form_schema, "example": example},
            "multipart/form-data": {"schema": multipart_schema},
        },
    }


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


def openapi_document(base_url: str) -> dict[str, Any]:
    from app.open311.limits import rate_limit_value

    categories = list(
        db.session.execute(
            db.select(Category)
            .where(Category.is_active.is_(True))
            .order_by(Category.position, Category.id)
            .options(selectinload(Category.attributes))
        ).scalars()
    )
    codes = [c.code for c in categories]
    service_code_path = {
        "name": "service_code",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "example": codes[0] if codes else "x"},
    }
    common = [FORMAT, LANGUAGE, JURISDICTION]
    request_id_path = {
        "name": "service_request_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "minLength": 1, "example": example_reference()},
    }
    chat_id_path = {
        "name": "chat_id",
        "in": "path",
        "required": True,
        "description": "The resident's Telegram chat id.",
        "schema": CHAT_ID_SCHEMA,
    }
    document = {
        "openapi": "3.0.3",
        "info": {
            "title": "Quartiersmelder – Open311 GeoReport v2",
            "version": "2.0",
            "description": DESCRIPTION.replace("{rate_limit}", rate_limit_value()),
        },
        "servers": [{"url": base_url + "/open311"}],
        "paths": {
            "/discovery.{format}": {
                "get": {
                    "operationId": "discovery",
                    "summary": "Service discovery",
                    "parameters": [FORMAT, LANGUAGE],
                    "responses": {
                        **_ok("Discovery", "Where the endpoints are."),
                        **_errors(404, 429),
                    },
                }
            },
            "/v2/services.{format}": {
                "get": {
                    "operationId": "getServices",
                    "summary": "GET Service List: one service per category",
                    "parameters": common,
                    "responses": {**_ok("Services", "The categories."), **_errors(404, 429)},
                }
            },
            "/v2/services/{service_code}.{format}": {
                "get": {
                    "operationId": "getServiceDefinition",
                    "summary": "GET Service Definition: the category's extra questions",
                    "parameters": [service_code_path, *common],
                    "responses": {
                        **_ok("ServiceDefinition", "The attributes."),
                        **_errors(404, 429),
                    },
                }
            },
            "/v2/requests.{format}": {
                "post": {
                    "operationId": "postServiceRequest",
                    "summary": "POST Service Request (form-encoded, or multipart with media)",
                    "description": (
                        "Goes through the same intake as the web form: validation, geocoding, "
                        "district, routing, photos. Location: lat+long or address_string. "
                        "Answers service_request_id and the routing decision in "
                        "service_notice."
                    ),
                    "parameters": [*common, IDEMPOTENCY_KEY],
                    "requestBody": _post_body(codes, categories),
                    "responses": {
                        **_ok("CreatedRequests", "The report was taken."),
                        **_errors(400, 403, 404, 413, 422, 429),
                    },
                },
                "get": {
                    "operationId": "getServiceRequests",
                    "summary": "GET Service Requests, newest first",
                    "parameters": [
                        *common,
                        _query(
                            "service_request_id",
                            "Comma-separated ids; overrides all other filters.",
                            {"type": "string"},
                        ),
                        _query(
                            "service_code", "Comma-separated service codes.", {"type": "string"}
                        ),
                        _query(
                            "start_date",
                            "Earliest requested_datetime (default: 90 days ago).",
                            {"type": "string", "format": "date-time"},
                        ),
                        _query(
                            "end_date",
                            "Latest requested_datetime; at most 90 days after start_date.",
                            {"type": "string", "format": "date-time"},
                        ),
                        _query(
                            "status",
                            "open, closed, or both comma-separated.",
                            {"type": "string", "enum": ["open", "closed", "open,closed"]},
                        ),
                        _query(
                            "updated_after",
                            "Extension: updated_datetime from.",
                            {"type": "string", "format": "date-time"},
                        ),
                        _query(
                            "updated_before",
                            "Extension: updated_datetime up to.",
                            {"type": "string", "format": "date-time"},
                        ),
                        _query(
                            "bbox",
                            "Extension: min_long,min_lat,max_long,max_lat.",
                            {"type": "string", "example": "7.40,51.49,7.50,51.53"},
                        ),
                        _query(
                            "page",
                            "Extension: page number.",
                            {"type": "integer", "minimum": 1, "maximum": 1000000},
                        ),
                        _query(
                            "page_size",
                            f"Extension: requests per page (default {DEFAULT_PAGE_SIZE}).",
                            {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE},
                        ),
                        _query(
                            "extensions",
                            "true: add extended_attributes to each request.",
                            {"type": "boolean"},
                        ),
                    ],
                    "responses": {
                        **_ok("ServiceRequests", "The requests."),
                        **_errors(400, 404, 429),
                    },
                },
            },
            "/v2/requests/nearby.{format}": {
                "get": {
                    "operationId": "getNearbyRequests",
                    "summary": "Extension: open requests of one service near a point",
                    "description": (
                        'For reporting clients before they post ("me too" instead of a '
                        "duplicate): open requests of the same service within the category's "
                        "radius (default 50 m), nearest first, with extended_attributes and "
                        "distance_m (null for sensitive categories, which are compared by their "
                        "~250 m cell). With X-Telegram-Chat-Id the chat's own requests are left "
                        "out. Needs an API key."
                    ),
                    "parameters": [
                        *common,
                        CHAT_HEADER,
                        _query("service_code", "The service.", {"type": "string"}),
                        _query("lat", "WGS84 latitude.", {"type": "number"}),
                        _query("long", "WGS84 longitude.", {"type": "number"}),
                    ],
                    "responses": {
                        **_ok("ServiceRequests", "Nearby open requests."),
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/v2/requests/{service_request_id}.{format}": {
                "get": {
                    "operationId": "getServiceRequest",
                    "summary": "GET Service Request, with extended_attributes",
                    "parameters": [request_id_path, *common],
                    "responses": {
                        **_ok("ServiceRequests", "A list holding the one request."),
                        **_errors(404, 429),
                    },
                }
            },
            "/v2/geocode.{format}": {
                "get": {
                    "operationId": "geocode",
                    "summary": "Extension: look up an address in the city",
                    "description": (
                        "For clients that let residents type an address and show what was "
                        "understood before posting: the point, the address as found and the "
                        "district. 404: not found in the city; 400: the place lies outside "
                        "the city; 503 (with Retry-After): the geocoder is switched off or not "
                        "reachable — send lat/long instead. Needs an API key."
                    ),
                    "parameters": [
                        *common,
                        {
                            "name": "address",
                            "in": "query",
                            "required": True,
                            "description": "The address as typed.",
                            "schema": {
                                "type": "string",
                                "maxLength": 255,
                                "example": "Musterstraße 1",
                            },
                        },
                    ],
                    "responses": {
                        **_ok("Place", "Where the address is."),
                        **_errors(400, 403, 404, 429, 503),
                    },
                }
            },
            "/v2/locations/check.{format}": {
                "get": {
                    "operationId": "checkLocation",
                    "summary": "Extension: is a point inside the city?",
                    "description": (
                        "For clients that take a shared location: refuse a point outside the "
                        "city at once, with the message in message (Accept-Language), rather "
                        "than when the report is posted. Inside: the district. 400: the "
                        "coordinates are missing or not on the globe. Needs an API key."
                    ),
                    "parameters": [
                        *common,
                        {
                            "name": "lat",
                            "in": "query",
                            "required": True,
                            "description": "WGS84 latitude.",
                            "schema": {"type": "number", "minimum": -90, "maximum": 90},
                        },
                        {
                            "name": "long",
                            "in": "query",
                            "required": True,
                            "description": "WGS84 longitude.",
                            "schema": {"type": "number", "minimum": -180, "maximum": 180},
                        },
                    ],
                    "responses": {
                        **_ok("LocationCheck", "Whether the point is inside the city."),
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/v2/requests/{service_request_id}/supporters.{format}": {
                "post": {
                    "operationId": "addSupporter",
                    "summary": 'Extension: "me too" on an open request',
                    "description": (
                        "A resident has the same problem and supports the request instead of "
                        "reporting a duplicate. With telegram_chat_id and updates=true the chat "
                        "gets the request's status messages in locale (saying it twice from "
                        "the same chat counts once); without updates=true no chat id is "
                        "stored. 409: the request is closed, or it is the chat's own report. "
                        "Needs an API key."
                    ),
                    "parameters": [request_id_path, *common],
                    "requestBody": _form_body(
                        _messenger_fields(),
                        [],
                        {"telegram_chat_id": "123456789", "updates": True, "locale": "de"},
                    ),
                    "responses": {
                        **_ok("Support", "The resident supports the request.", 201),
                        **_errors(400, 403, 404, 409, 429),
                    },
                }
            },
            "/v2/requests/{service_request_id}/reopen.{format}": {
                "post": {
                    "operationId": "reopenRequest",
                    "summary": 'Extension: "not fixed" — reopen a resolved request',
                    "description": (
                        "The reporter or a supporter (known by the chat id they gave with "
                        "updates=true) reopens a request resolved at most 14 days ago; the "
                        "comment (at most 1000 characters, longer ones are cut) becomes its "
                        "public note. Answers the request as GET requests/{id} does. 409: not "
                        "the reporter or a supporter, not resolved, or resolved more than 14 "
                        "days ago. Needs an API key."
                    ),
                    "parameters": [request_id_path, *common],
                    "requestBody": _form_body(
                        {
                            "telegram_chat_id": CHAT_ID_SCHEMA,
                            "comment": {
                                "type": "string",
                                "minLength": 1,
                                "description": "What is still wrong.",
                            },
                        },
                        ["telegram_chat_id", "comment"],
                        {"telegram_chat_id": "123456789", "comment": "Die Laterne ist noch aus."},
                    ),
                    "responses": {
                        **_ok("ServiceRequests", "The reopened request."),
                        **_errors(400, 403, 404, 409, 429),
                    },
                }
            },
            "/v2/residents/telegram/{chat_id}/requests.{format}": {
                "get": {
                    "operationId": "getResidentRequests",
                    "summary": "Extension: the requests a Telegram chat made or supports",
                    "description": (
                        "Newest first, rendered as in GET requests with extended_attributes "
                        "(public fields only, nothing personal), plus can_reopen: resolved "
                        "within the last 14 days. Only requests for which the chat gave "
                        "updates=true (otherwise its id was not stored). Needs an API key."
                    ),
                    "parameters": [
                        chat_id_path,
                        *common,
                        _query(
                            "limit",
                            "At most this many requests (default 20).",
                            {"type": "integer", "minimum": 1, "maximum": 100},
                        ),
                    ],
                    "responses": {
                        **_ok("ResidentRequests", "The chat's requests."),
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/v2/residents/telegram/{chat_id}/delete.{format}": {
                "post": {
                    "operationId": "deleteResidentData",
                    "summary": "Extension: delete a Telegram chat's contact data",
                    "description": (
                        "Removes every contact and supporter entry of the chat (it gets no "
                        "more messages, and its list is empty); the requests stay, anonymous. "
                        "Needs an API key."
                    ),
                    "parameters": [chat_id_path, *common],
                    "requestBody": _form_body({}, [], {}),
                    "responses": {
                        **_ok("Deletion", "What was removed."),
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/v2/residents/telegram/{chat_id}/locale.{format}": {
                "post": {
                    "operationId": "changeResidentLocale",
                    "summary": "Extension: the language of a Telegram chat's status messages",
                    "description": (
                        "The resident chose another language: every contact and supporter "
                        "entry of the chat made with this key gets locale, so later status "
                        "messages come in it (those already queued keep theirs). 400: locale "
                        "missing or not one of de, en, tr, ar. Needs an API key."
                    ),
                    "parameters": [chat_id_path, *common],
                    "requestBody": _form_body(
                        {
                            "locale": {
                                "type": "string",
                                "enum": list(NOTIFICATION_LANGUAGES),
                                "description": "The resident's language for status messages.",
                            }
                        },
                        ["locale"],
                        {"locale": "en"},
                    ),
                    "responses": {
                        **_ok("LocaleChange", "The chat's entries are in this language now."),
                        **_errors(400, 403, 404, 429),
                    },
                }
            },
            "/v2/tokens/{token}.{format}": {
                "get": {
                    "operationId": "getToken",
                    "summary": "GET service_request_id from a token: always 404 (no tokens)",
                    "parameters": [
                        {
                            "name": "token",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string", "minLength": 1},
                        },
                        *common,
                    ],
                    "responses": _errors(404, 429),
                }
            },
        },
        "components": {"schemas": _schemas(codes), "securitySchemes": SECURITY_SCHEMES},
    }
    for operations in document["paths"].values():
        for operation in operations.values():
            if operation["operationId"] in KEYED_OPERATIONS:
                operation["security"] = NEEDS_KEY
    return document
