"""The Dortmund defaults: loaded once, loading again changes nothing; another city loads too."""

from __future__ import annotations

import json
import shutil

import sqlalchemy as sa

from app.catalogue.models import Category
from app.cities.seed import load_city
from app.extensions import db
from app.geo.models import District
from app.routing.models import Department, RoutingRule


def counts():
    return {
        model.__name__: db.session.execute(
            sa.select(sa.func.count()).select_from(model)
        ).scalar_one()
        for model in (District, Category, Department, RoutingRule)
    }


def test_dortmund_defaults_are_there(app_ctx):
    assert counts() == {"District": 12, "Category": 17, "Department": 7, "RoutingRule": 8}
    emails = db.session.execute(sa.select(Department.email)).scalars().all()
    assert all(e.endswith(".invalid") for e in emails)
    numbers = set(db.session.execute(sa.select(District.number)).scalars())
    assert {"7", "07", "00", "04"} <= numbers
    district_rules = (
        db.session.execute(sa.select(RoutingRule).where(RoutingRule.district_id.is_not(None)))
        .scalars()
        .all()
    )
    assert [r.district.name for r in district_rules] == ["Innenstadt-Nord"]


def test_seeding_twice_changes_nothing(app_ctx):
    before = counts()
    summary = load_city(app_ctx.config["CITY_DIR"])
    db.session.commit()
    assert summary.added == {}
    assert counts() == before


def test_admin_edits_survive_a_reseed_unless_update_is_asked(app_ctx, reseed_city):
    edg = db.session.execute(sa.select(Department).filter_by(code="edg")).scalar_one()
    edg.email = "tickets@edg.example.invalid"
    db.session.commit()
    load_city(app_ctx.config["CITY_DIR"])
    db.session.commit()
    assert edg.email == "tickets@edg.example.invalid"
    summary = load_city(app_ctx.config["CITY_DIR"], update=True)
    db.session.commit()
    assert edg.email == "meldungen@edg.example.invalid"
    assert summary.updated == {"departments": 1}


def test_another_city_loads_its_own_configuration(app_ctx, reseed_city, tmp_path):
    """A city directory with its own city.json (here: Dortmund's files, renamed rules)."""
    source = app_ctx.config["CITY_DIR"]
    city_dir = tmp_path / "othertown"
    shutil.copytree(source, city_dir)
    city = json.loads((city_dir / "city.json").read_text(encoding="utf-8"))
    city["departments"].append(
        {"code": "buergerbuero", "name": "Bürgerbüro", "email": "buero@example.invalid"}
    )
    city["routing_rules"].append(
        {"key": "sonstiges", "category": "sonstiges", "department": "buergerbuero"}
    )
    (city_dir / "city.json").write_text(json.dumps(city), encoding="utf-8")
    summary = load_city(city_dir)
    db.session.commit()
    assert summary.added == {"departments": 1, "routing rules": 1}
    from app.core.enums import Channel
    from app.core.events import Actor
    from app.reports.drafts import ReportDraft
    from app.reports.intake import submit_report

    result = submit_report(
        ReportDraft(channel=Channel.WEB, category_code="sonstiges", lat=51.5136, lon=7.4653),
        Actor("resident", "test"),
    )
    assert result.department_name == "Bürgerbüro"


def test_seed_if_empty_leaves_a_loaded_city_alone(app_ctx, reseed_city):
    """`make run` seeds with --if-empty: a rule an admin deleted does not come back."""
    rule = db.session.execute(sa.select(RoutingRule).filter_by(key="gruen")).scalar_one()
    db.session.delete(rule)
    db.session.commit()
    result = app_ctx.test_cli_runner().invoke(args=["seed", "--if-empty"])
    assert "already loaded" in result.output
    assert (
        db.session.execute(sa.select(RoutingRule).filter_by(key="gruen")).scalar_one_or_none()
        is None
    )
