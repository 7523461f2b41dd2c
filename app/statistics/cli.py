"""``flask statistics rebuild``: count every report anew into the statistics rollup."""

from __future__ import annotations

import time

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.extensions import db

statistics_cli = AppGroup("statistics", help="The public statistics' rollup.")


@statistics_cli.command("rebuild")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only when the rollup is empty but there are reports (what `make run` uses after "
    "an upgrade).",
)
def rebuild_command(if_empty: bool) -> None:
    """Count every report anew (after a bulk import that bypassed the application)."""
    from app.reports.models import Report
    from app.statistics.models import StatCell
    from app.statistics.rollup import rebuild

    if if_empty:
        has_cells = db.session.execute(sa.select(StatCell.month).limit(1)).first()
        has_reports = db.session.execute(sa.select(Report.id).limit(1)).first()
        if has_cells or not has_reports:
            return
    started = time.perf_counter()

    def progress(done: int, highest: int) -> None:
        click.echo(f"  … up to report id {done:,} of {highest:,}", err=True)

    cells = rebuild(db.session(), progress=progress)
    db.session.commit()
    click.echo(f"Statistics rebuilt: {cells:,} cells in {time.perf_counter() - started:.1f} s")
