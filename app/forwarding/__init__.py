"""Forwarding to departments and partners, notifications to residents, the delivery worker."""

from __future__ import annotations

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    from app.forwarding import outbox

    outbox.register(app)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Deliver what is due, run the jobs, then stop.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds to wait when idle.")
    def worker(once: bool, interval: float) -> None:
        """Deliver the outbox (forwarding, notifications) with retries; run periodic jobs."""
        from app.forwarding.worker import run

        run(current_app._get_current_object(), interval=interval, once=once)
