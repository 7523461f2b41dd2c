"""The load test's reference: a bare Flask app that does the least each request type of the
mix needs, on the product's own database, served by the same gunicorn settings.

Same paths as the product, so the load generator sends the very same requests to both:

- ``POST /open311/v2/requests.json``: check the API key by its hash (one SELECT), insert one row
  into ``bare_report``, answer the new id as JSON. With a photo (``media``): decode it at the
  kept size (Pillow ``draft`` + ``thumbnail``), write it without metadata and a thumbnail, then
  the row — the least a photo intake that removes metadata must do.
- ``GET /r/<reference>``: the report joined with its category and district, one small page.
- ``GET /open311/v2/requests.json``: the newest ``BARE_LIST_SIZE`` reports (as many as the
  product answers by default; the load test asks the product first) with their category, as JSON.
- ``GET /karte/clusters.json``: the grid aggregate of public points in the box, as JSON (the
  same grid size as the product's at that zoom).
- ``POST /login`` and ``GET /inbox``: a signed session cookie with the user's id; the inbox reads
  the user's departments, the first 50 open reports of them with category and district, and the
  counts per status, and renders a table.

``create_bare_app()`` builds one; gunicorn serves ``app``, made from the environment:
``DATABASE_URL``, ``SECRET_KEY``, ``BARE_LIST_SIZE``, ``BARE_PHOTO_DIR``.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, abort, render_template_string, request, session
from PIL import Image

from config import normalise_database_url

KEPT_SIZE = 2048
THUMB_SIZE = 400
OPEN_STATUSES = ("new", "in_review", "in_progress", "forwarded", "reopened")

metadata = sa.MetaData()
bare_report = sa.Table(
    "bare_report",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("service_code", sa.String(64)),
    sa.Column("description", sa.Text),
    sa.Column("lat", sa.Float),
    sa.Column("lon", sa.Float),
    sa.Column("photo", sa.String(80)),
)

STATUS_PAGE = """<!doctype html><html lang="de"><title>{{ r.reference }}</title>
<h1>{{ r.names["de"] }}</h1><p>{{ r.district }} · {{ r.status }} · {{ r.created_at }}</p>
<p>{{ r.description }}</p>
<p>{{ "%.4f"|format(r.public_lat) }}, {{ "%.4f"|format(r.public_lon) }}</p>
</html>"""

INBOX_PAGE = """<!doctype html><html lang="de"><title>Eingang</title>
<ul>{% for status, n in counts %}<li>{{ status }}: {{ n }}</li>{% endfor %}</ul>
<table>{% for r in rows %}<tr><td><a href="/inbox/{{ r.reference }}">{{ r.reference }}</a></td>
<td>{{ r.code }}</td><td>{{ r.district }}</td><td>{{ r.status }}</td><td>{{ r.created_at }}</td>
<td>{{ r.description }}</td></tr>{% endfor %}</table></html>"""

CLUSTERS = {
    "postgresql": """
SELECT count(*) AS n, avg(public_lat) AS lat, avg(public_lon) AS lon FROM report
WHERE public_lat BETWEEN :a AND :b AND public_lon BETWEEN :c AND :d
GROUP BY floor((public_lat + 90.0) / :dlat), floor((public_lon + 180.0) / :dlon)
ORDER BY n DESC LIMIT 2500""",
    "sqlite": """
SELECT count(*) AS n, avg(public_lat) AS lat, avg(public_lon) AS lon FROM report
WHERE public_lat BETWEEN :a AND :b AND public_lon BETWEEN :c AND :d
GROUP BY CAST((public_lat + 90.0) / :dlat AS INTEGER), CAST((public_lon + 180.0) / :dlon AS INTEGER)
ORDER BY n DESC LIMIT 2500""",
}


def _iso(value) -> str:
    """A timestamp as ISO text (SQLite hands raw SQL's timestamps over as text already)."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _photo(upload, photo_dir: Path) -> str:
    source = Image.open(io.BytesIO(upload.read()))
    source.draft("RGB", (KEPT_SIZE, KEPT_SIZE))
    image = source.convert("RGB")
    image.thumbnail((KEPT_SIZE, KEPT_SIZE))
    name = uuid.uuid4().hex
    photo_dir.mkdir(parents=True, exist_ok=True)
    image.save(photo_dir / f"{name}.jpg", "JPEG", quality=85)
    image.thumbnail((THUMB_SIZE, THUMB_SIZE))
    image.save(photo_dir / f"{name}-thumb.jpg", "JPEG", quality=80)
    return name


def create_bare_app(
    database_url: str, list_size: int = 50, photo_dir: Path | None = None, secret: str = ""
) -> Flask:
    """The bare app on ``database_url`` (the product's schema plus ``bare_report``)."""
    app = Flask("bare")
    app.config["SECRET_KEY"] = secret or "bare-bench"
    engine = sa.create_engine(normalise_database_url(database_url), pool_pre_ping=True)
    photo_dir = photo_dir or Path(tempfile.gettempdir()) / "qm-bare-photos"

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/open311/v2/requests.json")
    def create_request():
        digest = hashlib.sha256(request.form.get("api_key", "").encode()).hexdigest()
        upload = request.files.get("media")
        photo = _photo(upload, photo_dir) if upload is not None else None
        with engine.begin() as conn:
            if (
                conn.execute(
                    sa.text("SELECT id FROM api_key WHERE key_hash = :h"), {"h": digest}
                ).first()
                is None
            ):
                abort(403)
            new_id = conn.execute(
                bare_report.insert()
                .values(
                    service_code=request.form["service_code"],
                    description=request.form.get("description", ""),
                    lat=float(request.form["lat"]),
                    lon=float(request.form["long"]),
                    photo=photo,
                )
                .returning(bare_report.c.id)
            ).scalar_one()
        return [{"service_request_id": f"BARE-{new_id}"}], 201

    @app.get("/r/<reference>")
    def status(reference: str):
        with engine.connect() as conn:
            row = conn.execute(
                sa.text(
                    "SELECT report.reference, report.status, report.description,"
                    " report.created_at, report.public_lat, report.public_lon, category.names,"
                    " district.name AS district"
                    " FROM report JOIN category ON category.id = report.category_id"
                    " LEFT JOIN district ON district.id = report.district_id"
                    " WHERE report.reference = :ref"
                ),
                {"ref": reference.upper()},
            ).first()
        if row is None:
            abort(404)
        names = row.names if isinstance(row.names, dict) else json.loads(row.names)
        return render_template_string(STATUS_PAGE, r={**row._asdict(), "names": names})

    @app.get("/open311/v2/requests.json")
    def list_requests():
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT report.reference, report.status, report.description, report.created_at,"
                    " report.updated_at, report.public_lat, report.public_lon, category.code"
                    " FROM report JOIN category ON category.id = report.category_id"
                    " ORDER BY report.created_at DESC, report.id DESC LIMIT :n"
                ),
                {"n": list_size},
            ).all()
        return [
            {
                "service_request_id": r.reference,
                "status": "closed" if r.status in ("resolved", "not_resolvable") else "open",
                "service_code": r.code,
                "description": r.description,
                "requested_datetime": _iso(r.created_at),
                "updated_datetime": _iso(r.updated_at),
                "lat": r.public_lat,
                "long": r.public_lon,
            }
            for r in rows
        ]

    @app.get("/karte/clusters.json")
    def clusters():
        from app.publicmap.grid import BBox, grid_for

        min_lon, min_lat, max_lon, max_lat = (float(v) for v in request.args["bbox"].split(","))
        grid = grid_for(
            int(request.args["zoom"]), BBox(min_lon, min_lat, max_lon, max_lat), 51.5136
        )
        params = {"a": min_lat, "b": max_lat, "c": min_lon, "d": max_lon}
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(CLUSTERS[engine.dialect.name]),
                {**params, "dlat": grid.d_lat, "dlon": grid.d_lon},
            ).all()
        return {
            "total": sum(r.n for r in rows),
            "clusters": [{"count": r.n, "lat": r.lat, "lon": r.lon} for r in rows],
        }

    @app.post("/login")
    def login():
        with engine.connect() as conn:
            user_id = conn.execute(
                sa.text("SELECT id FROM user_account WHERE email = :e"),
                {"e": request.form["email"].strip().lower()},
            ).scalar()
        if user_id is None:
            abort(401)
        session["uid"] = user_id
        return "", 204

    @app.get("/inbox/")
    def inbox():
        uid = session.get("uid")
        if uid is None:
            abort(401)
        with engine.connect() as conn:
            departments = (
                conn.execute(
                    sa.text("SELECT department_id FROM user_department WHERE user_id = :u"),
                    {"u": uid},
                )
                .scalars()
                .all()
            )
            where = sa.text("report.department_id IN :d AND report.status IN :s").bindparams(
                sa.bindparam("d", expanding=True), sa.bindparam("s", expanding=True)
            )
            params = {"d": list(departments) or [-1], "s": list(OPEN_STATUSES)}
            rows = conn.execute(
                sa.select(
                    sa.text(
                        "report.reference, report.status, report.description, report.created_at,"
                        " category.code, district.name AS district"
                    )
                )
                .select_from(
                    sa.text(
                        "report JOIN category ON category.id = report.category_id"
                        " LEFT JOIN district ON district.id = report.district_id"
                    )
                )
                .where(where)
                .order_by(sa.text("report.created_at DESC, report.id DESC"))
                .limit(50),
                params,
            ).all()
            counts = conn.execute(
                sa.select(sa.text("report.status, count(*)"))
                .select_from(sa.text("report"))
                .where(
                    sa.text("report.department_id IN :d").bindparams(
                        sa.bindparam("d", expanding=True)
                    )
                )
                .group_by(sa.text("report.status")),
                {"d": params["d"]},
            ).all()
        return render_template_string(INBOX_PAGE, rows=rows, counts=counts)

    return app


app = create_bare_app(
    os.environ.get("DATABASE_URL", "sqlite://"),
    int(os.environ.get("BARE_LIST_SIZE", "50")),
    Path(os.environ["BARE_PHOTO_DIR"]) if os.environ.get("BARE_PHOTO_DIR") else None,
    os.environ.get("SECRET_KEY", ""),
)
