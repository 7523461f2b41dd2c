"""The city configuration and API keys are cached per process, and a change made in one process
is seen by the next request of another: two app instances on one database stand for two web
processes (each has its own caches and connections)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from app import create_app
from app.catalogue.models import Category
from app.extensions import db
from app.geo.models import District
from app.open311 import keys
from app.reports.models import Report
from app.routing.models import Department
from config import TestConfig
from tests.admin.conftest import PASSWORD, csrf_token
from tests.open311.conftest import (
    API,
    api_key,  # noqa: F401  (fixture)
)

HOERDE = (51.4886, 7.5126)


@pytest.fixture
def other_process(app_ctx) -> Iterator:
    """A second app instance on the test's database, as another web process would be."""
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = app_ctx.config["SQLALCHEMY_DATABASE_URI"]
    config.PHOTO_STORAGE_DIR = app_ctx.config["PHOTO_STORAGE_DIR"]
    other = create_app(config)
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def admin_client(app, email: str):
    """A logged-in admin's browser on ``app`` (its requests run in ``app``'s own context)."""
    client = app.test_client()
    response = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 302
    client.get("/admin/?lang=en")
    return client


def admin_post(client, path: str, data: dict):
    return client.post(path, data={"csrf_token": csrf_token(client, "/admin/"), **data})


def report(client, token: str, point=HOERDE, **form):
    return client.post(
        f"{API}/requests.json",
        data={
            "api_key": token,
            "service_code": "papierkorb-voll",
            "lat": str(point[0]),
            "long": str(point[1]),
            **form,
        },
        headers={"Accept-Language": "en"},
    )


def department_of(response) -> str:
    """The department the report of this answer went to, as the database has it."""
    assert response.status_code == 200, response.get_data(as_text=True)
    [answer] = response.get_json()
    db.session.rollback()
    return db.session.execute(
        sa.select(Department.code)
        .join(Report, Report.department_id == Department.id)
        .where(Report.reference == answer["service_request_id"])
    ).scalar_one()


def ids(**codes) -> dict[str, int]:
    db.session.rollback()
    found = {}
    for name, (model, column, value) in codes.items():
        found[name] = db.session.execute(
            sa.select(model.id).where(getattr(model, column) == value)
        ).scalar_one()
    db.session.rollback()
    return found


def test_a_rule_added_in_one_process_routes_the_next_report_in_another(
    client, api_key, make_user, other_process, reseed_city
):
    assert department_of(report(client, api_key)) == "edg"  # this process has cached the rules
    admin = make_user("admin")
    known = ids(
        category=(Category, "code", "papierkorb-voll"),
        district=(District, "name", "Hörde"),
        department=(Department, "code", "gruenflaechen"),
    )
    response = admin_post(
        admin_client(other_process, admin.email),
        "/admin/rules/new",
        {
            "action": "route",
            "target": f"category:{known['category']}",
            "district": str(known["district"]),
            "condition": "",
            "department": str(known["department"]),
            "note": "Hörde räumt Papierkörbe selbst",
            "is_active": "y",
            "position": "1",
        },
    )
    assert response.status_code == 302
    answer = report(client, api_key)
    assert department_of(answer) == "gruenflaechen"
    assert "(rule 1: Litter bin full, Hörde)" in answer.get_json()[0]["service_notice"]


def test_a_question_added_in_one_process_is_asked_by_the_next_report_in_another(
    client, api_key, make_user, other_process, reseed_city
):
    assert report(client, api_key).status_code == 200
    admin = make_user("admin")
    category = ids(category=(Category, "code", "papierkorb-voll"))["category"]
    response = admin_post(
        admin_client(other_process, admin.email),
        f"/admin/categories/{category}/questions/new",
        {
            "code": "menge",
            "datatype": "singlevaluelist",
            "label_de": "Wie viel?",
            "label_en": "How much?",
            "values": "wenig = ein bisschen | a little\nviel = sehr viel | a lot\n",
            "is_required": "y",
        },
    )
    assert response.status_code == 302
    refused = report(client, api_key)
    assert refused.status_code == 400, refused.get_data(as_text=True)
    assert "How much?" in refused.get_json()[0]["description"]
    assert report(client, api_key, **{"attribute[menge]": "viel"}).status_code == 200


def test_a_category_switched_off_in_one_process_is_refused_at_once_in_another(
    client, api_key, other_process, reseed_city
):
    assert report(client, api_key).status_code == 200
    with other_process.app_context():  # a CLI or admin change there, committed
        db.session.execute(
            sa.update(Category).where(Category.code == "papierkorb-voll").values(is_active=False)
        )
        db.session.commit()
    refused = report(client, api_key)
    assert refused.status_code == 404
    assert "papierkorb-voll" in refused.get_json()[0]["description"]


def test_a_key_revoked_in_one_process_is_refused_at_once_in_another(client, api_key, other_process):
    assert report(client, api_key).status_code == 200  # this process has the key cached
    with other_process.app_context():
        keys.revoke_api_key("test client")
        db.session.commit()
    refused = report(client, api_key)
    assert refused.status_code == 403
    assert "not valid" in refused.get_json()[0]["description"]


def test_a_key_revoked_past_the_orm_is_refused_when_its_cache_time_is_over(
    client, api_key, monkeypatch
):
    """Raw SQL raises no version: a process that has the key cached accepts it until the
    entry is ``KEY_CACHE_SECONDS`` old (the cache's clock is moved here, not waited for)."""
    now = [1000.0]
    monkeypatch.setattr(keys, "clock", lambda: now[0])
    assert report(client, api_key).status_code == 200
    db.session.execute(sa.text("UPDATE api_key SET revoked_at = CURRENT_TIMESTAMP"))
    db.session.commit()
    now[0] += keys.KEY_CACHE_SECONDS - 1
    assert report(client, api_key).status_code == 200
    now[0] += 2
    assert report(client, api_key).status_code == 403


def test_a_key_revoked_in_this_process_is_refused_by_its_next_request(client, api_key):
    assert report(client, api_key).status_code == 200
    keys.revoke_api_key("test client")
    db.session.commit()
    assert report(client, api_key).status_code == 403


def test_a_department_renamed_in_another_process_is_named_in_the_next_answer(
    client, api_key, reseed_city
):
    """The answer's routing words are made once per decision and kept: a department renamed
    by another process (here by SQL on a connection of its own, raising the city version as
    every change does) is named by the very next answer."""
    first = report(client, api_key)
    assert department_of(first) == "edg"
    assert "Renamed waste company" not in first.get_json()[0]["service_notice"]
    with db.engine.begin() as other:
        other.execute(
            sa.update(Department)
            .where(Department.code == "edg")
            .values(names={"de": "Umbenannte Entsorgung", "en": "Renamed waste company"})
        )
        other.execute(sa.text("UPDATE city_state SET version = version + 1 WHERE id = 1"))
    answer = report(client, api_key)
    assert department_of(answer) == "edg"
    assert "Renamed waste company" in answer.get_json()[0]["service_notice"]
