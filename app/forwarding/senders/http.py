"""What the senders that speak HTTP share: one client setup (timeout, TLS, no redirects), the
checked destination, and remote answers and failures turned into a ``SendResult``."""

from __future__ import annotations

import functools
import ssl

import httpx
from flask import Flask

from app.forwarding.senders.base import SendResult
from app.forwarding.senders.policy import (
    Destination,
    DestinationRefused,
    DestinationUnresolved,
    destination,
)

RETRYABLE_STATUSES = frozenset({408, 409, 425, 429})
USER_AGENT = "Quartiersmelder-Webhook/1"


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    import certifi

    return ssl.create_default_context(cafile=certifi.where())


def http_client(timeout: float) -> httpx.Client:
    """A client with the sender's timeout; the TLS context is built once per process (building
    it per request costs more than a local delivery)."""
    return httpx.Client(timeout=timeout, verify=_ssl_context(), follow_redirects=False)


def checked_destination(app: Flask, url: str) -> Destination | SendResult:
    """Where ``url`` may be sent (see ``policy``), or the failure to record instead."""
    try:
        allow = bool(app.config.get("SENDER_ALLOW_PRIVATE_NETWORKS"))
        return destination(url, allow_private=allow)
    except DestinationRefused as exc:
        return SendResult.failure(str(exc), retryable=False)
    except DestinationUnresolved as exc:
        return SendResult.failure(str(exc))


def classify_status(status: int, detail: str = "") -> SendResult:
    """A non-2xx answer as a failure: retried when waiting can help, dead when it cannot."""
    error = f"HTTP {status}" + (f": {detail}" if detail else "")
    if status >= 500 or status in RETRYABLE_STATUSES:
        return SendResult.failure(error)
    if 300 <= status < 400:
        return SendResult.failure(error + " (redirect: check the configured URL)", retryable=False)
    return SendResult.failure(error, retryable=False)


def transport_failure(exc: Exception, timeout: float) -> SendResult:
    """A request that got no answer: retryable, except a URL that can never work."""
    if isinstance(exc, httpx.TimeoutException):
        return SendResult.failure(f"timeout after {timeout:g} s ({type(exc).__name__})")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return SendResult.failure(f"invalid URL: {exc}", retryable=False)
    if isinstance(exc, httpx.TransportError):
        return SendResult.failure(f"connection failed: {type(exc).__name__}: {exc}")
    return SendResult.failure(f"request failed: {type(exc).__name__}: {exc}")


def short_text(response: httpx.Response, limit: int = 300) -> str:
    try:
        text = response.text
    except Exception:  # noqa: BLE001 - undecodable bodies are just left out
        return ""
    return " ".join(text.split())[:limit]
