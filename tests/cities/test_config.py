"""The city configuration: checked before anything is written, one city per database, a clean
switch while no reports exist, and running processes that see changed city data.

Tests that load Musterstadt (``tests/fixtures/musterstadt``) use a temporary SQLite database of
their own, so that the rest of the suite keeps its seeded Dortmund.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from app import create_app
from app.catalogue.models import Category, CategoryGroup
from app.cities.check import CityConfigError
from app.cities.seed import CityMismatch, load_city
from app.extensions import db
from app.geo.models import CityBoundary, District
from app.routing.models import Department, RoutingRule
from config import TestConfig

ROOT = Path(__file__).resolve().parents[2]
MUSTERSTADT = ROOT / "tests" / "fixtures" / "musterstadt"
DORTMUND = ROOT / "app" / "cities" / "dortmund"
FRIEDENSPLATZ = (51.5136, 7.4653)
ALTSTADT = (48.095, 10.995)  # Musterstadt, district 1
NORDVIERTEL = (48.095, 11.025)  # Musterstadt, district 2


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.execute(
            sa.select(sa.func.count()).select_from(model)
        ).scalar_one()
        for model in (District, CityBoundary, CategoryGroup, Category, Department, RoutingRule)
    }


def edited_copy(source: Path, target: Path, change) -> Path:
    shutil.copytree(source, target)
    city = json.loads((target / "city.json").read_text(encoding="utf-8"))
    change(city)
    (target / "city.json").write_text(json.dumps(city, ensure_ascii=False), encoding="utf-8")
    return target


@pytest.fixture
def own_app(tmp_path):
    """``own_app(city_dir, seed=...)``: an app on a fresh temporary SQLite database, migrated,
    with ``seed`` (a city directory) loaded; CITY_DIR is ``city_dir``."""
    apps = []

    def make(city_dir: Path, seed: Path | None = None):
        config = TestConfig()
        config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'city.sqlite'}"
        config.CITY_DIR = str(city_dir)
        config.PHOTO_STORAGE_DIR = str(tmp_path / "photos")
        app = create_app(config)
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            if seed is not None:
                load_city(seed)
                db.session.commit()
        apps.append(app)
        return app

    yield make
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


# --- checking ---------------------------------------------------------------------------------


def test_city_check_accepts_both_cities(app):
    runner = app.test_cli_runner()
    for directory, name in ((DORTMUND, "Dortmund"), (MUSTERSTADT, "Musterstadt")):
        result = runner.invoke(args=["city", "check", str(directory)])
        assert result.exit_code == 0, result.output
        assert f"{name} (" in result.output and "no problems" in result.output


def test_city_check_names_file_path_and_value_of_every_problem(app, tmp_path):
    def break_it(city):
        city["routing_rules"][0]["group"] = "abfal"
        city["routing_rules"][1]["department"] = "stadtwerk"
        city["categories"][0]["sensitive"] = "yes"
        city["holidays"] = {"country": "DE", "subdivision": "XX"}

    directory = edited_copy(MUSTERSTADT, tmp_path / "broken", break_it)
    result = app.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert result.exit_code == 1
    # Structural problems come first, each with file and JSON path …
    assert 'city.json: $.categories[0].sensitive: "yes" is not of type "boolean"' in result.output
    assert "nothing was loaded" in result.output

    city = json.loads((directory / "city.json").read_text(encoding="utf-8"))
    city["categories"][0]["sensitive"] = False
    (directory / "city.json").write_text(json.dumps(city), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert result.exit_code == 1
    # … then every unknown code, naming the rule and the value.
    lines = result.output.splitlines()
    assert (
        'city.json: $.routing_rules[0].group: rule "abfall": unknown category group "abfal" '
        "(known: abfall, licht, sicherheit)"
    ) in lines
    assert any(
        line.startswith(
            'city.json: $.routing_rules[1].department: rule "licht": unknown department "stadtwerk"'
        )
        for line in lines
    )
    assert any(line.startswith("city.json: $.holidays: unknown holiday calendar") for line in lines)
    assert "4 problem(s)" not in result.output  # the count is of this round: three
    assert "3 problem(s)" in result.output


def test_problems_in_the_geojson_name_that_file(app, tmp_path):
    directory = tmp_path / "geo"
    shutil.copytree(MUSTERSTADT, directory)
    districts = json.loads((directory / "bezirke.geojson").read_text(encoding="utf-8"))
    del districts["features"][1]["properties"]["bezirk"]
    districts["features"][2]["geometry"]["coordinates"] = [[[48.1, 710.9]]]
    (directory / "bezirke.geojson").write_text(json.dumps(districts), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert result.exit_code == 1
    assert (
        'bezirke.geojson: $.features[1].properties: no district number in "bezirk" '
        "(district_number_property)"
    ) in result.output
    assert "bezirke.geojson: $.features[2].geometry:" in result.output


def test_a_map_centre_in_geojson_order_is_refused(app, tmp_path):
    directory = edited_copy(
        MUSTERSTADT, tmp_path / "swapped", lambda c: c["map"].update(center=[11.025, 48.095])
    )
    result = app.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert result.exit_code == 1
    assert (
        "city.json: $.map.center: [11.025, 48.095] is not near the districts (lat 48.08…48.11, "
        "lon 10.98…11.07); this key is [lat, lon] — it looks like [lon, lat]"
    ) in result.output


def test_a_typo_in_a_rule_is_refused_and_nothing_is_written(app_ctx, tmp_path):
    """Before: "group": "sauberkeitt" became a rule for every category (lighting went to EDG)."""

    def typo(city):
        city["departments"].append({"code": "bauhof", "name": "Bauhof"})
        city["routing_rules"][1]["group"] = "sauberkeitt"

    directory = edited_copy(DORTMUND, tmp_path / "typo", typo)
    before = counts()
    with pytest.raises(CityConfigError) as refused:
        load_city(directory)
    db.session.rollback()
    assert [str(p) for p in refused.value.problems] == [
        'city.json: $.routing_rules[1].group: rule "sauberkeit": unknown category group '
        '"sauberkeitt" (known: beleuchtung, gruen, sauberkeit, sonstiges, strasse, '
        "unsicherer-ort)"
    ]
    assert counts() == before
    assert db.session.execute(sa.select(Department).filter_by(code="bauhof")).first() is None

    result = app_ctx.test_cli_runner().invoke(args=["seed", "--city-dir", str(directory)])
    assert result.exit_code == 1
    assert 'unknown category group "sauberkeitt"' in result.output
    assert "Traceback" not in result.output
    assert counts() == before


def test_a_district_number_given_as_an_integer_is_refused_with_the_candidates(app_ctx, tmp_path):
    """Before: "district": 3 crashed the loading with a KeyError. In Dortmund 4 could be "4"
    (Aplerbeck) or "04" (Innenstadt-Nord): refused, naming both."""
    directory = edited_copy(
        DORTMUND, tmp_path / "int", lambda c: c["routing_rules"][6].update(district=4)
    )
    before = counts()
    with pytest.raises(CityConfigError) as refused:
        load_city(directory)
    db.session.rollback()
    assert [str(p) for p in refused.value.problems] == [
        'city.json: $.routing_rules[6].district: rule "unsicherer-ort-nordstadt": district '
        'numbers are text, as in dortmund_stadtbezirke.geojson: write "04" (Innenstadt-Nord) '
        'or "4" (Aplerbeck) instead of 4'
    ]
    assert counts() == before
    result = app_ctx.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "KeyError" not in result.output

    directory = edited_copy(
        MUSTERSTADT, tmp_path / "ms", lambda c: c["routing_rules"][3].update(district=7)
    )
    result = app_ctx.test_cli_runner().invoke(args=["city", "check", str(directory)])
    assert 'write "7" instead of 7' in result.output


# --- one city per installation ----------------------------------------------------------------


def test_seeding_another_city_onto_dortmund_is_refused(app_ctx):
    before = counts()
    with pytest.raises(CityMismatch) as refused:
        load_city(MUSTERSTADT)
    db.session.rollback()
    assert "holds the city 'Dortmund'" in str(refused.value)
    assert "flask city replace" in str(refused.value)
    assert counts() == before

    runner = app_ctx.test_cli_runner()
    for args in (
        ["seed", "--city-dir", str(MUSTERSTADT)],
        ["seed", "--if-empty", "--city-dir", str(MUSTERSTADT)],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, result.output
        assert "holds the city 'Dortmund'" in result.output
        assert "flask city replace" in result.output
    assert counts() == before


def test_make_run_with_another_city_dir_stops_with_instructions(app_ctx):
    """`make run` calls `flask seed --if-empty` with CITY_DIR: another city is no silent mix."""
    from flask import current_app

    runner = app_ctx.test_cli_runner()
    current_app.config["CITY_DIR"] = str(MUSTERSTADT)
    try:
        result = runner.invoke(args=["seed", "--if-empty"])
    finally:
        current_app.config["CITY_DIR"] = str(DORTMUND)
    assert result.exit_code == 1
    assert "Musterstadt" in result.output and "flask city replace" in result.output
    assert runner.invoke(args=["seed", "--if-empty"]).output.startswith(
        "City Dortmund already loaded"
    )


def test_replace_on_a_database_without_reports(own_app):
    app = own_app(MUSTERSTADT, seed=DORTMUND)
    result = app.test_cli_runner().invoke(args=["city", "replace", str(MUSTERSTADT)])
    assert result.exit_code == 0, result.output
    assert "City replaced (Dortmund →" in result.output
    with app.app_context():
        assert counts() == {
            "District": 3,
            "CityBoundary": 1,
            "CategoryGroup": 3,
            "Category": 3,
            "Department": 4,
            "RoutingRule": 5,
        }
        page = app.test_client().get("/report")
        assert page.status_code == 200
        assert "Angstort" in page.text and "Müllhaufen" in page.text
        assert "Wilder Müll" not in page.text

        from app.core.enums import Channel
        from app.core.events import Actor
        from app.reports.drafts import ReportDraft
        from app.reports.intake import DraftInvalid, submit_report

        result = submit_report(
            ReportDraft(
                channel=Channel.WEB,
                category_code="muellhaufen",
                lat=ALTSTADT[0],
                lon=ALTSTADT[1],
            ),
            Actor("resident", "test"),
        )
        db.session.commit()
        assert result.reference.startswith("MS-")
        assert result.department_name == "Bauhof Musterstadt"
        with pytest.raises(DraftInvalid):  # Dortmund is outside Musterstadt now
            submit_report(
                ReportDraft(
                    channel=Channel.WEB,
                    category_code="muellhaufen",
                    lat=FRIEDENSPLATZ[0],
                    lon=FRIEDENSPLATZ[1],
                ),
                Actor("resident", "test"),
            )
        db.session.rollback()


def test_replace_is_refused_while_reports_exist(own_app):
    app = own_app(DORTMUND, seed=DORTMUND)
    with app.app_context():
        from app.core.enums import Channel
        from app.core.events import Actor
        from app.reports.drafts import ReportDraft
        from app.reports.intake import submit_report

        submit_report(
            ReportDraft(
                channel=Channel.WEB,
                category_code="wilder-muell",
                lat=FRIEDENSPLATZ[0],
                lon=FRIEDENSPLATZ[1],
            ),
            Actor("resident", "test"),
        )
        db.session.commit()
        before = counts()
    result = app.test_cli_runner().invoke(args=["city", "replace", str(MUSTERSTADT)])
    assert result.exit_code == 1
    assert "This database holds 1 report(s) of Dortmund" in result.output
    assert "nothing was changed" in result.output
    assert "DATABASE_URL" in result.output
    with app.app_context():
        assert counts() == before


def test_replace_with_a_broken_configuration_removes_nothing(own_app, tmp_path):
    broken = edited_copy(
        MUSTERSTADT, tmp_path / "broken", lambda c: c["routing_rules"][0].update(group="abfal")
    )
    app = own_app(DORTMUND, seed=DORTMUND)
    result = app.test_cli_runner().invoke(args=["city", "replace", str(broken)])
    assert result.exit_code == 1
    assert 'unknown category group "abfal"' in result.output
    with app.app_context():
        assert counts()["District"] == 12


# --- running processes see changes ------------------------------------------------------------


def test_a_running_app_sees_a_seed_update_from_another_process(own_app, tmp_path):
    """Before: outlines and boundary were cached per process until a restart."""
    directory = tmp_path / "city"
    shutil.copytree(MUSTERSTADT, directory)
    app = own_app(directory, seed=directory)
    client = app.test_client()
    with app.app_context():
        from app.open311.keys import create_api_key

        _key, token = create_api_key("test client")
        db.session.commit()
    east = (48.095, 11.085)  # beyond the eastern edge of Südfeld
    check = f"/open311/v2/locations/check.json?lat={east[0]}&long={east[1]}"
    headers = {"X-API-Key": token}
    assert client.get(check, headers=headers).json["inside"] is False
    names = [
        f["properties"]["name"] for f in client.get("/report/districts.geojson").json["features"]
    ]
    assert names == ["Altstadt", "Nordviertel", "Südfeld"]

    # The city grows east; another process runs `flask seed --update`.
    for name in ("bezirke.geojson", "grenze.geojson"):
        data = json.loads((directory / name).read_text(encoding="utf-8"))
        feature = data["features"][-1]
        for point in feature["geometry"]["coordinates"][0]:
            if point[0] == 11.07:
                point[0] = 11.1
        if name == "bezirke.geojson":
            feature["properties"]["bezeichnung"] = "Südfeld-Ost"
        (directory / name).write_text(json.dumps(data), encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("FLASK_")},
        "FLASK_APP": "wsgi.py",
        "FLASK_SKIP_DOTENV": "1",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CITY_DIR": str(directory),
    }
    done = subprocess.run(  # noqa: S603 (our own CLI)
        [sys.executable, "-m", "flask", "seed", "--update"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "updated 1 districts, 1 boundaries" in done.stdout

    assert client.get(check, headers=headers).json["inside"] is True
    names = [
        f["properties"]["name"] for f in client.get("/report/districts.geojson").json["features"]
    ]
    assert names == ["Altstadt", "Nordviertel", "Südfeld-Ost"]


def test_the_worker_sees_a_change_at_its_next_round(own_app, tmp_path):
    """The worker has no requests: it compares the city version at every round."""
    app = own_app(MUSTERSTADT, seed=MUSTERSTADT)
    from app.forwarding.worker import run
    from app.geo.service import district_index

    with app.app_context():
        assert district_index().district_at(*NORDVIERTEL).name == "Nordviertel"
    # Another process renames the district and raises the version (as `flask seed --update`).
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE district SET name = 'Neuviertel' WHERE number = '2'"))
        conn.execute(sa.text("UPDATE city_state SET version = version + 1"))
    engine.dispose()
    with app.app_context():
        assert district_index().district_at(*NORDVIERTEL).name == "Nordviertel"  # cached
    run(app, once=True)
    with app.app_context():
        assert district_index().district_at(*NORDVIERTEL).name == "Neuviertel"


def test_a_process_whose_city_dir_names_another_city_says_so(own_app, caplog):
    app = own_app(DORTMUND, seed=DORTMUND)
    result = app.test_cli_runner().invoke(args=["city", "replace", str(MUSTERSTADT)])
    assert f"Now set CITY_DIR={MUSTERSTADT}" in result.output
    # Alembic's logging configuration (run by own_app) replaced the root handlers.
    logger = logging.getLogger("app.cities.settings")
    logger.addHandler(caplog.handler)
    try:
        app.test_client().get("/report")
    finally:
        logger.removeHandler(caplog.handler)
    assert "The database holds the city 'Musterstadt', but CITY_DIR" in caplog.text
