"""Intake throughput over HTTP (Open311 POST, no photo) vs. a bare Flask endpoint that
inserts one row into the same database, both behind the same local server."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from benchmarks.common import line
from benchmarks.setup import bench_app, live_server

REQUESTS = 400
CLIENTS = 4


def _rate(url: str, data: dict) -> float:
    with httpx.Client(timeout=30, trust_env=False) as client:
        client.post(url, data=data)  # warm-up

        def one(_):
            response = client.post(url, data=data)
            assert response.status_code in (200, 201), response.text[:300]

        start = time.perf_counter()
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(one, range(REQUESTS)))
        return REQUESTS / (time.perf_counter() - start)


def _bare_app(database_url: str) -> Flask:
    """The limit: a Flask endpoint inserting one row, nothing else."""
    bare = Flask("bare")
    engine = sa.create_engine(database_url)
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


def intake_throughput(database_url: str | None = None, label: str = "SQLite") -> None:
    from app.open311.keys import create_api_key

    app = bench_app(database_url)
    with app.app_context():
        _, token = create_api_key("bench")
        db.session.commit()
        url = db.engine.url.render_as_string(hide_password=False)
    data = {
        "api_key": token,
        "service_code": "papierkorb-voll",
        "lat": "51.5136",
        "long": "7.4653",
        "description": "Papierkorb am Markt quillt über",
    }
    with live_server(app) as base:
        ours = _rate(f"{base}/open311/v2/requests.json", data)
    with live_server(_bare_app(url)) as base:
        bare = _rate(f"{base}/insert", {k: data[k] for k in ("description", "lat", "long")})
    ratio = bare / ours
    line(
        f"intake over HTTP, no photo ({label})",
        f"{ours:.0f} reports/s",
        f"bare insert endpoint {bare:.0f}/s (÷4 = {bare / 4:.0f}/s)",
        f"ok (÷{ratio:.1f})" if ours >= bare / 4 else f"SLOWER (÷{ratio:.1f})",
    )
