"""District lookup per point and photo processing of a 12-megapixel JPEG (with and without
anonymisation: benchmarks/anonymisation.py)."""

from __future__ import annotations

import json
import random
from pathlib import Path

from shapely.geometry import Point, shape

from app.geo.index import DistrictIndex
from app.photos.pipeline import PhotoLimits, process_photo
from benchmarks.common import best_of, line

CITY = Path(__file__).resolve().parent.parent / "app" / "cities" / "dortmund"


def district_lookup() -> None:
    districts = json.loads((CITY / "dortmund_stadtbezirke.geojson").read_text(encoding="utf-8"))
    boundary = json.loads((CITY / "dortmund_stadtgrenze.geojson").read_text(encoding="utf-8"))
    index = DistrictIndex.from_geojson(districts, boundary)
    rng = random.Random(42)
    points = [(rng.uniform(51.42, 51.60), rng.uniform(7.31, 7.63)) for _ in range(2000)]
    polygons = [(f["properties"]["name"], shape(f["geometry"])) for f in districts["features"]]

    def ours():
        for lat, lon in points:
            index.district_at(lat, lon)  # includes the city-boundary check

    def naive():  # the plain way: every polygon, unprepared
        for lat, lon in points:
            p = Point(lon, lat)
            next((name for name, poly in polygons if poly.contains(p)), None)

    t_ours = best_of(ours, repeat=3) / len(points)
    t_naive = best_of(naive, repeat=3) / len(points)
    line(
        "district lookup + boundary check per point",
        f"{t_ours * 1e6:.1f} µs",
        f"plain shapely scan {t_naive * 1e6:.1f} µs",
        "ok" if t_ours <= t_naive else "SLOWER",
    )


def photo_processing() -> None:
    """The photo pipeline (decoded at the kept size) beside Pillow decoding the whole 12-MP
    JPEG and resizing it, then the same with anonymisation and the detector's quality."""
    from benchmarks import anonymisation

    data = anonymisation.twelve_megapixel_photo()
    limits = PhotoLimits()

    t_pillow = best_of(
        lambda: anonymisation.pillow_full_decode_and_resize(data, limits.max_side), repeat=5
    )
    t_ours = best_of(lambda: process_photo(data, limits), repeat=5)
    ratio = t_ours / t_pillow
    line(
        "photo pipeline, 12 MP JPEG",
        f"{t_ours * 1000:.0f} ms",
        f"½ Pillow full decode+resize {t_pillow * 500:.0f} ms",
        f"ok (×{ratio:.2f})" if ratio <= 0.5 else f"SLOWER (×{ratio:.2f})",
    )
    anonymisation.run(data, t_pillow)
