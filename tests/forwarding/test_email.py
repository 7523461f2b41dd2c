"""The e-mail sender against a real SMTP server on 127.0.0.1 (aiosmtpd): tickets to EDG with
photos and the one-click link, retries while the server is down, reminders, notices to
departments, updates to residents in their language with a working unsubscribe link."""

from __future__ import annotations

import contextlib
import socket

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from itsdangerous import URLSafeTimedSerializer

from app.core.db import utcnow
from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import Actor, ReportEvent
from app.extensions import db
from app.forwarding.jobs import run_periodic_jobs
from app.forwarding.links import delivery_from_partner_token
from app.forwarding.mail import message_id
from app.forwarding.outbox import DEPARTMENT_NOTICE, FORWARD, REMINDER, RESIDENT_UPDATE
from app.forwarding.senders import load_all, sender_for
from app.forwarding.worker import deliver_due, deliver_one
from app.reports.drafts import ContactDraft, PhotoUpload
from app.reports.labels import PUBLIC_STATUS_LABELS
from app.reports.models import ReporterContact, ReportSupporter
from app.reports.workflow import apply_status
from app.routing.models import Department
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import (
    BORSIGPLATZ,
    EDG_ADDRESS,
    FRIEDENSPLATZ,
    RESIDENT,
    deliveries,
    has_no_metadata,
    html_part,
    jpeg_attachments,
    partner_path,
    text_part,
    unsubscribe_path,
)
from tests.web.support import de, en, jpeg

CITY = Actor("user", "1", "Test")


@pytest.fixture(autouse=True)
def _senders(app_ctx):
    load_all()


@pytest.fixture
def edg_report(make_report):
    """Wilder Müll at Friedensplatz 1 with a photo (GPS in its EXIF) and a resident's e-mail."""

    def factory(**fields):
        fields.setdefault("description", "Sperrmüll und Säcke neben dem Brunnen.")
        fields.setdefault("address", "Friedensplatz 1")
        fields.setdefault(
            "photos", [PhotoUpload(jpeg(size=(640, 480), gps=FRIEDENSPLATZ), "muell.jpg")]
        )
        fields.setdefault("contact", ContactDraft(email=RESIDENT, consent=True))
        return make_report("wilder-muell", FRIEDENSPLATZ, **fields)

    return factory


def forward_of(report):
    [delivery] = deliveries(FORWARD, report)
    return delivery


# --- the ticket ---------------------------------------------------------------------------


def test_ticket_email_has_everything_edg_needs(client, smtp_server, edg_report):  # noqa: F811
    report = edg_report()
    delivery = forward_of(report)
    assert delivery.method == "email" and delivery.target == "edg"

    deliver_due()

    [message] = smtp_server.messages_to(EDG_ADDRESS)
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.SENT
    assert message["Subject"] == (
        f"[{report.reference}] Wilder Müll – Innenstadt-West, Friedensplatz 1"
    )
    assert message["Message-ID"].strip() == f"<{delivery.idempotency_key}@example.invalid>"
    assert delivery.remote_id == message["Message-ID"].strip()
    assert message["To"] == EDG_ADDRESS
    assert "quartiersmelder@example.invalid" in message["From"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert smtp_server.received[0].mail_from == "quartiersmelder@example.invalid"

    text, html = text_part(message), html_part(message)
    for body in (text, html):
        assert report.reference in body
        assert "Sperrmüll und Säcke neben dem Brunnen." in body
        assert "Friedensplatz 1" in body and "Innenstadt-West" in body
        assert "51.513600, 7.465300" in body
        assert (
            "https://www.openstreetmap.org/?mlat=51.513600&amp;mlon=7.465300" in body
            or "https://www.openstreetmap.org/?mlat=51.513600&mlon=7.465300" in body
        )
        assert f"http://localhost/r/{report.reference}" in body
        assert "http://localhost/partner/t/" in body
    assert message.get_body(preferencelist=("plain",)).get_content_type() == "text/plain"
    assert message.get_body(preferencelist=("html",)).get_content_type() == "text/html"

    [(filename, data)] = jpeg_attachments(message)
    assert filename == f"{report.reference}-1.jpg"
    assert data == _stored(report.photos[0].storage_key)
    assert has_no_metadata(data)

    # The one-click link names this very delivery.
    token = partner_path(message).rsplit("/", 1)[1]
    assert delivery_from_partner_token(token).id == delivery.id
    # Sent → the report is "forwarded".
    db.session.refresh(report)
    assert report.status == ReportStatus.FORWARDED


def _stored(key: str) -> bytes:
    from app.photos.service import photo_storage

    return photo_storage().open(key)


def test_attempt_without_photo_file_still_sends_the_ticket(client, smtp_server, edg_report):  # noqa: F811
    report = edg_report()
    from app.photos.service import photo_storage

    photo_storage().delete(report.photos[0].storage_key)
    deliver_due()
    [message] = smtp_server.messages_to(EDG_ADDRESS)
    assert jpeg_attachments(message) == []


# --- faults -------------------------------------------------------------------------------


def test_smtp_down_then_up_delivers_exactly_once(app_ctx, smtp_server, edg_report):  # noqa: F811
    report = edg_report(contact=None)
    smtp_server.stop()

    assert deliver_one() and deliver_one()
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 2
    assert "ConnectionRefusedError" in delivery.last_error
    assert [a.is_success for a in delivery.attempt_log] == [False, False]
    assert all(f"127.0.0.1:{smtp_server.port}" in a.error for a in delivery.attempt_log)

    smtp_server.start()
    deliver_due()
    deliver_due()  # nothing left: the sent delivery is not sent again

    [message] = smtp_server.messages_to(EDG_ADDRESS)
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 3
    assert [a.is_success for a in delivery.attempt_log] == [False, False, True]
    assert delivery.attempt_log[-1].error is None and delivery.last_error is None
    assert message["Message-ID"].strip() == message_id(delivery)


def test_temporary_smtp_error_is_retried(app_ctx, smtp_server, edg_report):  # noqa: F811
    report = edg_report(contact=None)
    smtp_server.fail_data = 1
    deliver_one()
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.PENDING
    assert "451" in delivery.last_error
    deliver_due()
    assert len(smtp_server.messages_to(EDG_ADDRESS)) == 1
    assert forward_of(report).status == DeliveryStatus.SENT


def test_a_server_that_never_answers_times_out(app_ctx, smtp_server, edg_report, monkeypatch):  # noqa: F811
    report = edg_report(contact=None)
    with contextlib.closing(socket.socket()) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection in the kernel, never says hello
        monkeypatch.setitem(app_ctx.config, "SMTP_PORT", silent.getsockname()[1])
        monkeypatch.setitem(app_ctx.config, "SENDER_TIMEOUT", 0.3)
        assert deliver_one()
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.PENDING
    assert "timed out" in delivery.last_error.lower() or "timeout" in delivery.last_error.lower()


def test_permanently_refused_recipient_goes_dead_at_once(app_ctx, smtp_server, edg_report):  # noqa: F811
    report = edg_report(contact=None)
    smtp_server.refuse.add(EDG_ADDRESS)
    deliver_due()
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 1
    assert "550" in delivery.last_error
    assert smtp_server.received == []


def test_no_smtp_host_waits_for_one(app_ctx, edg_report, monkeypatch):
    report = edg_report(contact=None)
    monkeypatch.setitem(app_ctx.config, "SMTP_HOST", "")
    deliver_one()
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.PENDING
    assert "SMTP_HOST" in delivery.last_error


def test_department_without_address_is_not_retried(
    app_ctx,
    smtp_server,
    edg_report,  # noqa: F811
    reseed_city,
):
    edg = db.session.execute(sa.select(Department).where(Department.code == "edg")).scalar_one()
    edg.email = None
    db.session.commit()
    report = edg_report(contact=None)
    deliver_due()
    delivery = forward_of(report)
    assert delivery.status == DeliveryStatus.DEAD and delivery.attempts == 1
    assert "no e-mail address" in delivery.last_error
    assert smtp_server.received == []


def test_a_resend_carries_the_same_message_id(app_ctx, smtp_server, edg_report):  # noqa: F811
    """Worker killed after sending, before recording: the next attempt sends the very same
    Message-ID, so the recipient (and its mail system) can tell it is a resend."""
    report = edg_report(contact=None)
    delivery = forward_of(report)
    sender = sender_for("email", app_ctx)
    assert sender.send(delivery).ok
    db.session.rollback()  # nothing recorded
    assert sender.send(forward_of(report)).ok
    first, second = smtp_server.messages_to(EDG_ADDRESS)
    assert first["Message-ID"].strip() == second["Message-ID"].strip() == message_id(delivery)


# --- reminders and notices ----------------------------------------------------------------


def test_unacknowledged_ticket_is_reminded_once_with_a_working_link(
    client,
    smtp_server,  # noqa: F811
    edg_report,
):
    from datetime import timedelta

    report = edg_report(contact=None)
    deliver_due()
    original = forward_of(report)
    original.sent_at = utcnow() - timedelta(hours=25)
    db.session.commit()

    run_periodic_jobs()
    run_periodic_jobs()
    deliver_due()

    first, reminder = smtp_server.messages_to(EDG_ADDRESS)
    with force_locale("de"):
        from flask_babel import gettext

        expected = gettext("Reminder: %(subject)s", subject=first["Subject"])
    assert reminder["Subject"] == expected
    assert reminder["In-Reply-To"].strip() == first["Message-ID"].strip()
    [reminder_delivery] = deliveries(REMINDER, report)
    assert reminder["Message-ID"].strip() == message_id(reminder_delivery)
    assert message_id(reminder_delivery) != first["Message-ID"].strip()
    assert jpeg_attachments(reminder)
    # The link in the reminder acts on the original ticket.
    token = partner_path(reminder).rsplit("/", 1)[1]
    assert delivery_from_partner_token(token).id == original.id


def test_reminder_of_a_ticket_acknowledged_meanwhile_is_not_sent(
    app_ctx,
    smtp_server,  # noqa: F811
    edg_report,
):
    from datetime import timedelta

    from app.forwarding.partner import acknowledge

    report = edg_report(contact=None)
    deliver_due()
    original = forward_of(report)
    original.sent_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    run_periodic_jobs()  # the reminder is queued …
    acknowledge(forward_of(report))  # … and EDG acknowledges before it goes out
    db.session.commit()
    deliver_due()
    assert len(smtp_server.messages_to(EDG_ADDRESS)) == 1
    [reminder] = deliveries(REMINDER, report)
    assert reminder.status == DeliveryStatus.SENT and reminder.remote_id is None


def test_notice_of_a_new_report_links_to_the_inbox(app_ctx, smtp_server, make_report):  # noqa: F811
    report = make_report("gefaehrliche-abfaelle", FRIEDENSPLATZ, description="Fässer mit Öl")
    [notice] = deliveries(DEPARTMENT_NOTICE, report)
    assert notice.target == "umweltamt"
    deliver_due()
    [message] = smtp_server.messages_to("umweltamt@stadt.example.invalid")
    # The reference once, in front: "[DO-2026-00001] Neue Meldung: Gefährliche Abfälle – …".
    assert message["Subject"].count(report.reference) == 1
    assert message["Subject"].startswith(f"[{report.reference}] ")
    assert message["Message-ID"].strip() == message_id(notice)
    text = text_part(message)
    assert f"http://localhost/inbox/reports/{report.reference}" in text
    assert "Fässer mit Öl" in text


def test_copy_notice_is_marked_as_a_copy(app_ctx, smtp_server, make_report):  # noqa: F811
    report = make_report(
        "unsicherer-ort", BORSIGPLATZ, description="Herr X. steht abends immer am Eingang."
    )
    [notice] = [d for d in deliveries(DEPARTMENT_NOTICE, report) if d.target == "qm-nordstadt"]
    assert notice.payload == {"copy": True}
    deliver_due()
    [message] = smtp_server.messages_to("quartiersmanagement-nordstadt@example.invalid")
    with force_locale("de"):
        from flask_babel import gettext

        marker = gettext("For your information: %(subject)s", subject="")
    assert marker.strip() in message["Subject"]
    assert message["Subject"].count(report.reference) == 1
    assert "Ordnungsamt" in text_part(message)
    # An outside organisation informed of an unsafe place does not get the free text.
    assert "Herr X." not in text_part(message) and "Herr X." not in html_part(message)
    assert de(
        "The description of reports about unsafe places is shown in the inbox only."
    ) in text_part(message)


# --- residents ----------------------------------------------------------------------------


def settle(smtp):
    """The ticket goes to EDG (the report is "forwarded", residents hear of it); forget it."""
    deliver_due()
    smtp.clear()


def _status_mail(report, status, note=None):
    apply_status(report, status, CITY, note)
    db.session.commit()
    deliver_due()


def test_updates_go_only_to_consenting_residents_in_their_language(
    client,
    smtp_server,  # noqa: F811
    edg_report,
):
    report = edg_report(contact=ContactDraft(email=RESIDENT, consent=True), locale="de")
    report.supporters.append(
        ReportSupporter(
            channel=report.channel, email="sam@example.invalid", locale="en", wants_updates=True
        )
    )
    report.supporters.append(
        ReportSupporter(
            channel=report.channel, email="no@example.invalid", locale="de", wants_updates=False
        )
    )
    db.session.commit()
    settle(smtp_server)

    _status_mail(report, ReportStatus.IN_PROGRESS, "Wir schauen uns das an.")

    [german] = smtp_server.messages_to(RESIDENT)
    [english] = smtp_server.messages_to("sam@example.invalid")
    assert smtp_server.messages_to("no@example.invalid") == []
    assert {d.target for d in deliveries(RESIDENT_UPDATE, report)[-2:]} == {
        f"contact:{report.contact.id}",
        f"supporter:{report.supporters[0].id}",
    }

    status_de, status_en = de("In progress"), en("In progress")
    assert status_de == "In Bearbeitung"
    assert german["Subject"] == de(
        "Report %(reference)s: %(status)s", reference=report.reference, status=status_de
    )
    assert english["Subject"] == f"Report {report.reference}: In progress"
    assert german["Content-Language"] == "de" and english["Content-Language"] == "en"
    for message, status, lang_arg in ((german, status_de, ""), (english, status_en, "?lang=en")):
        for body in (text_part(message), html_part(message)):
            assert report.reference in body and status in body
            assert "Wir schauen uns das an." in body
            assert f"http://localhost/r/{report.reference}{lang_arg}" in body
        assert message["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert RESIDENT not in text_part(english)
    assert "There is news about report" in text_part(english)  # a supporter's wording


def test_unsubscribe_link_stops_further_mails(client, smtp_server, edg_report):  # noqa: F811
    report = edg_report()
    settle(smtp_server)
    _status_mail(report, ReportStatus.IN_PROGRESS)
    [message] = smtp_server.messages_to(RESIDENT)
    path = unsubscribe_path(message)
    assert message["List-Unsubscribe"] == f"<http://localhost{path}>"

    page = client.get(path)  # shows a question, changes nothing
    assert page.status_code == 200
    assert report.reference in page.get_data(as_text=True)
    db.session.expire_all()
    assert report.contact.wants_updates is True

    # A status change is queued, then the resident unsubscribes, then the worker runs.
    apply_status(report, ReportStatus.FORWARDED, CITY, None)
    db.session.commit()
    done = client.post(path)
    assert done.status_code == 200
    db.session.expire_all()
    assert report.contact.wants_updates is False
    deliver_due()
    assert len(smtp_server.messages_to(RESIDENT)) == 1  # the queued one was not sent
    last = deliveries(RESIDENT_UPDATE, report)[-1]
    assert last.status == DeliveryStatus.SENT and last.remote_id is None

    queued = len(deliveries(RESIDENT_UPDATE, report))
    _status_mail(report, ReportStatus.RESOLVED)
    assert len(deliveries(RESIDENT_UPDATE, report)) == queued  # no new delivery at all
    assert len(smtp_server.messages_to(RESIDENT)) == 1
    assert (
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(ReportEvent)
            .where(ReportEvent.kind == "resident_unsubscribed")
        ).scalar_one()
        == 1
    )


def test_one_click_unsubscribe_from_the_mail_program(client, smtp_server, edg_report):  # noqa: F811
    """RFC 8058: the mail program POSTs ``List-Unsubscribe=One-Click``, no cookie, no form."""
    report = edg_report()
    settle(smtp_server)
    _status_mail(report, ReportStatus.IN_PROGRESS)
    [message] = smtp_server.messages_to(RESIDENT)
    url = message["List-Unsubscribe"].strip("<>").removeprefix("http://localhost")
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert report.contact.wants_updates is False


def test_forged_unsubscribe_link_is_refused(client, smtp_server, edg_report):  # noqa: F811
    report = edg_report()
    settle(smtp_server)
    _status_mail(report, ReportStatus.IN_PROGRESS)
    [message] = smtp_server.messages_to(RESIDENT)
    path = unsubscribe_path(message).split("?")[0]
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    wrong_key = URLSafeTimedSerializer("not-our-secret", salt="qm-unsubscribe").dumps(
        f"contact:{report.contact.id}"
    )
    for bad in (forged, f"/unsubscribe/{wrong_key}"):
        assert client.get(bad).status_code == 403
        assert client.post(bad).status_code == 403
    db.session.expire_all()
    assert report.contact.wants_updates is True


def test_deleted_contact_gets_nothing(app_ctx, smtp_server, edg_report):  # noqa: F811
    report = edg_report()
    settle(smtp_server)
    apply_status(report, ReportStatus.IN_PROGRESS, CITY, None)
    db.session.commit()
    db.session.execute(sa.delete(ReporterContact).where(ReporterContact.report_id == report.id))
    db.session.commit()
    deliver_due()
    assert smtp_server.messages_to(RESIDENT) == []
    update = deliveries(RESIDENT_UPDATE, report)[-1]
    assert update.status == DeliveryStatus.SENT and update.remote_id is None


def test_status_words_are_the_public_ones(app_ctx, smtp_server, edg_report):  # noqa: F811
    report = edg_report(locale="en", contact=ContactDraft(email=RESIDENT, consent=True))
    settle(smtp_server)
    _status_mail(report, ReportStatus.RESOLVED)
    [message] = smtp_server.messages_to(RESIDENT)
    with force_locale("en"):
        assert str(PUBLIC_STATUS_LABELS[ReportStatus.RESOLVED]) in message["Subject"]
