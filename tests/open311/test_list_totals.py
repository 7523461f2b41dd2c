"""X-Total-Count is the number of requests the filter finds, whichever way it is counted: from
the inbox's counters (service codes, open or closed) or from the reports (dates, a box)."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import ReportStatus
from app.extensions import db
from app.open311 import queries
from tests.open311.conftest import API
from tests.open311.test_requests import make_report

PAGE = 2
FOUR_DAYS_AGO = "four and a half days ago"  # made when the test runs


def walk(client, **params) -> tuple[list[str], set[str]]:
    """Every request on every page, and the totals the pages said."""
    found: list[str] = []
    totals: set[str] = set()
    page = 1
    while True:
        response = client.get(
            f"{API}/requests.json", query_string={**params, "page": page, "page_size": PAGE}
        )
        assert response.status_code == 200, response.data
        items = response.get_json()
        found += [item["service_request_id"] for item in items]
        totals.add(response.headers.get("X-Total-Count", "none"))
        if len(items) < PAGE:
            return found, totals
        page += 1


@pytest.fixture
def mixed(app_ctx):
    """Seven reports of two categories, some closed, received over a week."""
    made = [
        make_report("papierkorb-voll", days_ago=7),
        make_report("papierkorb-voll", days_ago=6, status=ReportStatus.RESOLVED),
        make_report("wilder-muell", days_ago=5),
        make_report("wilder-muell", days_ago=4, status=ReportStatus.REJECTED),
        make_report("papierkorb-voll", days_ago=3, status=ReportStatus.IN_PROGRESS),
        make_report("wilder-muell", days_ago=2),
        make_report("papierkorb-voll", days_ago=1),
    ]
    return made


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "open"},
        {"status": "closed"},
        {"service_code": "papierkorb-voll"},
        {"service_code": "wilder-muell", "status": "open"},
        {"service_code": "papierkorb-voll,wilder-muell", "status": "closed"},
        {"service_code": "papierkorb-voll", "start_date": FOUR_DAYS_AGO},
        {"status": "open", "start_date": FOUR_DAYS_AGO},
        {"start_date": FOUR_DAYS_AGO},
    ],
)
def test_every_page_says_how_many_the_filter_finds(client, mixed, params):
    if params.get("start_date") == FOUR_DAYS_AGO:
        params = {**params, "start_date": (utcnow() - timedelta(days=4.5)).isoformat()}
    found, totals = walk(client, **params)
    assert totals == {str(len(found))}
    assert len(found) == len(set(found)) > 0


def test_the_counted_total_follows_a_status_change(client, mixed):
    before, _ = walk(client, status="open")
    mixed[0].status = ReportStatus.RESOLVED
    db.session.commit()
    after, totals = walk(client, status="open")
    assert len(after) == len(before) - 1 and totals == {str(len(after))}


def test_a_counted_total_above_the_cap_is_left_out(client, mixed, monkeypatch):
    monkeypatch.setattr(queries, "TOTAL_COUNT_CAP", 3)
    first = client.get(f"{API}/requests.json", query_string={"page_size": PAGE, "status": "open"})
    assert "X-Total-Count" not in first.headers


# What ``ANALYZE`` wrote for the counters at a million reports over ten years: some 50 rows
# a day. With it, SQLite would look the category up in every day of the history.
MILLION_REPORTS_STATISTICS = "186281 50 3 1"


def test_a_services_total_reads_the_windows_days_only(client, mixed, tmp_path):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's planner")
    sent: list[tuple[str, Any]] = []

    def keep(_conn, _cursor, statement, parameters, _context, _executemany):
        sent.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", keep)
    try:
        response = client.get(
            f"{API}/requests.json",
            query_string={"service_code": "papierkorb-voll", "status": "open", "page_size": PAGE},
        )
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", keep)
    assert response.status_code == 200 and response.headers["X-Total-Count"] == "3"
    (statement, parameters), *_ = [s for s in sent if "report_day_count" in s[0]]
    # The planner's choice on a copy of the database with those statistics.
    copy = tmp_path / "analysed.sqlite"
    with sqlite3.connect(db.engine.url.database) as source, sqlite3.connect(copy) as target:
        source.backup(target)
        target.execute("ANALYZE")
        target.execute("DELETE FROM sqlite_stat1 WHERE tbl = 'report_day_count'")
        target.execute(
            "INSERT INTO sqlite_stat1 VALUES"
            " ('report_day_count', 'sqlite_autoindex_report_day_count_1', ?)",
            (MILLION_REPORTS_STATISTICS,),
        )
    with closing(sqlite3.connect(copy)) as analysed:  # the statistics are read on opening
        plan = [row[3] for row in analysed.execute(f"EXPLAIN QUERY PLAN {statement}", parameters)]
    counters = [step for step in plan if "report_day_count" in step]
    assert counters and all("(day>?)" in step for step in counters), plan
