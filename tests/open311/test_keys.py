"""API keys: created by a CLI command that prints the key once, stored only as a hash, listed,
revoked; the rate limit per key (429 with Retry-After)."""

from __future__ import annotations

import hashlib

import pytest
from limits import parse

from app import create_app
from app.extensions import db
from app.open311.keys import ActiveKey, find_active_key
from app.open311.models import ApiKey
from config import TestConfig
from tests.open311.conftest import API, FRIEDENSPLATZ


def cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    return result


def test_create_prints_the_key_once_and_stores_only_its_hash(app_ctx):
    result = cli(app_ctx, "api-keys", "create", "telegram-bot")
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token.startswith("qm_") and len(token) > 40
    key = db.session.execute(db.select(ApiKey)).scalar_one()
    assert key.name == "telegram-bot"
    assert key.key_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in (key.key_hash, key.prefix)
    assert find_active_key(token) == ActiveKey(id=key.id, name="telegram-bot")

    listed = cli(app_ctx, "api-keys", "list")
    assert "telegram-bot" in listed.output and "active" in listed.output
    assert token not in listed.output


def test_names_are_unique(app_ctx):
    assert cli(app_ctx, "api-keys", "create", "app").exit_code == 0
    again = cli(app_ctx, "api-keys", "create", "app")
    assert again.exit_code != 0 and "already" in again.output


def test_revoke_makes_the_key_useless(app_ctx, client):
    token = cli(app_ctx, "api-keys", "create", "old-app").output.strip().splitlines()[-1]
    result = cli(app_ctx, "api-keys", "revoke", "old-app")
    assert result.exit_code == 0 and "revoked" in result.output
    assert find_active_key(token) is None
    assert "revoked" in cli(app_ctx, "api-keys", "list").output
    response = client.post(
        f"{API}/requests.json",
        data={
            "api_key": token,
            "service_code": "littering",
            "lat": FRIEDENSPLATZ[0],
            "long": FRIEDENSPLATZ[1],
        },
    )
    assert response.status_code == 403


def test_revoking_an_unknown_name_fails(app_ctx):
    result = cli(app_ctx, "api-keys", "revoke", "nobody")
    assert result.exit_code != 0 and "no key" in result.output


def test_list_without_keys_says_how_to_make_one(app_ctx):
    assert "api-keys create" in cli(app_ctx, "api-keys", "list").output


# --- rate limit --------------------------------------------------------------------------------


@pytest.fixture
def limited_app(app, app_ctx):
    """Makes a second app on the same database with rate limiting switched on."""
    made = []

    def make(limit: str | None):
        config = TestConfig()
        config.SQLALCHEMY_DATABASE_URI = app.config["SQLALCHEMY_DATABASE_URI"]
        config.PHOTO_STORAGE_DIR = app.config["PHOTO_STORAGE_DIR"]
        config.RATELIMIT_ENABLED = True
        config.RATELIMIT_STORAGE_URI = "memory://"
        if limit is not None:
            config.OPEN311_RATE_LIMIT = limit
        made.append(create_app(config))
        return made[-1]

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_default_limit_is_2000_per_minute_per_key(limited_app, api_key, monkeypatch):
    monkeypatch.delenv("OPEN311_RATE_LIMIT", raising=False)
    limited = limited_app(None)
    assert limited.config["OPEN311_RATE_LIMIT"] == "2000/minute"
    limiter = limited.extensions["open311_limiter"]
    seen = []

    @limited.after_request
    def remember_the_limit(response):
        seen.append(limiter.current_limit)
        return response

    response = limited.test_client().get(f"{API}/services.json", query_string={"api_key": api_key})
    assert response.status_code == 200
    [current] = seen
    assert current.limit == parse("2000/minute")
    assert current.remaining == 1999
    assert f"/key:{find_active_key(api_key).id}/" in current.key  # counted per key


def test_too_many_requests_from_one_key_get_429_with_retry_after(limited_app, api_key):
    limited = limited_app("3/minute")
    client = limited.test_client()
    form = {"api_key": api_key, "service_code": "littering", "lat": "91", "long": "7.46"}
    statuses = [client.post(f"{API}/requests.json", data=form).status_code for _ in range(3)]
    assert statuses == [400, 400, 400]  # counted, even when refused
    # GETs with the same key share the budget of the key.
    response = client.get(f"{API}/requests.xml", query_string={"api_key": api_key})
    assert response.status_code == 429
    assert 1 <= int(response.headers["Retry-After"]) <= 61  # the rest of the minute
    assert b"<code>429</code>" in response.data
    # Another client (no key: limited by address) is not affected by this key's budget.
    other = client.get(f"{API}/services.json", environ_base={"REMOTE_ADDR": "127.0.0.9"})
    assert other.status_code == 200


def test_ensure_writes_a_working_key_once(app_ctx, tmp_path):
    """`make run` keeps the bot's key in a file: created once, reused while it is active."""
    import os

    from app.open311.keys import find_active_key, revoke_api_key

    runner = app_ctx.test_cli_runner()
    path = tmp_path / "instance" / "bot-api-key"
    first = runner.invoke(args=["api-keys", "ensure", "telegram-bot", "--file", str(path)])
    assert "created" in first.output
    token = path.read_text().strip()
    assert find_active_key(token) is not None
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"
    again = runner.invoke(args=["api-keys", "ensure", "telegram-bot", "--file", str(path)])
    assert "is active" in again.output
    assert path.read_text().strip() == token
    revoke_api_key("telegram-bot")
    db.session.commit()
    runner.invoke(args=["api-keys", "ensure", "telegram-bot", "--file", str(path)])
    assert path.read_text().strip() != token
    assert find_active_key(path.read_text().strip()).name == "telegram-bot-2"
