"""The queue query: scopes, filters, keyset pages, counts per status."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.db import utcnow
from app.core.enums import ReportStatus
from app.extensions import db
from app.inbox.queries import QueueFilter, Scope, next_filter, queue_page
from app.reports.models import Report
from app.statistics.months import city_timezone, local_date

S = ReportStatus


def refs(page):
    return [r.reference for r in page.reports]


def test_a_caseworker_sees_only_the_queue_of_their_departments(make_report, make_user):
    litter = make_report("papierkorb-voll")
    make_report("laterne-aus")
    nordstadt = make_report("unsicherer-ort", (51.5233, 7.4817))
    edg = make_user("caseworker", ("edg",))
    assert refs(queue_page(edg, QueueFilter())) == [litter.reference]
    # Asking for "all" or "triage" does not widen a caseworker's view.
    assert refs(queue_page(edg, QueueFilter(scope=Scope.ALL))) == [litter.reference]
    qm = make_user("caseworker", ("qm-nordstadt",))
    assert refs(queue_page(qm, QueueFilter())) == []
    assert refs(queue_page(qm, QueueFilter(scope=Scope.COPIES))) == [nordstadt.reference]


def test_triage_holds_what_no_rule_placed(make_report, make_user):
    make_report("papierkorb-voll")
    other = make_report("sonstiges")
    page = queue_page(make_user("dispatcher"), QueueFilter(scope=Scope.TRIAGE))
    assert refs(page) == [other.reference]


def test_filters_combine(make_report, make_user):
    a = make_report("papierkorb-voll", description="Überquellender Korb am Markt")
    b = make_report("wilder-muell", (51.4886, 7.5126), description="Sofa am See")
    c = make_report("wilder-muell", description="Matratze")
    db.session.execute(sa.update(Report).where(Report.id == c.id).values(status=S.IN_PROGRESS))
    db.session.commit()
    edg = make_user("caseworker", ("edg",))
    dumping = db.session.execute(sa.select(Category.id).filter_by(code="wilder-muell")).scalar_one()
    assert refs(queue_page(edg, QueueFilter(category_id=dumping))) == [c.reference, b.reference]
    assert refs(queue_page(edg, QueueFilter(statuses=(S.NEW,)))) == [b.reference, a.reference]
    assert refs(queue_page(edg, QueueFilter(district_id=b.district_id))) == [b.reference]
    assert refs(queue_page(edg, QueueFilter(text="sofa"))) == [b.reference]
    assert refs(queue_page(edg, QueueFilter(text=a.reference.lower()))) == [a.reference]
    assert refs(queue_page(edg, QueueFilter(text="100%"))) == []
    # The filter's days are the city's: a report made just before midnight UTC is on the
    # next local day.
    today = local_date(a.created_at, city_timezone())
    assert len(queue_page(edg, QueueFilter(date_from=today, date_to=today)).reports) == 3
    assert queue_page(edg, QueueFilter(date_to=today - timedelta(days=1))).reports == []
    page = queue_page(edg, QueueFilter(statuses=(S.NEW,)))
    assert page.counts == {S.NEW: 2, S.IN_PROGRESS: 1}
    assert page.total == 2


def test_overdue_filter(make_report, make_user):
    late = make_report()
    make_report()
    db.session.execute(
        sa.update(Report).where(Report.id == late.id).values(due_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    edg = make_user("caseworker", ("edg",))
    assert refs(queue_page(edg, QueueFilter(overdue=True))) == [late.reference]


def test_keyset_pages_cover_everything_once_in_both_orders(make_report, make_user):
    made = [make_report().reference for _ in range(7)]
    edg = make_user("caseworker", ("edg",))
    for newest_first, expected in ((True, made[::-1]), (False, made)):
        seen, f = [], QueueFilter(newest_first=newest_first)
        while True:
            page = queue_page(edg, f, page_size=3)
            seen += refs(page)
            if page.next_cursor is None:
                break
            f = next_filter(f, page.next_cursor)
        assert seen == expected
    # A mangled cursor starts again at the first page instead of failing.
    assert refs(queue_page(edg, QueueFilter(cursor="%%%"), page_size=3)) == made[::-1][:3]
