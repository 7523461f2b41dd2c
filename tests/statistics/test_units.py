"""The pieces under the figures: medians from a histogram, months, periods, chart ticks; the
rebuild command; two transactions counting into one cell at once; nothing private shown."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.statistics.charts import nice_ticks
from app.statistics.models import StatCell, StatCellDetail
from app.statistics.months import add_months, month_bounds, month_key
from app.statistics.periods import PeriodError, parse_period
from app.statistics.queries import median_of

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize(
    ("values", "median"),
    [
        ([], None),
        ([4], 4),
        ([0, 5, 6, 13, 15, 28], 9.5),
        ([1, 1, 1, 9], 1),
        ([2, 2, 3, 3], 2.5),
        ([7, 0, 0], 0),
    ],
)
def test_median_of_a_histogram(values, median):
    assert median_of(Counter(values)) == median


def test_months_in_the_citys_time_zone():
    assert add_months(202511, 2) == 202601
    assert add_months(202601, -1) == 202512
    assert add_months(202503, -24) == 202303
    assert month_key(datetime(2025, 6, 30, 22, 30, tzinfo=UTC), BERLIN) == 202507
    assert month_key(datetime(2025, 12, 31, 23, 30, tzinfo=UTC), BERLIN) == 202601
    start, end = month_bounds(202503, BERLIN)  # summer time begins on 30 March
    assert start == datetime(2025, 2, 28, 23, 0, tzinfo=UTC)
    assert end == datetime(2025, 3, 31, 22, 0, tzinfo=UTC)


def test_periods():
    today = date(2026, 5, 14)
    month = parse_period("2025-03", today)
    assert (month.kind, month.first, month.last, month.code) == ("month", 202503, 202503, "2025-03")
    quarter = parse_period("2025-q4", today)
    assert (quarter.first, quarter.last, quarter.code) == (202510, 202512, "2025-Q4")
    assert (quarter.year_before().first, quarter.year_before().last) == (202410, 202412)
    running = parse_period(None, today)  # this year so far, against the same months before
    assert (running.code, running.first, running.last, running.is_running) == (
        "2026",
        202601,
        202605,
        True,
    )
    assert (running.year_before().first, running.year_before().last) == (202501, 202505)
    assert not parse_period("2025", today).is_running
    for wrong in ("2025-13", "2025-Q5", "25", "2025-3", "März", "1999"):
        with pytest.raises(PeriodError):
            parse_period(wrong, today)
    with pytest.raises(PeriodError, match="future"):
        parse_period("2026-06", today)


def test_chart_ticks_are_round():
    assert nice_ticks(1.0) == [0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(71, integer=True) == [0, 20, 40, 60, 80]
    assert nice_ticks(3, integer=True) == [0, 1, 2, 3]
    assert nice_ticks(0) == [0, 1]


def _rollup() -> tuple[list, list]:
    cells = db.session.execute(
        sa.select(StatCell.__table__).order_by(*StatCell.__table__.primary_key.columns)
    ).all()
    details = db.session.execute(
        sa.select(StatCellDetail.__table__).order_by(*StatCellDetail.__table__.primary_key.columns)
    ).all()
    return [sorted((k, v) for k, v in row._mapping.items() if k != "version") for row in cells], [
        tuple(row) for row in details
    ]


def test_the_rebuild_command(app_ctx, data_set):
    kept = _rollup()
    runner = app_ctx.test_cli_runner()
    result = runner.invoke(args=["statistics", "rebuild", "--if-empty"])
    assert result.exit_code == 0 and "rebuilt" not in result.output  # not empty: nothing done
    db.session.execute(sa.delete(StatCellDetail.__table__))
    db.session.execute(sa.delete(StatCell.__table__))
    db.session.commit()
    result = runner.invoke(args=["statistics", "rebuild", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Statistics rebuilt" in result.output
    db.session.rollback()
    assert _rollup() == kept


def test_two_transactions_counting_into_one_cell_at_once(app_ctx):
    """Reports of the same category, district and month committed at the same time from two
    threads (two connections): every one is counted."""
    from app.core.enums import Channel
    from app.core.events import Actor
    from app.reports.drafts import ReportDraft
    from app.reports.intake import submit_report

    per_thread = 6
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def work():
        try:
            with app_ctx.app_context():
                barrier.wait(timeout=30)
                for _ in range(per_thread):
                    submit_report(
                        ReportDraft(
                            channel=Channel.WEB,
                            category_code="papierkorb-voll",
                            lat=51.5136,
                            lon=7.4653,
                        ),
                        Actor("resident", "test"),
                    )
                    db.session.commit()
                db.session.remove()
        except BaseException as error:  # reported to the test below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    db.session.rollback()
    received = db.session.execute(sa.select(sa.func.sum(StatCell.received))).scalar()
    assert received == 2 * per_thread
    tickets = db.session.execute(
        sa.select(sa.func.sum(StatCellDetail.n)).where(StatCellDetail.measure == "reached")
    ).scalar()
    assert tickets == 2 * per_thread


def test_no_free_text_or_personal_data_in_the_statistics(client, data_set):
    urls = [
        "/statistik?period=2025-06",
        "/statistik/bezirk/04?period=2025-06",
        "/statistik.csv?period=2025",
        "/statistik/departments.csv?period=2025-06",
        "/statistik/lighting.csv?period=2025-06&district=04",
    ]
    for url in urls:
        text = client.get(url).get_data(as_text=True)
        for secret in ("INTERN", "0231 123456", "nachbar1@example.invalid", "DO-2026-"):
            assert secret not in text, (url, secret)
