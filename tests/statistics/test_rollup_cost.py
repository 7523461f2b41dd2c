"""What keeping the statistics current costs a commit, counted (never timed): a batch of
status changes is counted from the objects in the session and written in one executemany per
table, so its statements do not grow with the number of reports; and what it writes is what
a rebuild counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.core.enums import Channel, ReportStatus
from app.core.events import Actor
from app.extensions import db
from app.reports.drafts import ReportDraft
from app.reports.intake import submit_report
from app.reports.models import Report
from app.statistics.rollup import rebuild
from tests.statistics.test_units import _rollup

# The statistics' part of a commit of status changes: lock and read the reports' rows, delete
# and insert them, add to the cells and their details, remove the details that reached zero —
# whatever the number of reports (6 on both databases, measured).
ROLLUP_STATEMENTS = 6


def _reports(count: int) -> list[int]:
    """``count`` reports, each received in another month (so each has its own cell)."""
    ids = []
    for i in range(count):
        report = submit_report(
            ReportDraft(
                channel=Channel.WEB, category_code="papierkorb-voll", lat=51.5136, lon=7.4653
            ),
            Actor("resident", "test"),
        ).report
        report.created_at = datetime(2024, 1, 15, 10, tzinfo=UTC) + timedelta(days=31 * i)
        db.session.commit()
        ids.append(report.id)
    db.session.remove()
    return ids


def _resolve_all(ids: list[int]) -> list[tuple[str, object]]:
    """Resolve the reports in one transaction; the statistics' statements of its commit, with
    the compiled form each was sent from."""
    reports = db.session.execute(sa.select(Report).where(Report.id.in_(ids))).scalars().all()
    for report in reports:
        report.status = ReportStatus.RESOLVED
        report.closed_at = report.created_at + timedelta(days=2)
    seen: list[tuple[str, object]] = []

    def statement(conn, cursor, sql, parameters, context, executemany):
        seen.append((sql, context.compiled))

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    try:
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
    db.session.remove()
    return [(sql, c) for sql, c in seen if not sql.lstrip().startswith("UPDATE report ")]


def test_a_batch_of_status_changes_costs_the_statistics_the_same_statements_for_3_or_15(
    app_ctx,
):
    few = _resolve_all(_reports(3))
    many = _resolve_all(_reports(15))
    listing = "\n".join(sql for sql, _compiled in many)
    assert len(many) == len(few) <= ROLLUP_STATEMENTS, listing
    # Counted from the objects: neither the reports nor their event log are read back.
    assert "FROM report" not in listing
    # The upserts are compiled once, not per commit: both commits send the cells' from one
    # compiled form (a statement without a cache key would be compiled anew for each). The
    # details' go as one statement per commit, written for the number of rows up to a few
    # (``_DETAIL_UPSERTS``, each compiled once), an executemany beyond.
    cells = [c for sql, c in few + many if sql.startswith("INSERT INTO stat_cell ")]
    assert len(cells) == 2 and cells[0] is cells[1]
    details = [(sql, c) for sql, c in few + many if sql.startswith("INSERT INTO stat_cell_detail ")]
    assert len(details) == 2
    assert _resolve_all(_reports(3)) == [(sql, c) for sql, c in few], "compiled again"

    # … and what the commits kept is what counting every report anew gives.
    kept = _rollup()
    rebuild(db.session)
    assert _rollup() == kept
    db.session.rollback()


def test_a_report_whose_object_lacks_a_fact_is_read_back(app_ctx):
    """Of two reports resolved together, one has an attribute expired: it is read from the
    database, the other counted from its object — and both are counted as a rebuild does."""
    ids = _reports(2)
    reports = db.session.execute(sa.select(Report).where(Report.id.in_(ids))).scalars().all()
    for report in reports:
        report.status = ReportStatus.RESOLVED
        report.closed_at = report.created_at + timedelta(days=1)
    db.session.flush()
    db.session.expire(reports[0], ["due_at"])
    seen: list[str] = []

    def statement(conn, cursor, sql, parameters, context, executemany):
        seen.append(sql)

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    try:
        db.session.commit()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
    assert [sql for sql in seen if "FROM report " in sql]  # the read-back happened
    kept = _rollup()
    assert sum(dict(cell)["resolved"] for cell in kept[0]) == 2
    rebuild(db.session)
    assert _rollup() == kept
    db.session.rollback()


def test_a_change_undone_by_a_savepoint_is_not_counted(app_ctx):
    """A report resolved inside a savepoint that is rolled back counts as open: what the
    session's objects held inside the savepoint is not what is committed."""
    report = submit_report(
        ReportDraft(channel=Channel.WEB, category_code="papierkorb-voll", lat=51.5136, lon=7.4653),
        Actor("resident", "test"),
    ).report
    savepoint = db.session.begin_nested()
    report.status = ReportStatus.RESOLVED
    report.closed_at = report.created_at + timedelta(days=1)
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    kept = _rollup()
    cell = dict(kept[0][0])
    assert (cell["received"], cell["resolved"], cell["closed"]) == (1, 0, 0)
    rebuild(db.session)
    assert _rollup() == kept
    db.session.rollback()


def test_a_new_report_adds_to_the_statistics_in_one_statement_on_postgresql(app_ctx):
    """A new report's commit writes its counts, its cell and the cell's details: on PostgreSQL
    in one statement (its three writes as parts of it), on SQLite in one per table; twice into
    the same cell, and the cell holds what a rebuild counts."""
    seen: list[str] = []

    def statement(conn, cursor, sql, parameters, context, executemany):
        seen.append(sql)

    sa.event.listen(db.engine, "before_cursor_execute", statement)
    try:
        _reports(1)
        first = list(seen)
        seen.clear()
        _reports(1)  # the same month, district and category: the cell is added to
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", statement)
    for commit in (first, seen):
        writes = [sql for sql in commit if "stat_" in sql and not sql.lstrip().startswith("SELECT")]
        # Nothing of the statistics is read for a new report: its id has no counts yet.
        assert not [sql for sql in commit if "FROM stat_" in sql], commit
        if db.engine.dialect.name == "postgresql":
            assert len(writes) == 1, writes
            assert all(
                f"INTO {table} " in writes[0]
                for table in ("stat_report", "stat_cell", "stat_cell_detail")
            )
        else:
            assert [w.split("(")[0].strip() for w in writes] == [
                "INSERT INTO stat_report",
                "INSERT INTO stat_cell",
                "INSERT INTO stat_cell_detail",
            ]
    kept = _rollup()
    received = sum(dict(cell)["received"] for cell in kept[0])
    assert received == 2 and len(kept[0]) == 1
    rebuild(db.session)
    assert _rollup() == kept
    db.session.rollback()


def test_a_new_report_on_the_id_of_one_removed_by_hand_replaces_its_counts(app_ctx):
    """SQLite hands out the id of the newest report again once that row is gone (removed by
    hand, past the application): the new report's commit finds the old counts there, takes
    them out of their cell and puts its own in, so the cells still hold what a rebuild counts."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL never hands out an id again (a sequence)")
    (old_id,) = _reports(1)
    removed_by_hand = db.session.get(Report, old_id)
    assert removed_by_hand is not None
    removed_by_hand.status = ReportStatus.RESOLVED  # counted in another way than a new one
    removed_by_hand.closed_at = removed_by_hand.created_at + timedelta(days=1)
    db.session.commit()
    connection = db.session.connection()
    for table in ("report_event", "delivery", "report_copy", "report"):
        column = "id" if table == "report" else "report_id"
        connection.execute(sa.text(f"DELETE FROM {table} WHERE {column} = :id"), {"id": old_id})  # noqa: S608
    db.session.commit()
    db.session.remove()  # forget the removed report's object
    (new_id,) = _reports(1)
    assert new_id == old_id  # the id came round again
    kept = _rollup()
    received = sum(dict(cell)["received"] for cell in kept[0])
    assert received == 1, kept  # the removed report's counts are out, the new one's in
    rebuild(db.session)
    assert _rollup() == kept
    db.session.rollback()
