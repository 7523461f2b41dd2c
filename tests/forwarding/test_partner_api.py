"""The partner API: a partner reports back on tickets sent to it with its bearer token —
acknowledged, done (with note and photo), returned. Forged, missing and foreign tokens are
refused with 403 and change nothing; "done" twice is one transition; the answers are what the
partner API's OpenAPI document says."""

from __future__ import annotations

import hashlib
import io

import pytest
import sqlalchemy as sa

from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.forwarding.api import rotate_partner_token
from app.forwarding.models import Delivery
from app.forwarding.outbox import RESIDENT_UPDATE
from app.reports.drafts import ContactDraft
from app.reports.models import ReportPhoto
from tests.forwarding.partner_helpers import (  # noqa: F401 (fixtures)
    FRIEDENSPLATZ,
    PAPIERKORB,
    department,
    forward_deliveries,
    keep_departments,
    mark_sent,
)
from tests.images import jpeg

API = "/api/partner"


@pytest.fixture
def edg_token(app_ctx, keep_departments) -> str:  # noqa: F811
    token = rotate_partner_token(department("edg"))
    db.session.commit()
    return token


@pytest.fixture
def ticket(make_report):
    """A cleanliness report whose EDG ticket (by e-mail, as seeded) has been sent."""
    report = make_report(
        PAPIERKORB,
        FRIEDENSPLATZ,
        description="Papierkorb voll",
        contact=ContactDraft(email="anwohnerin@example.invalid", consent=True),
    )
    [delivery] = forward_deliveries(report)
    return mark_sent(delivery)


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def snapshot(delivery: Delivery) -> tuple:
    db.session.expire_all()
    report = delivery.report
    events = db.session.execute(
        sa.select(sa.func.count())
        .select_from(ReportEvent)
        .where(ReportEvent.report_id == report.id)
    ).scalar_one()
    deliveries = db.session.execute(sa.select(sa.func.count()).select_from(Delivery)).scalar_one()
    return (
        delivery.status,
        delivery.partner_note,
        delivery.acknowledged_at,
        report.status,
        report.department_id,
        len(report.photos),
        events,
        deliveries,
    )


def test_the_cli_shows_a_token_once_and_stores_only_its_hash(app_ctx, keep_departments):  # noqa: F811
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["partners", "token", "edg"])
    assert result.exit_code == 0, result.output
    token = next(line for line in result.output.splitlines() if line.startswith("qmp_"))
    db.session.expire_all()
    edg = department("edg")
    assert edg.partner_token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(edg.forward_config)

    again = runner.invoke(args=["partners", "token", "edg"])
    assert "previous token no longer works" in again.output
    db.session.expire_all()
    assert department("edg").partner_token_hash != hashlib.sha256(token.encode()).hexdigest()

    assert runner.invoke(args=["partners", "token", "nobody"]).exit_code != 0
    assert runner.invoke(args=["partners", "revoke", "edg"]).exit_code == 0
    db.session.expire_all()
    assert department("edg").partner_token_hash is None


def test_acknowledge_then_done_with_note_and_photo(client, edg_token, ticket):
    reference = ticket.report.reference
    response = client.get(f"{API}/tickets/{reference}", headers=auth(edg_token))
    assert response.status_code == 200
    assert response.get_json()["status"] == "sent"

    response = client.post(
        f"{API}/tickets/{reference}/acknowledge",
        headers=auth(edg_token),
        json={"note": "Kolonne ist unterwegs"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["status"] == "acknowledged"
    assert response.get_json()["acknowledged_at"]

    response = client.post(
        f"{API}/tickets/{reference}/done",
        headers=auth(edg_token),
        data={"note": "Geleert.", "photo": (io.BytesIO(jpeg()), "after.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == "done" and body["report_status"] == "resolved"
    assert body["note"] == "Geleert."

    db.session.expire_all()
    report = ticket.report
    assert report.status == ReportStatus.RESOLVED
    [photo] = db.session.execute(
        sa.select(ReportPhoto).where(ReportPhoto.report_id == report.id)
    ).scalars()
    assert not photo.is_public  # a caseworker releases it
    kinds = [
        e.kind
        for e in db.session.execute(
            sa.select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.id)
        ).scalars()
    ]
    assert "partner_acknowledged" in kinds and "partner_done" in kinds
    actor = db.session.execute(
        sa.select(ReportEvent.actor).where(ReportEvent.kind == "partner_done")
    ).scalar_one()
    assert actor == "partner:edg"
    # The resident asked for updates: the "resolved" news waits in the outbox.
    updates = (
        db.session.execute(
            sa.select(Delivery).where(
                Delivery.report_id == report.id, Delivery.purpose == RESIDENT_UPDATE
            )
        )
        .scalars()
        .all()
    )
    assert [u.payload["new"] for u in updates][-1] == "resolved"


def test_done_twice_is_one_transition(client, edg_token, ticket):
    url = f"{API}/tickets/{ticket.report.reference}/done"
    first = client.post(url, headers=auth(edg_token), json={"note": "Erledigt"})
    second = client.post(url, headers=auth(edg_token), json={"note": "Erledigt"})
    assert first.status_code == second.status_code == 200
    assert second.get_json()["status"] == "done"
    events = (
        db.session.execute(
            sa.select(ReportEvent.kind).where(ReportEvent.report_id == ticket.report_id)
        )
        .scalars()
        .all()
    )
    assert events.count("partner_done") == 1
    resolved = [
        d
        for d in db.session.execute(
            sa.select(Delivery).where(Delivery.purpose == RESIDENT_UPDATE)
        ).scalars()
        if d.payload["new"] == "resolved"
    ]
    assert len(resolved) == 1  # the resident hears it once
    # Acknowledging a done ticket is refused, and changes nothing.
    before = snapshot(ticket)
    refused = client.post(
        f"{API}/tickets/{ticket.report.reference}/acknowledge", headers=auth(edg_token)
    )
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "conflict"
    assert snapshot(ticket) == before


def test_return_needs_a_reason_and_sends_the_report_to_triage(client, edg_token, ticket):
    url = f"{API}/tickets/{ticket.report.reference}/return"
    before = snapshot(ticket)
    for body in ({}, {"reason": "   "}):
        missing = client.post(url, headers=auth(edg_token), json=body)
        assert missing.status_code == 422
        assert snapshot(ticket) == before
    response = client.post(
        url, headers=auth(edg_token), data={"reason": "Privatgrundstück, nicht unsere Fläche"}
    )
    assert response.status_code == 200
    assert response.get_json()["status"] == "returned"
    db.session.expire_all()
    report = ticket.report
    assert report.department_id is None
    assert report.status == ReportStatus.IN_REVIEW
    assert "Privatgrundstück" in report.routing_reason["de"]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer qmp_forged-token-0000000000000000000000000"},
        {"Authorization": "Basic ZWRnOnNlY3JldA=="},
        {"Authorization": "Bearer " + "x" * 5000},
    ],
)
def test_missing_and_forged_tokens_are_refused_and_change_nothing(
    client, edg_token, ticket, headers
):
    reference = ticket.report.reference
    before = snapshot(ticket)
    for method, path, kwargs in (
        ("get", f"{API}/tickets/{reference}", {}),
        ("post", f"{API}/tickets/{reference}/acknowledge", {}),
        ("post", f"{API}/tickets/{reference}/done", {"json": {"note": "x"}}),
        ("post", f"{API}/tickets/{reference}/return", {"json": {"reason": "x"}}),
        ("get", f"{API}/tickets/DO-1999-99999", {}),  # 403 before 404: no probing
    ):
        response = getattr(client, method)(path, headers=headers, **kwargs)
        assert response.status_code == 403, (path, response.status_code)
        assert response.is_json and response.get_json()["error"]["code"] == "forbidden"
    assert snapshot(ticket) == before


def test_another_departments_token_is_refused(client, edg_token, ticket):
    other = rotate_partner_token(department("ordnungsamt"))
    db.session.commit()
    before = snapshot(ticket)
    response = client.post(f"{API}/tickets/{ticket.report.reference}/done", headers=auth(other))
    assert response.status_code == 403
    assert snapshot(ticket) == before
    # A rotated-away token stops working; an inactive department's token too.
    old = edg_token
    rotate_partner_token(department("edg"))
    db.session.commit()
    assert (
        client.get(f"{API}/tickets/{ticket.report.reference}", headers=auth(old)).status_code == 403
    )
    new = rotate_partner_token(department("edg"))
    department("edg").is_active = False
    db.session.commit()
    assert (
        client.get(f"{API}/tickets/{ticket.report.reference}", headers=auth(new)).status_code == 403
    )


def test_unknown_reference_and_unknown_action(client, edg_token, ticket):
    assert client.get(f"{API}/tickets/DO-1999-99999", headers=auth(edg_token)).status_code == 404
    assert (
        client.post(f"{API}/tickets/DO-1999-99999/done", headers=auth(edg_token)).status_code == 404
    )
    assert (
        client.post(
            f"{API}/tickets/{ticket.report.reference}/explode", headers=auth(edg_token)
        ).status_code
        == 404
    )


@pytest.mark.parametrize("status", [DeliveryStatus.PENDING, DeliveryStatus.DEAD])
def test_an_answer_to_an_unrecorded_send_is_accepted(client, edg_token, make_report, status):
    """The worker was killed after the partner accepted the ticket (or gave up on a timeout):
    the partner's answer shows it arrived."""
    report = make_report(PAPIERKORB, FRIEDENSPLATZ)
    [delivery] = forward_deliveries(report)
    delivery.status = status
    db.session.commit()
    url = f"{API}/tickets/{report.reference.lower()}/acknowledge"  # any case
    response = client.post(url, headers=auth(edg_token))
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "acknowledged" and body["sent_at"]


def test_a_photo_that_is_not_an_image_is_refused_and_changes_nothing(client, edg_token, ticket):
    before = snapshot(ticket)
    response = client.post(
        f"{API}/tickets/{ticket.report.reference}/done",
        headers=auth(edg_token),
        data={"photo": (io.BytesIO(b"%PDF-1.4 not a photo"), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid"
    assert snapshot(ticket) == before


def test_bad_bodies_are_400_or_422(client, edg_token, ticket):
    url = f"{API}/tickets/{ticket.report.reference}/acknowledge"
    response = client.post(
        url, headers={**auth(edg_token), "Content-Type": "application/json"}, data="{not json"
    )
    assert response.status_code == 400
    assert client.post(url, headers=auth(edg_token), json=["note"]).status_code == 400
    assert client.post(url, headers=auth(edg_token), json={"note": 5}).status_code == 422
    assert client.post(url, headers=auth(edg_token), json={"note": "x" * 2001}).status_code == 422
    assert client.delete(url, headers=auth(edg_token)).status_code == 405


def test_english_on_request(client, edg_token):
    response = client.get(
        f"{API}/tickets/DO-1999-99999", headers={**auth("wrong"), "Accept-Language": "en"}
    )
    assert response.get_json()["error"]["message"].startswith("This needs a valid partner token")


def test_real_answers_conform_to_the_openapi_document(app_ctx, client, edg_token, ticket):
    import schemathesis
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    document = client.get(f"{API}/openapi.json")
    assert document.status_code == 200
    assert set(document.get_json()["paths"]) == {
        "/tickets/{reference}",
        "/tickets/{reference}/acknowledge",
        "/tickets/{reference}/done",
        "/tickets/{reference}/return",
    }
    schema = schemathesis.openapi.from_wsgi(f"{API}/openapi.json", app_ctx)
    checks = [response_schema_conformance, status_code_conformance, content_type_conformance]
    reference = ticket.report.reference
    get = schema["/tickets/{reference}"]["GET"]
    ack = schema["/tickets/{reference}/acknowledge"]["POST"]
    done = schema["/tickets/{reference}/done"]["POST"]
    ret = schema["/tickets/{reference}/return"]["POST"]
    good, bad = auth(edg_token), auth("qmp_wrong")
    cases = [
        (get.Case(path_parameters={"reference": reference}, headers=good), 200),
        (get.Case(path_parameters={"reference": reference}, headers=bad), 403),
        (get.Case(path_parameters={"reference": "DO-1999-1"}, headers=good), 404),
        (
            ack.Case(
                path_parameters={"reference": reference},
                headers=good,
                body={"note": "unterwegs"},
                media_type="application/json",
            ),
            200,
        ),
        (
            done.Case(
                path_parameters={"reference": reference},
                headers=good,
                body={"note": "fertig", "photo": jpeg()},
                media_type="multipart/form-data",
            ),
            200,
        ),
        (
            ack.Case(
                path_parameters={"reference": reference},
                headers=good,
                body={},
                media_type="application/json",
            ),
            409,
        ),
        (
            ret.Case(
                path_parameters={"reference": reference},
                headers=good,
                body={"reason": ""},
                media_type="application/json",
            ),
            422,
        ),
    ]
    for case, status in cases:
        response = case.call_and_validate(checks=checks)
        assert response.status_code == status, (case.path, response.text)
