"""Status updates reach residents who reported through Telegram: in their language, with the
reference, through a real local Bot API stand-in — and never anyone who did not ask."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.enums import DeliveryStatus, ReportStatus
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import RESIDENT_UPDATE
from app.forwarding.senders import load_all
from app.forwarding.worker import deliver_due
from app.reports import workflow
from app.reports.drafts import ContactDraft
from tests.fakes.telegram import fake_telegram  # noqa: F401 (fixture)

CHAT = "4242"


@pytest.fixture
def bot_api(app_ctx, fake_telegram, monkeypatch):  # noqa: F811
    load_all()
    monkeypatch.setitem(app_ctx.config, "TELEGRAM_API_URL", fake_telegram.api_url)
    monkeypatch.setitem(app_ctx.config, "TELEGRAM_BOT_TOKEN", fake_telegram.token)
    return fake_telegram


def telegram_report(make_report, locale="de", **kw):
    return make_report(
        "laterne-aus",
        (51.4886, 7.5126),
        locale=locale,
        contact=ContactDraft(telegram_chat_id=CHAT, consent=True),
        **kw,
    )


def resident_deliveries():
    return (
        db.session.execute(sa.select(Delivery).where(Delivery.purpose == RESIDENT_UPDATE))
        .scalars()
        .all()
    )


def test_a_status_change_arrives_in_the_residents_language(bot_api, make_report, make_user):
    report = telegram_report(make_report, locale="en")
    workflow.change_status(
        report,
        ReportStatus.IN_PROGRESS,
        make_user("caseworker", ("tiefbau-licht",)),
        public_note="Technician is on the way",
    )
    db.session.commit()
    assert deliver_due() == 1
    (message,) = bot_api.messages_to(CHAT)
    assert message["text"].startswith(f"Your report {report.reference} (Street light out):")
    assert "Status: In progress" in message["text"]
    assert "“Technician is on the way”" in message["text"]
    assert f"/r/{report.reference}" in message["text"]
    (delivery,) = resident_deliveries()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.remote_id == str(message["message_id"])


def test_german_by_default(bot_api, make_report, make_user):
    report = telegram_report(make_report)
    workflow.change_status(report, ReportStatus.RESOLVED, make_user("dispatcher"))
    db.session.commit()
    deliver_due()
    (message,) = bot_api.messages_to(CHAT)
    assert message["text"].startswith(f"Ihre Meldung {report.reference} (Straßenlaterne aus):")
    assert "Status: Erledigt" in message["text"]


def test_telegram_down_then_up_delivers_once(bot_api, make_report, make_user):
    report = telegram_report(make_report)
    bot_api.fail_next("sendMessage", 502, "Bad Gateway")
    bot_api.fail_next("sendMessage", 429, "Too Many Requests", retry_after=1)
    workflow.change_status(report, ReportStatus.IN_PROGRESS, make_user("dispatcher"))
    db.session.commit()
    deliver_due()  # backoff is 0 in tests: three attempts in one round
    assert len(bot_api.messages_to(CHAT)) == 1
    (delivery,) = resident_deliveries()
    assert delivery.status == DeliveryStatus.SENT
    assert [a.is_success for a in delivery.attempt_log] == [False, False, True]
    assert "502" in delivery.attempt_log[0].error


def test_a_blocked_bot_is_not_retried(bot_api, make_report, make_user):
    report = telegram_report(make_report)
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    workflow.change_status(report, ReportStatus.IN_PROGRESS, make_user("dispatcher"))
    db.session.commit()
    deliver_due()
    (delivery,) = resident_deliveries()
    assert delivery.status == DeliveryStatus.DEAD
    assert len(delivery.attempt_log) == 1


def test_no_message_without_consent_or_after_unsubscribing(bot_api, make_report, make_user):
    make_report("laterne-aus")  # no contact at all
    report = telegram_report(make_report)
    report.contact.wants_updates = False
    db.session.commit()
    workflow.change_status(report, ReportStatus.IN_PROGRESS, make_user("dispatcher"))
    db.session.commit()
    assert resident_deliveries() == []
    deliver_due()
    assert bot_api.messages_to(CHAT) == []


@pytest.mark.parametrize(
    ("locale", "start", "status"),
    [
        ("tr", "numaralı bildiriminiz", "Durum: Çözüldü"),
        ("ar", "بلاغك", "الحالة: تم الحل"),
    ],
)
def test_turkish_and_arabic_residents_hear_back_in_their_language(
    bot_api, make_report, make_user, locale, start, status
):
    report = telegram_report(make_report, locale=locale)
    workflow.change_status(report, ReportStatus.RESOLVED, make_user("dispatcher"))
    db.session.commit()
    deliver_due()
    (message,) = bot_api.messages_to(CHAT)
    assert start in message["text"]
    assert report.reference in message["text"]
    assert status in message["text"]
