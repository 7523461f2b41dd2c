"""Open311 ``GET requests`` at a million reports, each figure the 95th percentile of
``ROUNDS`` requests through the WSGI app (routing, parameters, the queries, the public view,
JSON): the default list and a filtered list, each built anew (the process's kept answers are
dropped before every request); the default list asked again (answered from the kept answer);
and a 304 revalidation. Beside each, a reference doing the same work in raw SQL with
``json.dumps``: the same page query (with the joins the answer's names need), the page's
public events and supporter counts, the total counted up to the same cap — and for the
revalidation the aggregates the ETag is made from. Measured on the database filled by
``benchmarks.inbox`` (SQLite and PostgreSQL). The target is a p95 of 50 ms.
"""

from __future__ import annotations

import json
import os
from typing import Any

import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES
from app.extensions import db
from app.open311 import caching
from app.open311.filters import MAX_RANGE
from app.open311.params import DEFAULT_PAGE_SIZE, TOTAL_COUNT_CAP
from benchmarks.common import line
from benchmarks.inbox import scale_label
from benchmarks.public_map import p95_side_by_side

ROUNDS = int(os.environ.get("BENCH_OPEN311_ROUNDS", "40"))
TARGET = 0.050
API = "/open311/v2/requests.json"
FILTER_CATEGORY = "papierkorb-voll"

RAW_PAGE = """
SELECT report.id, report.reference, report.status, report.description_moderated,
  report.is_description_hidden, report.address, report.zipcode, report.public_lat,
  report.public_lon, report.created_at, report.updated_at, report.closed_at, report.due_at,
  category.code, category.names, category_group.names, district.name, department.name
FROM report
JOIN category ON category.id = report.category_id
JOIN category_group ON category_group.id = category.group_id
LEFT JOIN district ON district.id = report.district_id
LEFT JOIN department ON department.id = report.department_id
WHERE report.created_at >= :start {extra}
ORDER BY report.created_at DESC, report.id DESC
LIMIT :limit
"""
RAW_COUNT = """
SELECT count(*) FROM (
  SELECT 1 FROM report WHERE report.created_at >= :start {extra} LIMIT :cap
) AS m
"""
RAW_EVENTS = """
SELECT report_id, created_at, kind, public_note FROM report_event
WHERE is_public AND report_id IN ({ids}) ORDER BY created_at, id
"""
RAW_SUPPORTERS = """
SELECT report_id, count(*) FROM report_supporter WHERE report_id IN ({ids}) GROUP BY report_id
"""
RAW_STATE = """
SELECT (SELECT max(id) FROM report), (SELECT max(updated_at) FROM report),
  (SELECT max(id) FROM report_event), (SELECT version FROM city_state WHERE id = 1)
"""


def _raw_list(start, extra: str, params: dict[str, Any]):
    """The list's work in raw SQL: page, events, supporters, capped count, JSON."""
    page_sql = sa.text(RAW_PAGE.format(extra=extra))
    count_sql = sa.text(RAW_COUNT.format(extra=extra))

    def run() -> None:
        with db.engine.connect() as conn:
            bound = {"start": start, **params}
            rows = conn.execute(page_sql, {**bound, "limit": DEFAULT_PAGE_SIZE + 1}).all()
            ids = ",".join(str(row[0]) for row in rows) or "0"
            events = conn.execute(sa.text(RAW_EVENTS.format(ids=ids))).all()
            supporters = dict(conn.execute(sa.text(RAW_SUPPORTERS.format(ids=ids))).all())
            total = None
            if len(rows) > DEFAULT_PAGE_SIZE:
                total = conn.execute(count_sql, {**bound, "cap": TOTAL_COUNT_CAP + 1}).scalar()
        by_report: dict[int, list[Any]] = {}
        for event in events:
            by_report.setdefault(event[0], []).append(event)
        body = [
            {
                "service_request_id": row[1],
                "status": row[2],
                "description": None if row[4] else row[3],
                "address": row[5],
                "zipcode": row[6],
                "lat": row[7],
                "long": row[8],
                "requested_datetime": str(row[9]),
                "updated_datetime": str(row[10]),
                "service_code": row[13],
                "service_name": row[14],
                "agency_responsible": row[17],
                "notes": [str(e[3]) for e in by_report.get(row[0], [])],
                "supporters": supporters.get(row[0], 0),
                "total": total,
            }
            for row in rows[:DEFAULT_PAGE_SIZE]
        ]
        json.dumps(body, default=str)

    return run


def _raw_revalidation():
    def run() -> None:
        with db.engine.connect() as conn:
            conn.execute(sa.text(RAW_STATE)).one()

    return run


def _ours(
    client,
    query: dict[str, str],
    headers: dict[str, str] | None = None,
    *,
    status: int = 200,
    built: bool = True,
):
    def run() -> None:
        if built:
            with client.application.app_context():
                caching.forget_answers()
        response = client.get(API, query_string=query, headers=headers or {})
        assert response.status_code == status, response.get_data(as_text=True)[:300]

    return run


def _report(name: str, ours: float, raw: float) -> None:
    line(
        f"{name}, {scale_label()}",
        f"p95 {ours * 1000:.1f} ms",
        f"{TARGET * 1000:.0f} ms; raw SQL + json p95 {raw * 1000:.1f} ms",
        "ok" if ours <= TARGET else "SLOWER",
    )


def requests_list(app, label: str = "SQLite") -> None:
    """p95 of the default list, a filtered list and a 304 revalidation, beside raw SQL."""
    client = app.test_client()
    with app.app_context():
        hour = utcnow().replace(minute=0, second=0, microsecond=0)
        start = hour - MAX_RANGE
        category_id = db.session.execute(
            sa.text("SELECT id FROM category WHERE code = :code"), {"code": FILTER_CATEGORY}
        ).scalar_one()
        open_list = ",".join(f"'{status.value}'" for status in sorted(OPEN_STATUSES))
        filtered_sql = f"AND report.category_id = :category AND report.status IN ({open_list})"

        first = client.get(API)
        assert first.status_code == 200, first.get_data(as_text=True)[:300]
        assert len(first.get_json()) == DEFAULT_PAGE_SIZE
        tag = first.headers["ETag"]

        raw_default = _raw_list(start, "", {})
        t_default, r_default = p95_side_by_side(_ours(client, {}), raw_default)
        _report(f"Open311 list, default ({label})", t_default, r_default)
        t_again, r_again = p95_side_by_side(_ours(client, {}, built=False), raw_default)
        _report(f"Open311 list, default, asked again ({label})", t_again, r_again)
        t_filtered, r_filtered = p95_side_by_side(
            _ours(client, {"status": "open", "service_code": FILTER_CATEGORY}),
            _raw_list(start, filtered_sql, {"category": category_id}),
        )
        _report(f"Open311 list, open of one service ({label})", t_filtered, r_filtered)
        t_304, r_304 = p95_side_by_side(
            _ours(client, {}, {"If-None-Match": tag}, status=304, built=False),
            _raw_revalidation(),
        )
        _report(f"Open311 list, 304 revalidation ({label})", t_304, r_304)
        total = first.headers.get("X-Total-Count", f"more than {TOTAL_COUNT_CAP:,}")
        print(f"  ({total} requests in the default window since {start:%Y-%m-%d %H:%M})")
