"""The public map's cluster endpoint at a million reports, beside the same grid aggregate in
raw SQL, on the database ``benchmarks.inbox.filled_app`` filled (SQLite and PostgreSQL).

Two views: the whole city at a low zoom (every report is aggregated) and a district-sized box
at a middle zoom. The endpoint is asked through the WSGI app (routing, parameters, the query,
the details of clusters of one, JSON); the raw SQL is the bare aggregate with the same grid.
Each figure is the 95th percentile of ``ROUNDS`` requests; the limit is twice the raw SQL's.
"""

from __future__ import annotations

import os
import time

from app.extensions import db
from app.publicmap.grid import MAX_CELLS, BBox, grid_for
from benchmarks.common import line
from benchmarks.inbox import scale_label

ROUNDS = int(os.environ.get("BENCH_MAP_ROUNDS", "20"))
# The bench reports lie in 51.5–51.6 °N, 7.4–7.5 °E (benchmarks/inbox.py).
VIEWS = (
    ("city z11", BBox(7.30, 51.40, 7.65, 51.62), 11),
    ("district z14", BBox(7.44, 51.53, 7.49, 51.56), 14),
)
CITY_LAT = 51.5136

RAW_SQLITE = """
SELECT count(*) AS n, avg(public_lat), avg(public_lon), min(id)
FROM report
WHERE public_lat BETWEEN {min_lat!r} AND {max_lat!r}
  AND public_lon BETWEEN {min_lon!r} AND {max_lon!r}
GROUP BY CAST((public_lat + 90.0) / {d_lat!r} AS INTEGER),
  CAST((public_lon + 180.0) / {d_lon!r} AS INTEGER)
ORDER BY n DESC
LIMIT {limit}
"""
RAW_POSTGRES = """
SELECT count(*) AS n, avg(public_lat), avg(public_lon), min(id)
FROM report
WHERE public_lat BETWEEN {min_lat!r} AND {max_lat!r}
  AND public_lon BETWEEN {min_lon!r} AND {max_lon!r}
GROUP BY floor((public_lat + 90.0) / {d_lat!r}), floor((public_lon + 180.0) / {d_lon!r})
ORDER BY n DESC
LIMIT {limit}
"""


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * len(ordered)) - 1)]


def p95_side_by_side(ours, raw) -> tuple[float, float]:
    """p95 of each, measured in alternation (and in turns going first) so that both see the
    same load on the machine."""
    for _ in range(3):  # warm caches: the first queries of a view read pages from disk
        ours(), raw()
    times: dict[str, list[float]] = {"ours": [], "raw": []}
    for round_number in range(ROUNDS):
        pair = [("ours", ours), ("raw", raw)]
        for name, fn in pair if round_number % 2 else reversed(pair):
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return _p95(times["ours"]), _p95(times["raw"])


def cluster_endpoint(app, label: str = "SQLite") -> None:
    """p95 of ``/karte/clusters.json`` beside the raw SQL aggregate, for each view."""
    client = app.test_client()
    n = scale_label()
    with app.app_context():
        raw_template = RAW_POSTGRES if db.engine.dialect.name == "postgresql" else RAW_SQLITE
        for name, bbox, zoom in VIEWS:
            grid = grid_for(zoom, bbox, CITY_LAT)
            sql = raw_template.format(
                min_lat=bbox.min_lat,
                max_lat=bbox.max_lat,
                min_lon=bbox.min_lon,
                max_lon=bbox.max_lon,
                d_lat=grid.d_lat,
                d_lon=grid.d_lon,
                limit=MAX_CELLS,
            )
            query = {
                "bbox": f"{bbox.min_lon},{bbox.min_lat},{bbox.max_lon},{bbox.max_lat}",
                "zoom": str(zoom),
            }
            raw_counts: list[int] = []

            def raw(sql=sql, raw_counts=raw_counts):
                with db.engine.connect() as conn:
                    rows = conn.exec_driver_sql(sql).fetchall()
                raw_counts[:] = [row[0] for row in rows]

            answers: list[dict] = []

            def ours(query=query, answers=answers):
                response = client.get("/karte/clusters.json", query_string=query)
                assert response.status_code == 200, response.get_data(as_text=True)
                answers[:] = [response.get_json()]

            t_ours, t_raw = p95_side_by_side(ours, raw)
            clusters = answers[0]["clusters"]
            assert sorted(c["count"] for c in clusters) == sorted(raw_counts), "not the same"
            limit = 2 * t_raw
            line(
                f"map clusters, {name}, {n} ({label})",
                f"p95 {t_ours * 1000:.1f} ms",
                f"raw SQL p95 {t_raw * 1000:.1f} ms (×2 = {limit * 1000:.1f} ms)",
                "ok" if t_ours <= limit else "SLOWER",
            )
            print(f"  ({len(clusters)} cells, {answers[0]['total']:,} reports in the box)")
