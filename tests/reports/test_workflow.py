"""Staff actions: the status whitelist, permissions, conflicts, re-routing, duplicates, edits,
moderation — each one an event in the timeline."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.enums import ReportStatus
from app.core.events import ReportEvent
from app.core.signals import report_status_changed
from app.extensions import db
from app.reports import workflow
from app.reports.due import add_working_days
from app.reports.models import Report
from app.reports.workflow import (
    TRANSITIONS,
    EditConflict,
    NotPermitted,
    TransitionNotAllowed,
    WorkflowError,
)
from app.routing.models import Department

S = ReportStatus
PHOENIX_SEE = (51.4886, 7.5126)


def dept(code):
    return db.session.execute(sa.select(Department).filter_by(code=code)).scalar_one()


def events(report, kind=None):
    query = (
        sa.select(ReportEvent).where(ReportEvent.report_id == report.id).order_by(ReportEvent.id)
    )
    rows = db.session.execute(query).scalars().all()
    return [e for e in rows if kind is None or e.kind == kind]


def put_in(report, status):
    """Force a starting status (test set-up only)."""
    db.session.execute(sa.update(Report).where(Report.id == report.id).values(status=status))
    db.session.commit()
    db.session.refresh(report)


ALL_PAIRS = [(a, b) for a in S for b in S if a != b]


@pytest.mark.parametrize(("old", "new"), ALL_PAIRS, ids=[f"{a}->{b}" for a, b in ALL_PAIRS])
def test_only_whitelisted_transitions_go_through(make_report, make_user, old, new):
    report = make_report()
    put_in(report, old)
    dispatcher = make_user("dispatcher")
    if new in TRANSITIONS[old]:
        workflow.change_status(report, new, dispatcher)
        db.session.commit()
        assert report.status == new
        assert events(report, "status_changed")[-1].data == {"old": old.value, "new": new.value}
    else:
        with pytest.raises(TransitionNotAllowed):
            workflow.change_status(report, new, dispatcher)
        db.session.rollback()
        db.session.refresh(report)
        assert report.status == old
        assert events(report, "status_changed") == []


def test_design_path_new_to_resolved_and_reopened(make_report, make_user):
    report = make_report()
    user = make_user("caseworker", ("edg",))
    for status in (S.IN_REVIEW, S.IN_PROGRESS, S.FORWARDED, S.RESOLVED, S.REOPENED):
        workflow.change_status(report, status, user)
    db.session.commit()
    assert report.status == S.REOPENED
    assert report.closed_at is None


def test_a_public_note_travels_with_the_status_change_and_a_signal(make_report, make_user):
    report = make_report()
    received = []

    def listener(sender, **kw):
        received.append((kw["old"], kw["new"], kw["public_note"]))

    report_status_changed.connect(listener)
    try:
        workflow.change_status(
            report,
            S.IN_PROGRESS,
            make_user("caseworker", ("edg",)),
            public_note="  Wir kümmern uns.  ",
        )
        db.session.commit()
    finally:
        report_status_changed.disconnect(listener)
    event = events(report, "status_changed")[0]
    assert event.is_public is True
    assert event.public_note == "Wir kümmern uns."
    assert received == [(S.NEW, S.IN_PROGRESS, "Wir kümmern uns.")]


def test_internal_notes_are_never_public(make_report, make_user):
    report = make_report()
    workflow.add_note(report, "Anwohner ruft öfter an", make_user("caseworker", ("edg",)))
    db.session.commit()
    (note,) = events(report, "note_added")
    assert note.is_public is False
    assert note.data == {"text": "Anwohner ruft öfter an"}


def test_a_caseworker_cannot_change_another_departments_report(make_report, make_user):
    report = make_report("laterne-aus")  # Tiefbauamt – Straßenbeleuchtung
    edg_worker = make_user("caseworker", ("edg",))
    assert workflow.can_view(edg_worker, report) is False
    for action in (
        lambda: workflow.change_status(report, S.IN_PROGRESS, edg_worker),
        lambda: workflow.reroute(report, dept("edg"), "mine", edg_worker),
        lambda: workflow.add_public_note(report, "x", edg_worker),
        lambda: workflow.moderate_description(report, None, True, edg_worker),
    ):
        with pytest.raises(NotPermitted):
            action()
        db.session.rollback()
    with pytest.raises(NotPermitted):
        workflow.add_note(report, "x", edg_worker)
    db.session.rollback()
    assert events(report) == events(report, "submitted")


def test_copy_departments_may_read_but_not_change(make_report, make_user):
    report = make_report("unsicherer-ort", (51.5233, 7.4817))  # Nordstadt: copy to QM
    qm = make_user("caseworker", ("qm-nordstadt",))
    assert workflow.can_view(qm, report) is True
    assert workflow.can_change(qm, report) is False
    workflow.add_note(report, "Bekannter Ort", qm)  # notes are fine
    with pytest.raises(NotPermitted):
        workflow.change_status(report, S.IN_PROGRESS, qm)


def test_a_stale_version_is_a_conflict_and_overwrites_nothing(make_report, make_user):
    report = make_report()
    first, second = make_user("caseworker", ("edg",)), make_user("caseworker", ("edg",))
    seen_by_both = report.version
    workflow.change_status(
        report, S.IN_PROGRESS, first, expected_version=seen_by_both, public_note="Erster"
    )
    db.session.commit()
    with pytest.raises(EditConflict) as info:
        workflow.change_status(
            report, S.RESOLVED, second, expected_version=seen_by_both, public_note="Zweiter"
        )
    db.session.rollback()
    assert "Jemand anderes hat diese Meldung geändert" in str(info.value.message)
    db.session.refresh(report)
    assert report.status == S.IN_PROGRESS
    assert [e.public_note for e in events(report, "status_changed")] == ["Erster"]


def test_concurrent_updates_in_two_sessions_are_detected(app_ctx, make_report):
    """Two processes loaded version N; the second UPDATE finds N gone (optimistic lock)."""
    from sqlalchemy.orm import Session
    from sqlalchemy.orm.exc import StaleDataError

    report = make_report()
    with Session(db.engine) as one, Session(db.engine) as two:
        a = one.get(Report, report.id)
        b = two.get(Report, report.id)
        a.status = S.IN_PROGRESS
        one.commit()
        b.status = S.REJECTED
        with pytest.raises(StaleDataError):
            two.commit()
    db.session.refresh(report)
    assert report.status == S.IN_PROGRESS


def test_reroute_to_another_department_and_back_to_triage(make_report, make_user):
    report = make_report("papierkorb-voll")
    worker = make_user("caseworker", ("edg",))
    workflow.reroute(report, dept("gruenflaechen"), "Papierkorb im Park", worker)
    db.session.commit()
    assert report.department.code == "gruenflaechen"
    # the note in every language the site speaks: the reason and where it went
    assert set(report.routing_reason) == {"de", "en", "tr", "ar"}
    for text in report.routing_reason.values():
        assert "Papierkorb im Park" in text and report.department.name in text
    assert "الفرز" not in report.routing_reason["ar"]
    assert events(report, "rerouted")[0].data == {
        "reason": "Papierkorb im Park",
        "old": "edg",
        "new": "gruenflaechen",
    }
    # EDG's caseworker no longer sees it; a dispatcher sends it to triage.
    assert workflow.can_view(worker, report) is False
    workflow.reroute(report, None, "unklar", make_user("dispatcher"))
    db.session.commit()
    assert report.department is None
    assert report.routing_reason["ar"].endswith("الفرز: unklar")
    assert report.routing_reason["tr"].endswith("ön inceleme: unklar")
    with pytest.raises(WorkflowError):
        workflow.reroute(report, dept("edg"), "  ", make_user("dispatcher"))


def test_mark_duplicate_moves_reporter_and_supporters_to_the_original(make_report, make_user):
    from app.reports.drafts import ContactDraft

    original = make_report()
    duplicate = make_report(contact=ContactDraft(email="zwei@example.invalid", consent=True))
    worker = make_user("caseworker", ("edg",))
    workflow.mark_duplicate(duplicate, original, worker)
    db.session.commit()
    assert duplicate.status == S.DUPLICATE
    assert duplicate.duplicate_of_id == original.id
    assert [s.email for s in original.supporters] == ["zwei@example.invalid"]
    assert events(original, "duplicate_merged")[0].data["duplicate"] == duplicate.reference
    assert original.reference in events(duplicate, "status_changed")[0].public_note


def test_changing_the_category_reroutes_and_records_it(make_report, make_user):
    report = make_report("papierkorb-voll", PHOENIX_SEE)
    lamp = db.session.execute(sa.select(Category).filter_by(code="laterne-aus")).scalar_one()
    workflow.change_category(report, lamp, make_user("dispatcher"))
    db.session.commit()
    assert report.department.code == "tiefbau-licht"
    assert events(report, "category_changed")[0].data["new"] == "laterne-aus"


def test_moving_the_point_re_runs_district_and_copies(make_report, make_user):
    report = make_report("unsicherer-ort", PHOENIX_SEE)
    assert report.copies == []
    workflow.change_location(report, 51.5233, 7.4817, make_user("dispatcher"))  # Nordstadt
    db.session.commit()
    assert report.district.name == "Innenstadt-Nord"
    assert [c.department.code for c in report.copies] == ["qm-nordstadt"]
    with pytest.raises(WorkflowError):
        workflow.change_location(report, 51.4785, 7.2228, make_user("dispatcher"))  # Bochum


def test_moderation_hides_or_rewrites_the_public_description(make_report, make_user):
    report = make_report(description="Herr Müller aus Nr. 5 wirft Müll hin")
    worker = make_user("caseworker", ("edg",))
    assert report.public_description == "Herr Müller aus Nr. 5 wirft Müll hin"
    workflow.moderate_description(report, "Jemand wirft Müll hin", False, worker)
    assert report.public_description == "Jemand wirft Müll hin"
    workflow.moderate_description(report, None, True, worker)
    db.session.commit()
    assert report.public_description == ""
    assert report.description == "Herr Müller aus Nr. 5 wirft Müll hin"


def test_unsafe_place_descriptions_are_not_public_until_moderated(make_report):
    report = make_report("unsicherer-ort", description="Hinter der Garage von Nr. 3")
    assert report.public_description == ""


def test_bulk_change_reports_each_refusal_and_applies_the_rest(make_report, make_user):
    a, b, c = make_report(), make_report(), make_report()
    put_in(c, S.REJECTED)
    outcomes = workflow.bulk_change_status([a, b, c], S.IN_PROGRESS, make_user("dispatcher"))
    db.session.commit()
    assert [o.error is None for o in outcomes] == [True, True, False]
    assert (a.status, b.status, c.status) == (S.IN_PROGRESS, S.IN_PROGRESS, S.REJECTED)


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        # Friday 16:00 + 2 working days → Tuesday 16:00 (local time)
        (datetime(2026, 11, 27, 15, 0, tzinfo=UTC), 2, datetime(2026, 12, 1, 15, 0, tzinfo=UTC)),
        # Thursday before Easter 2026: Good Friday and Easter Monday are holidays → Wednesday
        (datetime(2026, 4, 2, 8, 0, tzinfo=UTC), 2, datetime(2026, 4, 8, 8, 0, tzinfo=UTC)),
        # Corpus Christi (Fronleichnam, 4 June 2026) is a holiday in NRW
        (datetime(2026, 6, 3, 8, 0, tzinfo=UTC), 1, datetime(2026, 6, 5, 8, 0, tzinfo=UTC)),
    ],
)
def test_due_dates_count_working_days_with_nrw_holidays(start, days, due):
    assert add_working_days(start, days) == due


def test_intake_sets_the_due_date_of_the_category(make_report):
    litter = make_report("papierkorb-voll")
    other = make_report("sonstiges")
    assert litter.due_at is not None
    assert litter.due_at > litter.created_at
    # Sonstiges: 10 working days, so it can be overdue too
    assert other.due_at is not None and other.due_at > litter.due_at
