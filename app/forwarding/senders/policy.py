"""What a sender may read and where it may connect — so that a department's settings, which
admins edit in the browser, cannot make the worker hand a server secret to someone.

Secrets: a setting ending in ``_env`` names the environment variable that holds a secret. Only
names starting with ``QM_SENDER_`` may be named (``QM_SENDER_EDG_WEBHOOK_SECRET``); anything
else (``SECRET_KEY``, ``DATABASE_URL``, ``SMTP_PASSWORD`` …) is refused by the admin form and
never read by a sender.

Destinations: a sender connects only to addresses on the public internet. Loopback,
link-local (cloud metadata at 169.254.169.254), private, shared, multicast and reserved
addresses are refused unless ``SENDER_ALLOW_PRIVATE_NETWORKS`` is set (a partner inside the
city's own network; the tests' local servers). The host name is resolved once, every address
it gives is checked, and the request then goes to the checked address (with the original
``Host`` and TLS server name), so a second, different DNS answer cannot redirect it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

SECRET_ENV_PREFIX = "QM_SENDER_"  # noqa: S105 - a prefix of variable names, not a secret
SECRET_ENV_PATTERN = re.compile(r"QM_SENDER_[A-Z0-9_]{1,100}")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def is_allowed_secret_env(name: Any) -> bool:
    """Whether ``name`` may name a sender's secret (``QM_SENDER_…``)."""
    return isinstance(name, str) and SECRET_ENV_PATTERN.fullmatch(name) is not None


def secret_from_env(config: dict[str, Any], key: str) -> tuple[str | None, str | None]:
    """(secret, error): the value of the environment variable named by ``config[key]`` — only
    when the name is a sender's (``QM_SENDER_…``); the error never contains a value."""
    name = config.get(key)
    if not name:
        return None, None
    if not is_allowed_secret_env(name):
        return None, (
            f"{key} must name an environment variable starting with {SECRET_ENV_PREFIX} "
            f"(e.g. {SECRET_ENV_PREFIX}EDG_WEBHOOK_SECRET); {str(name)[:60]!r} is not read"
        )
    value = os.environ.get(name, "")
    if not value:
        return None, f"environment variable {name} ({key}) is not set"
    return value, None


def is_public_address(address: IPAddress) -> bool:
    """An address on the public internet (not loopback, private, link-local, …)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def literal_host_problem(url: str) -> str | None:
    """Without DNS: does the URL's host name a local address outright (an IP literal that is
    not public, or ``localhost``)? For the admin form; the sender checks again at send time."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return None
    host = host.rstrip(".").lower()
    if host in _LOCAL_NAMES or host.endswith(".localhost"):
        return host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    return None if is_public_address(address) else host


class DestinationRefused(Exception):
    """The URL points where senders may not connect (retrying cannot help)."""


class DestinationUnresolved(Exception):
    """The host name could not be resolved now (retrying may help)."""


@dataclass(frozen=True)
class Destination:
    """Where to send: the URL with the checked address, and what keeps the original name."""

    url: str
    headers: dict[str, str] = field(default_factory=dict)
    extensions: dict[str, Any] = field(default_factory=dict)


def _addresses(host: str, port: int) -> list[IPAddress]:
    """The host's addresses: itself when it is one, else what DNS answers (in its order)."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise DestinationUnresolved(f"cannot resolve {host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])  # no IPv6 zone index
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise DestinationUnresolved(f"cannot resolve {host}: no address")
    return addresses


def destination(url: str, *, allow_private: bool) -> Destination:
    """The checked destination of ``url``; raises ``DestinationRefused`` or
    ``DestinationUnresolved``."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as exc:
        raise DestinationRefused(f"invalid URL: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise DestinationRefused(f"invalid URL {url[:200]!r}: only http:// and https:// are sent")
    host = parsed.raw_host.decode("ascii")  # IDNA-encoded, as DNS and TLS see it
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    addresses = _addresses(host, port)
    if not allow_private:
        refused = [str(a) for a in addresses if not is_public_address(a)]
        if refused:
            raise DestinationRefused(
                f"{host} is {', '.join(refused)}: a loopback, private or link-local address; "
                "senders connect to such addresses only with SENDER_ALLOW_PRIVATE_NETWORKS"
            )
    # One address is pinned (no fallback to the next): IPv4 first, which every server reaches.
    chosen = min(addresses, key=lambda a: a.version)
    if str(chosen) == host.strip("[]"):
        return Destination(url)  # an address already: nothing to pin
    pinned = parsed.copy_with(host=str(chosen))
    headers = {"Host": parsed.netloc.decode("ascii")}
    extensions = {"sni_hostname": host} if parsed.scheme == "https" else {}
    return Destination(str(pinned), headers, extensions)
