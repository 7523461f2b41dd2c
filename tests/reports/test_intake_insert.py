"""The intake writes a new report with a Core INSERT, past the ORM's unit of work
(``app.reports.intake._insert_report``): nothing fills in a column's Python-side default for it.
A column given a Python default (or onupdate) must therefore be given by the intake — set on the
new report or listed in ``_REPORT_DEFAULTS`` — or the row would get NULL where the model promises
a value, and the object in the session would not match the row."""

from __future__ import annotations

from typing import Any, cast

import pytest
import sqlalchemy as sa

from app.core.enums import Channel
from app.core.events import Actor
from app.core.prepared import Prepared
from app.extensions import db
from app.reports.drafts import ReportDraft
from app.reports.intake import submit_report
from app.reports.models import Report

REPORTS = cast(sa.Table, Report.__table__)


def _report_rows(clause, multiparams, params) -> list[dict[str, Any]]:
    """The rows an executed statement inserts into ``report``: a Core INSERT (SQLite), or the
    one statement that numbers, inserts and logs a report on PostgreSQL (its ``r_`` values)."""
    if isinstance(clause, sa.Insert) and clause.table is REPORTS:
        return list(multiparams or [params])
    text = getattr(clause, "text", None) or getattr(getattr(clause, "element", None), "text", "")
    if "INSERT INTO report (reference" in (text or ""):
        row = {key[2:]: value for key, value in (params or {}).items() if key.startswith("r_")}
        return [{**row, "reference": None}]
    return []


def _record_prepared(monkeypatch) -> list[dict[str, Any]]:
    """The rows the intake's statements insert into ``report`` from now on (they go to the
    driver as prepared statements, ``app.core.prepared``)."""
    written: list[dict[str, Any]] = []
    execute = Prepared.__call__

    def recording(self, connection, params=None):
        written.extend(_report_rows(self.statement, None, params))
        return execute(self, connection, params)

    monkeypatch.setattr(Prepared, "__call__", recording)
    return written


def _submit():
    """An Open311 report, committed; the intake's result."""
    result = submit_report(
        ReportDraft(
            channel=Channel.OPEN311,
            category_code="papierkorb-voll",
            lat=51.5136,
            lon=7.4653,
            description="Papierkorb quillt über",
        ),
        Actor("resident", "test"),
    )
    db.session.commit()
    return result


def _python_side(column: sa.Column[Any]) -> bool:
    return column.default is not None or column.onupdate is not None


def test_every_report_column_with_a_python_default_is_written_by_the_intake(app_ctx, monkeypatch):
    written = _record_prepared(monkeypatch)
    result = _submit()

    [values] = written
    needed = {column.key for column in REPORTS.columns if _python_side(column)}
    assert needed, "the model has columns with Python defaults: this test must see them"
    assert not needed - set(values), (
        "give these in the intake's INSERT (set them, or add them to _REPORT_DEFAULTS): "
        f"{sorted(needed - set(values))}"
    )
    # …and the stored row holds what the object in the session held.
    report_id = result.report.id
    db.session.remove()
    stored = db.session.get(Report, report_id)
    assert stored is not None
    for key in sorted(needed):
        assert getattr(stored, key) == values[key], key


def test_the_check_sees_a_column_the_intake_does_not_give(app_ctx, monkeypatch):
    """The check above fails for a Python default the INSERT leaves out: here one of
    ``_REPORT_DEFAULTS`` taken away."""
    from app.reports import intake

    missing = next(key for key in intake._REPORT_DEFAULTS if _python_side(REPORTS.columns[key]))
    defaults = {k: v for k, v in intake._REPORT_DEFAULTS.items() if k != missing}
    monkeypatch.setattr(intake, "_REPORT_DEFAULTS", defaults)
    written = _record_prepared(monkeypatch)
    draft = ReportDraft(
        channel=Channel.OPEN311, category_code="papierkorb-voll", lat=51.5136, lon=7.4653
    )
    try:
        if db.engine.dialect.name == "sqlite":
            # The prepared INSERT itself refuses to leave a Python default out.
            with pytest.raises(ValueError, match=f"Python default not given: {missing}$"):
                submit_report(draft, Actor("resident", "test"))
        else:
            # PostgreSQL's one statement names its columns itself: the check above sees it.
            submit_report(draft, Actor("resident", "test"))
            [values] = written
            assert missing not in values
    finally:
        db.session.rollback()


def test_references_count_up_per_year_and_grow_past_five_digits(app_ctx):
    """``DO-<year>-00001`` onwards; after 99,999 the number grows a digit, never cut (on
    PostgreSQL the number, the report and its event are written in one statement)."""
    from zoneinfo import ZoneInfo

    from app.core.db import utcnow
    from app.reports.models import ReferenceCounter

    def submit() -> str:
        return _submit().reference

    year = utcnow().astimezone(ZoneInfo(app_ctx.config["BABEL_DEFAULT_TIMEZONE"])).year
    first, second = submit(), submit()
    number = int(first.rsplit("-", 1)[1])
    assert first == f"DO-{year}-{number:05d}" and second == f"DO-{year}-{number + 1:05d}"
    db.session.execute(
        sa.update(ReferenceCounter).where(ReferenceCounter.year == year).values(last_number=99_998)
    )
    db.session.commit()
    assert [submit(), submit()] == [f"DO-{year}-99999", f"DO-{year}-100000"]
    stored = db.session.execute(
        sa.select(Report.reference).where(Report.reference == f"DO-{year}-100000")
    ).scalar_one()
    assert stored == f"DO-{year}-100000"


def test_outbox_rows_made_on_submission_are_written_once_with_the_report(app_ctx):
    """The handlers' rows are kept out of the session (``outbox.kept_apart``) and written by
    the intake; a row with an attempt logged already is left to the flush — both stored once,
    for this report, and nothing else is added to the session on the way."""
    from app.core.signals import report_submitted
    from app.forwarding.models import Delivery, DeliveryAttempt
    from app.forwarding.outbox import add_delivery

    def with_an_attempt(sender, *, report, **_):
        delivery = add_delivery(report, "webhook", "edg", "test_attempted")
        delivery.attempt_log.append(DeliveryAttempt(number=1, error="tried at once"))

    report_submitted.connect(with_an_attempt)
    try:
        result = _submit()
    finally:
        report_submitted.disconnect(with_an_attempt)
    report_id = result.report.id
    db.session.remove()
    rows = db.session.execute(
        sa.select(Delivery.purpose, Delivery.target).where(Delivery.report_id == report_id)
    ).all()
    assert sorted(rows) == [("forward", "edg"), ("test_attempted", "edg")]
    attempted = db.session.execute(
        sa.select(Delivery).where(Delivery.purpose == "test_attempted")
    ).scalar_one()
    assert [attempt.error for attempt in attempted.attempt_log] == ["tried at once"]


def test_outside_the_intake_a_new_row_goes_into_the_session(app_ctx, make_report):
    from app.forwarding.outbox import add_delivery

    report = make_report()
    delivery = add_delivery(report, "email", "edg", "test_later")
    assert delivery in db.session.new
    db.session.commit()
    assert delivery.id is not None
