"""After a report, on the web: "not fixed?" through the signed link in the "resolved" e-mail
(reopened exactly as from the bot, within the same 14 days, for this report and this person
only) and "follow this report" on the status page — against a real SMTP server."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from app.core.enums import Channel, DeliveryStatus, ReportStatus
from app.core.events import Actor, ReportEvent
from app.extensions import db
from app.forwarding.links import reopen_token
from app.forwarding.outbox import RESIDENT_UPDATE
from app.forwarding.senders import load_all
from app.forwarding.worker import deliver_due
from app.reports.drafts import ContactDraft
from app.reports.models import Report, ReportPhoto, ReportSupporter
from app.reports.workflow import apply_status
from tests.fakes.smtp import smtp_server  # noqa: F401  (fixture)
from tests.forwarding.email_support import (
    FRIEDENSPLATZ,
    RESIDENT,
    csrf_from,
    deliveries,
    html_part,
    text_part,
    unsubscribe_path,
)
from tests.inbox.support import login
from tests.security.limited_apps import limited_app  # noqa: F401  (fixture)
from tests.web.support import csrf_token, de, en, jpeg, page_text

CITY = Actor("user", "1", "Stadt")
SUPPORTER = "sam.unterstuetzer@example.invalid"
FOLLOWER = "fatma.folgt@example.invalid"
_NOT_FIXED_LINK = re.compile(r"https?://[^/\s]+(/not-fixed/[A-Za-z0-9_.\-]+(?:\?lang=\w+)?)")

TIME_OVER = "The time for “not fixed” is over"
THANKS = (
    "Thank you! The report is open again and goes back to work. Your comment is in its history."
)
NOT_VALID = "This link is not valid"


@pytest.fixture(autouse=True)
def _senders(app_ctx):
    load_all()


@pytest.fixture
def litter(make_report):
    """A full litter bin at Friedensplatz, reported with an e-mail for updates (routed to EDG,
    whose ticket is sent by e-mail)."""
    report = make_report(
        "papierkorb-voll",
        FRIEDENSPLATZ,
        description="Der Papierkorb quillt über.",
        contact=ContactDraft(email=RESIDENT, consent=True),
    )
    return report


def _fresh(report: Report) -> Report:
    db.session.rollback()
    return db.session.execute(sa.select(Report).where(Report.id == report.id)).scalar_one()


def _resolve(report: Report, smtp, note: str | None = "Geleert.") -> None:
    """The ticket goes out first (and is forgotten); then the city resolves the report and the
    residents' e-mails are delivered."""
    deliver_due()
    smtp.clear()
    apply_status(report, ReportStatus.RESOLVED, CITY, note)
    db.session.commit()
    deliver_due()


def not_fixed_path(message) -> str:
    match = _NOT_FIXED_LINK.search(text_part(message))
    assert match, "no “not fixed” link in the e-mail"
    return match.group(1)


def _events(report: Report, kind: str) -> list[ReportEvent]:
    db.session.rollback()
    return list(
        db.session.execute(
            sa.select(ReportEvent)
            .where(ReportEvent.report_id == report.id, ReportEvent.kind == kind)
            .order_by(ReportEvent.id)
        ).scalars()
    )


def _post_not_fixed(client, path: str, comment: str, photo: bytes | None = None):
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    data: dict = {"csrf_token": csrf_from(page), "comment": comment}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "jetzt.jpg")
    return client.post(path, data=data, content_type="multipart/form-data")


# --- the link in the "resolved" e-mail -----------------------------------------------------------


def test_the_resolved_email_carries_a_not_fixed_link_for_each_person(
    client,
    smtp_server,  # noqa: F811
    litter,
):
    litter.supporters.append(
        ReportSupporter(channel=Channel.WEB, email=SUPPORTER, locale="en", wants_updates=True)
    )
    db.session.commit()
    deliver_due()
    smtp_server.clear()
    apply_status(litter, ReportStatus.IN_PROGRESS, CITY, None)
    db.session.commit()
    deliver_due()
    [in_progress] = smtp_server.messages_to(RESIDENT)
    assert "/not-fixed/" not in text_part(in_progress)  # only when it was resolved
    smtp_server.clear()

    apply_status(litter, ReportStatus.RESOLVED, CITY, "Geleert.")
    db.session.commit()
    deliver_due()
    [german] = smtp_server.messages_to(RESIDENT)
    [english] = smtp_server.messages_to(SUPPORTER)
    reporter_link, supporter_link = not_fixed_path(german), not_fixed_path(english)
    assert reporter_link != supporter_link  # bound to the person
    assert supporter_link.endswith("?lang=en")
    for message, lang in ((german, de), (english, en)):
        assert lang("Not fixed? Tell us") in text_part(message)
        assert lang("Not fixed? Tell us") in html_part(message)
        assert "/not-fixed/" in html_part(message)
    # The link is the resident's own; it names nobody.
    assert RESIDENT not in reporter_link


# --- saying "not fixed" through it --------------------------------------------------------------


def test_the_link_reopens_the_report_as_the_bot_does_with_comment_and_photo(
    client,
    smtp_server,  # noqa: F811
    litter,
    make_user,
):
    litter.supporters.append(
        ReportSupporter(channel=Channel.WEB, email=SUPPORTER, locale="de", wants_updates=True)
    )
    db.session.commit()
    _resolve(litter, smtp_server)
    [message] = smtp_server.messages_to(RESIDENT)
    path = not_fixed_path(message)
    smtp_server.clear()

    form = client.get(path)
    assert form.status_code == 200
    body = page_text(form)
    assert litter.reference in body and 'name="comment"' in body and 'name="photo"' in body
    assert RESIDENT not in body

    done = _post_not_fixed(
        client, path, "Der Papierkorb ist schon wieder voll.", jpeg(size=(640, 480))
    )
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/r/{litter.reference}#afterwards")

    report = _fresh(litter)
    assert report.status == ReportStatus.REOPENED and report.closed_at is None
    [change] = [e for e in _events(report, "status_changed") if e.data["new"] == "reopened"]
    assert change.actor == "resident:web"  # the bot's is resident:telegram
    assert change.data == {"old": "resolved", "new": "reopened"}
    assert change.public_note == "Der Papierkorb ist schon wieder voll." and change.is_public
    # The photo went through the pipeline and waits for a caseworker to release it.
    photos = db.session.execute(
        sa.select(ReportPhoto).where(ReportPhoto.report_id == report.id)
    ).scalars()
    [photo] = list(photos)
    assert not photo.is_public and photo.width == 640
    [added] = _events(report, "resident_photo_added")
    assert added.data["photo_id"] == photo.id

    # The others hear of it; the resident who said it does not get their own words back.
    deliver_due()
    assert smtp_server.messages_to(RESIDENT) == []
    [news] = smtp_server.messages_to(SUPPORTER)
    assert "Der Papierkorb ist schon wieder voll." in text_part(news)
    assert "/not-fixed/" not in text_part(news)

    # The status page thanks them once and shows the comment.
    status = page_text(client.get(f"/r/{litter.reference}"))
    assert de(THANKS) in status
    assert "Der Papierkorb ist schon wieder voll." in status
    again = page_text(client.get(f"/r/{litter.reference}"))
    assert de(THANKS) not in again

    # The caseworker of the department sees it in the inbox.
    caseworker = make_user("caseworker", ("edg",))
    with client.application.app_context():  # a browser of its own (CSRF tokens live on g)
        staff = client.application.test_client()
        login(staff, caseworker)
        page = page_text(staff.get(f"/inbox/reports/{litter.reference}"))
    assert "Der Papierkorb ist schon wieder voll." in page
    assert de("A resident added a photo (not fixed)") in page

    # The link did its work: used again, it says so and changes nothing.
    used = client.get(path)
    assert used.status_code == 409
    assert de("The report is being worked on again") in page_text(used)


def test_a_comment_is_needed_and_a_refused_photo_changes_nothing(
    client,
    smtp_server,  # noqa: F811
    litter,
):
    _resolve(litter, smtp_server)
    path = not_fixed_path(smtp_server.messages_to(RESIDENT)[0])
    empty = _post_not_fixed(client, path, "   ", jpeg())
    assert empty.status_code == 400
    body = page_text(empty)
    assert de("Please tell us what is still wrong.") in body
    assert (
        de("Please choose the photos again: files are not kept when the form is shown again.")
        in body
    )

    not_a_photo = _post_not_fixed(client, path, "Immer noch voll.", b"GIF89a not an image")
    assert not_a_photo.status_code in (400, 415, 422)
    assert "Immer noch voll." in page_text(not_a_photo)  # the comment is kept
    report = _fresh(litter)
    assert report.status == ReportStatus.RESOLVED
    assert db.session.execute(sa.select(sa.func.count(ReportPhoto.id))).scalar_one() == 0


def test_after_fourteen_days_the_link_says_the_time_is_over(
    client,
    smtp_server,  # noqa: F811
    litter,
):
    _resolve(litter, smtp_server)
    path = not_fixed_path(smtp_server.messages_to(RESIDENT)[0])
    token = csrf_token(client, path)
    report = _fresh(litter)
    report.closed_at -= timedelta(days=14, minutes=1)
    db.session.commit()

    for response in (
        client.get(path),
        client.post(path, data={"csrf_token": token, "comment": "Immer noch voll."}),
    ):
        assert response.status_code == 410
        assert de(TIME_OVER) in page_text(response)
        assert de("Report a problem") in page_text(response)
    assert _fresh(litter).status == ReportStatus.RESOLVED


def test_a_link_older_than_fourteen_days_is_over_too(client, litter, monkeypatch):
    apply_status(litter, ReportStatus.RESOLVED, CITY, None)
    db.session.commit()
    target = f"contact:{litter.contact.id}"
    signed_at = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: signed_at(self) - 15 * 86400)
    old = reopen_token(target, litter.id)
    monkeypatch.undo()
    response = client.get(f"/not-fixed/{old}")
    assert response.status_code == 410
    assert de(TIME_OVER) in page_text(response)


def test_forged_mangled_or_foreign_links_are_refused(client, app_ctx, make_report, litter):
    apply_status(litter, ReportStatus.RESOLVED, CITY, None)
    other = make_report("laterne-aus", FRIEDENSPLATZ)
    apply_status(other, ReportStatus.RESOLVED, CITY, None)
    db.session.commit()
    target = f"contact:{litter.contact.id}"
    good = reopen_token(target, litter.id)
    wrong_key = URLSafeTimedSerializer("not-our-secret", salt="qm-reopen").dumps(
        {"r": litter.id, "t": target}
    )
    unsubscribe_salt = URLSafeTimedSerializer(app_ctx.config["SECRET_KEY"], salt="qm-unsubscribe")
    for bad in (
        good[:-3] + ("AAA" if not good.endswith("AAA") else "BBB"),
        wrong_key,
        unsubscribe_salt.dumps(target),  # another link of ours is no "not fixed" link
        "not-a-token",
        "x" * 3000,
    ):
        for response in (
            client.get(f"/not-fixed/{bad}"),
            client.post(f"/not-fixed/{bad}", data={"comment": "x"}),
        ):
            assert response.status_code in (400, 404), response.status_code
            assert de(NOT_VALID) in page_text(response) or response.status_code == 400
    # Signed by us, but the person is not one of that report's: refused, nothing reopened.
    foreign = reopen_token(target, other.id)
    response = client.get(f"/not-fixed/{foreign}")
    assert response.status_code == 404
    assert _fresh(other).status == ReportStatus.RESOLVED
    assert _fresh(litter).status == ReportStatus.RESOLVED


def test_the_status_page_offers_the_link_only_as_a_hint(client, litter):
    apply_status(litter, ReportStatus.RESOLVED, CITY, "Geleert.")
    db.session.commit()
    body = page_text(client.get(f"/r/{litter.reference}"))
    assert de("Not fixed?") in body
    assert 'name="comment"' not in body and "/not-fixed/" not in body
    assert 'name="email"' not in body  # a resolved report is not followed any more

    report = _fresh(litter)
    report.closed_at -= timedelta(days=15)
    db.session.commit()
    assert de("Not fixed?") not in page_text(client.get(f"/r/{litter.reference}"))


# --- following a report -------------------------------------------------------------------------


def _follow(client, reference: str, email: str, consent: bool = True, **kwargs):
    data = {"csrf_token": csrf_token(client), "email": email}  # the browser's token
    if consent:
        data["consent"] = "1"
    return client.post(f"/r/{reference}/follow", data=data, **kwargs)


def _supporters(report: Report) -> list[ReportSupporter]:
    db.session.rollback()
    return list(
        db.session.execute(
            sa.select(ReportSupporter).where(ReportSupporter.report_id == report.id)
        ).scalars()
    )


def test_a_follower_gets_the_next_status_email_and_can_stop_them(
    client,
    smtp_server,  # noqa: F811
    litter,
):
    deliver_due()
    smtp_server.clear()
    page = page_text(client.get(f"/r/{litter.reference}"))
    assert de("Follow this report") in page

    response = _follow(client, litter.reference, FOLLOWER)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/r/{litter.reference}#afterwards")
    [supporter] = _supporters(litter)
    assert (supporter.email, supporter.wants_updates) == (FOLLOWER, True)
    assert supporter.channel == Channel.WEB and supporter.api_key_id is None
    shown = page_text(client.get(f"/r/{litter.reference}"))
    assert (
        de("You are following this report: we send you an e-mail when its status changes.") in shown
    )
    assert FOLLOWER not in shown
    assert FOLLOWER not in page_text(client.application.test_client().get(f"/r/{litter.reference}"))

    apply_status(_fresh(litter), ReportStatus.IN_PROGRESS, CITY, "Wir kümmern uns.")
    db.session.commit()
    deliver_due()
    [message] = smtp_server.messages_to(FOLLOWER)
    assert litter.reference in message["Subject"]
    assert "Wir kümmern uns." in text_part(message)
    assert message["List-Unsubscribe"].startswith("<http://localhost/unsubscribe/")

    stop = client.post(unsubscribe_path(message))
    assert stop.status_code == 200
    apply_status(_fresh(litter), ReportStatus.RESOLVED, CITY, None)
    db.session.commit()
    deliver_due()
    assert len(smtp_server.messages_to(FOLLOWER)) == 1
    sent = [
        d for d in deliveries(RESIDENT_UPDATE, litter) if d.target == f"supporter:{supporter.id}"
    ]
    assert all(d.status == DeliveryStatus.SENT for d in sent)


def test_following_twice_or_ones_own_report_adds_nobody(client, litter):
    assert _follow(client, litter.reference, FOLLOWER).status_code == 303
    with client.application.app_context():  # another browser (CSRF tokens live on g)
        other_browser = client.application.test_client()
        again = _follow(other_browser, litter.reference, FOLLOWER.upper())
        # The reporter's own address: the same answer, and nobody is added.
        own = _follow(other_browser, litter.reference, RESIDENT)
    assert again.status_code == 303 and own.status_code == 303
    assert len(_supporters(litter)) == 1
    assert len(_events(litter, "supporter_added")) == 1


def test_following_needs_an_address_and_consent(client, litter):
    missing = _follow(client, litter.reference, FOLLOWER, consent=False)
    assert missing.status_code == 400
    body = page_text(missing)
    assert (
        de("Please agree that we may use your e-mail address for updates about this report.")
        in body
    )
    assert FOLLOWER in body  # the address typed comes back to the one who typed it
    wrong = _follow(client, litter.reference, "keine-adresse")
    assert wrong.status_code == 400
    assert de("This e-mail address does not look right.") in page_text(wrong)
    empty = _follow(client, litter.reference, "")
    assert de("Please enter your e-mail address.") in page_text(empty)
    assert _supporters(litter) == []


def test_a_closed_report_cannot_be_followed(client, litter):
    token = csrf_token(client, f"/r/{litter.reference}")
    apply_status(litter, ReportStatus.RESOLVED, CITY, None)
    db.session.commit()
    response = client.post(
        f"/r/{litter.reference}/follow",
        data={"csrf_token": token, "email": FOLLOWER, "consent": "1"},
    )
    assert response.status_code == 409
    assert de("This report is already closed.") in page_text(response)
    assert _supporters(litter) == []
    assert client.post("/r/QM-0000-00000/follow", data={"csrf_token": token}).status_code == 404


def test_the_forms_need_their_csrf_token(client, smtp_server, litter):  # noqa: F811
    response = client.post(
        f"/r/{litter.reference}/follow", data={"email": FOLLOWER, "consent": "1"}
    )
    assert response.status_code == 400
    assert de("The form has expired") in page_text(response)
    _resolve(litter, smtp_server)
    path = not_fixed_path(smtp_server.messages_to(RESIDENT)[0])
    refused = client.post(path, data={"comment": "Immer noch voll."})
    assert refused.status_code == 400
    assert _supporters(litter) == [] and _fresh(litter).status == ReportStatus.RESOLVED


def test_following_and_not_fixed_are_rate_limited(limited_app, make_report):  # noqa: F811
    app = limited_app(FOLLOW_RATE_LIMIT="2/minute", NOT_FIXED_RATE_LIMIT="1/minute")
    report = make_report(contact=ContactDraft(email=RESIDENT, consent=True))
    client = app.test_client()
    with app.app_context():
        codes = [
            _follow(client, report.reference, f"n{n}@example.invalid").status_code for n in range(3)
        ]
    assert codes == [303, 303, 429]
    apply_status(_fresh(report), ReportStatus.RESOLVED, CITY, None)
    db.session.commit()
    with app.app_context():
        path = f"/not-fixed/{reopen_token(f'contact:{report.contact.id}', report.id)}"
        first = client.post(path, data={"csrf_token": csrf_token(client, path), "comment": ""})
        second = client.post(path, data={"csrf_token": csrf_token(client, path), "comment": ""})
    assert first.status_code == 400 and second.status_code == 429
    assert "Retry-After" in second.headers
