"""Command-line tasks: ``flask seed`` loads the city configuration."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from app.extensions import db


def register_cli(app: Flask) -> None:
    from app.auth.cli import users_cli
    from app.photos.cli import photos_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(photos_cli)

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
        """Load districts, boundary, categories, departments and routing rules (idempotent).

        The configuration is checked first; a database holding another city is refused.
        """
        from app.cities.check import CityConfigError, require_city
        from app.cities.seed import CityMismatch, installed_city, is_seeded, load_city
        from app.cities.settings import forget_city_caches

        directory = city_dir or current_app.config["CITY_DIR"]
        try:
            if if_empty and is_seeded():
                wanted = require_city(directory).city["name"]
                state = installed_city()
                if state is not None and state.name is not None and state.name != wanted:
                    raise CityMismatch(state.name, wanted, Path(directory))
                click.echo(
                    f"City {wanted} already loaded (run `flask seed` to add what is missing)."
                )
                return
            summary = load_city(directory, update=update)
        except (CityConfigError, CityMismatch) as exc:
            db.session.rollback()
            raise click.ClickException(str(exc)) from None
        db.session.commit()
        forget_city_caches()
        click.echo(f"City loaded: {summary}")

    app.cli.add_command(city_cli)


@click.group("city")
def city_cli() -> None:
    """The city configuration: check a directory, replace the loaded city."""


@city_cli.command("check")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def city_check(directory: Path) -> None:
    """Check DIRECTORY (city.json and its GeoJSON files) without loading anything."""
    from app.cities.check import check_city

    checked, problems = check_city(directory)
    if checked is None:
        for problem in problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(problems)} problem(s) in {directory}; nothing was loaded."
        )
    city = checked.city
    click.echo(
        f"{city['name']} ({directory}): {len(checked.districts)} districts, "
        f"{'a' if checked.boundary else 'no'} boundary, {len(city['departments'])} departments, "
        f"{len(city['category_groups'])} category groups, {len(city['categories'])} categories, "
        f"{len(city['routing_rules'])} routing rules, "
        f"{len(city.get('response_templates', []))} response templates: no problems."
    )


@city_cli.command("replace")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def city_replace(directory: Path) -> None:
    """Replace the loaded city by the one in DIRECTORY (only while no reports exist).

    Removes the districts, boundary, categories, groups, departments, rules and templates of the
    current city and loads the new one, in one transaction. Then set CITY_DIR to DIRECTORY.
    """
    from app.cities.check import CityConfigError
    from app.cities.seed import ReportsExist, replace_city
    from app.cities.settings import forget_city_caches

    try:
        summary = replace_city(directory)
    except (CityConfigError, ReportsExist) as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    forget_city_caches()
    click.echo(f"City replaced ({summary.previous or 'none'} → {directory}): {summary}")
    if Path(current_app.config["CITY_DIR"]).resolve() != directory.resolve():
        click.echo(
            f"Now set CITY_DIR={directory} for every process (web, worker), so that the "
            "name, map and reference prefix match, and restart them."
        )
