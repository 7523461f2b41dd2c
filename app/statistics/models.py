"""The statistics rollup: per month × district × category, kept current with the reports.

A *cell* is the reports of one category received in one district in one (local) month. Its
row in ``stat_cell`` holds the additive counts; ``stat_cell_detail`` holds the counts that have
a key of their own (resolution days, month of closing, department, answer, outcome);
``stat_report`` what each report adds. All are derived data: ``app/statistics/rollup.py``
counts a report anew whenever it changes and adds the difference to its cell, and
``flask statistics rebuild`` counts everything.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.reports.models import Report

# A cell's reports are found by category, district and the UTC range of the month.
ix_report_category_district_created = sa.Index(
    "ix_report_category_district_created",
    Report.__table__.c.category_id,
    Report.__table__.c.district_id,
    Report.__table__.c.created_at,
)

NO_DISTRICT = 0  # the district key of reports outside every district


class StatCell(Model):
    """Counts of the reports of one category received in one district in one month."""

    __tablename__ = "stat_cell"

    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 202603
    district_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)  # 0: none
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    received: Mapped[int] = mapped_column(default=0)
    # With a target (due date), not closed as duplicate or rejected: the in-time base.
    with_target: Mapped[int] = mapped_column(default=0)
    # … of those, closed (their outcome is known) and open (known once past due).
    target_closed: Mapped[int] = mapped_column(default=0)
    open_with_target: Mapped[int] = mapped_column(default=0)
    # … of those, closed as resolved at or before the due date.
    resolved_in_time: Mapped[int] = mapped_column(default=0)
    resolved: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    supporters: Mapped[int] = mapped_column(default=0)
    # Bumped at every change of the row.
    version: Mapped[int] = mapped_column(default=0)


class StatCellDetail(Model):
    """A keyed count of a cell: ``measure`` says what ``key`` is (see ``counts.MEASURES``)."""

    __tablename__ = "stat_cell_detail"
    __table_args__ = (
        # Reads ask for some measures over a range of months (covering: no table lookups) …
        sa.Index(
            "ix_stat_cell_detail_measure_month",
            "measure",
            "month",
            "district_id",
            "category_id",
            "key",
            "n",
        ),
        # … and for the open reports not yet due (due date from today on).
        sa.Index("ix_stat_cell_detail_measure_key", "measure", "key"),
    )

    month: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    district_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    measure: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    n: Mapped[int] = mapped_column(default=0)


class StatReport(Model):
    """What one report adds to its cell, as last counted: a change to the report adds the
    difference to its new counts (so the work per change does not grow with the cell)."""

    __tablename__ = "stat_report"

    report_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    month: Mapped[int]
    district_id: Mapped[int]
    category_id: Mapped[int]
    # {"received": 1, "resolved": 1, …, "days|3": 1, "reached|2": 1, …}: cell columns by name,
    # keyed counts as "measure|key"; zeros left out.
    counts: Mapped[dict[str, int]] = mapped_column(sa.JSON)
