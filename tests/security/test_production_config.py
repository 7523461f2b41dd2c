"""Production settings: refuse per-process rate-limit counters (several gunicorn workers would
each count for themselves) unless explicitly allowed; HSTS; with Redis, two web processes share
the form's limits and the log-in throttling."""

from __future__ import annotations

import uuid

import pytest

from app import create_app
from app.extensions import db
from config import ProductionConfig
from tests.auth.test_login import login
from tests.redis_server import REDIS, redis_answers
from tests.web.support import RATHAUS


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "a-production-secret-for-the-test-" + uuid.uuid4().hex)
    for name in ("RATELIMIT_STORAGE_URI", "RATELIMIT_ALLOW_MEMORY", "HSTS_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_production_refuses_per_process_counters(production_env):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        ProductionConfig()


def test_one_process_may_say_so(production_env):
    production_env.setenv("RATELIMIT_ALLOW_MEMORY", "1")
    config = ProductionConfig()
    assert config.RATELIMIT_STORAGE_URI == "memory://"
    assert config.HSTS_MAX_AGE == 365 * 24 * 3600
    assert config.SESSION_COOKIE_SECURE is True


def test_redis_is_accepted(production_env):
    production_env.setenv("RATELIMIT_STORAGE_URI", REDIS)
    assert ProductionConfig().RATELIMIT_STORAGE_URI == REDIS


@pytest.fixture
def two_web_processes(app, app_ctx, production_env):
    """Two production apps on the test database sharing Redis, as two gunicorn workers do."""
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    production_env.setenv("RATELIMIT_STORAGE_URI", REDIS)
    made = []
    prefix = f"qm-test-{uuid.uuid4().hex}"  # this test's own counters in the shared Redis
    for _ in range(2):
        config = ProductionConfig()
        config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        config.GEOCODER_URL = ""
        config.SESSION_COOKIE_SECURE = False  # the test client speaks plain http
        config.NEARBY_RATE_LIMIT = "2/minute"
        config.RATELIMIT_KEY_PREFIX = prefix
        made.append(create_app(config))
    yield made
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def random_address() -> dict[str, str]:
    """A loopback address of this run: counters in Redis outlive the test."""
    n = uuid.uuid4().int
    return {"REMOTE_ADDR": f"127.{n % 250 + 1}.{n // 250 % 250 + 1}.{n // 62500 % 250 + 1}"}


def test_two_processes_share_the_limits_through_redis(two_web_processes):
    first, second = (app.test_client() for app in two_web_processes)
    address = random_address()
    query = {"category": "papierkorb-voll", "lat": RATHAUS[0], "lon": RATHAUS[1]}
    assert first.get("/report/nearby", query_string=query, environ_base=address).status_code == 200
    assert second.get("/report/nearby", query_string=query, environ_base=address).status_code == 200
    refused = first.get("/report/nearby", query_string=query, environ_base=address)
    assert refused.status_code == 429
    assert refused.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_two_processes_share_the_login_throttling_through_redis(two_web_processes):
    first, second = (app.test_client() for app in two_web_processes)
    email = f"nobody-{uuid.uuid4().hex}@example.invalid"
    address = random_address()
    for _ in range(5):
        assert login(first, email, "wrong password!!", environ_base=address).status_code == 401
    assert login(second, email, "wrong password!!", environ_base=address).status_code == 429
