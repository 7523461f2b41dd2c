"""``flask photos work``: the photo runner (app/photos/jobs.py)."""

from __future__ import annotations

import click
from flask import current_app


@click.group("photos")
def photos_cli() -> None:
    """Photos: anonymisation in the background."""


@photos_cli.command("work")
@click.option("--once", is_flag=True, help="Anonymise what is pending now, then stop.")
@click.option("--interval", default=1.0, show_default=True, help="Seconds to wait when idle.")
def work(once: bool, interval: float) -> None:
    """Make faces and number plates unrecognisable in the photos stored "pending", at a lower
    CPU priority (ANONYMISE_NICE), and release the tickets that waited for them."""
    from app.photos.jobs import run

    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object
    done = run(app, interval=interval, once=once)
    if once:
        click.echo(f"Photos anonymised: {done}")
