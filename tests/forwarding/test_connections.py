"""The worker's HTTP connections to a partner, counted at a real local sink: one kept-alive
connection carries a round's tickets, closed once the worker has sent what was due; a cookie a
partner sets is never sent back; a connection the partner closed is replaced by a new one."""

from __future__ import annotations

import threading

import pytest

from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.senders.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify_signature
from app.forwarding.worker import deliver_due
from tests.fakes.webhook_sink import Reply, WebhookSink
from tests.forwarding.partner_helpers import (  # noqa: F401 (fixtures)
    FRIEDENSPLATZ,
    PAPIERKORB,
    SECRET,
    edg_webhook,
    forward_deliveries,
    keep_departments,
    webhook_sink,
)


class Connections:
    """Counts the connections the sink accepts, and those it has finished with."""

    def __init__(self, sink: WebhookSink) -> None:
        server = sink._server  # the fake's HTTP server: one call per accepted connection
        self.opened = 0
        self.closed = 0
        self._lock = threading.Lock()
        self._all_closed = threading.Condition(self._lock)
        verify, shutdown = server.verify_request, server.shutdown_request

        def counted_verify(request, client_address):
            with self._lock:
                self.opened += 1
            return verify(request, client_address)

        def counted_shutdown(request):
            shutdown(request)
            with self._all_closed:
                self.closed += 1
                self._all_closed.notify_all()

        server.verify_request = counted_verify  # type: ignore[method-assign]
        server.shutdown_request = counted_shutdown  # type: ignore[method-assign]

    def wait_all_closed(self, timeout: float = 10.0) -> bool:
        with self._all_closed:
            return self._all_closed.wait_for(lambda: self.closed >= self.opened, timeout)


@pytest.fixture
def connections(edg_webhook):  # noqa: F811
    return Connections(edg_webhook)


def _tickets(make_report, count: int):
    for number in range(count):
        make_report(PAPIERKORB, FRIEDENSPLATZ, description=f"Papierkorb {number} voll")
    tickets = forward_deliveries()
    assert len(tickets) == count
    return tickets


def test_one_connection_carries_the_tickets_and_is_closed_afterwards(
    edg_webhook,  # noqa: F811
    connections,
    make_report,
):
    tickets = _tickets(make_report, 5)

    assert deliver_due() == 5

    assert edg_webhook.wait_for(5)
    assert sorted(r.idempotency_key for r in edg_webhook.received) == sorted(
        t.idempotency_key for t in tickets
    )
    assert all(
        verify_signature(
            SECRET,
            r.headers.get(TIMESTAMP_HEADER.lower()),
            r.body,
            r.headers.get(SIGNATURE_HEADER.lower()),
        )
        for r in edg_webhook.received
    )
    assert connections.opened == 1  # not one per ticket
    assert connections.wait_all_closed()  # the worker does not keep it once all is sent
    for ticket in tickets:
        db.session.refresh(ticket)
        assert ticket.status == DeliveryStatus.SENT


def test_a_cookie_the_partner_sets_is_never_sent_back(edg_webhook, connections, make_report):  # noqa: F811
    edg_webhook.script(Reply(200, {"id": "first"}, {"Set-Cookie": "session=abc; Path=/"}))
    _tickets(make_report, 3)

    assert deliver_due() == 3

    assert edg_webhook.wait_for(3)
    assert connections.opened == 1
    assert all("cookie" not in r.headers for r in edg_webhook.received)


def test_a_connection_the_partner_closed_is_replaced(edg_webhook, connections, make_report):  # noqa: F811
    edg_webhook.script(200, "close")  # the second request's connection is dropped unanswered
    tickets = _tickets(make_report, 3)

    assert deliver_due() == 4  # the dropped one is tried again (no backoff in tests)

    assert edg_webhook.wait_for(4)
    assert connections.opened == 2
    for ticket in tickets:
        db.session.refresh(ticket)
        assert ticket.status == DeliveryStatus.SENT
    attempts = sorted(t.attempts for t in tickets)
    assert attempts == [1, 1, 2]
