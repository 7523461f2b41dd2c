"""District lookup per point and photo processing of a 12-megapixel JPEG."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path

from PIL import Image
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
    rng = random.Random(7)
    img = Image.radial_gradient("L").resize((4000, 3000)).convert("RGB")
    noise = Image.effect_noise((4000, 3000), 40).convert("RGB")
    img = Image.blend(img, noise, 0.3)
    del rng
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    data = buf.getvalue()
    limits = PhotoLimits()

    def ours():
        process_photo(data, limits)

    def pillow_only():  # decode + bounded size + thumbnail + encode, nothing else
        im = Image.open(io.BytesIO(data))
        im.draft("RGB", (limits.max_side, limits.max_side))
        im = im.convert("RGB")
        im.thumbnail((limits.max_side, limits.max_side))
        out = io.BytesIO()
        im.save(out, "JPEG", quality=limits.jpeg_quality)
        thumb = im.copy()
        thumb.thumbnail((limits.thumb_side, limits.thumb_side))
        thumb.save(io.BytesIO(), "JPEG", quality=limits.jpeg_quality)

    t_ours = best_of(ours, repeat=3)
    t_pillow = best_of(pillow_only, repeat=3)
    ratio = t_ours / t_pillow
    line(
        "photo pipeline, 12 MP JPEG",
        f"{t_ours * 1000:.0f} ms",
        f"Pillow alone {t_pillow * 1000:.0f} ms (×1.5 = {t_pillow * 1500:.0f} ms)",
        f"ok (×{ratio:.2f})" if ratio <= 1.5 else f"SLOWER (×{ratio:.2f})",
    )
