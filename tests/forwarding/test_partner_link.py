"""The signed one-click link in a ticket e-mail: the page shows the ticket and changes nothing;
acknowledge / done (note, photo) / not ours are POSTs with the page's CSRF token; forged and
expired links are refused with 403 and change nothing."""

from __future__ import annotations

import io
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.forwarding.links import partner_token
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD, REMINDER, RESIDENT_UPDATE
from app.forwarding.senders import load_all
from app.forwarding.worker import deliver_due
from app.reports.drafts import ContactDraft, PhotoUpload
from app.reports.models import Report, ReportPhoto
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import (
    EDG_ADDRESS,
    FRIEDENSPLATZ,
    RESIDENT,
    csrf_from,
    deliveries,
    partner_path,
)
from tests.web.support import de, en, jpeg, page_text


@pytest.fixture
def sent_ticket(client, smtp_server, make_report):  # noqa: F811
    """A Wilder-Müll report whose ticket went to EDG by e-mail: (report, link path)."""
    load_all()
    report = make_report(
        "wilder-muell",
        FRIEDENSPLATZ,
        description="Matratzen am Brunnen.",
        address="Friedensplatz 1",
        photos=[PhotoUpload(jpeg(), "a.jpg")],
        contact=ContactDraft(email=RESIDENT, consent=True),
    )
    deliver_due()
    [message] = smtp_server.messages_to(EDG_ADDRESS)
    return report, partner_path(message)


def ticket_of(report) -> Delivery:
    [delivery] = deliveries(FORWARD, report)
    return delivery


def snapshot(report) -> tuple:
    """Everything a partner action could change."""
    db.session.expire_all()
    report = db.session.get(Report, report.id)
    delivery = ticket_of(report)
    return (
        report.status,
        report.version,
        report.department_id,
        len(report.photos),
        delivery.status,
        delivery.acknowledged_at,
        delivery.done_at,
        delivery.partner_note,
        db.session.execute(sa.select(sa.func.count()).select_from(ReportEvent)).scalar_one(),
        db.session.execute(sa.select(sa.func.count()).select_from(Delivery)).scalar_one(),
    )


def act(client, path, action, **fields):
    data = {"csrf_token": csrf_from(client.get(path)), "action": action, **fields}
    return client.post(path, data=data, content_type="multipart/form-data")


# --- looking ------------------------------------------------------------------------------


def test_opening_the_link_shows_the_ticket_and_changes_nothing(client, sent_ticket):
    report, path = sent_ticket
    before = snapshot(report)
    for _ in range(2):  # a mail scanner and then the person
        page = client.get(path)
        assert page.status_code == 200
        assert client.head(path).status_code == 200
    assert snapshot(report) == before
    body = page_text(page)
    assert report.reference in body and "Matratzen am Brunnen." in body
    assert "Friedensplatz 1" in body and "Innenstadt-West" in body and "Wilder Müll" in body
    for label in ("Acknowledge", "Done", "Not ours"):
        assert de(label) in body
    assert 'lang="de"' in body and 'name="csrf_token"' in body
    assert page.headers.getlist("Referrer-Policy") == ["no-referrer"]  # the page's own, once
    assert page.headers["Cache-Control"] == "no-store"


def test_the_page_speaks_english_too(client, sent_ticket):
    report, path = sent_ticket
    body = page_text(client.get(path + "?lang=en"))
    assert 'lang="en"' in body and "Illegal dumping" in body
    for label in ("Acknowledge", "Done", "Not ours"):
        assert en(label) in body


# --- acting -------------------------------------------------------------------------------


def test_acknowledge(client, sent_ticket):
    report, path = sent_ticket
    response = act(client, path, "acknowledge")
    assert response.status_code == 200
    assert de("Thank you! The report is marked as received.") in page_text(response)
    delivery = ticket_of(report)
    assert delivery.status == DeliveryStatus.ACKNOWLEDGED and delivery.acknowledged_at
    assert db.session.get(Report, report.id).status == ReportStatus.FORWARDED
    # Acknowledged: no second acknowledge button, done and not ours remain.
    body = page_text(client.get(path))
    assert 'value="acknowledge"' not in body and 'value="done"' in body


def test_done_with_note_and_photo_resolves_and_notifies(client, sent_ticket):
    report, path = sent_ticket
    updates_before = len(deliveries(RESIDENT_UPDATE, report))
    csrf = csrf_from(client.get(path))  # a second tab, still open after the first click
    response = act(
        client,
        path,
        "done",
        note="Alles weggeräumt.",
        photo=(io.BytesIO(jpeg(colour=(20, 160, 20))), "sauber.jpg"),
    )
    assert response.status_code == 200
    assert de(
        "Thank you! The report is marked as done. The people who reported it will be informed."
    ) in page_text(response)
    db.session.expire_all()
    report = db.session.get(Report, report.id)
    delivery = ticket_of(report)
    assert report.status == ReportStatus.RESOLVED
    assert delivery.status == DeliveryStatus.DONE and delivery.partner_note == "Alles weggeräumt."
    assert len(report.photos) == 2 and report.photos[-1].is_public is False
    # The page still counts the photos the e-mail carried, not the partner's own.
    assert de("%(n)d, attached to the e-mail", n=1) in page_text(client.get(path))
    [update] = deliveries(RESIDENT_UPDATE, report)[updates_before:]
    assert update.payload["new"] == "resolved" and "Alles weggeräumt." in update.payload["note"]

    # "Done" twice: one transition, one event, no error.
    before = snapshot(report)
    again = client.post(path, data={"csrf_token": csrf, "action": "done", "note": "Nochmal"})
    assert again.status_code == 200
    assert snapshot(report) == before
    assert (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(ReportEvent)
            .where(ReportEvent.kind == "partner_done")
        ).scalar_one()
        == 1
    )


def test_not_ours_needs_a_reason_and_sends_the_report_back(client, sent_ticket):
    report, path = sent_ticket
    before = snapshot(report)
    refused = act(client, path, "return", reason="  ")
    assert refused.status_code == 422
    assert de("Please give a reason.") in page_text(refused)
    assert snapshot(report) == before

    response = act(client, path, "return", reason="Privatgrundstück, nicht öffentlich.")
    assert response.status_code == 200
    db.session.expire_all()
    report = db.session.get(Report, report.id)
    assert ticket_of(report).status == DeliveryStatus.RETURNED
    assert report.department_id is None  # back in the triage queue
    assert report.status != ReportStatus.RESOLVED
    assert "Privatgrundstück" in report.routing_reason["de"]
    assert 'value="done"' not in page_text(client.get(path))


def test_a_photo_that_is_no_photo_changes_nothing(client, sent_ticket):
    report, path = sent_ticket
    before = snapshot(report)
    response = act(client, path, "done", photo=(io.BytesIO(b"<html>nope</html>"), "x.jpg"))
    assert response.status_code == 422
    assert snapshot(report) == before
    assert db.session.execute(sa.select(sa.func.count()).select_from(ReportPhoto)).scalar_one() == 1


def test_a_post_without_the_form_token_changes_nothing(client, sent_ticket):
    report, path = sent_ticket
    before = snapshot(report)
    response = client.post(path, data={"action": "done"})
    assert response.status_code == 400
    assert snapshot(report) == before


def test_unknown_action(client, sent_ticket):
    report, path = sent_ticket
    before = snapshot(report)
    assert act(client, path, "delete").status_code == 400
    assert snapshot(report) == before


# --- refused links ------------------------------------------------------------------------


def _refused_everywhere(client, good_path, bad_path, report, message):
    before = snapshot(report)
    csrf = csrf_from(client.get(good_path))  # a valid form token: only the link is wrong
    page = client.get(bad_path)
    assert page.status_code == 403
    assert message in page_text(page)
    for action in ("acknowledge", "done", "return"):
        response = client.post(
            bad_path, data={"csrf_token": csrf, "action": action, "reason": "x", "note": "x"}
        )
        assert response.status_code == 403
    assert snapshot(report) == before


def test_forged_links_are_refused(client, sent_ticket, app_ctx):
    report, path = sent_ticket
    token = path.rsplit("/", 1)[1]
    payload, stamp, signature = token.split(".")
    tampered = f"{payload}.{stamp}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    wrong_key = URLSafeTimedSerializer("not-our-secret", salt="qm-partner-link").dumps(
        {"d": ticket_of(report).id, "k": ticket_of(report).idempotency_key}
    )
    message = de("This link is not valid")
    for bad in (tampered, wrong_key, "nonsense", token[:40]):
        _refused_everywhere(client, path, f"/partner/t/{bad}", report, message)


def test_a_link_to_another_delivery_row_with_the_same_id_is_refused(client, sent_ticket):
    """The token names the delivery's idempotency key too: a reused id does not match."""
    report, path = sent_ticket
    delivery = ticket_of(report)
    real_key = delivery.idempotency_key
    token = partner_token(delivery)
    delivery.idempotency_key = "forward-someone-else"
    db.session.commit()
    try:
        assert client.get(f"/partner/t/{token}").status_code == 403
    finally:
        delivery = ticket_of(report)
        delivery.idempotency_key = real_key
        db.session.commit()


def test_links_to_messages_that_are_not_tickets_are_refused(client, sent_ticket):
    report, path = sent_ticket
    [update] = deliveries(RESIDENT_UPDATE, report)
    bad = f"/partner/t/{partner_token(update)}"
    _refused_everywhere(client, path, bad, report, de("This link is not valid"))


def test_a_reminders_link_acts_on_the_ticket(client, sent_ticket):
    from app.forwarding.outbox import add_delivery

    report, path = sent_ticket
    delivery = ticket_of(report)
    reminder = add_delivery(
        report,
        "email",
        "edg",
        REMINDER,
        department=delivery.department,
        payload={"original_delivery_id": delivery.id},
    )
    db.session.commit()
    response = act(client, f"/partner/t/{partner_token(reminder)}", "acknowledge")
    assert response.status_code == 200
    assert ticket_of(report).status == DeliveryStatus.ACKNOWLEDGED


def test_expired_links_are_refused(client, sent_ticket, app_ctx, monkeypatch):
    report, path = sent_ticket
    max_age = app_ctx.config["PARTNER_LINK_MAX_AGE_DAYS"] * 86400
    with monkeypatch.context() as m:  # a link signed 31 days ago
        m.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) - max_age - 60)
        old = partner_token(ticket_of(report))
    message = de("This link has expired")
    _refused_everywhere(client, path, f"/partner/t/{old}", report, message)
    expired_page = page_text(client.get(f"/partner/t/{old}"))
    assert (
        de(
            "Links in our e-mails are valid for %(days)d days. Nothing was changed. Please ask "
            "the city for a new link and quote the reference number from the e-mail.",
            days=app_ctx.config["PARTNER_LINK_MAX_AGE_DAYS"],
        )
        in expired_page
    )


def test_the_link_from_the_mail_expires_with_the_configured_age(
    client, sent_ticket, app_ctx, monkeypatch
):
    report, path = sent_ticket
    assert client.get(path).status_code == 200
    monkeypatch.setitem(app_ctx.config, "PARTNER_LINK_MAX_AGE_DAYS", 0)
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) + 5)
    before = snapshot(report)
    page = client.get(path)
    assert page.status_code == 403 and de("This link has expired") in page_text(page)
    assert snapshot(report) == before
