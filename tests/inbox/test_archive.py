"""The archive: a report closed ``ARCHIVE_AFTER_DAYS`` ago is archived by the worker's job; it
leaves the inbox's default text search, is found when the search asks for the archive and by
its exact reference; a report that becomes open again (whoever changes it) is active again —
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.core.db import utcnow
from app.core.enums import ReportStatus
from app.extensions import db
from app.forwarding.jobs import archive_closed_reports
from app.inbox.queries import QueueFilter, Scope, queue_page
from app.reports import workflow
from app.reports.models import Report

S = ReportStatus


def _closed(make_report, dispatcher, days_ago: float, **fields) -> Report:
    report = make_report(**fields)
    workflow.change_status(report, S.RESOLVED, dispatcher)
    report.closed_at = utcnow() - timedelta(days=days_ago)
    db.session.commit()
    return report


def _archived_at(report: Report):
    return db.session.execute(
        sa.select(Report.archived_at).where(Report.id == report.id)
    ).scalar_one()


def test_the_job_archives_reports_closed_longer_than_the_setting_ago(
    app_ctx, make_report, make_user
):
    dispatcher = make_user("dispatcher")
    old = _closed(make_report, dispatcher, 121)
    recent = _closed(make_report, dispatcher, 119)
    still_open = make_report()
    still_open.created_at = utcnow() - timedelta(days=400)
    db.session.commit()
    updated = db.session.execute(
        sa.select(Report.updated_at).where(Report.id == old.id)
    ).scalar_one()

    assert archive_closed_reports() == 1
    assert _archived_at(old) is not None
    assert _archived_at(recent) is None
    assert _archived_at(still_open) is None
    # Archiving is no change of the report: its time of last change stays.
    assert (
        db.session.execute(sa.select(Report.updated_at).where(Report.id == old.id)).scalar_one()
        == updated
    )
    assert archive_closed_reports() == 0  # nothing left to do
    # Two days later the other one is due as well; the open one never.
    assert archive_closed_reports(now=utcnow() + timedelta(days=2)) == 1
    assert _archived_at(recent) is not None
    assert archive_closed_reports(now=utcnow() + timedelta(days=4000)) == 0
    assert _archived_at(still_open) is None


def test_the_job_works_in_batches_until_done(app_ctx, make_report, make_user, monkeypatch):
    from app.forwarding import jobs

    monkeypatch.setattr(jobs, "ARCHIVE_BATCH", 2)
    dispatcher = make_user("dispatcher")
    made = [_closed(make_report, dispatcher, 200 + n) for n in range(5)]
    assert archive_closed_reports() == 5
    assert all(_archived_at(r) is not None for r in made)


def test_the_archive_can_be_switched_off(app_ctx, make_report, make_user, monkeypatch):
    monkeypatch.setitem(app_ctx.config, "ARCHIVE_AFTER_DAYS", 0)
    _closed(make_report, make_user("dispatcher"), 3650)
    assert archive_closed_reports() == 0


def test_the_worker_runs_the_archive_job(app_ctx, make_report, make_user):
    from app.forwarding.jobs import run_periodic_jobs

    report = _closed(make_report, make_user("dispatcher"), 130)
    run_periodic_jobs()
    assert _archived_at(report) is not None


def test_a_reopened_report_is_active_again_by_the_workflow_and_by_sql(
    app_ctx, make_report, make_user
):
    dispatcher = make_user("dispatcher")
    by_workflow = _closed(make_report, dispatcher, 200)
    by_sql = _closed(make_report, dispatcher, 200)
    stays_closed = _closed(make_report, dispatcher, 200)
    assert archive_closed_reports() == 3
    db.session.expire_all()

    workflow.change_status(by_workflow, S.REOPENED, dispatcher)
    db.session.commit()
    db.session.execute(
        sa.update(Report).where(Report.id == by_sql.id).values(status=S.IN_PROGRESS.value)
    )
    # A change between closed statuses leaves it in the archive.
    db.session.execute(
        sa.update(Report).where(Report.id == stays_closed.id).values(status=S.REJECTED.value)
    )
    db.session.commit()
    assert _archived_at(by_workflow) is None
    assert _archived_at(by_sql) is None
    assert _archived_at(stays_closed) is not None


def _found(user, text: str, archive: bool = False) -> set[str]:
    page = queue_page(user, QueueFilter(scope=Scope.ALL, text=text, archive=archive), page_size=100)
    return {r.reference for r in page.reports}


def test_an_archived_report_is_found_with_the_archive_and_by_its_reference(
    app_ctx, make_report, make_user
):
    dispatcher = make_user("dispatcher")
    archived = _closed(make_report, dispatcher, 200, address="Kastanienallee 7")
    recent = _closed(make_report, dispatcher, 10, address="Kastanienallee 9")
    waiting = make_report(address="Kastanienallee 11")
    assert archive_closed_reports() == 1
    everything = {archived.reference, recent.reference, waiting.reference}

    for text in ("kastanienallee", "Kastanienallee 7", "ee"):  # indexed, and too short for it
        assert archived.reference not in _found(dispatcher, text)
        assert archived.reference in _found(dispatcher, text, archive=True)
    assert _found(dispatcher, "kastanienallee") == {recent.reference, waiting.reference}
    assert _found(dispatcher, "kastanienallee", archive=True) == everything
    # Counted exactly, the archived one not by default.
    page = queue_page(dispatcher, QueueFilter(scope=Scope.ALL, text="kastanienallee"))
    assert page.total == 2 and page.searched == "active"
    # The exact reference finds it, archive or not.
    assert _found(dispatcher, archived.reference) == {archived.reference}
    assert _found(dispatcher, archived.reference.lower()) == {archived.reference}
    # Within the open statuses the archive makes no difference (and nothing is said of it).
    f = QueueFilter(scope=Scope.ALL, text="kastanienallee", statuses=(S.NEW,))
    assert queue_page(dispatcher, f).searched == ""

    # Reopened, it is found by the default search again (the active index took it back).
    workflow.change_status(archived, S.REOPENED, dispatcher)
    db.session.commit()
    assert _found(dispatcher, "Kastanienallee 7") == {archived.reference}
    # A text change of an archived report keeps it out of the active index.
    db.session.execute(
        sa.update(Report)
        .where(Report.id == recent.id)
        .values(archived_at=utcnow(), address="Kastanienallee 99")
    )
    db.session.commit()
    assert _found(dispatcher, "Kastanienallee 99") == set()
    assert _found(dispatcher, "Kastanienallee 99", archive=True) == {recent.reference}
    db.session.execute(
        sa.update(Report).where(Report.id == recent.id).values(address="Kastanienallee 98")
    )
    db.session.execute(sa.delete(Report).where(Report.id == waiting.id))
    db.session.commit()
    assert _found(dispatcher, "kastanienallee") == {archived.reference}
    assert _found(dispatcher, "Kastanienallee 98", archive=True) == {recent.reference}


_SETTINGS = (
    "SELECT current_setting('plan_cache_mode'), current_setting('enable_seqscan'),"
    " current_setting('enable_indexscan')"
)


def test_a_search_with_the_archive_is_planned_for_its_text_and_changes_no_other_statement(
    app_ctx, make_report, make_user
):
    """PostgreSQL: the statement that samples what a text finds in the whole history is
    planned for that text every time (the driver prepares a statement it runs often, and the
    server might keep a plan made without the text) and by bitmap scans only; the rest of the
    request runs with the settings it had."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the planner settings of PostgreSQL")
    dispatcher = make_user("dispatcher")
    archived = _closed(make_report, dispatcher, 200, address="Kastanienallee 7")
    waiting = make_report(address="Kastanienallee 11")
    assert archive_closed_reports() == 1
    during: list[tuple[str, ...]] = []

    def settings_of_the_sample(conn, cursor, statement, parameters, context, executemany):
        if "report_found" in statement:  # the sample: the index's finds, then the filters
            during.append(tuple(conn.exec_driver_sql(_SETTINGS).one()))

    before = tuple(db.session.execute(sa.text(_SETTINGS)).one())
    sa.event.listen(db.engine, "before_cursor_execute", settings_of_the_sample)
    try:
        # More often than the driver takes to prepare a statement (5), rare text and common.
        for text in ["Kastanienallee 7"] * 6 + ["kastanienallee"] * 2:
            found = _found(dispatcher, text, archive=True)
            assert archived.reference in found
            assert (waiting.reference in found) == (text == "kastanienallee")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", settings_of_the_sample)
    assert during == [("force_custom_plan", "off", "off")] * 8
    assert tuple(db.session.execute(sa.text(_SETTINGS)).one()) == before


def test_the_queue_says_what_a_search_went_through_and_links_to_the_archive(
    client, make_report, make_user
):
    import re

    from tests.inbox.support import login

    dispatcher = make_user("dispatcher")
    archived = _closed(make_report, dispatcher, 200, address="Kastanienallee 7")
    recent = _closed(make_report, dispatcher, 10, address="Kastanienallee 9")
    archive_closed_reports()
    login(client, dispatcher)

    html = client.get("/inbox/", query_string={"scope": "all", "q": "Kastanienallee"}).get_data(
        as_text=True
    )
    assert recent.reference in html and archived.reference not in html
    assert re.search(
        r"(Durchsucht: offene und in den letzten 120 Tagen geschlossene Meldungen\.|"
        r"Searched: open reports and those closed in the last 120 days\.)",
        html,
    )
    link = re.search(r'<a href="([^"]+)" id="search-archive">([^<]+)</a>', html)
    assert link and link.group(2) in ("Auch im Archiv suchen", "Search the archive too")
    # The filter form offers the same as a checkbox, unticked.
    assert re.search(r'<input type="checkbox" id="f-archive" name="archiv" value="1">', html)

    # The link keeps the filter and adds the archive.
    href = link.group(1).replace("&amp;", "&")
    assert "archiv=1" in href and "q=Kastanienallee" in href and "scope=all" in href
    html = client.get(href).get_data(as_text=True)
    assert recent.reference in html and archived.reference in html
    assert re.search(r"(Mit Archiv durchsucht\.|Searched with the archive\.)", html)
    back = re.search(r'<a href="([^"]+)" id="search-active">', html)
    assert back and "archiv" not in back.group(1)
    assert re.search(r'id="f-archive" name="archiv" value="1" checked>', html)
    # The map and the exports of the same filter search the archive too.
    map_link = re.search(r'id="map-link" href="([^"]+)"', html)
    assert map_link and "archiv=1" in map_link.group(1)

    # Nothing found: the way to the archive is offered all the same.
    html = client.get("/inbox/", query_string={"scope": "all", "q": "Kastanienallee 7"}).get_data(
        as_text=True
    )
    assert archived.reference not in html and 'id="search-archive"' in html
    # No text, an exact reference, or open statuses only: nothing to say about the archive.
    for query in (
        {"scope": "all"},
        {"scope": "all", "q": archived.reference},
        {"scope": "all", "q": "Kastanienallee", "status": "new"},
    ):
        html = client.get("/inbox/", query_string=query).get_data(as_text=True)
        assert 'id="search-scope"' not in html, query
    html = client.get("/inbox/", query_string={"scope": "all", "q": archived.reference}).get_data(
        as_text=True
    )
    assert archived.reference in html
