"""Forwarding to departments and partners, notifications to residents, the delivery worker."""

from __future__ import annotations

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    from app.forwarding import outbox, withdrawal
    from app.forwarding.views import bp, notifications_bp

    outbox.register(app)
    withdrawal.register(app)  # its handlers run after the outbox's (the order deliveries are added)
    app.register_blueprint(bp)
    app.register_blueprint(notifications_bp)

    from app.extensions import csrf
    from app.forwarding.api import bp as partner_api_bp
    from app.forwarding.api import partners_cli

    csrf.exempt(partner_api_bp)  # partners authenticate with a bearer token, not a session
    app.register_blueprint(partner_api_bp)
    app.cli.add_command(partners_cli)

    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Deliver what is due, run the jobs, then stop.")
    @click.option("--interval", default=2.0, show_default=True, help="Seconds to wait when idle.")
    def worker(once: bool, interval: float) -> None:
        """Deliver the outbox (forwarding, notifications) with retries; run periodic jobs."""
        from app.forwarding.worker import run

        app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object; typed as Flask
        run(app, interval=interval, once=once)
