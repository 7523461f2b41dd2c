"""The inbox's first page with filters at a million reports, beside the same query in raw SQL
(and the counts per status beside theirs), on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import random
import time
from datetime import timedelta

import sqlalchemy as sa

from app.auth.models import Role
from app.auth.services import create_user
from app.catalogue.models import Category
from app.core.db import utcnow
from app.core.enums import Channel, LocationSource, ReportStatus
from app.extensions import db
from app.geo.models import District
from app.inbox.queries import QueueFilter, queue_page
from app.reports.models import Report
from app.reports.public_point import public_point_of
from app.routing.models import Department
from app.routing.service import route
from benchmarks.common import best_of, line
from benchmarks.setup import bench_app

REPORTS = int(os.environ.get("BENCH_INBOX_REPORTS", "1000000"))
BATCH = 20_000
STATUS_WEIGHTS = {
    ReportStatus.NEW: 5,
    ReportStatus.IN_REVIEW: 2,
    ReportStatus.IN_PROGRESS: 5,
    ReportStatus.FORWARDED: 5,
    ReportStatus.RESOLVED: 70,
    ReportStatus.NOT_RESOLVABLE: 3,
    ReportStatus.DUPLICATE: 5,
    ReportStatus.REJECTED: 4,
    ReportStatus.REOPENED: 1,
}


def _fill(count: int) -> None:
    """``count`` reports spread over three years, routed as the rules say."""
    rng = random.Random(1)
    categories = db.session.execute(sa.select(Category)).scalars().all()
    districts = db.session.execute(sa.select(District)).scalars().all()
    departments = {d.code: d.id for d in db.session.execute(sa.select(Department)).scalars()}
    routes = {}
    for category in categories:
        for district in districts:
            decision = route(
                category,
                district.number,
                district.name,
                {"reasons": ["deserted"], "time_of_day": "night"},
            )
            dept = decision.assignment.department_code if decision.assignment else None
            routes[category.id, district.id] = departments.get(dept)
    statuses = list(STATUS_WEIGHTS)
    weights = list(STATUS_WEIGHTS.values())
    now = utcnow()
    span = int(timedelta(days=3 * 365).total_seconds())
    table = Report.__table__
    for start in range(0, count, BATCH):
        rows = []
        for i in range(start, min(start + BATCH, count)):
            category = rng.choice(categories)
            district = rng.choice(districts)
            created = now - timedelta(seconds=rng.randrange(span))
            lat, lon = 51.5 + rng.random() / 10, 7.4 + rng.random() / 10
            public_lat, public_lon = public_point_of(lat, lon, sensitive=category.is_sensitive)
            rows.append(
                {
                    "reference": f"BM-{i:07d}",
                    "category_id": category.id,
                    "status": rng.choices(statuses, weights)[0].value,
                    "description": "Bench report",
                    "attributes": {},
                    "lat": lat,
                    "lon": lon,
                    "public_lat": public_lat,
                    "public_lon": public_lon,
                    "location_source": LocationSource.MAP.value,
                    "district_id": district.id,
                    "department_id": routes[category.id, district.id],
                    "routing_reason": {},
                    "channel": Channel.WEB.value,
                    "locale": "de",
                    "created_at": created,
                    "updated_at": created,
                    "due_at": created + timedelta(days=14),
                    "version": 1,
                    "is_description_hidden": False,
                }
            )
        db.session.execute(table.insert(), rows)
        db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))


RAW_PAGE = """
SELECT report.*, category.code, category.names, district.name, department.name
FROM report
JOIN category ON category.id = report.category_id
LEFT JOIN district ON district.id = report.district_id
LEFT JOIN department ON department.id = report.department_id
WHERE report.department_id IN ({depts}) AND report.status IN ('new', 'in_progress')
  AND report.category_id = {category}
ORDER BY report.created_at DESC, report.id DESC
LIMIT 51
"""
RAW_COUNTS = """
SELECT report.status, count(report.id) FROM report
WHERE report.department_id IN ({depts}) AND report.category_id = {category}
GROUP BY report.status
"""


def filled_app(database_url: str | None = None, label: str = "SQLite"):
    """An app on a fresh database holding ``REPORTS`` reports (a million by default); the
    figures at city scale (inbox, public map, statistics) are measured on it."""
    app = bench_app(database_url)
    with app.app_context():
        started = time.perf_counter()
        _fill(REPORTS)
        fill_seconds = time.perf_counter() - started
    print(f"  ({label}: {REPORTS:,} reports inserted in {fill_seconds:.0f} s)")
    return app


def scale_label() -> str:
    return f"{REPORTS / 1e6:g}M" if REPORTS >= 1e6 else f"{REPORTS // 1000}k"


def inbox_first_page(app, label: str = "SQLite") -> None:
    with app.app_context():
        user = create_user(
            "bench@example.invalid", "Bench", "a long bench password", Role.CASEWORKER, ["edg"]
        )
        db.session.commit()
        category = db.session.execute(
            sa.select(Category.id).filter_by(code="papierkorb-voll")
        ).scalar_one()
        depts = ",".join(str(i) for i in sorted(user.department_ids))
        f = QueueFilter(statuses=(ReportStatus.NEW, ReportStatus.IN_PROGRESS), category_id=category)

        def ours_page():
            page = queue_page(user, f, with_counts=False)
            assert len(page.reports) == 50
            db.session.expunge_all()

        def ours_counts():
            queue_page(user, f, page_size=1, with_counts=True)

        raw_page_sql = RAW_PAGE.format(depts=depts, category=category)
        raw_counts_sql = RAW_COUNTS.format(depts=depts, category=category)

        def raw(sql):
            def run():
                with db.engine.connect() as conn:
                    conn.exec_driver_sql(sql).fetchall()

            return run

        t_page, t_raw_page = best_of(ours_page), best_of(raw(raw_page_sql))
        t_counts, t_raw_counts = best_of(ours_counts), best_of(raw(raw_counts_sql))
    n = scale_label()
    limit = 2 * t_raw_page + 0.005
    line(
        f"inbox first page, filtered, {n} ({label})",
        f"{t_page * 1000:.1f} ms",
        f"raw SQL {t_raw_page * 1000:.1f} ms (×2+5 ms = {limit * 1000:.1f} ms)",
        "ok" if t_page <= limit else "SLOWER",
    )
    limit = 2 * t_raw_counts + 0.005
    line(
        f"inbox counts per status, {n} ({label})",
        f"{t_counts * 1000:.1f} ms",
        f"raw SQL {t_raw_counts * 1000:.1f} ms (×2+5 ms = {limit * 1000:.1f} ms)",
        "ok" if t_counts <= limit else "SLOWER",
    )
