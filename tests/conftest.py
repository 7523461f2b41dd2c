"""Shared fixtures: one app and one migrated, seeded database per test session; every test
starts from the seeded city with no reports (rows added by a test are removed after it)."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest
import sqlalchemy as sa

os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
os.environ.setdefault("no_proxy", "127.0.0.1,localhost")

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402

# Tables holding what residents and staff create; the seeded city configuration stays.
RUNTIME_TABLES = (
    "stat_report",
    "stat_cell_detail",
    "stat_cell",
    "submission_key",
    "delivery_attempt",
    "delivery",
    "report_event",
    "reporter_contact",
    "report_photo",
    "report_copy",
    "report_supporter",
    "user_department",
    "user_account",
    "report",
    "reference_counter",
    "api_key",
)
CITY_TABLES = (
    "response_template",
    "routing_rule",
    "category_attribute",
    "category",
    "category_group",
    "department",
    "district",
    "city_boundary",
)


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if not isinstance(host, str):
        return True
    if host in {"localhost", ""}:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a host name other than localhost: would need DNS and the internet


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch):
    """Fail any outbound connection that is not to this machine."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    def guarded_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise AssertionError(f"test tried to reach the network: {address!r}")
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_ex)


def _reset_database(engine: sa.Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA public"))
    else:
        path = engine.url.database
        engine.dispose()
        if path and Path(path).exists():
            Path(path).unlink()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    config = TestConfig()
    if config.SQLALCHEMY_DATABASE_URI in {"sqlite://", "sqlite:///:memory:"}:
        # A file, so that a live server thread and the test see the same database.
        config.SQLALCHEMY_DATABASE_URI = (
            f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        )
    config.PHOTO_STORAGE_DIR = str(tmp_path_factory.mktemp("photos"))
    app = create_app(config)
    with app.app_context():
        from flask_migrate import upgrade

        from app.cities.seed import load_city

        _reset_database(db.engine)
        upgrade()
        load_city(app.config["CITY_DIR"])
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _clear(tables) -> None:
    db.session.rollback()
    for table in tables:
        db.session.execute(sa.text(f"DELETE FROM {table}"))  # noqa: S608 (fixed names)
    db.session.commit()


@pytest.fixture
def app_ctx(app, tmp_path, monkeypatch):
    """An app context; photos go to this test's own directory; the database is cleaned after."""
    monkeypatch.setitem(app.config, "PHOTO_STORAGE_DIR", str(tmp_path / "photos"))
    app.extensions.pop("qm_login_throttle", None)  # failed log-ins of earlier tests
    with app.app_context():
        yield app
        _clear(RUNTIME_TABLES)
        db.session.remove()


@pytest.fixture
def client(app_ctx):
    return app_ctx.test_client()


@pytest.fixture
def reseed_city(app_ctx):
    """For tests that change categories, departments or rules: the city is loaded anew after."""
    yield
    from app.cities.seed import load_city
    from app.geo.service import forget_district_index

    _clear(RUNTIME_TABLES + CITY_TABLES)
    load_city(app_ctx.config["CITY_DIR"])
    db.session.commit()
    forget_district_index()


@pytest.fixture
def photo_dir(app_ctx) -> Path:
    return Path(app_ctx.config["PHOTO_STORAGE_DIR"])


def stored_files(directory: Path) -> list[Path]:
    return [p for p in directory.rglob("*") if p.is_file()] if directory.exists() else []


from tests.fakes.nominatim import fake_nominatim  # noqa: E402, F401  (pytest fixture)


@pytest.fixture
def geocoding(app_ctx, fake_nominatim, monkeypatch):  # noqa: F811 (the imported fixture)
    """The app geocodes through a fake Nominatim on 127.0.0.1 (returned for control)."""
    monkeypatch.setitem(app_ctx.config, "GEOCODER_URL", fake_nominatim.url)
    monkeypatch.setitem(app_ctx.config, "GEOCODER_TIMEOUT", 1.0)
    app_ctx.extensions.pop("qm_geocoder", None)
    yield fake_nominatim
    app_ctx.extensions.pop("qm_geocoder", None)


@pytest.fixture
def make_user(app_ctx):
    """Factory: ``make_user(role="caseworker", departments=("edg",))`` → a committed User."""
    from app.auth.models import Role
    from app.auth.services import create_user

    counter = iter(range(1, 10_000))

    def factory(
        role="caseworker", departments=("edg",), password="a long test password", name=None
    ):
        n = next(counter)
        user = create_user(
            f"{role}{n}@example.invalid",
            name or f"{role.title()} {n}",
            password,
            Role(role),
            departments if role == "caseworker" else (),
        )
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_report(app_ctx):
    """Factory: ``make_report("papierkorb-voll", (lat, lon), **draft_fields)`` → a committed
    Report, made through the intake service like every other report."""
    from app.core.enums import Channel
    from app.core.events import Actor
    from app.reports.drafts import ReportDraft
    from app.reports.intake import submit_report

    def factory(category="papierkorb-voll", point=(51.5136, 7.4653), **fields):
        if category == "unsicherer-ort":
            fields.setdefault("attributes", {"time_of_day": "night", "reasons": ["deserted"]})
        result = submit_report(
            ReportDraft(
                channel=Channel.WEB, category_code=category, lat=point[0], lon=point[1], **fields
            ),
            Actor("resident", "test"),
        )
        db.session.commit()
        return result.report

    return factory
