"""The webhook sender against a real local HTTP sink: delivered exactly once through 500s and
timeouts, one idempotency key across attempts, a signature the partner can verify, dead after
the last attempt (and back with "retry now"), photo URLs that are signed and expire."""

from __future__ import annotations

import json
import socket
import time

import pytest
import sqlalchemy as sa

from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.forwarding.outbox import retry_delivery
from app.forwarding.senders.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookSender,
    sign,
    verify_signature,
)
from app.forwarding.worker import deliver_due
from app.reports.drafts import PhotoUpload
from tests.fakes.webhook_sink import Reply
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
from tests.images import jpeg


def verified(received) -> bool:
    return verify_signature(
        SECRET,
        received.headers.get(TIMESTAMP_HEADER.lower()),
        received.body,
        received.headers.get(SIGNATURE_HEADER.lower()),
    )


def test_500_then_timeout_then_200_is_delivered_once_with_one_key(edg_webhook, make_report):  # noqa: F811
    sink = edg_webhook
    sink.script(500, "hang", 200)
    report = make_report(PAPIERKORB, FRIEDENSPLATZ, description="Papierkorb quillt über")
    [delivery] = forward_deliveries(report)
    assert delivery.method == "webhook" and delivery.status == DeliveryStatus.PENDING

    assert deliver_due() == 3  # no backoff in tests: the three attempts follow each other

    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 3
    assert delivery.remote_id == "remote-3"
    errors = [a.error for a in delivery.attempt_log]
    assert errors[0].startswith("HTTP 500")
    assert errors[1].startswith("timeout after 0.5 s")
    assert errors[2] is None
    assert [a.is_success for a in delivery.attempt_log] == [False, False, True]
    assert all(a.finished_at and a.worker for a in delivery.attempt_log)

    assert sink.wait_for(3)
    assert sink.idempotency_keys() == [delivery.idempotency_key] * 3
    assert all(verified(r) for r in sink.received)
    assert all(r.path == "/hooks/tickets" for r in sink.received)
    body = sink.received[-1].json()
    assert body["reference"] == report.reference
    assert body["delivery_id"] == delivery.id
    assert body["purpose"] == "forward"
    assert body["idempotency_key"] == delivery.idempotency_key
    assert body["description"] == "Papierkorb quillt über"
    assert body["api"]["done"].endswith(f"/api/partner/tickets/{report.reference}/done")
    assert sink.received[-1].headers["x-quartiersmelder-event"] == "forward"

    db.session.refresh(report)
    assert report.status == ReportStatus.FORWARDED  # the ticket left the house


def test_dead_after_the_last_attempt_then_retry_now_delivers(
    edg_webhook,
    make_report,
    make_user,
    monkeypatch,
    app_ctx,
):
    sink = edg_webhook
    monkeypatch.setitem(app_ctx.config, "DELIVERY_MAX_ATTEMPTS", 3)
    sink.default = 503
    report = make_report(PAPIERKORB, FRIEDENSPLATZ)
    [delivery] = forward_deliveries(report)

    assert deliver_due() == 3
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == 3
    assert delivery.last_error.startswith("HTTP 503")
    [dead] = db.session.execute(
        sa.select(ReportEvent).where(
            ReportEvent.report_id == report.id, ReportEvent.kind == "delivery_dead"
        )
    ).scalars()
    assert dead.data["delivery_id"] == delivery.id
    assert dead.data["error"].startswith("HTTP 503")
    assert deliver_due() == 0  # dead stays dead

    retry_delivery(delivery, make_user("caseworker", ("edg",)))  # the inbox's "retry now"
    db.session.commit()
    sink.default = 200
    assert deliver_due() == 1
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 4
    assert delivery.last_error is None
    assert sink.idempotency_keys() == [delivery.idempotency_key] * 4


@pytest.mark.parametrize("status", [400, 401, 403, 404, 410, 422])
def test_a_misconfiguration_answer_makes_it_dead_at_once(edg_webhook, make_report, status):  # noqa: F811
    edg_webhook.default = Reply(status, {"message": "nope"})
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    assert deliver_due() == 1
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.attempts == 1
    assert delivery.last_error.startswith(f"HTTP {status}")
    assert "nope" in delivery.last_error


@pytest.mark.parametrize("status", [408, 409, 425, 429, 500, 502])
def test_temporary_answers_are_retried(edg_webhook, make_report, status):  # noqa: F811
    edg_webhook.script(status)
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    assert deliver_due() == 2
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempt_log[0].error.startswith(f"HTTP {status}")


def test_a_closed_port_and_a_dropped_connection_are_retried(edg_webhook, make_report, app_ctx):  # noqa: F811
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    configure("edg", "webhook", {"url": f"http://127.0.0.1:{closed}/x", "secret_env": SECRET_ENV})
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    sender = WebhookSender(app_ctx)
    result = sender.send(delivery)
    assert not result.ok and result.retryable
    assert result.error.startswith("connection failed")

    configure("edg", "webhook", {"url": edg_webhook.url, "secret_env": SECRET_ENV})
    edg_webhook.script("close")
    result = sender.send(delivery)
    assert not result.ok and result.retryable
    assert sender.send(delivery).ok


def test_missing_secret_or_url_fails_without_a_request(
    edg_webhook,
    make_report,
    monkeypatch,  # noqa: F811
    app_ctx,
):
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    sender = WebhookSender(app_ctx)
    monkeypatch.delenv(SECRET_ENV)
    result = sender.send(delivery)
    assert not result.ok and not result.retryable
    assert SECRET_ENV in result.error and SECRET not in result.error
    configure("edg", "webhook", {"secret_env": SECRET_ENV})
    assert not sender.send(delivery).retryable
    configure("edg", "webhook", {"url": "ftp://127.0.0.1/x", "secret_env": SECRET_ENV})
    monkeypatch.setenv(SECRET_ENV, SECRET)
    result = sender.send(delivery)
    assert not result.ok and not result.retryable
    assert edg_webhook.received == []


def test_the_signature_scheme_refuses_tampering_replays_and_other_secrets():
    body = json.dumps({"reference": "DO-2026-00001"}).encode()
    now = int(time.time())
    signature = sign(SECRET, now, body)
    assert signature.startswith("sha256=") and len(signature) == 7 + 64
    assert verify_signature(SECRET, str(now), body, signature)
    assert not verify_signature(SECRET, str(now), body + b" ", signature)
    assert not verify_signature("another secret", str(now), body, signature)
    assert not verify_signature(SECRET, str(now + 1), body, signature)  # timestamp is signed
    old = now - 301
    assert not verify_signature(SECRET, str(old), body, sign(SECRET, old, body))  # replay
    assert not verify_signature(SECRET, None, body, signature)
    assert not verify_signature(SECRET, "yesterday", body, signature)


def test_photo_urls_are_signed_and_expire(
    edg_webhook,
    make_report,
    client,
    monkeypatch,  # noqa: F811
    app_ctx,
):
    report = make_report(PAPIERKORB, FRIEDENSPLATZ, photos=[PhotoUpload(jpeg(), "a.jpg")])
    assert deliver_due() == 1
    body = edg_webhook.received[0].json()
    [photo] = body["photos"]
    assert photo["width"] > 0 and photo["expires_at"]
    base = app_ctx.config["PUBLIC_BASE_URL"]
    path = photo["url"].removeprefix(base)
    assert path.startswith("/partner/photos/")
    with client.get(path) as response:
        assert response.status_code == 200
        assert response.mimetype == "image/jpeg"
        assert response.data[:2] == b"\xff\xd8"
        assert response.headers["Cache-Control"].startswith("private")
        size = len(response.data)
    with client.get(photo["thumbnail_url"].removeprefix(base)) as thumb:
        assert thumb.status_code == 200 and len(thumb.data) < size

    forged = client.get(path[:-3] + ("abc" if not path.endswith("abc") else "xyz"))
    assert forged.status_code == 403 and forged.is_json
    assert client.get("/partner/photos/nonsense").status_code == 403

    monkeypatch.setitem(app_ctx.config, "PARTNER_PHOTO_MAX_AGE_DAYS", -1)
    expired = client.get(path)
    assert expired.status_code == 410
    assert expired.get_json()["error"]["code"] == "expired"
    monkeypatch.setitem(app_ctx.config, "PARTNER_PHOTO_MAX_AGE_DAYS", 7)

    db.session.delete(report.photos[0])
    db.session.commit()
    assert client.get(path).status_code == 404


def test_a_reminder_goes_by_webhook_too(edg_webhook, make_report):  # noqa: F811
    from app.forwarding.jobs import remind_unacknowledged

    report = make_report(PAPIERKORB, FRIEDENSPLATZ)
    assert deliver_due() == 1
    [ticket] = forward_deliveries(report)
    from datetime import timedelta

    ticket.sent_at -= timedelta(hours=25)  # EDG acknowledges within 24 h
    db.session.commit()
    assert remind_unacknowledged() == 1
    assert deliver_due() == 1
    reminder = edg_webhook.received[-1]
    assert verified(reminder)
    body = reminder.json()
    assert body["purpose"] == "reminder"
    assert body["reminder_of"] == ticket.id
    assert reminder.idempotency_key != ticket.idempotency_key
