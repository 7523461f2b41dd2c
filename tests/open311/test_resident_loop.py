"""Residents in the loop, as the Telegram bot meets them through the API: a retried POST makes
one report, nobody is offered "me too" on their own report, nobody hears the same update twice,
and a reopening resident is not sent their own comment back."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from app.core.enums import DeliveryStatus, ReportStatus
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import RESIDENT_UPDATE
from app.reports import residents, workflow
from app.reports.models import Report
from tests.open311.conftest import API, FRIEDENSPLATZ
from tests.open311.test_bot_extensions import CHAT, OTHER_CHAT, bot, from_chat  # noqa: F401

KEY = {"Idempotency-Key": "draft-4f1c2a9e"}


def _reports() -> int:
    db.session.rollback()
    return db.session.execute(sa.select(sa.func.count(Report.id))).scalar_one()


def _updates(report_reference: str) -> list[str]:
    db.session.rollback()
    return sorted(
        d.target.split(":")[0]
        for d in db.session.execute(
            sa.select(Delivery)
            .join(Report, Delivery.report_id == Report.id)
            .where(Report.reference == report_reference, Delivery.purpose == RESIDENT_UPDATE)
        ).scalars()
    )


# --- 5. a retry makes no second report ----------------------------------------------------------


def test_a_retried_post_with_the_same_key_answers_the_first_report(post_report):
    first = post_report(headers=KEY, description="Papierkorb voll")
    again = post_report(headers=KEY, description="Papierkorb voll")
    assert first.status_code == again.status_code == 200
    assert first.get_json()[0]["service_request_id"] == again.get_json()[0]["service_request_id"]
    assert again.get_json()[0]["service_notice"]
    assert _reports() == 1
    other = post_report(headers={"Idempotency-Key": "draft-2"}, description="Papierkorb voll")
    assert other.get_json()[0]["service_request_id"] != first.get_json()[0]["service_request_id"]
    assert post_report(description="Papierkorb voll").status_code == 200  # no key: as before
    assert _reports() == 3


def test_the_same_key_for_other_content_is_refused(post_report):
    post_report(headers=KEY, description="Papierkorb voll")
    refused = post_report(headers=KEY, description="Etwas ganz anderes")
    assert refused.status_code == 422
    assert "Idempotency-Key" in refused.get_json()[0]["description"]
    assert _reports() == 1


def test_keys_belong_to_one_client(client, post_report, app_ctx):
    from app.open311.keys import create_api_key

    _key, other_token = create_api_key("another client")
    db.session.commit()
    post_report(headers=KEY, description="Papierkorb voll")
    theirs = post_report(headers=KEY, description="Papierkorb voll", api_key=other_token)
    assert theirs.status_code == 200
    assert _reports() == 2


def test_a_malformed_key_is_refused(post_report):
    refused = post_report(headers={"Idempotency-Key": "spaces are not allowed"})
    assert refused.status_code == 400
    assert "Idempotency-Key" in refused.get_json()[0]["description"]
    assert _reports() == 0


def test_two_retries_at_the_same_moment_make_one_report(app_ctx, api_key):
    answers = []

    def send():
        with app_ctx.test_client() as client:
            answers.append(
                client.post(
                    f"{API}/requests.json",
                    data={
                        "api_key": api_key,
                        "service_code": "papierkorb-voll",
                        "lat": str(FRIEDENSPLATZ[0]),
                        "long": str(FRIEDENSPLATZ[1]),
                    },
                    headers=KEY,
                )
            )

    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert len({a.get_json()[0]["service_request_id"] for a in answers}) == 1
    assert _reports() == 1


# --- 6. no "me too" on one's own report -----------------------------------------------------------


def test_nearby_leaves_out_the_chats_own_reports(bot, from_chat):  # noqa: F811
    mine = from_chat(CHAT)
    theirs = from_chat(OTHER_CHAT)
    query = {"service_code": "papierkorb-voll", "lat": FRIEDENSPLATZ[0], "long": FRIEDENSPLATZ[1]}
    everyone = [i["service_request_id"] for i in bot.get("/requests/nearby.json", **query).json]
    assert set(everyone) == {mine, theirs}
    for_me = bot.get("/requests/nearby.json", headers={"X-Telegram-Chat-Id": CHAT}, **query)
    assert [i["service_request_id"] for i in for_me.json] == [theirs]


def test_me_too_on_ones_own_report_is_refused(bot, from_chat):  # noqa: F811
    mine = from_chat(CHAT)
    refused = bot.post(f"/requests/{mine}/supporters.json", telegram_chat_id=CHAT, updates="true")
    assert refused.status_code == 409
    assert "eigene Meldung" in refused.json[0]["description"]
    db.session.rollback()
    assert (
        db.session.execute(sa.select(Report).where(Report.reference == mine))
        .scalar_one()
        .supporters
        == []
    )


# --- 7. one message per person ------------------------------------------------------------------


def test_a_reporter_who_is_also_a_supporter_hears_each_update_once(
    app_ctx,
    bot,
    from_chat,
    make_user,  # noqa: F811
):
    mine = from_chat(CHAT)
    report = db.session.execute(sa.select(Report).where(Report.reference == mine)).scalar_one()
    # An entry of the same chat as supporter (e.g. from a merged duplicate)
    residents.add_supporter(
        report, report.channel, telegram_chat_id=CHAT, wants_updates=True, api_key_id=None
    )
    residents.add_supporter(
        report, report.channel, telegram_chat_id=OTHER_CHAT, wants_updates=True, api_key_id=None
    )
    db.session.commit()
    workflow.change_status(
        report, ReportStatus.IN_PROGRESS, make_user("dispatcher"), public_note="Wir sind dran"
    )
    db.session.commit()
    assert _updates(mine) == ["contact", "supporter"]  # the reporter once, the other chat once


# --- 8c. no echo of one's own reopen comment ---------------------------------------------------


def test_the_reopening_resident_is_not_sent_their_own_comment(
    app_ctx,
    bot,
    from_chat,
    make_user,  # noqa: F811
):
    mine = from_chat(CHAT)
    report = db.session.execute(sa.select(Report).where(Report.reference == mine)).scalar_one()
    residents.add_supporter(
        report, report.channel, telegram_chat_id=OTHER_CHAT, wants_updates=True, api_key_id=None
    )
    workflow.change_status(
        report, ReportStatus.RESOLVED, make_user("dispatcher"), public_note="Erledigt"
    )
    db.session.commit()
    db.session.execute(sa.delete(Delivery))
    db.session.commit()
    answer = bot.post(
        f"/requests/{mine}/reopen.json", telegram_chat_id=CHAT, comment="Immer noch voll"
    )
    assert answer.status_code == 200, answer.data
    assert _updates(mine) == ["supporter"]  # the other chat hears of it; the reopener does not
    pending = db.session.execute(sa.select(Delivery.status)).scalars().all()
    assert pending == [DeliveryStatus.PENDING]


def test_keys_are_kept_for_a_day(post_report):
    from datetime import timedelta

    from app.core.db import utcnow
    from app.forwarding.jobs import forget_submission_keys
    from app.reports.idempotency import SubmissionKey

    post_report(headers=KEY, description="Papierkorb voll")
    assert forget_submission_keys() == 0
    db.session.execute(
        sa.update(SubmissionKey).values(created_at=utcnow() - timedelta(days=1, minutes=1))
    )
    db.session.commit()
    # A day later the key is free again: the same key makes a new report.
    post_report(headers=KEY, description="Papierkorb voll")
    assert _reports() == 2
    db.session.execute(
        sa.update(SubmissionKey).values(created_at=utcnow() - timedelta(days=1, minutes=1))
    )
    db.session.commit()
    assert forget_submission_keys() == 1
