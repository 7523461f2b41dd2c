"""Me too, reopen within 14 days, my reports, delete my data."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.enums import Channel, ReportStatus
from app.extensions import db
from app.reports import residents, workflow
from app.reports.drafts import ContactDraft
from app.reports.models import Report, ReporterContact, ReportSupporter

CHAT = "777"


def test_me_too_counts_once_and_brings_updates(make_report):
    report = make_report()
    residents.add_supporter(report, Channel.TELEGRAM, telegram_chat_id=CHAT, wants_updates=True)
    residents.add_supporter(report, Channel.TELEGRAM, telegram_chat_id=CHAT, wants_updates=True)
    residents.add_supporter(report, Channel.WEB)  # anonymous "me too"
    db.session.commit()
    assert len(report.supporters) == 2
    assert report.supporters[0].telegram_chat_id == CHAT
    assert report.supporters[1].telegram_chat_id is None


def test_me_too_on_a_closed_report_is_refused(make_report, make_user):
    report = make_report()
    workflow.change_status(report, ReportStatus.RESOLVED, make_user("dispatcher"))
    with pytest.raises(residents.ResidentActionRefused):
        residents.add_supporter(report, Channel.WEB)


def test_reopen_within_fourteen_days_by_the_reporter(make_report, make_user):
    report = make_report(contact=ContactDraft(telegram_chat_id=CHAT, consent=True))
    dispatcher = make_user("dispatcher")
    with pytest.raises(residents.ResidentActionRefused):  # not resolved yet
        residents.reopen_by_resident(report, "still dark", Channel.TELEGRAM, telegram_chat_id=CHAT)
    workflow.change_status(report, ReportStatus.RESOLVED, dispatcher)
    db.session.commit()
    with pytest.raises(residents.ResidentActionRefused):  # someone else
        residents.reopen_by_resident(report, "x", Channel.TELEGRAM, telegram_chat_id="999")
    residents.reopen_by_resident(
        report, "Immer noch kaputt", Channel.TELEGRAM, telegram_chat_id=CHAT
    )
    db.session.commit()
    assert report.status == ReportStatus.REOPENED


def test_reopen_after_fourteen_days_is_refused(make_report, make_user):
    report = make_report(contact=ContactDraft(telegram_chat_id=CHAT, consent=True))
    workflow.change_status(report, ReportStatus.RESOLVED, make_user("dispatcher"))
    report.closed_at -= timedelta(days=15)
    db.session.commit()
    with pytest.raises(residents.ResidentActionRefused) as info:
        residents.reopen_by_resident(report, "x", Channel.TELEGRAM, telegram_chat_id=CHAT)
    assert "vor mehr als 14 Tagen" in str(info.value.message)


def test_my_reports_and_deleting_my_data(make_report):
    own = make_report(contact=ContactDraft(telegram_chat_id=CHAT, consent=True))
    supported = make_report("laterne-aus")
    residents.add_supporter(supported, Channel.TELEGRAM, telegram_chat_id=CHAT, wants_updates=True)
    make_report()  # someone else's
    db.session.commit()
    assert [r.reference for r in residents.reports_of(telegram_chat_id=CHAT)] == [
        supported.reference,
        own.reference,
    ]
    assert residents.delete_contact_data(telegram_chat_id=CHAT) == 2
    db.session.commit()
    assert residents.reports_of(telegram_chat_id=CHAT) == []
    assert db.session.execute(sa.select(sa.func.count(ReporterContact.id))).scalar_one() == 0
    # The "me too" stays as an anonymous count; nobody can be reached through it.
    [supporter] = db.session.execute(sa.select(ReportSupporter)).scalars()
    assert supporter.telegram_chat_id is None and not supporter.wants_updates
    assert db.session.execute(sa.select(sa.func.count(Report.id))).scalar_one() == 3
