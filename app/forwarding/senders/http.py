"""What the senders that speak HTTP share: one client setup (timeout, TLS, no redirects), the
checked destination, and remote answers and failures turned into a ``SendResult``.

Senders reuse connections: ``pooled_client`` keeps one client per thread, timeout and
configured origin (scheme, host and port as the department's URL names them), so the worker's
deliveries to one partner share a keep-alive connection instead of connecting (and, for
HTTPS, shaking hands) once per ticket. A connection serves only the host name it was opened
and verified for; a client keeps no cookies (each request is sent as if by a new client);
``close_clients`` ends them when the worker has sent what was due.
"""

from __future__ import annotations

import functools
import os
import ssl
import threading
from collections import OrderedDict
from typing import Any
from urllib.parse import urlsplit

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


class _NoCookies(httpx.Cookies):
    """A jar that keeps nothing: what one partner sets is never sent back (as before, when
    every request had a client of its own), and no answer's headers are parsed for it."""

    def extract_cookies(self, response: httpx.Response) -> None:
        pass


class _PooledClient(httpx.Client):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._cookies = _NoCookies()


# Clients of one thread at most; the least recently used is closed beyond it.
MAX_POOLED_CLIENTS = 8
_pool = threading.local()


def _clients() -> OrderedDict[tuple[float, str], httpx.Client]:
    clients = getattr(_pool, "clients", None)
    if clients is None or _pool.pid != os.getpid():  # a forked child: not the parent's sockets
        clients = _pool.clients = OrderedDict()
        _pool.pid = os.getpid()
    return clients


def origin(url: str) -> str:
    """``scheme://host:port`` of ``url`` as configured (before the address is pinned)."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


def pooled_client(timeout: float, url: str) -> httpx.Client:
    """The keep-alive client of this thread for ``url``'s origin and ``timeout``: requests
    through it reuse an open connection to the checked address. Do not close it (see
    ``close_clients``)."""
    clients = _clients()
    key = (timeout, origin(url))
    client = clients.get(key)
    if client is not None:
        clients.move_to_end(key)
        return client
    client = clients[key] = _PooledClient(
        timeout=timeout, verify=_ssl_context(), follow_redirects=False
    )
    while len(clients) > MAX_POOLED_CLIENTS:
        clients.popitem(last=False)[1].close()
    return client


def close_clients() -> None:
    """Close this thread's pooled clients and their connections."""
    clients = _clients()
    while clients:
        clients.popitem(last=False)[1].close()


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
