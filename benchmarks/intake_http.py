"""Intake throughput over HTTP (Open311 POST, no photo) vs. a bare Flask endpoint that
inserts one row into the same database, both behind the same local server, in the same run.

The API's rate limiter is on, as in production: counting in Redis (``BENCH_REDIS_URL``; in
memory when no Redis answers, said in the output), and the bench's client has a key whose budget
(``OPEN311_RATE_LIMIT``, set high here as an operator sets it for a trusted bot) it never
exhausts, so every request pays for the limiter's key lookup and counting. The two sides take
turns (ours, bare, ours, bare, …) so that load from other processes on the machine falls on
both; each side's figure is the median of its turns.
"""

from __future__ import annotations

import os
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from benchmarks.common import line
from benchmarks.setup import bench_app, live_server

REQUESTS = 400  # per turn
# Per side. Seven: with five, the same code's figure ranged ÷1.8 to ÷2.2 over a few runs.
TURNS = 7
CLIENTS = 4
TRUSTED_BOT_LIMIT = "1000000/minute"
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _limiter_storage() -> str:
    """Redis as in production when it answers, else the process's memory."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError:
        return "memory://"
    return REDIS_URL


def _rate(client: httpx.Client, url: str, data: dict) -> float:
    def one(_):
        response = client.post(url, data=data)
        assert response.status_code in (200, 201), response.text[:300]

    start = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, range(REQUESTS)))
    return REQUESTS / (time.perf_counter() - start)


def _bare_app(database_url: str) -> Flask:
    """The limit: a Flask endpoint inserting one row, nothing else (its pool hands out
    connections in the app's order, the one returned last first)."""
    bare = Flask("bare")
    engine = sa.create_engine(database_url, pool_use_lifo=True)
    table = sa.Table(
        "bare_row",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("description", sa.Text),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
    )
    table.create(engine, checkfirst=True)

    @bare.post("/insert")
    def insert():
        from flask import request

        with engine.begin() as conn:
            conn.execute(
                table.insert().values(
                    description=request.form["description"],
                    lat=float(request.form["lat"]),
                    lon=float(request.form["long"]),
                )
            )
        return {"ok": True}, 201

    return bare


def limited_app(database_url: str | None) -> tuple[Flask, str, str, str]:
    """(app with the rate limiter on, an API key for it, its database URL, the limiter's
    storage) on a fresh database."""
    from app.open311.keys import create_api_key

    storage = _limiter_storage()
    app = bench_app(
        database_url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=storage,
        OPEN311_RATE_LIMIT=TRUSTED_BOT_LIMIT,
    )
    with app.app_context():
        _, token = create_api_key("bench")
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    return app, token, url, storage


def intake_throughput(database_url: str | None = None, label: str = "SQLite") -> None:
    app, token, url, storage = limited_app(database_url)
    assert app.extensions["open311_limiter"].enabled, "the rate limiter must be on"
    data = {
        "api_key": token,
        "service_code": "papierkorb-voll",
        "lat": "51.5136",
        "long": "7.4653",
        "description": "Papierkorb am Markt quillt über",
    }
    bare_data = {k: data[k] for k in ("description", "lat", "long")}
    ours: list[float] = []
    bare: list[float] = []
    with (
        live_server(app) as ours_base,
        live_server(_bare_app(url)) as bare_base,
        httpx.Client(timeout=30, trust_env=False) as client,
    ):
        ours_url, bare_url = f"{ours_base}/open311/v2/requests.json", f"{bare_base}/insert"
        client.post(ours_url, data=data)  # warm-up: caches, connections
        client.post(bare_url, data=bare_data)
        for _ in range(TURNS):
            ours.append(_rate(client, ours_url, data))
            bare.append(_rate(client, bare_url, bare_data))
    ours_rate, bare_rate = statistics.median(ours), statistics.median(bare)
    # Each turn's own ratio (ours against the bare turn right after it), beside the medians'
    # one: how much the turns agree on a busy machine.
    spread = turn_spread(ours, bare)
    line(
        f"intake over HTTP, no photo, limiter on ({label})"
        + ("" if storage.startswith("redis") else " [limits in memory]"),
        f"{ours_rate:.0f} reports/s",
        f"bare insert {bare_rate:.0f}/s (½ = {bare_rate / 2:.0f}/s)",
        f"ok (÷{bare_rate / ours_rate:.1f}; {spread})"
        if ours_rate >= bare_rate / 2
        else f"SLOWER (÷{bare_rate / ours_rate:.1f}; {spread})",
    )


def turn_spread(ours: list[float], bare: list[float]) -> str:
    """The range of each turn's bare rate over ours, e.g. "7 turns ÷1.7–2.2"."""
    ratios = [b / o for o, b in zip(ours, bare, strict=True)]
    return f"{len(ratios)} turns ÷{min(ratios):.1f}–{max(ratios):.1f}"
