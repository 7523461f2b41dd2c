"""``webhook``: the ticket as a signed JSON POST to the partner's URL.

Department ``forward_config``::

    {"url": "https://partner.example/quartiersmelder/tickets",
     "secret_env": "QM_SENDER_EDG_WEBHOOK_SECRET",   # the environment variable with the secret
     "lang": "de"}                          # language of names and labels (optional)

Request: ``POST url`` with ``Content-Type: application/json`` and

- ``Idempotency-Key: <key>`` – the same on every attempt of one delivery (also in the body);
  a receiver stores it and answers a repeated key with 2xx without acting twice;
- ``X-Quartiersmelder-Timestamp: <unix seconds>`` – when this attempt was signed;
- ``X-Quartiersmelder-Signature: sha256=<hex>`` – HMAC-SHA256 with the shared secret over
  ``<timestamp> + "." + <raw body bytes>``. The receiver recomputes it over the raw body
  (before parsing JSON), compares in constant time, and refuses timestamps more than five
  minutes away from its clock, so a captured request cannot be replayed later
  (``verify_signature`` below is a reference implementation);
- ``X-Quartiersmelder-Event`` (the purpose: ``forward``, ``reminder`` …) and
  ``X-Quartiersmelder-Delivery`` (the delivery id).

Body: the ticket (``app.forwarding.messages.ticket``) plus ``delivery_id`` and ``purpose``
(and ``reminder_of`` for reminders), with ``photos`` as signed URLs that expire
(``PARTNER_PHOTO_MAX_AGE_DAYS``) — only photos partners may see: anonymised, or checked by a
caseworker; ``photos_held_back`` counts the others and ``photos_held_back_note`` says so in
words — and ``api`` with the partner API's URLs for this ticket. A
resend carries the same key and ticket data; photo URLs, timestamp and signature are fresh.
A withdrawal notice (event ``withdrawal``: the report left the partner's department) carries
only which ticket it withdraws and why (``withdrawal_payload``).

Answers: 2xx is success (``{"id": …}`` in a JSON answer becomes the remote id); 408, 409,
425, 429 and 5xx, timeouts and connection errors are retried; any other answer means the
configuration is wrong (401/403: secret, 404/410: URL, 400/422: payload) and the delivery goes
dead at once, visible in the inbox with "retry now".
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from typing import TYPE_CHECKING, Any

import httpx

from app.forwarding.senders.base import (
    Sender,
    SendResult,
    Setting,
    SettingKind,
    register_sender,
)
from app.forwarding.senders.http import (
    USER_AGENT,
    checked_destination,
    classify_status,
    pooled_client,
    short_text,
    transport_failure,
)
from app.forwarding.senders.policy import secret_from_env
from app.forwarding.senders.ticket_data import preload
from app.reports.partner_photos import held_back_note

if TYPE_CHECKING:
    from app.forwarding.models import Delivery
    from app.reports.models import Report

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Quartiersmelder-Signature"
TIMESTAMP_HEADER = "X-Quartiersmelder-Timestamp"
EVENT_HEADER = "X-Quartiersmelder-Event"
DELIVERY_HEADER = "X-Quartiersmelder-Delivery"
REPLAY_TOLERANCE_SECONDS = 300


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature header's value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str,
    timestamp: str | None,
    body: bytes,
    signature: str | None,
    *,
    tolerance: int = REPLAY_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent."""
    if not timestamp or not signature:
        return False
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    if age > tolerance:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def withdrawal_payload(delivery: Delivery, report: Report) -> dict[str, Any]:
    """The JSON body of a withdrawal notice: which ticket is no longer the partner's, and why
    (``rerouted``, ``moved``: handled by another office now; ``duplicate``: merged)."""
    from app.extensions import db

    data = delivery.payload or {}
    ticket = db.session.get(type(delivery), data.get("original_delivery_id"))
    return {
        "purpose": delivery.purpose,
        "reference": report.reference,
        "delivery_id": delivery.id,
        "idempotency_key": delivery.idempotency_key,
        "withdrawn_delivery_id": ticket.id if ticket else None,
        "withdrawn_idempotency_key": ticket.idempotency_key if ticket else None,
        "withdrawn_at": ticket.withdrawn_at.isoformat() if ticket and ticket.withdrawn_at else None,
        "reason": data.get("reason"),
        "merged_into": data.get("original_reference"),
    }


def payload(delivery: Delivery, lang: str = "de", report: Report | None = None) -> dict[str, Any]:
    """The JSON body: the ticket, the delivery, signed photo URLs, the partner API's URLs (a
    withdrawal notice: ``withdrawal_payload``)."""
    from app.forwarding.api import photo_links
    from app.forwarding.links import public_url
    from app.forwarding.messages import ticket, ticket_photos
    from app.forwarding.outbox import WITHDRAWAL
    from app.forwarding.partner_contract import API

    if report is None:
        report, _department = preload(delivery)
    if delivery.purpose == WITHDRAWAL:
        return withdrawal_payload(delivery, report)
    body = ticket(delivery, lang)
    body["delivery_id"] = delivery.id
    body["purpose"] = delivery.purpose
    if delivery.payload.get("original_delivery_id"):
        body["reminder_of"] = delivery.payload["original_delivery_id"]
    # Only photos partners may see: anonymised, or checked by a caseworker (a ticket sent after
    # the check carries it); the others are counted, and said in words, not sent.
    body["photos"] = [photo_links(photo) for photo in ticket_photos(delivery)]
    body["photos_held_back_note"] = held_back_note(body["photos_held_back"], lang)
    base = public_url(f"{API}/tickets/{report.reference}")
    body["api"] = {
        "ticket": base,
        "acknowledge": f"{base}/acknowledge",
        "done": f"{base}/done",
        "return": f"{base}/return",
    }
    return body


@register_sender
class WebhookSender(Sender):
    method = "webhook"
    carries_tickets = True
    configuration_schema = {
        "url": Setting(
            "The partner's HTTPS endpoint receiving the JSON POST.",
            kind=SettingKind.URL,
            required=True,
        ),
        "secret_env": Setting(
            "Name of the environment variable holding the HMAC secret.",
            kind=SettingKind.SECRET_ENV,
            required=True,
        ),
        "lang": Setting(
            "Language of names and labels in the payload (de, en; default de).",
            kind=SettingKind.LANGUAGE,
        ),
    }

    def send(self, delivery: Delivery) -> SendResult:
        # A report that cannot be loaded raises: the worker records that as the attempt's error.
        report, department = preload(delivery)
        config = (department.forward_config if department else None) or {}
        url = config.get("url")
        if not url:
            return SendResult.failure(
                f"webhook of {delivery.target!r} has no url configured", retryable=False
            )
        if not config.get("secret_env"):
            return SendResult.failure(
                f"webhook of {delivery.target!r} has no secret_env configured", retryable=False
            )
        secret, problem = secret_from_env(config, "secret_env")
        if secret is None:
            return SendResult.failure(str(problem), retryable=False)
        target = checked_destination(self.app, str(url))
        if isinstance(target, SendResult):
            return target
        try:
            data = payload(delivery, config.get("lang", "de"), report)
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except Exception as exc:  # noqa: BLE001 - a broken report must not kill the worker
            log.exception("Could not build the webhook payload of delivery %s", delivery.id)
            return SendResult.failure(f"payload error: {type(exc).__name__}: {exc}")
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            "Idempotency-Key": delivery.idempotency_key,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
            EVENT_HEADER: delivery.purpose,
            DELIVERY_HEADER: str(delivery.id),
            **target.headers,
        }
        try:
            response = pooled_client(self.timeout, str(url)).post(
                target.url, content=body, headers=headers, extensions=target.extensions
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes a result
            return transport_failure(exc, self.timeout)
        if not response.is_success:
            return classify_status(response.status_code, short_text(response))
        return SendResult.success(_remote_id(response))


def _remote_id(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return str(data["id"])[:120]
    return None
