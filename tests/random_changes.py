"""Random changes to reports for the tests that compare what triggers keep (counters, search
indexes, day counts) with a plain count after each: the kinds of change they share."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from app.core.enums import ReportStatus
from app.extensions import db
from app.reports import workflow
from app.reports.models import Report


def change_report(
    action: str,
    report: Report,
    made: list[Report],
    rng: random.Random,
    dispatcher: Any,
    categories: Sequence[Any] = (),
) -> bool:
    """Change ``report`` (not yet committed): "status" through the workflow, "category" to one
    of ``categories``, "delete" (also from ``made``), "sql status" to any status by hand, as a
    migration or an admin's SQL would. False when the action cannot apply (no transition)."""
    if action == "status":
        targets = sorted(workflow.TRANSITIONS[report.status])
        if not targets:
            return False
        workflow.change_status(report, rng.choice(targets), dispatcher)
    elif action == "category":
        workflow.change_category(report, rng.choice(list(categories)), dispatcher)
    elif action == "delete":
        db.session.delete(report)
        made.remove(report)
    elif action == "sql status":
        db.session.execute(
            sa.update(Report)
            .where(Report.id == report.id)
            .values(status=rng.choice(list(ReportStatus)).value)
        )
    else:
        raise ValueError(f"unknown change {action!r}")
    return True
