"""The OpenAPI 3 description of the partner API, served at /api/partner/openapi.json; it also
describes the webhook a partner receives. A test validates real answers against it."""

from __future__ import annotations

from typing import Any

from app.cities.examples import example_reference
from app.core.enums import DeliveryStatus, ReportStatus
from app.forwarding.partner_contract import API, NOTE_MAX_LENGTH

JSON = "application/json"

DESCRIPTION = """\
The **partner API** of the Quartiersmelder: a department or partner (a municipal company, a
contractor) that receives tickets reports back on them — acknowledged, done (with a note and a
photo of the cleaned spot) or returned ("not ours", with a reason).

**Authentication.** Every request carries `Authorization: Bearer <token>`. An operator creates
or rotates a partner's token with `flask partners token <department_code>`; it is shown once
and only its SHA-256 is stored. A token works only for tickets sent to its own department.
A missing, wrong or foreign token is answered with 403 and changes nothing.

**Tickets.** A ticket is addressed by the report's reference (`{reference}`); it is the latest
ticket of that report sent to the partner's department. States: `sent → acknowledged →
done | returned`; `done` may follow `sent` directly. Repeating the same action (a second
"done") changes nothing and answers 200; any other transition the ticket does not allow is
answered 409. `done` moves the report to resolved (or to review, per department) and tells the
resident; `return` sends the report back to triage with the reason.

**Withdrawn tickets.** A ticket is bound to the report staying with your department. When the
city re-routes the report, merges it into another report as a duplicate, or its category or
place changes so that another department is responsible, the ticket is **withdrawn**: GET shows
`"status": "withdrawn"` (with `withdrawn_at`, and no longer the report's status), every action
is answered 410 with the error code `withdrawn` and changes nothing, and you are told by the
ticket's channel (e-mail, or a webhook POST with the body `WebhookWithdrawal`). A ticket sent to
you again later is a new ticket.

**Errors** are `{"error": {"code", "status", "message"}}`: 400 unreadable body, 403 token,
404 unknown reference, 409 refused transition, 410 (code `withdrawn`) a withdrawn ticket,
413 photo too large, 422 a note or reason that
is not text or too long, a missing reason, or a photo that is not an image. Messages are German
unless `Accept-Language` asks for English.

**Webhook.** A partner configured with the `webhook` method receives each ticket as
`POST <its URL>` with a JSON body (schema `WebhookTicket`) and the headers
`Idempotency-Key` (the same on every resend of one ticket: store it, and answer a repeated key
with 2xx without acting twice), `X-Quartiersmelder-Timestamp` (Unix seconds) and
`X-Quartiersmelder-Signature: sha256=<hex>`, the HMAC-SHA256 with the shared secret over
`<timestamp>.<raw body>`. Verify it over the raw bytes, compare in constant time, and refuse
timestamps more than 5 minutes off. Answer 2xx when stored (a JSON `{"id": …}` is kept as your
reference); 5xx, 408, 409, 425 and 429 are retried with backoff for more than a day, other
answers stop the delivery until an operator retries it. Photo URLs are signed and expire after
7 days; a resend carries fresh ones.
"""


def _error() -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Error"}
    return {"description": "Error", "content": {JSON: {"schema": schema}}}


def _ok() -> dict[str, Any]:
    return {
        "description": "The ticket after the action",
        "content": {JSON: {"schema": {"$ref": "#/components/schemas/TicketStatus"}}},
    }


def _note_body(field: str, required: bool, photo: bool = False) -> dict[str, Any]:
    properties: dict[str, Any] = {field: {"type": "string", "maxLength": NOTE_MAX_LENGTH}}
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = [field]
    content: dict[str, Any] = {
        JSON: {"schema": schema},
        "application/x-www-form-urlencoded": {"schema": schema},
    }
    if photo:
        multipart = {
            "type": "object",
            "properties": {
                **properties,
                "photo": {
                    "type": "string",
                    "format": "binary",
                    "description": "JPEG, PNG, WebP or HEIC; metadata removed.",
                },
            },
        }
        content["multipart/form-data"] = {"schema": multipart}
    return {"required": required, "content": content}


def _reference() -> dict[str, Any]:
    return {
        "name": "reference",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "maxLength": 32},
        "example": example_reference(),
    }


def _action(summary: str, body: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    responses = {"200": _ok(), "400": _error(), "403": _error(), "404": _error(), "409": _error()}
    responses["422"] = _error()  # the note or reason is not text or too long
    responses["410"] = _error()  # the ticket was withdrawn (code "withdrawn")
    responses.update(extra)
    return {
        "summary": summary,
        "parameters": [_reference()],
        "requestBody": body,
        "responses": responses,
    }


def document() -> dict[str, Any]:
    nullable_time = {"type": "string", "format": "date-time", "nullable": True}
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Quartiersmelder partner API",
            "version": "1.0",
            "description": DESCRIPTION.replace("{reference}", example_reference()),
        },
        "servers": [{"url": API}],
        "security": [{"partnerToken": []}],
        "paths": {
            "/tickets/{reference}": {
                "get": {
                    "summary": "The state of a ticket sent to you",
                    "parameters": [_reference()],
                    "responses": {
                        "200": {
                            "description": "The ticket",
                            "content": {
                                JSON: {"schema": {"$ref": "#/components/schemas/TicketStatus"}}
                            },
                        },
                        "400": _error(),  # e.g. a NUL character (app/core/edge.py)
                        "403": _error(),
                        "404": _error(),
                    },
                }
            },
            "/tickets/{reference}/acknowledge": {
                "post": _action(
                    "You have the ticket and take care of it", _note_body("note", False), {}
                )
            },
            "/tickets/{reference}/done": {
                "post": _action(
                    "Done, with an optional note and photo of the cleaned spot",
                    _note_body("note", False, photo=True),
                    {"413": _error()},
                )
            },
            "/tickets/{reference}/return": {
                "post": _action(
                    "Not yours: back to triage with a reason",
                    _note_body("reason", True),
                    {},
                )
            },
        },
        "components": {
            "securitySchemes": {"partnerToken": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "TicketStatus": {
                    "type": "object",
                    "required": ["reference", "delivery_id", "status", "report_status"],
                    "properties": {
                        "reference": {"type": "string"},
                        "delivery_id": {"type": "integer"},
                        "idempotency_key": {"type": "string"},
                        "status": {"type": "string", "enum": [s.value for s in DeliveryStatus]},
                        "report_status": {
                            "type": "string",
                            "enum": [s.value for s in ReportStatus],
                            "nullable": True,
                            "description": "null once the ticket is withdrawn.",
                        },
                        "department": {"type": "string", "nullable": True},
                        "sent_at": nullable_time,
                        "acknowledged_at": nullable_time,
                        "done_at": nullable_time,
                        "withdrawn_at": nullable_time,
                        "note": {"type": "string", "nullable": True},
                    },
                    "additionalProperties": False,
                },
                "WebhookWithdrawal": {
                    "type": "object",
                    "description": (
                        "The body of a webhook POST that withdraws a ticket (header "
                        "X-Quartiersmelder-Event: withdrawal): stop working on it."
                    ),
                    "required": ["purpose", "reference", "delivery_id", "idempotency_key"],
                    "properties": {
                        "purpose": {"type": "string", "enum": ["withdrawal"]},
                        "reference": {"type": "string"},
                        "delivery_id": {"type": "integer"},
                        "idempotency_key": {"type": "string"},
                        "withdrawn_delivery_id": {"type": "integer", "nullable": True},
                        "withdrawn_idempotency_key": {"type": "string", "nullable": True},
                        "withdrawn_at": nullable_time,
                        "reason": {
                            "type": "string",
                            "enum": ["rerouted", "moved", "duplicate"],
                            "description": (
                                "rerouted, moved: another office handles the report now; "
                                "duplicate: merged into the report in merged_into."
                            ),
                        },
                        "merged_into": {"type": "string", "nullable": True},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "status", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "status": {"type": "integer"},
                                "message": {"type": "string"},
                            },
                        }
                    },
                },
                "WebhookTicket": {
                    "type": "object",
                    "description": "The body of a webhook POST (see the description).",
                    "required": [
                        "reference",
                        "idempotency_key",
                        "delivery_id",
                        "purpose",
                        "category",
                        "lat",
                        "lon",
                        "photos",
                        "api",
                    ],
                    "properties": {
                        "reference": {"type": "string"},
                        "idempotency_key": {"type": "string"},
                        "delivery_id": {"type": "integer"},
                        "purpose": {
                            "type": "string",
                            "enum": ["forward", "reminder", "department_notice"],
                        },
                        "reminder_of": {"type": "integer"},
                        "category": {
                            "type": "object",
                            "properties": {
                                "code": {"type": "string"},
                                "name": {"type": "string"},
                                "group": {"type": "string"},
                            },
                        },
                        "status": {"type": "string"},
                        "district": {"type": "string", "nullable": True},
                        "address": {"type": "string", "nullable": True},
                        "zipcode": {"type": "string", "nullable": True},
                        "lat": {"type": "number"},
                        "lon": {"type": "number"},
                        "map_url": {"type": "string", "format": "uri"},
                        "description": {"type": "string"},
                        "attributes": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "label": {"type": "string"},
                                    "value": {"type": "string"},
                                },
                            },
                        },
                        "created_at": {"type": "string", "format": "date-time"},
                        "due_at": nullable_time,
                        "department": {"type": "string", "nullable": True},
                        "status_url": {"type": "string", "format": "uri"},
                        "partner_url": {"type": "string", "format": "uri"},
                        "photos": {
                            "type": "array",
                            "description": "Only photos partners may see: faces and number "
                            "plates made unrecognisable automatically, or checked by a "
                            "caseworker.",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "url": {"type": "string", "format": "uri"},
                                    "thumbnail_url": {"type": "string", "format": "uri"},
                                    "width": {"type": "integer"},
                                    "height": {"type": "integer"},
                                    "expires_at": {"type": "string", "format": "date-time"},
                                },
                            },
                        },
                        "photos_held_back": {
                            "type": "integer",
                            "description": "Photos of the report not sent: their automatic "
                            "anonymisation failed and no caseworker has checked them yet, or it "
                            "had not run yet when the ticket's wait for it ended (a later ticket "
                            "or reminder carries them once checked or anonymised).",
                        },
                        "photos_held_back_note": {
                            "type": "string",
                            "nullable": True,
                            "description": 'The same in words ("1 Foto zur Prüfung '
                            'zurückgehalten"), null when none was held back.',
                        },
                        "api": {
                            "type": "object",
                            "properties": {
                                k: {"type": "string", "format": "uri"}
                                for k in ("ticket", "acknowledge", "done", "return")
                            },
                        },
                    },
                },
            },
        },
    }
