"""``open311``: the ticket as a new service request on another GeoReport v2 endpoint (EDG or a
contractor may run one).

Department ``forward_config``::

    {"endpoint": "https://open311.partner.example/v2",   # base URL; POST {endpoint}/requests.json
     "api_key_env": "QM_SENDER_EDG_OPEN311_KEY",         # env variable with the api_key (optional)
     "jurisdiction_id": "dortmund.de",                   # optional
     "service_code_map": {"papierkorb-voll": "101", "wilder-muell": "102"},
     "default_service_code": "100",                      # optional, for unmapped categories
     "lang": "de"}                                       # language of the description (optional)

The POST is form-encoded as the spec says: ``service_code``, ``lat``, ``long``,
``address_string``, ``description`` (our reference, the description, the answers to the
category's questions and the status page; how many photos were held back for review),
``media_url`` (a signed, expiring URL of the first photo partners may see: anonymised, or
checked by a caseworker), plus ``api_key`` and ``jurisdiction_id`` when configured. No
personal data of the resident is sent. The answer's ``service_request_id`` becomes the
delivery's remote id; a server that creates requests asynchronously answers with a ``token``
instead, stored as ``token:<token>``. GeoReport v2 has no idempotency key: an
``Idempotency-Key`` header is sent anyway, and the description starts with our reference so a
duplicate can be recognised.

Errors: 5xx, 408/409/425/429, timeouts and connection errors are retried; other 4xx (a
wrong api_key, an unknown service code) and unmapped categories make the delivery dead at
once, with the server's error description recorded.
"""

from __future__ import annotations

import logging
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

if TYPE_CHECKING:
    from app.forwarding.models import Delivery
    from app.reports.models import Report

log = logging.getLogger(__name__)

DESCRIPTION_LIMIT = 4000


def requests_url(endpoint: str) -> str:
    endpoint = endpoint.rstrip("/")
    if endpoint.endswith((".json", ".xml")):
        return endpoint
    if endpoint.endswith("/requests"):
        return endpoint + ".json"
    return endpoint + "/requests.json"


def description(delivery: Delivery, lang: str) -> str:
    from app.forwarding.messages import ticket
    from app.reports.partner_photos import held_back_note

    data = ticket(delivery, lang)
    parts = [f"[{data['reference']}] {data['category']['name']}"]
    if data["description"]:
        parts.append(data["description"])
    parts.extend(f"{item['label']}: {item['value']}" for item in data["attributes"])
    if data["address"]:
        parts.append(data["address"])
    held_back = held_back_note(data["photos_held_back"], lang)
    if held_back:
        parts.append(held_back)
    parts.append(data["status_url"])
    text = "\n".join(parts)
    return text[:DESCRIPTION_LIMIT]


def form(
    delivery: Delivery,
    report: Report,
    config: dict[str, Any],
    service_code: str,
    api_key: str | None,
) -> dict[str, str]:
    from app.forwarding.api import photo_url
    from app.reports.partner_photos import photos_for_partners

    fields = {
        "service_code": service_code,
        "lat": f"{report.lat:.7f}",
        "long": f"{report.lon:.7f}",
        "description": description(delivery, config.get("lang", "de")),
    }
    if report.address:
        fields["address_string"] = report.address
    # The first photo partners may see (anonymised or checked); a held-back one is not linked.
    shared, _held_back = photos_for_partners(report)
    if shared:
        fields["media_url"] = photo_url(shared[0])
    if config.get("jurisdiction_id"):
        fields["jurisdiction_id"] = str(config["jurisdiction_id"])
    if api_key:
        fields["api_key"] = api_key
    return fields


def error_description(response: httpx.Response) -> str:
    """The spec's error body ``[{"code": …, "description": …}]``, else the text."""
    try:
        data = response.json()
    except ValueError:
        return short_text(response)
    if isinstance(data, dict):
        data = data.get("errors", [data])
    if isinstance(data, list):
        texts = [str(item.get("description", "")) for item in data if isinstance(item, dict)]
        if any(texts):
            return "; ".join(t for t in texts if t)[:300]
    return short_text(response)


def remote_id(response: httpx.Response) -> str | None:
    try:
        data = response.json()
    except ValueError:
        return None
    if isinstance(data, list) and data:
        data = data[0]
    if not isinstance(data, dict):
        return None
    if data.get("service_request_id") not in (None, ""):
        return str(data["service_request_id"])[:120]
    if data.get("token") not in (None, ""):
        return f"token:{data['token']}"[:120]
    return None


@register_sender
class Open311Sender(Sender):
    method = "open311"
    carries_tickets = True
    configuration_schema = {
        "endpoint": Setting(
            "Base URL of the GeoReport v2 API (requests.json is appended).",
            kind=SettingKind.URL,
            required=True,
        ),
        "api_key_env": Setting(
            "Name of the environment variable holding the api_key.", kind=SettingKind.SECRET_ENV
        ),
        "jurisdiction_id": Setting("jurisdiction_id to send (optional)."),
        "service_code_map": Setting(
            "Our category code → their service_code.",
            kind=SettingKind.SERVICE_CODES,
            required=True,
        ),
        "default_service_code": Setting(
            "Their service_code for categories not in the map (optional)."
        ),
        "lang": Setting(
            "Language of the description (de, en; default de).", kind=SettingKind.LANGUAGE
        ),
    }

    def send(self, delivery: Delivery) -> SendResult:
        # A report that cannot be loaded raises: the worker records that as the attempt's error.
        report, department = preload(delivery)
        config = (department.forward_config if department else None) or {}
        endpoint = config.get("endpoint")
        if not endpoint:
            return SendResult.failure(
                f"open311 of {delivery.target!r} has no endpoint configured", retryable=False
            )
        api_key, problem = secret_from_env(config, "api_key_env")
        if problem:
            return SendResult.failure(problem, retryable=False)
        target = checked_destination(self.app, requests_url(str(endpoint)))
        if isinstance(target, SendResult):
            return target
        category = report.category.code
        service_code = (config.get("service_code_map") or {}).get(category) or config.get(
            "default_service_code"
        )
        if not service_code:
            return SendResult.failure(
                f"no service code for category {category!r} in service_code_map", retryable=False
            )
        try:
            fields = form(delivery, report, config, str(service_code), api_key)
        except Exception as exc:  # noqa: BLE001 - a broken report must not kill the worker
            log.exception("Could not build the Open311 request of delivery %s", delivery.id)
            return SendResult.failure(f"payload error: {type(exc).__name__}: {exc}")
        headers = {
            "User-Agent": USER_AGENT,
            "Accept": "application/json",
            "Idempotency-Key": delivery.idempotency_key,
            **target.headers,
        }
        try:
            response = pooled_client(self.timeout, str(endpoint)).post(
                target.url, data=fields, headers=headers, extensions=target.extensions
            )
        except Exception as exc:  # noqa: BLE001 - every failure becomes a result
            return transport_failure(exc, self.timeout)
        if not response.is_success:
            return classify_status(response.status_code, error_description(response))
        found = remote_id(response)
        if found is None:
            # Created, most likely: retrying would file it twice. Recorded, not retried.
            log.warning(
                "Open311 answer for delivery %s has no service_request_id: %s",
                delivery.id,
                short_text(response),
            )
        return SendResult.success(found)
