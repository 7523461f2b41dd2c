"""The reports per day, category and status (``report_day_count``, kept by the database) and the
date-window totals made from them answer what counting the reports would — after intake,
status and category changes, received times moved, deletions and SQL by hand."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.extensions import db
from app.reports.day_counts import window_total
from app.reports.models import Report
from tests.random_changes import change_report

S = ReportStatus
CODES = ["papierkorb-voll", "laterne-aus"]


def plain_days() -> dict[tuple[str, int, str], int]:
    counts: dict[tuple[str, int, str], int] = {}
    for created, category, status in db.session.execute(
        sa.select(Report.created_at, Report.category_id, Report.status)
    ):
        key = (created.astimezone(UTC).date().isoformat(), category, str(status))
        counts[key] = counts.get(key, 0) + 1
    return counts


def kept_days() -> dict[tuple[str, int, str], int]:
    rows = db.session.execute(
        sa.text("SELECT day, category_id, status, n FROM report_day_count WHERE n <> 0")
    )
    return {(str(day)[:10], c, s): n for day, c, s, n in rows}


def plain_total(start, end, category_ids, statuses) -> int:
    query = sa.select(sa.func.count()).select_from(Report)
    if start is not None:
        query = query.where(Report.created_at >= start)
    if end is not None:
        query = query.where(Report.created_at <= end)
    if category_ids is not None:
        query = query.where(Report.category_id.in_(category_ids))
    if set(statuses) == {"open"}:
        query = query.where(Report.status.in_(OPEN_STATUSES))
    elif set(statuses) == {"closed"}:
        query = query.where(Report.status.not_in(OPEN_STATUSES))
    return int(db.session.execute(query).scalar_one())


def test_day_counts_and_window_totals_equal_plain_counts(app_ctx, make_user, make_report):
    rng = random.Random(23)  # noqa: S311 (a repeatable sequence, no secret)
    dispatcher = make_user("dispatcher")
    categories = list(
        db.session.execute(sa.select(Category).where(Category.code.in_(CODES))).scalars()
    )
    now = utcnow()
    made: list[Report] = []
    actions = {"intake": 0, "status": 0, "category": 0, "moved": 0, "delete": 0, "sql status": 0}
    for step in range(90):
        action = rng.choice(list(actions)) if len(made) > 3 else "intake"
        if action == "intake":
            made.append(make_report(rng.choice(CODES)))
        else:
            report = rng.choice(made)
            if action == "moved":  # received on another day (as an import would say)
                report.created_at = now - timedelta(hours=rng.randrange(0, 24 * 12))
            elif not change_report(action, report, made, rng, dispatcher, categories):
                continue
            db.session.commit()
            db.session.expire_all()
        actions[action] += 1
        if step % 30 == 29:
            assert kept_days() == plain_days()
    assert all(actions.values()), actions  # every kind of change happened
    assert kept_days() == plain_days()

    # Windows of every shape: open ends, within one day, from and to midnight, whole history.
    midnight = datetime.combine(now.date(), datetime.min.time(), tzinfo=UTC)
    moments = [
        None,
        now - timedelta(days=11, hours=5),
        now - timedelta(days=3, minutes=17),
        midnight - timedelta(days=2),
        midnight,
        now - timedelta(hours=2),
        now + timedelta(hours=1),
    ]
    basket = [c.id for c in categories if c.code == "papierkorb-voll"]
    checked = 0
    for start in moments:
        for end in moments:
            if start is not None and end is not None and end < start:
                continue
            for category_ids in (None, basket):
                for statuses in ((), ("open",), ("closed",), ("open", "closed")):
                    got = db.session.execute(
                        sa.select(window_total(start, end, category_ids, statuses))
                    ).scalar_one()
                    assert got == plain_total(start, end, category_ids, statuses), (
                        start,
                        end,
                        category_ids,
                        statuses,
                    )
                    checked += 1
    assert checked > 100
