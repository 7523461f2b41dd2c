"""Forwarding in the inbox: what went out for a report, failed deliveries with "retry now",
tickets not acknowledged in time, and forwarding by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD
from app.routing.models import Department
from tests.inbox.support import events, login, post_action, text

FRIEDENSPLATZ = (51.5136, 7.4653)


@pytest.fixture
def edg(client, make_user):
    user = make_user("caseworker", ("edg",))
    login(client, user)
    return user


def tickets(report):
    return (
        db.session.execute(
            sa.select(Delivery)
            .where(Delivery.report_id == report.id, Delivery.purpose == FORWARD)
            .order_by(Delivery.id)
        )
        .scalars()
        .all()
    )


def test_a_failed_ticket_is_shown_and_sent_again_on_request(client, edg, make_report):
    report = make_report("papierkorb-voll", FRIEDENSPLATZ)  # EDG: forwarded by e-mail
    (ticket,) = tickets(report)
    ticket.status, ticket.attempts, ticket.last_error = DeliveryStatus.DEAD, 14, "SMTP 554"
    db.session.commit()
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert "Auftrag" in page and "fehlgeschlagen" in page and "SMTP 554" in page
    listing = text(client.get("/inbox/deliveries"))
    assert report.reference in listing
    response = post_action(client, report.reference, f"deliveries/{ticket.id}/retry")
    assert response.status_code == 303
    db.session.refresh(ticket)
    assert ticket.status == DeliveryStatus.PENDING
    assert ticket.next_attempt_at <= utcnow()
    assert [e.kind for e in events(report, "delivery_retried")] == ["delivery_retried"]


def test_a_ticket_not_acknowledged_in_time_is_highlighted(client, edg, make_report):
    report = make_report("papierkorb-voll", FRIEDENSPLATZ)
    (ticket,) = tickets(report)
    ticket.status = DeliveryStatus.SENT
    ticket.sent_at = utcnow() - timedelta(hours=25)  # EDG has 24 hours to acknowledge
    db.session.commit()
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert "nicht rechtzeitig bestätigt" in page
    assert report.reference in text(client.get("/inbox/deliveries"))
    ticket.acknowledged_at, ticket.status = utcnow(), DeliveryStatus.ACKNOWLEDGED
    db.session.commit()
    assert report.reference not in text(client.get("/inbox/deliveries"))


def test_forwarding_by_hand_to_a_configured_partner(client, make_user, make_report, reseed_city):
    department = db.session.execute(sa.select(Department).filter_by(code="tiefbau")).scalar_one()
    department.forward_method = "email"
    db.session.commit()
    report = make_report("papierkorb-voll", FRIEDENSPLATZ)
    login(client, make_user("caseworker", ("edg",)))
    response = post_action(client, report.reference, "forward", department="tiefbau")
    assert response.status_code == 303
    assert [t.department.code for t in tickets(report)] == ["edg", "tiefbau"]
    assert tickets(report)[1].payload == {"manual": True}
    assert events(report, "forwarded_manually")[0].data == {"department": "tiefbau"}
    refused = post_action(client, report.reference, "forward", department="ordnungsamt")
    assert refused.status_code == 422  # no forwarding configured there
    assert len(tickets(report)) == 2


def test_other_departments_can_neither_retry_nor_forward(client, make_user, make_report):
    report = make_report("papierkorb-voll", FRIEDENSPLATZ)
    (ticket,) = tickets(report)
    ticket.status = DeliveryStatus.DEAD
    db.session.commit()
    login(client, make_user("caseworker", ("tiefbau-licht",)))
    assert client.get(f"/inbox/reports/{report.reference}").status_code == 403
    assert report.reference not in text(client.get("/inbox/deliveries"))
    token_page = text(client.get("/inbox/"))
    import re

    csrf = re.search(r'name="csrf_token" value="([^"]+)"', token_page).group(1)
    response = client.post(
        f"/inbox/reports/{report.reference}/deliveries/{ticket.id}/retry",
        data={"csrf_token": csrf, "version": "1"},
    )
    assert response.status_code == 403
    db.session.refresh(ticket)
    assert ticket.status == DeliveryStatus.DEAD


def test_a_ticket_failing_and_being_retried_shows_its_error_and_next_attempt(
    client, edg, make_report
):
    """A partner outage is visible at the first failed attempt, not only once a ticket is dead."""
    report = make_report("papierkorb-voll", FRIEDENSPLATZ)
    (ticket,) = tickets(report)
    quiet = text(client.get("/inbox/deliveries"))  # waiting for its first attempt: no trouble
    assert report.reference not in quiet and "Nichts zu tun" in quiet
    ticket.attempts, ticket.last_error = 3, "SMTP 451: mailbox temporarily unavailable"
    ticket.next_attempt_at = utcnow() + timedelta(minutes=4)
    db.session.commit()
    listing = text(client.get("/inbox/deliveries"))
    assert report.reference in listing
    assert "SMTP 451: mailbox temporarily unavailable" in listing
    assert "wird erneut versucht" in listing
    assert "Nichts zu tun" not in listing
