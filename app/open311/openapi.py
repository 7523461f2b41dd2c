"""The OpenAPI 3 description of the API, built from the code's own constants and the active
categories (service codes and their attributes are enums), served at /open311/v2/openapi.json.

A test runs schemathesis against it: every documented status, content type and body shape
must be what the views really answer.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from app.core.enums import AttributeType, ReportStatus
from app.extensions import db
from app.open311.params import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from app.reports.models import Category

JSON = "application/json"
XML = "text/xml"

DESCRIPTION = """\
Open311 **GeoReport v2** of the Quartiersmelder: residents' reports of dirt and litter, lighting
defects and unsafe places. Every method answers in JSON or XML, chosen by the URL suffix
(`.json`, `.xml`); texts are in the language of `Accept-Language` (German by default, English).
Date-times are W3C date-times with a time zone. Errors are the spec's error body
(`[{"code": 400, "description": "…"}]`, `<errors><error>…`): 404 for what does not exist,
403 for a missing, unknown or revoked `api_key`, 400 for anything else the client can correct,
413 for an upload over the size limit, 429 when the rate limit is reached (with `Retry-After`).

**Keys.** Reading needs no key. `POST requests` and `GET requests/nearby` need an `api_key`;
operators create keys with `flask api-keys create NAME` (stored only as a hash; revoke with
`flask api-keys revoke NAME`). Each key may make {rate_limit} (per client address without a key).

**Privacy.** No GET answer contains personal data: no e-mail, name, phone, device or account
id, and no internal notes. Addresses are given down to the street (no house number), the
description as moderated by a caseworker (hidden ones are null). Reports of sensitive
categories (unsafe places) are shown with a coarse location (the centre of a grid cell of
about 250 m, `extended_attributes.coarse_location`), without address, and their free text only
once a caseworker has moderated it. `media_url` is left out: photos are published only after a
caseworker released them, and there is no public photo address yet.

**Contact data and consent.** GeoReport v2 has no consent field. A client that sends `email`
declares that the person asked for status updates to that address: the address (with
`first_name`, `last_name`, `phone`) is stored for that purpose only, apart from the report, and
can be deleted. Without `email` no contact data is stored. `device_id`, `account_id` and
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
"""


def _error_content() -> dict[str, Any]:
    return {
        JSON: {"schema": {"$ref": "#/components/schemas/Errors"}},
        XML: {"schema": {"type": "string"}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "A parameter is missing or wrong; the description says which.",
        403: "The api_key is missing, unknown or revoked.",
        404: "Unknown format suffix, service code or request.",
        413: "An uploaded file or the whole request is too large.",
        429: "Rate limit reached; try again after Retry-After seconds.",
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
    return responses


def _ok(schema_ref: str, description: str) -> dict[str, Any]:
    return {
        "200": {
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
                    "service_request_id": {"type": "string", "example": "DO-2026-00042"},
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
                "notes": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}},
                "distance_m": {
                    "type": "number",
                    "description": "Only in requests/nearby: metres from the given point.",
                },
            },
        },
        "ServiceRequests": {
            "type": "array",
            "items": {
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
                    "extended_attributes": {"$ref": "#/components/schemas/ExtendedAttributes"},
                },
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


def _post_body(codes: list[str], categories: list[Category]) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "api_key": {"type": "string", "description": "The client's key."},
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
        **_attribute_fields(categories),
    }
    form_schema = {
        "type": "object",
        "required": ["api_key", "service_code"],
        "properties": properties,
    }
    multipart_schema = {
        "type": "object",
        "required": ["api_key", "service_code"],
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
        "api_key": "qm_your-key",
        "service_code": "wilder-muell" if "wilder-muell" in codes else (codes[0] if codes else ""),
        "lat": 51.5136,
        "long": 7.4653,
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
    return {
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
                    "parameters": common,
                    "requestBody": _post_body(codes, categories),
                    "responses": {
                        **_ok("CreatedRequests", "The report was taken."),
                        **_errors(400, 403, 404, 413, 429),
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
                        "distance_m. Needs an api_key."
                    ),
                    "parameters": [
                        *common,
                        _query("api_key", "The client's key.", {"type": "string"}),
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
                    "parameters": [
                        {
                            "name": "service_request_id",
                            "in": "path",
                            "required": True,
                            "schema": {
                                "type": "string",
                                "minLength": 1,
                                "example": "DO-2026-00001",
                            },
                        },
                        *common,
                    ],
                    "responses": {
                        **_ok("ServiceRequests", "A list holding the one request."),
                        **_errors(404, 429),
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
        "components": {"schemas": _schemas(codes)},
    }
