"""The Open311 sender: a form-encoded GeoReport v2 POST to a partner's endpoint, the remote
``service_request_id`` (or token) kept; errors recorded, temporary ones retried. Against a
scripted local sink, and against a real GeoReport v2 server: this app's own, on a local port."""

from __future__ import annotations

import pytest

from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.senders.open311 import Open311Sender, requests_url
from app.forwarding.worker import deliver_due
from app.reports.drafts import PhotoUpload
from app.reports.models import Report
from tests.fakes.webhook_sink import Reply
from tests.forwarding.partner_helpers import (  # noqa: F401 (fixtures)
    FRIEDENSPLATZ,
    PAPIERKORB,
    configure,
    forward_deliveries,
    keep_departments,
    webhook_sink,
)
from tests.images import jpeg

KEY_ENV = "QM_SENDER_TEST_EDG_OPEN311_KEY"


@pytest.fixture
def edg_open311(app_ctx, keep_departments, webhook_sink, monkeypatch):  # noqa: F811
    from app.forwarding.senders import load_all

    load_all()
    monkeypatch.setenv(KEY_ENV, "partner-api-key")
    monkeypatch.setitem(app_ctx.config, "SENDER_TIMEOUT", 0.5)
    configure(
        "edg",
        "open311",
        {
            "endpoint": f"{webhook_sink.url}/open311/v2",
            "api_key_env": KEY_ENV,
            "jurisdiction_id": "edg.example",
            "service_code_map": {PAPIERKORB: "101"},
        },
    )
    webhook_sink.hang_seconds = 1.5
    return webhook_sink


def test_a_ticket_becomes_a_service_request_with_the_remote_id(edg_open311, make_report):
    edg_open311.default = Reply(
        201, [{"service_request_id": 4711, "service_notice": "ok", "account_id": None}]
    )
    report = make_report(
        PAPIERKORB,
        FRIEDENSPLATZ,
        description="Überquellender Papierkorb",
        photos=[PhotoUpload(jpeg(), "p.jpg")],
    )
    [delivery] = forward_deliveries(report)
    assert delivery.method == "open311"
    assert deliver_due() == 1
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.remote_id == "4711"

    [request] = edg_open311.received
    assert request.path == "/open311/v2/requests.json"
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.idempotency_key == delivery.idempotency_key
    form = {k: v[0] for k, v in request.form().items()}
    assert form["service_code"] == "101"
    assert form["api_key"] == "partner-api-key"
    assert form["jurisdiction_id"] == "edg.example"
    assert float(form["lat"]) == pytest.approx(FRIEDENSPLATZ[0])
    assert float(form["long"]) == pytest.approx(FRIEDENSPLATZ[1])
    assert form["description"].startswith(f"[{report.reference}] ")
    assert "Überquellender Papierkorb" in form["description"]
    assert form["media_url"].startswith("http://localhost/partner/photos/")
    assert "email" not in form and "first_name" not in form  # nothing about the resident


def test_a_token_answer_is_kept_as_the_remote_id(edg_open311, make_report):
    edg_open311.default = Reply(200, [{"token": "abc-123"}])
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    assert deliver_due() == 1
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.remote_id == "token:abc-123"


def test_errors_are_recorded_temporary_ones_retried(edg_open311, make_report):
    edg_open311.script(
        Reply(503, "maintenance"), "hang", Reply(200, [{"service_request_id": "X-1"}])
    )
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    assert deliver_due() == 3
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.SENT and delivery.remote_id == "X-1"
    assert [a.error.split(":")[0] if a.error else None for a in delivery.attempt_log] == [
        "HTTP 503",
        "timeout after 0.5 s (ReadTimeout)",
        None,
    ]
    assert len(set(edg_open311.idempotency_keys())) == 1


def test_a_refusal_is_dead_at_once_with_the_servers_description(edg_open311, make_report):
    edg_open311.default = Reply(403, [{"code": 403, "description": "Invalid api_key"}])
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    assert deliver_due() == 1
    db.session.refresh(delivery)
    assert delivery.status == DeliveryStatus.DEAD
    assert delivery.last_error == "HTTP 403: Invalid api_key"


def test_an_unmapped_category_or_missing_key_fails_without_a_request(
    edg_open311, make_report, monkeypatch, app_ctx
):
    [delivery] = forward_deliveries(make_report(PAPIERKORB, FRIEDENSPLATZ))
    sender = Open311Sender(app_ctx)
    configure("edg", "open311", {"endpoint": edg_open311.url, "service_code_map": {}})
    result = sender.send(delivery)
    assert not result.ok and not result.retryable and PAPIERKORB in result.error
    configure(
        "edg",
        "open311",
        {
            "endpoint": edg_open311.url,
            "api_key_env": "QM_SENDER_NOT_SET_ANYWHERE",
            "default_service_code": "1",
        },
    )
    result = sender.send(delivery)
    assert not result.ok and not result.retryable and "QM_SENDER_NOT_SET_ANYWHERE" in result.error
    assert edg_open311.received == []
    configure("edg", "open311", {"endpoint": edg_open311.url, "default_service_code": "1"})
    assert sender.send(delivery).ok  # no key configured: none sent


def test_requests_url():
    assert (
        requests_url("https://x.example/open311/v2") == "https://x.example/open311/v2/requests.json"
    )
    assert requests_url("https://x.example/v2/") == "https://x.example/v2/requests.json"
    assert requests_url("https://x.example/v2/requests") == "https://x.example/v2/requests.json"
    assert (
        requests_url("https://x.example/v2/requests.json") == "https://x.example/v2/requests.json"
    )


def test_against_a_real_georeport_server(app_ctx, keep_departments, make_report, monkeypatch):  # noqa: F811
    """Another Quartiersmelder (this app on a local port) as the partner's Open311 server."""
    from app.forwarding.senders import load_all
    from app.open311.keys import create_api_key
    from tests.open311.conftest import LiveServer

    load_all()
    _key, token = create_api_key("partner")
    monkeypatch.setenv(KEY_ENV, token)
    report = make_report(PAPIERKORB, FRIEDENSPLATZ, description="Papierkorb am Friedensplatz")
    [delivery] = forward_deliveries(report)
    server = LiveServer(app_ctx).start()
    try:
        configure(
            "edg",
            "open311",
            {
                "endpoint": f"{server.url}/open311/v2",
                "api_key_env": KEY_ENV,
                "service_code_map": {PAPIERKORB: "wilder-muell"},
            },
        )
        result = Open311Sender(app_ctx).send(delivery)
    finally:
        server.stop()
    assert result.ok, result.error
    created = db.session.execute(
        db.select(Report).where(Report.reference == result.remote_id)
    ).scalar_one()
    assert created.category.code == "wilder-muell"
    assert created.description.startswith(f"[{report.reference}] ")
    assert "Papierkorb am Friedensplatz" in created.description
