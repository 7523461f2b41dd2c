"""Retention: contact data of long-closed reports is deleted by the worker's periodic job."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import Channel, ReportStatus
from app.extensions import db
from app.forwarding.jobs import anonymise_closed_reports
from app.reports import residents, workflow
from app.reports.drafts import ContactDraft
from app.reports.models import Report, ReporterContact, ReportSupporter


def test_contacts_of_long_closed_reports_are_deleted_and_the_reports_stay(
    app_ctx, make_report, make_user
):
    dispatcher = make_user("dispatcher")
    old = make_report(contact=ContactDraft(email="alt@example.invalid", consent=True))
    recent = make_report(contact=ContactDraft(email="neu@example.invalid", consent=True))
    still_open = make_report(contact=ContactDraft(email="offen@example.invalid", consent=True))
    residents.add_supporter(old, Channel.TELEGRAM, telegram_chat_id="5", wants_updates=True)
    for report in (old, recent):
        workflow.change_status(report, ReportStatus.RESOLVED, dispatcher)
    old.closed_at = utcnow() - timedelta(days=181)
    recent.closed_at = utcnow() - timedelta(days=10)
    db.session.commit()

    assert anonymise_closed_reports() == 2  # the reporter and the supporter of the old one
    emails = set(db.session.execute(sa.select(ReporterContact.email)).scalars())
    assert emails == {"neu@example.invalid", "offen@example.invalid"}
    # The supporter stays as an anonymous "me too": the public count does not drop.
    [supporter] = db.session.execute(sa.select(ReportSupporter)).scalars()
    assert (supporter.telegram_chat_id, supporter.email, supporter.wants_updates) == (
        None,
        None,
        False,
    )
    assert db.session.get(Report, old.id) is not None
    assert db.session.get(Report, still_open.id).contact is not None
    assert anonymise_closed_reports() == 0  # nothing left to do


def test_retention_can_be_switched_off(app_ctx, make_report, make_user, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "RETENTION_DAYS", 0)
    report = make_report(contact=ContactDraft(email="a@example.invalid", consent=True))
    workflow.change_status(report, ReportStatus.RESOLVED, make_user("dispatcher"))
    report.closed_at = utcnow() - timedelta(days=3650)
    db.session.commit()
    assert anonymise_closed_reports() == 0
    assert db.session.get(Report, report.id).contact is not None
