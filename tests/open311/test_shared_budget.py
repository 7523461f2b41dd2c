"""An API key's budget shared by several web processes through Redis, counted in batches where it
is large (``OPEN311_RATE_LIMIT_BATCH``): never exceeded, and every request counted."""

from __future__ import annotations

import time
import uuid

import pytest
import redis

from app import create_app
from app.extensions import db
from app.open311.keys import find_active_key
from config import TestConfig
from tests.redis_server import REDIS, redis_answers

API = "/open311/v2"


@pytest.fixture
def web_processes(app, app_ctx):
    """``web_processes(limit, n=2, batch=32)``: n apps on the test database counting the API's
    budget in Redis under this test's own prefix, as n gunicorn workers do."""
    if not redis_answers():
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"qm-test-{uuid.uuid4().hex}"
    made = []

    def make(limit: str, n: int = 2, batch: int = 32):
        for _ in range(n):
            config = TestConfig()
            config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
            config.PHOTO_STORAGE_DIR = app.config["PHOTO_STORAGE_DIR"]
            config.RATELIMIT_ENABLED = True
            config.RATELIMIT_STORAGE_URI = REDIS
            config.RATELIMIT_STORAGE_OPTIONS = {"key_prefix": prefix}  # type: ignore[attr-defined]
            config.OPEN311_RATE_LIMIT = limit
            config.OPEN311_RATE_LIMIT_BATCH = batch
            made.append(create_app(config))
        return made[-n:]

    make.prefix = prefix  # type: ignore[attr-defined]
    yield make
    connection = redis.Redis.from_url(REDIS)
    for key in connection.scan_iter(f"{prefix}*"):
        connection.delete(key)
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _stored(web_processes, api_key: str) -> list[bytes]:
    """The Redis key of the API key's budget (none before its first request)."""
    key = find_active_key(api_key)
    assert key is not None
    return list(redis.Redis.from_url(REDIS).scan_iter(f"{web_processes.prefix}*/key:{key.id}/*"))


def _counted(web_processes, api_key: str) -> int:
    """What Redis holds for the key's budget: the requests counted in this window."""
    [stored] = _stored(web_processes, api_key)
    value = redis.Redis.from_url(REDIS).get(stored)
    assert isinstance(value, bytes)
    return int(value)


def test_two_processes_never_answer_more_than_the_budget(web_processes, api_key):
    """500 a minute: batches of 5 (1 % of it). Both processes ask by turns until both are
    refused: exactly the budget is answered, whichever process took which batch."""
    processes = web_processes("500/minute")
    clients = [process.test_client() for process in processes]
    query = {"api_key": api_key}
    answered = {0: 0, 1: 0}
    refused = {0: 0, 1: 0}
    for turn in range(1200):
        which = turn % 2
        status = clients[which].get(f"{API}/services.json", query_string=query).status_code
        assert status in (200, 429)
        if status == 200:
            assert not refused[which], "answered after a refusal in the same window"
            answered[which] += 1
        else:
            refused[which] += 1
    assert answered[0] + answered[1] == 500
    assert answered[0] > 0 and answered[1] > 0
    assert refused[0] and refused[1]


def test_a_batch_is_one_round_trip_for_many_requests(web_processes, api_key):
    """Redis counts a batch when it is taken: after one request it holds 10 (1 % of 1000);
    the next nine requests of that process add nothing, the eleventh takes the next batch."""
    [process] = web_processes("1000/minute", n=1)
    client = process.test_client()
    query = {"api_key": api_key}
    assert client.get(f"{API}/services.json", query_string=query).status_code == 200
    assert _counted(web_processes, api_key) == 10
    for _ in range(9):
        assert client.get(f"{API}/services.json", query_string=query).status_code == 200
    assert _counted(web_processes, api_key) == 10
    assert client.get(f"{API}/services.json", query_string=query).status_code == 200
    assert _counted(web_processes, api_key) == 20


def test_a_batch_is_not_used_past_its_window(web_processes, api_key, monkeypatch):
    """A process whose clock says the window is over takes a new batch rather than using what
    is left of the old one (in the new window that would be more than the budget)."""
    [process] = web_processes("1000/minute", n=1)
    client = process.test_client()
    query = {"api_key": api_key}
    assert client.get(f"{API}/services.json", query_string=query).status_code == 200
    assert _counted(web_processes, api_key) == 10
    later = time.time() + 61
    monkeypatch.setattr("app.open311.limits.time.time", lambda: later)
    assert client.get(f"{API}/services.json", query_string=query).status_code == 200
    assert _counted(web_processes, api_key) == 20  # a new batch, though nine of the first were left


def test_small_budgets_and_batch_1_count_every_request(web_processes, api_key):
    """Under 200 a window (1 % would be under 2), or with ``OPEN311_RATE_LIMIT_BATCH=1``, Redis
    holds every request as it is made."""
    for limit, batch in (("150/minute", 32), ("5000/minute", 1)):
        [process] = web_processes(limit, n=1, batch=batch)
        client = process.test_client()
        for n in (1, 2, 3):
            response = client.get(f"{API}/services.json", query_string={"api_key": api_key})
            assert response.status_code == 200
            assert _counted(web_processes, api_key) == n
        redis.Redis.from_url(REDIS).delete(*_stored(web_processes, api_key))


def test_a_process_forgets_the_batches_of_past_windows(web_processes, monkeypatch):
    """Requests without a key count per address: a process serving many addresses keeps the
    batches of the current window only, not one per address it ever saw."""
    monkeypatch.setattr("app.open311.limits._BATCHES_KEPT", 5)
    [process] = web_processes("1000/minute", n=1)
    limiter = process.extensions["open311_limiter"]
    client = process.test_client()

    def ask(n: int) -> None:
        address = {"REMOTE_ADDR": f"127.0.{n // 250}.{n % 250 + 1}"}
        assert client.get(f"{API}/services.json", environ_base=address).status_code == 200

    for n in range(5):
        ask(n)
    assert len(limiter._batches) == 5
    later = time.time() + 61
    monkeypatch.setattr("app.open311.limits.time.time", lambda: later)
    ask(5)
    assert len(limiter._batches) == 1  # the five of the last window are gone
