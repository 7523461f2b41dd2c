"""Command-line tasks: ``flask seed`` loads the city configuration."""

from __future__ import annotations

import click
from flask import Flask, current_app

from app.extensions import db


def register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli

    app.cli.add_command(users_cli)

    @app.cli.command("seed")
    @click.option(
        "--city-dir", default=None, help="City configuration directory (default: CITY_DIR)."
    )
    @click.option(
        "--update", is_flag=True, help="Overwrite rows that already exist with the file's values."
    )
    @click.option(
        "--if-empty",
        is_flag=True,
        help="Only when no city is loaded yet (what `make run` uses, so that admins' "
        "deletions are not undone at every start).",
    )
    def seed(city_dir: str | None, update: bool, if_empty: bool) -> None:
        """Load districts, boundary, categories, departments and routing rules (idempotent)."""
        from app.cities.seed import is_seeded, load_city
        from app.geo.service import forget_district_index

        if if_empty and is_seeded():
            click.echo("City already loaded (run `flask seed` to add what is missing).")
            return
        summary = load_city(city_dir or current_app.config["CITY_DIR"], update=update)
        db.session.commit()
        forget_district_index()
        click.echo(f"City loaded: {summary}")
