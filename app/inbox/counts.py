"""The inbox's counts per status without counting the reports.

``report_count`` holds the number of reports per department (0: triage), category and status.
Triggers on ``report`` (migration 0018) keep it in step in the same transaction as every
insert, delete and change of department, category or status, whichever code makes it — so it
is right after intake, workflow actions, partners' answers, retention and SQL by hand alike,
and a count reads a few hundred rows however long the history is.

The rows are few because a category mostly goes to one department. A filter the counters do
not know (district, dates, text, overdue, copies) is counted from the reports; its indexes
keep those counts to the reports the filter matches (``app/inbox/queries.py``).
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.enums import OPEN_STATUSES, ReportStatus
from app.extensions import Model, db

TRIAGE_KEY = 0  # department_key of reports without a department

# The open statuses as literal SQL, exactly as the partial indexes of migration 0018 say it:
# SQLite and PostgreSQL use a partial index only when the query repeats its condition, which a
# bound parameter does not.
OPEN_SQL = "report.status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(OPEN_STATUSES)))


def open_condition() -> sa.TextClause:
    return sa.text(OPEN_SQL)


class ReportCount(Model):
    """Reports per department, category and status (maintained by triggers, never by hand)."""

    __tablename__ = "report_count"

    department_key: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    category_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    status: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    n: Mapped[int]


def counted_status(
    *,
    departments: Iterable[int | None] | None = None,
    category_id: int | None = None,
) -> dict[ReportStatus, int]:
    """Reports per status of these departments (``None`` in it: triage; ``None`` for the
    argument: all departments and triage), optionally of one category."""
    query = sa.select(ReportCount.status, sa.func.sum(ReportCount.n)).group_by(ReportCount.status)
    if departments is not None:
        keys = sorted({TRIAGE_KEY if d is None else d for d in departments})
        query = query.where(ReportCount.department_key.in_(keys))
    if category_id is not None:
        query = query.where(ReportCount.category_id == category_id)
    return {ReportStatus(s): int(n) for s, n in db.session.execute(query) if n}
