"""The statistics page at a million reports, beside the raw SQL aggregate it replaces, on the
database ``benchmarks.inbox.filled_app`` filled (SQLite and PostgreSQL).

The filled reports get what the statistics count and the bulk insert left out: closing times
for closed reports, answers for unsafe places, lighting-check copies for the dark ones. The
rollup is then rebuilt (``flask statistics rebuild``; its time is printed, it is no figure).

Figures, each the best of ``ROUNDS``: the whole page for the last full year (routing, the five
rollup queries, tables, 13 SVG charts, the template) and its main query (``load_statistics``),
beside one raw SQL aggregate over ``report`` for the same year and the year before — received,
in time, decided and backlog per district and category, without the medians, which SQLite
cannot compute in SQL. The limit is twice the raw SQL's time.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime

import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.db import UTCDateTime
from app.core.enums import ReportStatus, RuleAction
from app.extensions import db
from app.reports.models import Report, ReportCopy
from app.routing.models import RoutingRule
from app.statistics.months import city_timezone, month_bounds
from app.statistics.periods import parse_period
from app.statistics.queries import load_statistics
from app.statistics.rollup import rebuild
from benchmarks.common import best_of, line
from benchmarks.inbox import scale_label

ROUNDS = int(os.environ.get("BENCH_STATISTICS_ROUNDS", "5"))
CLOSED = [s.value for s in ReportStatus if not s.is_open]
ANSWERS = [
    {"time_of_day": "night", "reasons": ["dark", "deserted"]},
    {"time_of_day": "evening", "reasons": ["deserted"]},
    {"time_of_day": "night", "reasons": ["dark"]},
    {"time_of_day": "always", "reasons": ["drugs_alcohol", "neglect"]},
]

RAW = """
SELECT district_id, category_id,
  SUM(CASE WHEN created_at >= :first AND created_at < :end THEN 1 ELSE 0 END),
  SUM(CASE WHEN created_at >= :prev_first AND created_at < :prev_end THEN 1 ELSE 0 END),
  SUM(CASE WHEN created_at >= :first AND created_at < :end AND status = 'resolved'
      AND closed_at <= due_at THEN 1 ELSE 0 END),
  SUM(CASE WHEN created_at >= :prev_first AND created_at < :prev_end AND status = 'resolved'
      AND closed_at <= due_at THEN 1 ELSE 0 END),
  SUM(CASE WHEN created_at >= :first AND created_at < :end AND due_at IS NOT NULL
      AND status NOT IN ('duplicate', 'rejected')
      AND (closed_at IS NOT NULL OR due_at < :now) THEN 1 ELSE 0 END),
  SUM(CASE WHEN created_at >= :prev_first AND created_at < :prev_end AND due_at IS NOT NULL
      AND status NOT IN ('duplicate', 'rejected')
      AND (closed_at IS NOT NULL OR due_at < :now) THEN 1 ELSE 0 END),
  SUM(CASE WHEN closed_at IS NULL OR closed_at >= :end THEN 1 ELSE 0 END),
  SUM(CASE WHEN created_at < :prev_end AND (closed_at IS NULL OR closed_at >= :prev_end)
      THEN 1 ELSE 0 END)
FROM report
WHERE created_at < :end
GROUP BY district_id, category_id
"""


def _complete_the_reports() -> float:
    """What the bulk fill left out; returns the seconds it took."""
    started = time.perf_counter()
    table = Report.__table__
    if db.engine.dialect.name == "postgresql":
        closing = sa.text("created_at + (id % 21) * interval '1 day' + interval '3 hours'")
    else:
        closing = sa.text(
            "strftime('%Y-%m-%d %H:%M:%f', created_at, '+' || (id % 21) || ' days', '+3 hours')"
        )
    db.session.execute(table.update().where(table.c.status.in_(CLOSED)).values(closed_at=closing))
    unsafe = db.session.execute(
        sa.select(Category.id).where(Category.is_sensitive.is_(True))
    ).scalars()
    unsafe_ids = list(unsafe)
    for index, answers in enumerate(ANSWERS):
        db.session.execute(
            table.update()
            .where(table.c.category_id.in_(unsafe_ids), table.c.id % len(ANSWERS) == index)
            .values(attributes=answers)
        )
    rule = db.session.execute(
        sa.select(RoutingRule).where(
            RoutingRule.action == RuleAction.COPY,
            RoutingRule.attribute_code == "reasons",
            RoutingRule.attribute_value == "dark",
        )
    ).scalar_one()
    dark = [i for i, answers in enumerate(ANSWERS) if "dark" in answers["reasons"]]
    db.session.execute(
        sa.insert(ReportCopy.__table__).from_select(
            ["report_id", "department_id", "routing_rule_id", "reason"],
            sa.select(
                table.c.id,
                sa.literal(rule.department_id),
                sa.literal(rule.id),
                sa.cast(sa.literal("{}"), sa.JSON),
            ).where(table.c.category_id.in_(unsafe_ids), (table.c.id % len(ANSWERS)).in_(dark)),
        )
    )
    db.session.commit()
    with db.engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
    return time.perf_counter() - started


def rebuild_rollup(label: str) -> None:
    """Count the filled reports into the rollup, and let the planner know the tables."""
    started = time.perf_counter()
    cells = rebuild(db.session)
    db.session.commit()
    rebuilt = time.perf_counter() - started
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("VACUUM ANALYZE stat_report, stat_cell, stat_cell_detail"))
    else:
        with db.engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
    print(f"  ({label}: statistics rebuilt in {rebuilt:.0f} s, {cells:,} cells)")


def measure(app, label: str) -> None:
    """The page and its main query for the last full year, beside the raw SQL aggregate."""
    with app.app_context():
        today = datetime.now(city_timezone()).date()
        period = parse_period(str(today.year - 1), today)
        previous = period.year_before()
        tz = city_timezone()
        params = {
            "first": month_bounds(period.first, tz)[0],
            "end": month_bounds(period.last, tz)[1],
            "prev_first": month_bounds(previous.first, tz)[0],
            "prev_end": month_bounds(previous.last, tz)[1],
            "now": datetime.now(UTC),
        }
        raw_sql = sa.text(RAW).bindparams(
            *(sa.bindparam(name, type_=UTCDateTime()) for name in params)
        )
        client = app.test_client()
        url = f"/statistik?period={period.code}"

        def page():
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            db.session.remove()

        def main_query():
            load_statistics(period, today)
            db.session.remove()

        def raw():
            with db.engine.connect() as conn:
                conn.execute(raw_sql, params).fetchall()

        page(), raw()  # warm the caches
        t_page = best_of(page, ROUNDS)
        t_query = best_of(main_query, ROUNDS)
        t_raw = best_of(raw, ROUNDS)
    n = scale_label()
    limit = 2 * t_raw
    for name, measured in (
        (f"statistics page, a year, {n} ({label})", t_page),
        (f"statistics main query, a year, {n} ({label})", t_query),
    ):
        line(
            name,
            f"{measured * 1000:.1f} ms",
            f"raw SQL aggregate {t_raw * 1000:.1f} ms (×2 = {limit * 1000:.1f} ms)",
            "ok" if measured <= limit else "SLOWER",
        )


def statistics_page(app, label: str = "SQLite") -> None:
    with app.app_context():
        completed = _complete_the_reports()
        print(f"  ({label}: closing times, answers and copies added in {completed:.0f} s)")
        rebuild_rollup(label)
    measure(app, label)


def main() -> None:
    """``python -m benchmarks.statistics``: this figure alone (SQLite, and PostgreSQL when
    ``BENCH_POSTGRES_URL`` is set)."""
    import logging

    from benchmarks import inbox
    from benchmarks.setup import POSTGRES_URL, postgres_available

    logging.disable(logging.WARNING)
    statistics_page(inbox.filled_app(None, "SQLite"), "SQLite")
    if os.environ.get("BENCH_POSTGRES_URL") and postgres_available():
        statistics_page(inbox.filled_app(POSTGRES_URL, "PostgreSQL"), "PostgreSQL")


if __name__ == "__main__":
    main()
