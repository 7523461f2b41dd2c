"""The inbox's text search over the open reports reads the active reports' index and keeps
the open ones (migration 0024); it must find exactly what a plain case-insensitive substring
test over the same rows finds, however the reports changed — for the open view and for all
statuses."""

from __future__ import annotations

import random
import re

import pytest
import sqlalchemy as sa

from app.core.enums import OPEN_STATUSES, ReportStatus
from app.extensions import db
from app.inbox.queries import QueueFilter, Scope, queue_page, status_counts
from app.reports.models import Report
from tests.inbox.support import login
from tests.random_changes import change_report

S = ReportStatus
OPEN = tuple(sorted(OPEN_STATUSES))
CLOSED = tuple(s for s in S if s not in OPEN_STATUSES)
STREETS = ["Lindenstraße 7", "Hauptstrasse 3", "LINDENSTRASSE 12", "Am Markt 1", None]
WORDS = ["Papierkorb quillt über", "Säcke 100% voll", "Laterne dunkel", "Straßenschild weg"]
SEARCHES = ["straße", "STRASSE", "Lindenstraße", "lindenstraße 7", "markt", "100%", "über"]
SEARCHES += ["am", "e 7", "quillt", "korb", "zzz"]


def plain(statuses: tuple[ReportStatus, ...], text: str) -> list[str]:
    """References of the reports with one of ``statuses`` whose reference, address or
    description contains ``text``, compared in lower case: the plain ILIKE."""
    needle = text.lower()
    rows = db.session.execute(
        sa.select(Report.reference, Report.address, Report.description).where(
            Report.status.in_([s.value for s in statuses])
        )
    )
    return sorted(
        reference
        for reference, address, description in rows
        if any(needle in (value or "").lower() for value in (reference, address, description))
    )


def searched(user, statuses: tuple[ReportStatus, ...], text: str) -> list[str]:
    f = QueueFilter(scope=Scope.ALL, statuses=statuses, text=text)
    page = queue_page(user, f, page_size=500)
    assert page.next_cursor is None
    return sorted(r.reference for r in page.reports)


def test_open_and_all_status_searches_equal_a_plain_substring_test_after_random_changes(
    app_ctx, make_user, make_report
):
    rng = random.Random(20)  # noqa: S311 (a repeatable sequence, no secret)
    dispatcher = make_user("dispatcher")
    made: list[Report] = []
    actions = {"intake": 0, "status": 0, "sql status": 0, "text": 0, "delete": 0}
    for step in range(90):
        action = rng.choice(["intake", *actions]) if len(made) > 3 else "intake"
        if action == "intake":
            made.append(
                make_report(
                    rng.choice(["papierkorb-voll", "laterne-aus"]),
                    description=rng.choice(WORDS),
                    address=rng.choice(STREETS),
                )
            )
        else:
            report = rng.choice(made)
            if action == "text":  # texts changed by hand, open or closed
                db.session.execute(
                    sa.update(Report)
                    .where(Report.id == report.id)
                    .values(description=rng.choice(WORDS), address=rng.choice(STREETS))
                )
            elif not change_report(action, report, made, rng, dispatcher):
                continue
            db.session.commit()
            db.session.expire_all()
        actions[action] += 1
        if step % 30 == 29:
            for text in SEARCHES:
                assert searched(dispatcher, OPEN, text) == plain(OPEN, text), text
    assert all(actions.values()), actions
    statuses = {r.status for r in made}
    assert statuses & OPEN_STATUSES and statuses - OPEN_STATUSES  # both kinds to tell apart
    every = tuple(S)
    for text in SEARCHES:
        assert searched(dispatcher, OPEN, text) == plain(OPEN, text), text
        assert searched(dispatcher, (), text) == plain(every, text), text
        assert searched(dispatcher, CLOSED, text) == plain(CLOSED, text), text
        for status in (S.NEW, S.IN_PROGRESS, S.RESOLVED):
            assert searched(dispatcher, (status,), text) == plain((status,), text), text
    # The searches found open and closed reports alike.
    assert sum(bool(plain(OPEN, t) and plain(CLOSED, t)) for t in SEARCHES) >= 3


@pytest.fixture
def mixed(make_report):
    """Two "Lindenstraße" reports, one open and one resolved, and a third without."""
    open_one = make_report(description="Papierkorb voll", address="Lindenstraße 7")
    closed = make_report(description="Laterne dunkel", address="Lindenstraße 9")
    make_report(description="Säcke", address="Am Markt 1")
    db.session.execute(
        sa.update(Report).where(Report.id == closed.id).values(status=S.RESOLVED.value)
    )
    db.session.commit()
    return open_one, closed


def test_a_search_within_the_open_statuses_counts_the_open_reports_it_finds(
    app_ctx, make_user, mixed
):
    open_one, _closed = mixed
    dispatcher = make_user("dispatcher")
    everything = QueueFilter(scope=Scope.ALL, text="straße")
    assert status_counts(dispatcher, everything) == {S.NEW: 1, S.RESOLVED: 1}
    only_open = QueueFilter(scope=Scope.ALL, text="straße", statuses=OPEN)
    assert status_counts(dispatcher, only_open) == {S.NEW: 1}
    assert [r.reference for r in queue_page(dispatcher, only_open).reports] == [open_one.reference]


def test_the_queue_page_finds_an_open_report_by_street_in_the_open_view(client, make_user, mixed):
    open_one, closed = mixed
    login(client, make_user("dispatcher"))
    query = {"scope": "all", "q": "straße", "status": [s.value for s in OPEN]}
    page = client.get("/inbox/", query_string=query).get_data(as_text=True)
    assert open_one.reference in page and closed.reference not in page
    # The open reports are counted per status; "All" has no count (the closed are not counted).
    counts = dict(
        re.findall(r'class="status-(\w+)[^"]*">[^<]+<span class="count">(\d+)</span>', page)
    )
    assert counts == {s.value: "1" if s == S.NEW else "0" for s in OPEN}
    assert re.search(r'>All <span class="count">|>Alle <span class="count">', page) is None
    page = client.get("/inbox/", query_string={"scope": "all", "q": "straße"}).get_data(
        as_text=True
    )
    assert open_one.reference in page and closed.reference in page
    assert re.search(r'>(All|Alle) <span class="count">2</span>', page)  # both
