"""The OpenAPI 3 description of the API, served at /open311/v2/openapi.json: the operations
with their parameters and request bodies rendered from the parameters' declarations
(``app.open311.params``, the same the views read with), and their responses from
``app.open311.openapi_schemas``. Filled in from the active categories when served (service
codes and their attributes are enums).

A test runs schemathesis against it: every documented status, content type and body shape
must be what the views really answer; another compares the parameters the views read with
those the document lists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import selectinload

from app.catalogue.models import Category
from app.cities.settings import city
from app.extensions import db
from app.open311.caching import REQUESTS_MAX_AGE
from app.open311.limits import rate_limit_value
from app.open311.openapi_schemas import (
    NEEDS_KEY,
    SECURITY_SCHEMES,
    cached_ok,
    errors,
    ok,
    schemas,
)
from app.open311.param import IN_BODY, Catalogue
from app.open311.params import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, OPERATIONS, TOTAL_COUNT_CAP

DESCRIPTION = """\
Open311 **GeoReport v2** of the Quartiersmelder: residents' reports of dirt and litter, lighting
defects and unsafe places. Every method answers in JSON or XML, chosen by the URL suffix
(`.json`, `.xml`); texts are in the language of the `locale` parameter or of `Accept-Language`
(German by default, English, Turkish, Arabic).
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
`notes`; `page`/`page_size` (a page of 50 by default, at most 200; `X-Total-Count` and `Link`),
`bbox`, `updated_after`/`updated_before` on `GET requests`; and
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
FORM = "application/x-www-form-urlencoded"
MULTIPART = "multipart/form-data"


def _body_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object"}
    if required:
        schema["required"] = required
    schema["properties"] = properties
    return schema


def operation(
    operation_id: str,
    catalogue: Catalogue,
    *,
    summary: str,
    responses: dict[str, Any],
    description: str | None = None,
    example: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One operation, its parameters and form body rendered from ``OPERATIONS``: a form body
    (form-encoded or multipart, files in multipart only) when it has form fields."""
    params = OPERATIONS[operation_id]
    entry: dict[str, Any] = {"operationId": operation_id, "summary": summary}
    if description is not None:
        entry["description"] = description
    entry["parameters"] = [p.parameter(catalogue) for p in params if p.location not in IN_BODY]
    fields: dict[str, Any] = {}
    files: dict[str, Any] = {}
    for param in params:
        if param.location in IN_BODY:
            (fields if param.location == "form" else files).update(param.properties(catalogue))
    if fields or files:
        required = [p.name for p in params if p.location in IN_BODY and p.required]
        entry["requestBody"] = {
            "required": True,
            "content": {
                FORM: {"schema": _body_schema(fields, required), "example": dict(example or {})},
                MULTIPART: {"schema": _body_schema({**fields, **files}, required)},
            },
        }
    entry["responses"] = responses
    if operation_id in KEYED_OPERATIONS:
        entry["security"] = NEEDS_KEY
    return entry


def _post_example(codes: list[str]) -> dict[str, Any]:
    return {
        "service_code": "wilder-muell" if "wilder-muell" in codes else (codes[0] if codes else ""),
        "lat": round(float(city().map_center[0]), 4),
        "long": round(float(city().map_center[1]), 4),
        "description": "Sperrmüll neben dem Container",
        "email": "anwohnerin@example.org",
    }


def openapi_document(base_url: str) -> dict[str, Any]:
    categories = list(
        db.session.execute(
            db.select(Category)
            .where(Category.is_active.is_(True))
            .order_by(Category.position, Category.id)
            .options(selectinload(Category.attributes))
        ).scalars()
    )
    catalogue = Catalogue(categories)
    codes = catalogue.codes

    def op(operation_id: str, **details: Any) -> dict[str, Any]:
        return operation(operation_id, catalogue, **details)

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
                "get": op(
                    "discovery",
                    summary="Service discovery",
                    responses={**ok("Discovery", "Where the endpoints are."), **errors(404, 429)},
                )
            },
            "/v2/services.{format}": {
                "get": op(
                    "getServices",
                    summary="GET Service List: one service per category",
                    responses={**cached_ok("Services", "The categories."), **errors(404, 429)},
                )
            },
            "/v2/services/{service_code}.{format}": {
                "get": op(
                    "getServiceDefinition",
                    summary="GET Service Definition: the category's extra questions",
                    responses={
                        **cached_ok("ServiceDefinition", "The attributes."),
                        **errors(404, 429),
                    },
                )
            },
            "/v2/requests.{format}": {
                "post": op(
                    "postServiceRequest",
                    summary="POST Service Request (form-encoded, or multipart with media)",
                    description=(
                        "Goes through the same intake as the web form: validation, geocoding, "
                        "district, routing, photos. Location: lat+long or address_string. "
                        "Answers service_request_id and the routing decision in "
                        "service_notice."
                    ),
                    example=_post_example(codes),
                    responses={
                        **ok("CreatedRequests", "The report was taken."),
                        **errors(400, 403, 404, 413, 422, 429),
                    },
                ),
                "get": op(
                    "getServiceRequests",
                    summary="GET Service Requests, newest first, one page at a time",
                    description=(
                        "By default the requests of the 90 days before the current full hour, "
                        f"{DEFAULT_PAGE_SIZE} per page (page_size up to {MAX_PAGE_SIZE}). "
                        "X-Total-Count gives the number of matching requests up to "
                        f"{TOTAL_COUNT_CAP} (left out above), Link the first, previous, next "
                        f"and last pages. Cacheable for {REQUESTS_MAX_AGE} s; with the ETag in "
                        "If-None-Match the answer is 304 while nothing changed."
                    ),
                    responses={
                        **cached_ok("ServiceRequests", "The requests.", paged=True),
                        **errors(400, 404, 429),
                    },
                ),
            },
            "/v2/requests/nearby.{format}": {
                "get": op(
                    "getNearbyRequests",
                    summary="Extension: open requests of one service near a point",
                    description=(
                        'For reporting clients before they post ("me too" instead of a '
                        "duplicate): open requests of the same service within the category's "
                        "radius (default 50 m), nearest first, with extended_attributes and "
                        "distance_m (null for sensitive categories, which are compared by their "
                        "~250 m cell). With X-Telegram-Chat-Id the chat's own requests are left "
                        "out. Needs an API key."
                    ),
                    responses={
                        **ok("ServiceRequests", "Nearby open requests."),
                        **errors(400, 403, 404, 429),
                    },
                )
            },
            "/v2/requests/{service_request_id}.{format}": {
                "get": op(
                    "getServiceRequest",
                    summary="GET Service Request, with extended_attributes",
                    responses={
                        **cached_ok("ServiceRequests", "A list holding the one request."),
                        **errors(404, 429),
                    },
                )
            },
            "/v2/geocode.{format}": {
                "get": op(
                    "geocode",
                    summary="Extension: look up an address in the city",
                    description=(
                        "For clients that let residents type an address and show what was "
                        "understood before posting: the point, the address as found and the "
                        "district. 404: not found in the city; 400: the place lies outside "
                        "the city; 503 (with Retry-After): the geocoder is switched off or not "
                        "reachable — send lat/long instead. Needs an API key."
                    ),
                    responses={
                        **ok("Place", "Where the address is."),
                        **errors(400, 403, 404, 429, 503),
                    },
                )
            },
            "/v2/locations/check.{format}": {
                "get": op(
                    "checkLocation",
                    summary="Extension: is a point inside the city?",
                    description=(
                        "For clients that take a shared location: refuse a point outside the "
                        "city at once, with the message in message (Accept-Language), rather "
                        "than when the report is posted. Inside: the district. 400: the "
                        "coordinates are missing or not on the globe. Needs an API key."
                    ),
                    responses={
                        **ok("LocationCheck", "Whether the point is inside the city."),
                        **errors(400, 403, 404, 429),
                    },
                )
            },
            "/v2/requests/{service_request_id}/supporters.{format}": {
                "post": op(
                    "addSupporter",
                    summary='Extension: "me too" on an open request',
                    description=(
                        "A resident has the same problem and supports the request instead of "
                        "reporting a duplicate. With telegram_chat_id and updates=true the chat "
                        "gets the request's status messages in locale (saying it twice from "
                        "the same chat counts once); without updates=true no chat id is "
                        "stored. 409: the request is closed, or it is the chat's own report. "
                        "Needs an API key."
                    ),
                    example={"telegram_chat_id": "123456789", "updates": True, "locale": "de"},
                    responses={
                        **ok("Support", "The resident supports the request.", 201),
                        **errors(400, 403, 404, 409, 429),
                    },
                )
            },
            "/v2/requests/{service_request_id}/reopen.{format}": {
                "post": op(
                    "reopenRequest",
                    summary='Extension: "not fixed" — reopen a resolved request',
                    description=(
                        "The reporter or a supporter (known by the chat id they gave with "
                        "updates=true) reopens a request resolved at most 14 days ago; the "
                        "comment (at most 1000 characters, longer ones are cut) becomes its "
                        "public note. Answers the request as GET requests/{id} does. 409: not "
                        "the reporter or a supporter, not resolved, or resolved more than 14 "
                        "days ago. Needs an API key."
                    ),
                    example={
                        "telegram_chat_id": "123456789",
                        "comment": "Die Laterne ist noch aus.",
                    },
                    responses={
                        **ok("ServiceRequests", "The reopened request."),
                        **errors(400, 403, 404, 409, 429),
                    },
                )
            },
            "/v2/residents/telegram/{chat_id}/requests.{format}": {
                "get": op(
                    "getResidentRequests",
                    summary="Extension: the requests a Telegram chat made or supports",
                    description=(
                        "Newest first, rendered as in GET requests with extended_attributes "
                        "(public fields only, nothing personal), plus can_reopen: resolved "
                        "within the last 14 days. Only requests for which the chat gave "
                        "updates=true (otherwise its id was not stored). Needs an API key."
                    ),
                    responses={
                        **ok("ResidentRequests", "The chat's requests."),
                        **errors(400, 403, 404, 429),
                    },
                )
            },
            "/v2/residents/telegram/{chat_id}/delete.{format}": {
                "post": op(
                    "deleteResidentData",
                    summary="Extension: delete a Telegram chat's contact data",
                    description=(
                        "Removes every contact and supporter entry of the chat (it gets no "
                        "more messages, and its list is empty); the requests stay, anonymous. "
                        "Needs an API key."
                    ),
                    responses={
                        **ok("Deletion", "What was removed."),
                        **errors(400, 403, 404, 429),
                    },
                )
            },
            "/v2/residents/telegram/{chat_id}/locale.{format}": {
                "post": op(
                    "changeResidentLocale",
                    summary="Extension: the language of a Telegram chat's status messages",
                    description=(
                        "The resident chose another language: every contact and supporter "
                        "entry of the chat made with this key gets locale, so later status "
                        "messages come in it (those already queued keep theirs). 400: locale "
                        "missing or not one of de, en, tr, ar. Needs an API key."
                    ),
                    example={"locale": "en"},
                    responses={
                        **ok("LocaleChange", "The chat's entries are in this language now."),
                        **errors(400, 403, 404, 429),
                    },
                )
            },
            "/v2/tokens/{token}.{format}": {
                "get": op(
                    "getToken",
                    summary="GET service_request_id from a token: always 404 (no tokens)",
                    responses=errors(404, 429),
                )
            },
        },
        "components": {"schemas": schemas(codes), "securitySchemes": SECURITY_SCHEMES},
    }
