"""A department's settings cannot make the worker hand out a server secret: senders read only
``QM_SENDER_…`` environment variables, and connect only to public addresses unless
``SENDER_ALLOW_PRIVATE_NETWORKS`` is set. Checked with the worker and a real local listener
(the "attacker's" endpoint), which must receive nothing."""

from __future__ import annotations

import ipaddress

import pytest

from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.senders.policy import is_public_address
from app.forwarding.worker import deliver_due
from tests.forwarding.partner_helpers import (  # noqa: F401 (fixtures)
    FRIEDENSPLATZ,
    PAPIERKORB,
    SECRET,
    SECRET_ENV,
    configure,
    edg_webhook,
    forward_deliveries,
    keep_departments,
    webhook_sink,
)

SERVER_SECRET = "the-servers-own-SECRET_KEY-value"


@pytest.fixture
def listener(app_ctx, keep_departments, webhook_sink, monkeypatch):  # noqa: F811
    """A local HTTP listener; the server's SECRET_KEY in the environment."""
    from app.forwarding.senders import load_all

    load_all()
    monkeypatch.setenv("SECRET_KEY", SERVER_SECRET)
    monkeypatch.setenv(SECRET_ENV, SECRET)
    return webhook_sink


def delivered(make_report):
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    deliver_due()
    db.session.refresh(delivery)
    return delivery


@pytest.mark.parametrize(
    ("method", "config"),
    [
        ("open311", {"api_key_env": "SECRET_KEY", "service_code_map": {PAPIERKORB: "1"}}),
        ("webhook", {"secret_env": "SECRET_KEY"}),
    ],
)
def test_a_department_cannot_make_the_worker_send_the_servers_secret(
    listener, make_report, method, config
):
    url_key = "endpoint" if method == "open311" else "url"
    configure("edg", method, {**config, url_key: f"{listener.url}/steal"})
    delivery = delivered(make_report)
    assert delivery.status == DeliveryStatus.DEAD
    assert "QM_SENDER_" in delivery.last_error
    assert SERVER_SECRET not in delivery.last_error
    assert listener.received == []  # nothing left the house, the secret least of all


def server_secret_nowhere(listener) -> None:
    for request in listener.received:
        assert SERVER_SECRET.encode() not in request.body
        assert SERVER_SECRET not in str(request.headers)


@pytest.mark.parametrize("method", ["webhook", "open311"])
def test_local_addresses_are_refused_unless_allowed(
    listener, make_report, app_ctx, monkeypatch, method
):
    monkeypatch.setitem(app_ctx.config, "SENDER_ALLOW_PRIVATE_NETWORKS", False)
    if method == "webhook":
        settings = {"secret_env": SECRET_ENV}
    else:
        settings = {"service_code_map": {PAPIERKORB: "1"}}
    url_key = "url" if method == "webhook" else "endpoint"
    port = listener.url.rsplit(":", 1)[1]
    for url in (
        f"{listener.url}/hook",
        f"http://localhost:{port}/hook",  # a name that resolves to loopback
        "http://169.254.169.254/latest/meta-data/",  # cloud metadata: never even connected to
        "http://[::ffff:127.0.0.1]/hook",
    ):
        configure("edg", method, {**settings, url_key: url})
        delivery = delivered(make_report)
        assert delivery.status == DeliveryStatus.DEAD, url
        assert "SENDER_ALLOW_PRIVATE_NETWORKS" in delivery.last_error, delivery.last_error
    assert listener.received == []

    # Allowed (a partner inside the city's network): delivered, to the name it was given.
    monkeypatch.setitem(app_ctx.config, "SENDER_ALLOW_PRIVATE_NETWORKS", True)
    configure("edg", method, {**settings, url_key: f"http://localhost:{port}/hook"})
    delivery = delivered(make_report)
    assert delivery.status == DeliveryStatus.SENT, delivery.last_error
    [request] = listener.received
    assert request.headers["host"] == f"localhost:{port}"
    server_secret_nowhere(listener)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.178.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",  # noqa: S104 - an address under test, nothing binds to it
        "224.0.0.1",
        "::1",
        "fe80::1",
        "fd00::1",
        "::ffff:10.0.0.1",
        "::",
    ],
)
def test_addresses_that_are_not_public(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["93.184.215.14", "194.25.2.129", "2a00:1450:4001:80b::200e"])
def test_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address))
