"""The responses of the API as OpenAPI 3 data: the body schemas (``components/schemas``), the
security schemes, and the success and error entries of an operation's ``responses``. Mostly
data; built when the document is served, from the code's own enums and the active service
codes."""

from __future__ import annotations

from typing import Any

from app.cities.examples import example_reference
from app.cities.settings import city
from app.core.enums import AttributeType, ReportStatus
from app.open311.limits import API_KEY_FIELD, API_KEY_HEADER
from app.open311.params import NOTIFICATION_LANGUAGES, TOTAL_COUNT_CAP

JSON = "application/json"
XML = "text/xml"


def _error_content() -> dict[str, Any]:
    return {
        JSON: {"schema": {"$ref": "#/components/schemas/Errors"}},
        XML: {"schema": {"type": "string"}},
    }


def errors(*codes: int) -> dict[str, Any]:
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


def ok(schema_ref: str, description: str, status: int = 200) -> dict[str, Any]:
    return {
        str(status): {
            "description": description,
            "content": {
                JSON: {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}},
                XML: {"schema": {"type": "string"}},
            },
        }
    }


def cached_ok(schema_ref: str, description: str, *, paged: bool = False) -> dict[str, Any]:
    """A public read: 200 with its caching headers (and on a list the paging headers), or
    304 when the client's ``If-None-Match`` holds the current ETag."""
    integer = {"type": "integer", "minimum": 0}
    headers: dict[str, Any] = {
        "ETag": {
            "description": "Send it back in If-None-Match to get 304 while it is current "
            "(weak on lists: made from the reports' state, not the bytes).",
            "schema": {"type": "string"},
        },
        "Cache-Control": {"description": "public, max-age=…", "schema": {"type": "string"}},
    }
    if paged:
        headers["X-Total-Count"] = {
            "description": f"How many requests match, when at most {TOTAL_COUNT_CAP} (left "
            "out above: counting stops there).",
            "schema": integer,
        }
        headers["Link"] = {
            "description": 'RFC 8288: rel="first", "prev", "next", and "last" when the total '
            "is known.",
            "schema": {"type": "string"},
        }
    responses = ok(schema_ref, description)
    responses["200"]["headers"] = headers
    responses["304"] = {
        "description": "Not modified: the ETag in If-None-Match is current (no body).",
        "headers": {k: v for k, v in headers.items() if k in ("ETag", "Cache-Control")},
    }
    return responses


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def schemas(codes: list[str]) -> dict[str, Any]:
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


# Either scheme; a POST may instead carry the key in its ``api_key`` form field.
NEEDS_KEY: list[dict[str, list[str]]] = [{"ApiKeyHeader": []}, {"ApiKeyQuery": []}]
SECURITY_SCHEMES = {
    "ApiKeyHeader": {
        "type": "apiKey",
        "in": "header",
        "name": API_KEY_HEADER,
        "description": "The client's key (recommended: headers stay out of access logs).",
    },
    "ApiKeyQuery": {
        "type": "apiKey",
        "in": "query",
        "name": API_KEY_FIELD,
        "description": (
            "The client's key in the URL, for GeoReport v2 clients that cannot send the header. "
            "The server's logs show it as [redacted]; proxies in between may not."
        ),
    },
}
