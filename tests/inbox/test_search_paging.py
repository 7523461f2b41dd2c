"""A text search covers the active reports (open, and closed ones not archived) by default and the
whole history when it asks for the archive too. With the archive over all statuses it reads no
more than its page needs: it counts the reports it finds up to a cap ("more than 1,000") and
pages through the newest reports window by window. Here the cap and the windows are made small,
so a few dozen reports, some of them archived, go through every path: the pages walked one
after the other give exactly what a plain substring test over the same reports gives (the
active ones, or all of them with the archive), in the queue's order — nothing skipped, nothing
twice — on SQLite and PostgreSQL."""

from __future__ import annotations

import random
import re
from dataclasses import replace
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.extensions import db
from app.forwarding.jobs import archive_closed_reports
from app.inbox import queries
from app.inbox.queries import QueueFilter, Scope, queue_page
from app.reports.models import Report
from tests.inbox.support import login

S = ReportStatus
ADDRESSES = ["Lindenstraße 7", "Lindenstraße 12", "LINDENSTRASSE 3", "Am Markt 1", None]
DESCRIPTIONS = ["Papierkorb quillt über", "Laterne dunkel", "Straßenschild weg"]


@pytest.fixture
def history(make_report):
    """40 reports whose received times are not in the order of their ids (as after an import),
    with two pairs received at the same instant, in open and closed statuses; about half of
    the closed ones closed long enough ago to be archived (by the worker's job)."""
    rng = random.Random(42)  # noqa: S311 (a repeatable sequence, no secret)
    now = utcnow()
    made = []
    for n in range(40):
        report = make_report(
            rng.choice(["papierkorb-voll", "laterne-aus"]),
            address=rng.choice(ADDRESSES),
            description=rng.choice(DESCRIPTIONS),
        )
        made.append(report)
        received = now - timedelta(hours=rng.randrange(1, 2000))
        if n in (11, 23):  # same instant as the report before
            received = made[n - 1].created_at
        status = rng.choice(list(S))
        closed = None if status in OPEN_STATUSES else now - timedelta(days=rng.choice([5, 200]))
        db.session.execute(
            sa.update(Report)
            .where(Report.id == report.id)
            .values(created_at=received, status=status.value, closed_at=closed)
        )
    db.session.commit()
    assert archive_closed_reports() > 0
    db.session.expire_all()
    return made


def plain(text: str, statuses=(), newest_first: bool = True, archive: bool = True) -> list[str]:
    """The references a plain case-insensitive substring test finds (among the active reports
    only without ``archive``), in the queue's order."""
    needle = text.lower()
    rows = db.session.execute(
        sa.select(
            Report.reference,
            Report.address,
            Report.description,
            Report.status,
            Report.created_at,
            Report.id,
        ).where(sa.true() if archive else Report.archived_at.is_(None))
    ).all()
    hits = [
        row
        for row in rows
        if any(needle in (v or "").lower() for v in (row.reference, row.address, row.description))
        and (not statuses or S(row.status) in statuses)
    ]
    hits.sort(key=lambda row: (row.created_at, row.id), reverse=newest_first)
    return [row.reference for row in hits]


def walked(user, f: QueueFilter, page_size: int = 3) -> list[str]:
    """Every page of the filter, one after the other, through the cursor of each."""
    seen: list[str] = []
    while True:
        page = queue_page(user, f, page_size=page_size)
        assert len(page.reports) <= page_size
        seen += [r.reference for r in page.reports]
        if page.next_cursor is None:
            return seen
        assert len(page.reports) == page_size  # a next page only after a full one
        f = queries.next_filter(f, page.next_cursor)


@pytest.fixture
def small_cap(monkeypatch):
    """Cap 5, windows of 4, 16 and then the rest of the history."""
    monkeypatch.setattr(queries, "SEARCH_CAP", 5)
    monkeypatch.setattr(queries, "SEARCH_WINDOW", 4)
    monkeypatch.setattr(queries, "SEARCH_WINDOW_MAX", 16)


@pytest.mark.parametrize(
    ("archive", "capped"),
    [(True, True), (True, False), (False, True), (False, False)],
    ids=[
        "archive, more than the cap",
        "archive, all counted",
        "active, small cap",
        "active, large cap",
    ],
)
def test_pages_of_a_search_over_all_statuses_continue_where_the_last_stopped(
    app_ctx, make_user, history, monkeypatch, archive, capped
):
    if capped:
        monkeypatch.setattr(queries, "SEARCH_CAP", 5)
        monkeypatch.setattr(queries, "SEARCH_WINDOW", 4)
        monkeypatch.setattr(queries, "SEARCH_WINDOW_MAX", 16)
    dispatcher = make_user("dispatcher")
    texts = ["straße", "STRASSE", "Lindenstraße 7", "über", "korb", "zzz", "ße", "BM"]
    assert len(plain("straße")) > 5 and len(plain("zzz")) == 0  # both sides of the cap
    # Some reports the search finds are archived: the default leaves them out.
    assert len(plain("straße", archive=False)) < len(plain("straße"))
    for text in texts:
        for newest_first in (True, False):
            f = QueueFilter(scope=Scope.ALL, text=text, newest_first=newest_first, archive=archive)
            expected = plain(text, newest_first=newest_first, archive=archive)
            assert walked(dispatcher, f) == expected, text
        for statuses in ((S.RESOLVED,), (S.NEW, S.REJECTED), tuple(OPEN_STATUSES)):
            f = QueueFilter(scope=Scope.ALL, text=text, statuses=statuses, archive=archive)
            assert walked(dispatcher, f) == plain(text, statuses, archive=archive), (
                text,
                statuses,
            )
    # A caseworker's search stays within the department's queue.
    caseworker = make_user("caseworker", ("edg",))
    edg = {r.reference for r in history if r.department and r.department.code == "edg"}
    found = walked(caseworker, QueueFilter(text="straße", archive=archive))
    assert found == [ref for ref in plain("straße", archive=archive) if ref in edg] and found


def test_a_search_of_the_active_reports_counts_them_exactly(app_ctx, make_user, history, small_cap):
    """The active reports are few (the backlog and the last months): counted without a cap."""
    dispatcher = make_user("dispatcher")
    found = plain("straße", archive=False)
    assert len(found) > 5
    page = queue_page(dispatcher, QueueFilter(scope=Scope.ALL, text="straße"), page_size=3)
    assert not page.capped and page.total == len(found)
    assert page.counts == {
        s: len(plain("straße", (s,), archive=False))
        for s in S
        if plain("straße", (s,), archive=False)
    }
    assert page.searched == "active"


def test_a_search_finding_more_than_the_cap_counts_up_to_it(
    app_ctx, make_user, history, small_cap, monkeypatch
):
    dispatcher = make_user("dispatcher")
    found = plain("straße")
    assert len(found) > 5
    page = queue_page(
        dispatcher, QueueFilter(scope=Scope.ALL, text="straße", archive=True), page_size=3
    )
    assert page.capped and page.total == 6  # "more than 5"
    assert page.searched == "archive"
    # The open statuses are counted exactly (from the open reports' index), the closed not.
    open_found = {s: len(plain("straße", (s,))) for s in OPEN_STATUSES}
    assert page.counts == {s: n for s, n in open_found.items() if n}
    assert [r.reference for r in page.reports] == found[:3]
    # A search that finds no more than the cap counts every status exactly.
    few = plain("Lindenstraße 7")
    monkeypatch.setattr(queries, "SEARCH_CAP", len(few))
    page = queue_page(dispatcher, QueueFilter(scope=Scope.ALL, text="Lindenstraße 7", archive=True))
    assert not page.capped and page.total == len(few)
    assert page.counts == {
        s: len(plain("Lindenstraße 7", (s,))) for s in S if plain("Lindenstraße 7", (s,))
    }


def test_the_queue_page_says_more_than_the_cap(client, make_user, history, small_cap, monkeypatch):
    login(client, make_user("dispatcher"))
    html = client.get(
        "/inbox/", query_string={"scope": "all", "q": "straße", "archiv": "1"}
    ).get_data(as_text=True)
    assert re.search(r">(All|Alle) <span class=\"count\">(more than|mehr als) 5</span>", html)
    assert re.search(
        r"(Reports matching this filter|Meldungen zu diesem Filter): (more than|mehr als) 5", html
    )
    assert 'id="search-capped"' in html
    counted = dict(
        re.findall(r'class="status-(\w+)[^"]*">[^<]+<span class="count">([^<]+)</span>', html)
    )
    # Only open statuses carry a count; the closed ones are links without one.
    assert set(counted) <= {s.value for s in OPEN_STATUSES}
    assert 'class="status-resolved' in html
    total = len(plain("Lindenstraße 7"))
    monkeypatch.setattr(queries, "SEARCH_CAP", total)  # all of them counted
    html = client.get(
        "/inbox/", query_string={"scope": "all", "q": "Lindenstraße 7", "archiv": "1"}
    ).get_data(as_text=True)
    assert re.search(rf">(All|Alle) <span class=\"count\">{total}</span>", html)
    assert 'id="search-capped"' not in html


@pytest.mark.parametrize("capped", [True, False], ids=["more than the cap", "all counted"])
def test_a_search_with_the_archive_keeps_the_queues_other_filters(
    app_ctx, make_user, history, monkeypatch, capped
):
    """The reports found through the whole history's index pass the queue's other filters
    after the index (the copies a department was sent, a category, a district): the same
    reports as the plain test of each, whether they are counted or more than the cap."""
    from app.catalogue.models import Category
    from app.reports.models import ReportCopy
    from app.routing.models import Department

    if capped:
        monkeypatch.setattr(queries, "SEARCH_CAP", 3)
        monkeypatch.setattr(queries, "SEARCH_WINDOW", 4)
        monkeypatch.setattr(queries, "SEARCH_WINDOW_MAX", 16)
    edg = db.session.execute(sa.select(Department).filter_by(code="edg")).scalar_one()
    copied = history[::3]
    for report in copied:
        db.session.add(ReportCopy(report_id=report.id, department_id=edg.id))
    db.session.commit()
    laterne = db.session.execute(sa.select(Category).filter_by(code="laterne-aus")).scalar_one()
    district = history[0].district_id
    assert district is not None

    def of(reports) -> set[str]:
        return {r.reference for r in reports}

    caseworker = make_user("caseworker", ("edg",))
    dispatcher = make_user("dispatcher")
    cases = [
        (caseworker, QueueFilter(scope=Scope.COPIES), of(copied)),
        (
            dispatcher,
            QueueFilter(scope=Scope.ALL, category_id=laterne.id),
            of(r for r in history if r.category_id == laterne.id),
        ),
        (
            dispatcher,
            QueueFilter(scope=Scope.ALL, district_id=district),
            of(r for r in history if r.district_id == district),
        ),
    ]
    for user, f, kept in cases:
        for text in ("straße", "Lindenstraße 7"):
            expected = [ref for ref in plain(text) if ref in kept]
            searched = replace(f, text=text, archive=True)
            assert walked(user, searched) == expected, (f, text)
            page = queue_page(user, searched)
            assert page.total == (
                len(expected) if len(expected) <= queries.SEARCH_CAP else queries.SEARCH_CAP + 1
            ), (f, text)


def test_a_text_found_often_among_the_newest_reports_passes_the_cap_as_they_are_read(
    app_ctx, make_user, make_report, small_cap, monkeypatch
):
    """On PostgreSQL the newest reports, read in order, prove "more than the cap" for a text
    they hold often, without the whole history's index; a text they hold rarely, or one they
    hold often but not beyond the cap, is counted through the index. The counts are the plain
    test's either way, on both databases."""
    now = utcnow()
    # 30 reports, one an hour: "Quellweg" in the 12 newest, "Bergweg" in the 10 oldest,
    # "Talweg" in the 3 newest only.
    for n in range(30):
        address = "Quellweg 1" if n < 12 else "Bergweg 2" if n >= 20 else "Am Markt 1"
        report = make_report(
            "papierkorb-voll", address=address, description="Talweg" if n < 3 else "voll"
        )
        db.session.execute(
            sa.update(Report)
            .where(Report.id == report.id)
            .values(created_at=now - timedelta(hours=n))
        )
    db.session.commit()
    asked: list[str] = []
    real = queries.found_sample

    def counted(query, text, limit):
        asked.append(text)
        return real(query, text, limit)

    monkeypatch.setattr(queries, "found_sample", counted)
    dispatcher = make_user("dispatcher")
    for text, capped in (("Quellweg", True), ("Bergweg", True), ("Talweg", False)):
        page = queue_page(dispatcher, QueueFilter(scope=Scope.ALL, text=text, archive=True))
        found = plain(text)
        assert len(found) == {"Quellweg": 12, "Bergweg": 10, "Talweg": 3}[text]
        assert page.capped == capped, text
        assert page.total == (6 if capped else len(found)), text  # "more than 5"
        assert [r.reference for r in page.reports] == found[: len(page.reports)], text
    postgres = db.engine.dialect.name == "postgresql"
    assert asked == (["Bergweg", "Talweg"] if postgres else ["Quellweg", "Bergweg", "Talweg"])
