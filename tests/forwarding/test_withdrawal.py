"""A ticket is bound to the delivery it came from. Once the report moves away from the partner's
department — re-routed, merged as a duplicate, its category changed, sent back by a partner —
the partner's API and one-click link answer "withdrawn" and change nothing, and the partner is
told through the outbox (e-mail, or a signed webhook POST)."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.forwarding.api import rotate_partner_token
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD, RESIDENT_UPDATE, WITHDRAWAL
from app.forwarding.senders import load_all
from app.forwarding.senders.webhook import (
    EVENT_HEADER,
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    verify_signature,
)
from app.forwarding.withdrawal import withdraw_stale_tickets
from app.forwarding.worker import deliver_due
from app.reports import workflow
from app.reports.drafts import ContactDraft
from app.reports.models import Report
from app.routing.models import Department
from tests.fakes.smtp import smtp_server  # noqa: F401 (fixture)
from tests.forwarding.email_support import (
    EDG_ADDRESS,
    FRIEDENSPLATZ,
    RESIDENT,
    csrf_from,
    deliveries,
    partner_path,
    text_part,
)
from tests.forwarding.partner_helpers import (  # noqa: F401 (fixtures)
    SECRET,
    edg_webhook,
    keep_departments,
    webhook_sink,
)
from tests.web.support import de, page_text

API = "/api/partner"
WITHDRAWN_MESSAGE = "This ticket was withdrawn: the report is no longer yours. Nothing was changed."


@pytest.fixture
def edg_token(app_ctx, keep_departments) -> str:  # noqa: F811
    token = rotate_partner_token(
        db.session.execute(sa.select(Department).where(Department.code == "edg")).scalar_one()
    )
    db.session.commit()
    return token


@pytest.fixture
def dispatcher(make_user):
    return make_user("dispatcher")


@pytest.fixture
def emailed(smtp_server, make_report):  # noqa: F811
    """An EDG report whose ticket went out by e-mail: (report, the ticket e-mail)."""
    load_all()
    report = make_report(
        "wilder-muell",
        FRIEDENSPLATZ,
        description="Matratzen am Brunnen.",
        contact=ContactDraft(email=RESIDENT, consent=True),
    )
    deliver_due()
    [message] = smtp_server.messages_to(EDG_ADDRESS)
    return report, message


def department(code: str) -> Department:
    return db.session.execute(sa.select(Department).where(Department.code == code)).scalar_one()


def fresh(report: Report) -> Report:
    db.session.expire_all()
    return db.session.get(Report, report.id)


def the_ticket(report: Report) -> Delivery:
    [ticket] = deliveries(FORWARD, report)
    return ticket


def reroute_to_lighting(report: Report, dispatcher) -> None:
    workflow.reroute(fresh(report), department("tiefbau-licht"), "Eine Laterne", dispatcher)
    db.session.commit()


def state(report: Report) -> tuple:
    """What a partner's action could change about the report."""
    report = fresh(report)
    events = db.session.execute(
        sa.select(ReportEvent.kind).where(ReportEvent.report_id == report.id)
    ).scalars()
    updates = deliveries(RESIDENT_UPDATE, report)
    return (report.status, report.department_id, report.version, sorted(events), len(updates))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Accept-Language": "en"}


def test_after_a_reroute_the_partner_api_answers_withdrawn_and_changes_nothing(
    client,
    emailed,
    edg_token,
    dispatcher,
    smtp_server,  # noqa: F811
):
    report, ticket_mail = emailed
    reroute_to_lighting(report, dispatcher)
    before = state(report)
    reference = report.reference
    for action, body in (
        ("done", {"note": "Erledigt."}),
        ("acknowledge", {}),
        ("return", {"reason": "Nicht unseres"}),
        ("return", {}),  # withdrawn comes first, even before "a reason is needed"
    ):
        response = client.post(
            f"{API}/tickets/{reference}/{action}", headers=auth(edg_token), json=body
        )
        assert response.status_code == 410, (action, response.get_json())
        error = response.get_json()["error"]
        assert (error["code"], error["message"]) == ("withdrawn", WITHDRAWN_MESSAGE)
    assert state(report) == before  # not resolved, not back to triage, nobody told "fixed"
    assert fresh(report).department.code == "tiefbau-licht"

    status = client.get(f"{API}/tickets/{reference}", headers=auth(edg_token)).get_json()
    assert status["status"] == "withdrawn" and status["withdrawn_at"]
    assert status["report_status"] is None

    # EDG is told, in reply to the ticket; the notice says nothing of the new department.
    deliver_due()
    [notice] = [
        m
        for m in smtp_server.messages_to(EDG_ADDRESS)
        if m["In-Reply-To"] == ticket_mail["Message-ID"]
    ]
    assert notice["Subject"] == de("Withdrawn: %(subject)s", subject=ticket_mail["Subject"])
    body = text_part(notice)
    assert de("Report %(reference)s is no longer yours", reference=reference) in body
    assert de("The city has passed it on to another office.") in body
    assert "Tiefbauamt" not in body and "/partner/t/" not in body
    [withdrawal] = deliveries(WITHDRAWAL, report)
    assert withdrawal.status == DeliveryStatus.SENT


def test_the_one_click_link_of_a_rerouted_ticket(client, emailed, dispatcher):
    report, ticket_mail = emailed
    path = partner_path(ticket_mail)
    token = csrf_from(client.get(path))  # the partner had the page open
    reroute_to_lighting(report, dispatcher)
    before = state(report)

    page = client.get(path)
    assert page.status_code == 410
    text = page_text(page)
    assert de("This report was withdrawn") in text
    assert "Matratzen am Brunnen." not in text  # nothing of the report any more
    for action in ("done", "acknowledge", "return"):
        response = client.post(
            path, data={"csrf_token": token, "action": action, "reason": "Nicht unseres"}
        )
        assert response.status_code == 410
        assert de("This report was withdrawn") in page_text(response)
    assert state(report) == before


def test_a_ticket_sent_back_to_triage_by_another_partner_cannot_be_finished(
    client, emailed, edg_token, dispatcher
):
    """The partner's own "return" withdraws nothing else of theirs wrongly: the returned
    ticket answers 409 (already returned), and the report stays in triage."""
    report, _mail = emailed
    response = client.post(
        f"{API}/tickets/{report.reference}/return",
        headers=auth(edg_token),
        json={"reason": "Privat"},
    )
    assert response.status_code == 200
    assert fresh(report).department is None
    response = client.post(f"{API}/tickets/{report.reference}/done", headers=auth(edg_token))
    assert response.status_code == 409
    assert fresh(report).status == ReportStatus.IN_REVIEW
    assert deliveries(WITHDRAWAL, report) == []  # nobody tells EDG what it did itself


def test_a_merged_duplicates_ticket_is_withdrawn(
    client,
    emailed,
    edg_token,
    dispatcher,
    make_report,
    smtp_server,  # noqa: F811
):
    report, ticket_mail = emailed
    original = make_report("wilder-muell", FRIEDENSPLATZ)
    workflow.mark_duplicate(fresh(report), fresh(original), dispatcher)
    db.session.commit()
    assert the_ticket(report).status == DeliveryStatus.WITHDRAWN
    response = client.post(f"{API}/tickets/{report.reference}/done", headers=auth(edg_token))
    assert response.status_code == 410
    assert fresh(report).status == ReportStatus.DUPLICATE

    deliver_due()
    notices = [
        m
        for m in smtp_server.messages_to(EDG_ADDRESS)
        if m["In-Reply-To"] == ticket_mail["Message-ID"]
    ]
    [notice] = notices
    assert de("It was merged with report %(original)s.", original=original.reference) in text_part(
        notice
    )
    link = client.get(partner_path(ticket_mail))
    assert link.status_code == 410
    assert original.reference in page_text(link)


def test_a_category_change_withdraws_the_ticket(
    client,
    emailed,
    edg_token,
    dispatcher,
    smtp_server,  # noqa: F811
):
    """A category change routes the report anew like a re-route: the ticket is withdrawn at
    once, the API answers withdrawn, and the partner is told once (the sweep finds nothing)."""
    report, _mail = emailed
    lighting = db.session.execute(
        sa.select(Category).where(Category.code == "laterne-aus")
    ).scalar_one()
    workflow.change_category(fresh(report), lighting, dispatcher)
    db.session.commit()
    assert fresh(report).department.code == "tiefbau-licht"
    before = state(report)
    response = client.post(f"{API}/tickets/{report.reference}/done", headers=auth(edg_token))
    assert response.status_code == 410
    assert state(report) == before

    assert the_ticket(report).status == DeliveryStatus.WITHDRAWN
    assert withdraw_stale_tickets() == 0
    deliver_due()
    assert len(smtp_server.messages_to(EDG_ADDRESS)) == 2  # the ticket and its withdrawal


def test_a_ticket_that_never_left_is_withdrawn_without_a_notice(
    make_report,
    dispatcher,
    smtp_server,  # noqa: F811
):
    load_all()
    report = make_report("wilder-muell", FRIEDENSPLATZ)
    reroute_to_lighting(report, dispatcher)
    assert the_ticket(report).status == DeliveryStatus.WITHDRAWN
    assert deliveries(WITHDRAWAL, report) == []
    deliver_due()
    assert smtp_server.messages_to(EDG_ADDRESS) == []  # neither ticket nor notice


def test_routed_back_the_partner_acts_on_the_new_ticket(client, emailed, edg_token, dispatcher):
    report, _mail = emailed
    reroute_to_lighting(report, dispatcher)
    workflow.reroute(fresh(report), department("edg"), "Doch Müll", dispatcher)
    db.session.commit()
    old, new = deliveries(FORWARD, report)
    assert (old.status, new.status) == (DeliveryStatus.WITHDRAWN, DeliveryStatus.PENDING)
    response = client.post(f"{API}/tickets/{report.reference}/acknowledge", headers=auth(edg_token))
    assert response.status_code == 200
    assert response.get_json()["delivery_id"] == new.id


def test_a_webhook_partner_gets_a_signed_withdrawal(edg_webhook, make_report, dispatcher):  # noqa: F811
    sink = edg_webhook
    report = make_report("papierkorb-voll", FRIEDENSPLATZ)
    deliver_due()
    ticket = the_ticket(report)
    assert ticket.status == DeliveryStatus.SENT
    reroute_to_lighting(report, dispatcher)
    deliver_due()
    first, withdrawal = sink.received
    assert withdrawal.headers[EVENT_HEADER.lower()] == "withdrawal"
    assert verify_signature(
        SECRET,
        withdrawal.headers[TIMESTAMP_HEADER.lower()],
        withdrawal.body,
        withdrawal.headers[SIGNATURE_HEADER.lower()],
    )
    body = withdrawal.json()
    assert body["purpose"] == "withdrawal" and body["reason"] == "rerouted"
    assert body["reference"] == report.reference
    assert body["withdrawn_idempotency_key"] == first.json()["idempotency_key"]
    assert body["withdrawn_delivery_id"] == first.json()["delivery_id"]
    assert "description" not in body and "lat" not in body


def test_a_reroute_while_the_ticket_is_being_sent(edg_webhook, make_report, dispatcher, app_ctx):  # noqa: F811
    """The dispatcher re-routes while the worker waits for the partner's answer: the ticket
    that just arrived is withdrawn, the partner told, and the report is not marked
    "forwarded" by a ticket that is no longer its department's."""
    sink = edg_webhook
    sink.script("block")
    report = make_report("papierkorb-voll", FRIEDENSPLATZ)
    errors = []

    def work():
        with app_ctx.app_context():
            try:
                deliver_due()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    try:
        assert sink.wait_for(1)
        reroute_to_lighting(report, dispatcher)
    finally:
        sink.release()
        thread.join(timeout=30)
    assert not errors, errors
    ticket = the_ticket(report)
    assert ticket.status == DeliveryStatus.WITHDRAWN and ticket.attempts == 1
    assert fresh(report).status == ReportStatus.NEW
    [notice] = deliveries(WITHDRAWAL, report)
    deliver_due()
    assert [r.headers[EVENT_HEADER.lower()] for r in sink.received] == ["forward", "withdrawal"]
    assert deliveries(WITHDRAWAL, report)[0].status == DeliveryStatus.SENT


def test_a_ticket_forwarded_by_hand_stays_until_the_report_is_merged(
    client, edg_token, dispatcher, make_report
):
    """A caseworker forwards a lighting report to EDG by hand (EDG is not responsible): the
    ticket is EDG's to answer, the sweep leaves it alone, and a re-route between two other
    departments does not touch it — merging the report does."""
    from app.forwarding.outbox import forward_manually

    load_all()
    report = make_report("laterne-aus", FRIEDENSPLATZ)
    forward_manually(fresh(report), department("edg"), dispatcher)
    db.session.commit()
    assert withdraw_stale_tickets() == 0
    workflow.reroute(fresh(report), department("tiefbau"), "Mast umgefahren", dispatcher)
    db.session.commit()
    ticket = the_ticket(report)
    assert ticket.status == DeliveryStatus.PENDING
    response = client.post(f"{API}/tickets/{report.reference}/acknowledge", headers=auth(edg_token))
    assert response.status_code == 200, response.get_json()

    workflow.mark_duplicate(fresh(report), fresh(make_report("laterne-aus")), dispatcher)
    db.session.commit()
    assert the_ticket(report).status == DeliveryStatus.WITHDRAWN
    response = client.post(f"{API}/tickets/{report.reference}/done", headers=auth(edg_token))
    assert response.status_code == 410
