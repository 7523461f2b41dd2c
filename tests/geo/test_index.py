"""DistrictIndex against the real Dortmund data, plus the coordinate helpers."""

from __future__ import annotations

import json
import math
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from shapely.geometry import shape
from shapely.ops import unary_union

from app.geo.index import (
    DistrictArea,
    DistrictIndex,
    bounding_box,
    coarse_point,
    distance_m,
    is_valid_coordinate,
)

DATA = Path(__file__).resolve().parents[2] / "app" / "cities" / "dortmund"

# (lat, lon, expected district name).  Each was checked against the polygons and
# against published coordinates of the landmark; those marked * were corrected
# from the first draft to the landmark's actual location.
LANDMARKS = {
    "Rathaus / Friedensplatz": (51.5136, 7.4653, "Innenstadt-West"),
    "Borsigplatz*": (51.5233, 7.4817, "Innenstadt-Nord"),
    "Phoenix-See*": (51.4900, 7.5100, "Hörde"),
    "Hohensyburg (Burgruine)*": (51.4200, 7.4871, "Hörde"),
    "Zeche Zollern II/IV*": (51.5178, 7.3346, "Lütgendortmund"),
    "Aplerbecker Marktplatz": (51.4918, 7.5546, "Aplerbeck"),
    "Mengede Markt": (51.5701, 7.3880, "Mengede"),
    "Kokerei Hansa": (51.5436, 7.4060, "Huckarde"),
    "TU Dortmund Campus Nord": (51.4925, 7.4139, "Hombruch"),
}
BOCHUM_HBF = (51.4785, 7.2228)

EXPECTED_NUMBERS = {
    "00": "Innenstadt-West",
    "04": "Innenstadt-Nord",
    "07": "Innenstadt-Ost",
    "1": "Eving",
    "2": "Scharnhorst",
    "3": "Brackel",
    "4": "Aplerbeck",
    "5": "Hörde",
    "6": "Hombruch",
    "7": "Lütgendortmund",
    "8": "Huckarde",
    "9": "Mengede",
}


def _load(name: str) -> dict:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def districts_fc() -> dict:
    return _load("dortmund_stadtbezirke.geojson")


@pytest.fixture(scope="module")
def boundary_fc() -> dict:
    return _load("dortmund_stadtgrenze.geojson")


@pytest.fixture(scope="module")
def index(districts_fc, boundary_fc) -> DistrictIndex:
    return DistrictIndex.from_geojson(districts_fc, boundary_fc)


@pytest.fixture(scope="module")
def index_without_boundary(districts_fc) -> DistrictIndex:
    return DistrictIndex.from_geojson(districts_fc, None)


# --------------------------------------------------------------------------- landmarks


@pytest.mark.parametrize("label", LANDMARKS)
def test_landmark_lies_in_expected_polygon(districts_fc, label):
    # Guards the test data itself, independently of DistrictIndex.
    lat, lon, expected = LANDMARKS[label]
    pt = shape({"type": "Point", "coordinates": [lon, lat]})
    containing = [
        f["properties"]["name"]
        for f in districts_fc["features"]
        if shape(f["geometry"]).contains(pt)
    ]
    assert containing == [expected]


@pytest.mark.parametrize("label", LANDMARKS)
@pytest.mark.parametrize("which", ["index", "index_without_boundary"])
def test_landmark_district(request, which, label):
    idx = request.getfixturevalue(which)
    lat, lon, expected = LANDMARKS[label]
    district = idx.district_at(lat, lon)
    assert district is not None
    assert district.name == expected
    assert idx.in_city(lat, lon)
    assert idx.distance_outside_m(lat, lon) == 0.0


@pytest.mark.parametrize("which", ["index", "index_without_boundary"])
def test_bochum_hbf_is_outside(request, which):
    idx = request.getfixturevalue(which)
    assert idx.district_at(*BOCHUM_HBF) is None
    assert not idx.in_city(*BOCHUM_HBF)
    # Bochum Hbf is roughly 6 km west of the city limit.
    assert 3000 < idx.distance_outside_m(*BOCHUM_HBF) < 10000


def test_distance_outside_is_plausible_far_away(index):
    # Berlin: ~420 km to the Dortmund city limit.
    assert 380_000 < index.distance_outside_m(52.5200, 13.4050) < 440_000


# --------------------------------------------------------------------------- data


def test_all_twelve_districts_with_string_numbers(index):
    got = {d.number: d.name for d in index.districts}
    assert got == EXPECTED_NUMBERS
    assert len(index) == 12
    # "7" (Lütgendortmund) and "07" (Innenstadt-Ost) are distinct keys.
    assert index.get("7").name == "Lütgendortmund"
    assert index.get("07").name == "Innenstadt-Ost"
    assert index.get(7) is None


def test_custom_key_property(districts_fc, boundary_fc):
    fc = json.loads(json.dumps(districts_fc))
    for i, f in enumerate(fc["features"], start=100):
        f["properties"]["db_id"] = i
    idx = DistrictIndex.from_geojson(fc, boundary_fc, key_property="db_id")
    d = idx.district_at(*LANDMARKS["Borsigplatz*"][:2])
    assert d.number == "04"
    assert isinstance(d.key, int)
    assert idx.get(d.key) is d


def test_points_in_real_sliver_gaps_get_a_district(index, districts_fc, boundary_fc):
    # The published boundary and the union of the districts differ by hundreds
    # of tiny slivers along the edge; none of them may yield "no district".
    boundary = shape(boundary_fc["features"][0]["geometry"])
    union = unary_union([shape(f["geometry"]) for f in districts_fc["features"]])
    gaps = boundary.difference(union)
    checked = 0
    for gap in getattr(gaps, "geoms", [gaps]):
        p = gap.representative_point()
        if not boundary.contains(p) or union.covers(p):
            continue
        assert index.in_city(p.y, p.x)
        assert index.district_at(p.y, p.x) is not None
        checked += 1
    assert checked > 0


def test_every_point_in_city_has_district(index):
    # Coarse grid over the bounding box: in_city implies a district, and vice versa.
    hits = 0
    for i in range(60):
        for j in range(60):
            lat = 51.41 + i * (0.195 / 59)
            lon = 7.30 + j * (0.34 / 59)
            inside = index.in_city(lat, lon)
            assert (index.district_at(lat, lon) is not None) == inside
            hits += inside
    assert hits > 1000


# --------------------------------------------------------------------------- synthetic geometry


def _square(lon0: float, lat0: float, size: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon0, lat0],
                [lon0 + size, lat0],
                [lon0 + size, lat0 + size],
                [lon0, lat0 + size],
                [lon0, lat0],
            ]
        ],
    }


def test_shared_border_resolves_deterministically():
    west = DistrictArea("w", "2", "West", _square(7.0, 51.0, 0.01))
    east = DistrictArea("e", "1", "East", _square(7.01, 51.0, 0.01))
    on_border = (51.005, 7.01)
    a = DistrictIndex([west, east]).district_at(*on_border)
    b = DistrictIndex([east, west]).district_at(*on_border)
    assert a is not None
    assert a == b
    assert a.number == "1"  # lowest number wins, regardless of input order
    # Shared corner vertex too.
    assert DistrictIndex([west, east]).district_at(51.0, 7.01).number == "1"


def test_sliver_gap_inside_boundary_gets_nearest_district():
    gap = 0.0002  # ~14 m of longitude at 51°N
    west = DistrictArea(1, "1", "West", _square(7.0, 51.0, 0.01))
    east = DistrictArea(2, "2", "East", _square(7.01 + gap, 51.0, 0.01))
    boundary = _square(7.0, 51.0, 0.02 + gap)
    idx = DistrictIndex([west, east], boundary)
    # Slightly closer to the east square.
    p = (51.005, 7.01 + gap * 0.7)
    assert idx.in_city(*p)
    assert idx.district_at(*p).key == 2
    # Without an explicit boundary the derived one closes the sliver as well.
    idx2 = DistrictIndex([west, east])
    assert idx2.in_city(*p)
    assert idx2.district_at(*p).key == 2


def test_wide_gap_inside_boundary_still_assigned(caplog):
    west = DistrictArea(1, "1", "West", _square(7.0, 51.0, 0.01))
    east = DistrictArea(2, "2", "East", _square(7.03, 51.0, 0.01))
    idx = DistrictIndex([west, east], _square(7.0, 51.0, 0.04))
    with caplog.at_level("WARNING", logger="app.geo.index"):
        d = idx.district_at(51.005, 7.012)
    assert d.key == 1
    assert "check the district data" in caplog.text


def test_multipolygon_district_and_validation():
    multi = {
        "type": "MultiPolygon",
        "coordinates": [
            _square(7.0, 51.0, 0.01)["coordinates"],
            _square(7.05, 51.0, 0.01)["coordinates"],
        ],
    }
    idx = DistrictIndex([DistrictArea("m", "1", "Multi", multi)])
    assert idx.district_at(51.005, 7.055).key == "m"
    assert idx.district_at(51.005, 7.03) is None
    with pytest.raises(ValueError, match="at least one district"):
        DistrictIndex([])
    with pytest.raises(ValueError, match="expected Polygon"):
        DistrictIndex([DistrictArea("p", "1", "Point", {"type": "Point", "coordinates": [7, 51]})])
    dup = DistrictArea("x", "1", "A", _square(7.0, 51.0, 0.01))
    with pytest.raises(ValueError, match="duplicate district keys"):
        DistrictIndex([dup, DistrictArea("x", "2", "B", _square(7.1, 51.0, 0.01))])


def test_invalid_polygon_is_repaired():
    # A self-intersecting "bow tie" ring, as sometimes found in exports.
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[7.0, 51.0], [7.01, 51.01], [7.01, 51.0], [7.0, 51.01], [7.0, 51.0]]],
    }
    idx = DistrictIndex([DistrictArea("b", "1", "Bowtie", bowtie)])
    assert idx.district_at(51.005, 7.002).key == "b"
    assert idx.district_at(51.009, 7.005) is None


def test_concurrent_first_queries(districts_fc, boundary_fc):
    # Fresh index, many threads at once: results must match the serial answer.
    idx = DistrictIndex.from_geojson(districts_fc, boundary_fc)
    points = [LANDMARKS[k][:2] for k in LANDMARKS] * 50
    expected = [LANDMARKS[k][2] for k in LANDMARKS] * 50
    with ThreadPoolExecutor(max_workers=16) as pool:
        names = list(pool.map(lambda p: idx.district_at(*p).name, points))
    assert names == expected


def test_district_area_is_hashable_and_repr_is_short():
    d = DistrictArea("7", "7", "Lütgendortmund", _square(7.0, 51.0, 0.01))
    assert hash(d) == hash(DistrictArea("7", "7", "Lütgendortmund", _square(7.0, 51.0, 0.01)))
    assert "coordinates" not in repr(d)


# --------------------------------------------------------------------------- coordinates


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (91, 7),
        (-90.0001, 7),
        (51, 180.5),
        (51, -181),
        (math.nan, 7),
        (51, math.nan),
        (math.inf, 7),
        (51, -math.inf),
        (None, 7),
        ("51.5", "7.4"),
        (True, 7),
    ],
)
def test_invalid_coordinates(index, lat, lon):
    assert not is_valid_coordinate(lat, lon)
    assert index.district_at(lat, lon) is None
    assert not index.in_city(lat, lon)
    with pytest.raises(ValueError, match="invalid coordinate"):
        index.distance_outside_m(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"), [(0, 0), (90, 180), (-90, -180), (51.5136, 7.4653), (Decimal("51.5"), 7)]
)
def test_valid_coordinates(lat, lon):
    assert is_valid_coordinate(lat, lon)


def test_coarse_point_moves_little_and_is_stable():
    for lat, lon in [LANDMARKS[k][:2] for k in LANDMARKS] + [
        (51.50001, 7.49999),
        (-33.9, 151.2),
        (0.0, 0.0),
    ]:
        c = coarse_point(lat, lon)
        assert distance_m(lat, lon, *c) < 200
        assert coarse_point(lat, lon) == c  # deterministic
        assert coarse_point(*c) == c  # idempotent: the centre stays in its own cell


def test_coarse_point_groups_neighbours_into_cells():
    # Points a few metres apart usually share a cell; the set of distinct
    # centres over a 1 km line is ~4 (1000 m / 250 m), not one per point.
    centres = {coarse_point(51.5, 7.45 + i * 0.0001) for i in range(140)}  # ~7 m steps, ~970 m
    assert 3 <= len(centres) <= 6
    a, b = sorted(centres)[:2]
    assert 150 < distance_m(*a, *b) < 350


def test_coarse_point_rejects_bad_input():
    with pytest.raises(ValueError, match="invalid coordinate"):
        coarse_point(math.nan, 7)
    with pytest.raises(ValueError, match="invalid cell size"):
        coarse_point(51, 7, cell_m=0)


def test_distance_m_sanity():
    assert distance_m(51.5, 7.4, 51.5, 7.4) == 0.0
    # One degree of latitude ≈ 111.2 km.
    assert distance_m(51.0, 7.0, 52.0, 7.0) == pytest.approx(111_195, rel=1e-3)
    # Rathaus -> Bochum Hbf ≈ 17 km.
    assert 16_000 < distance_m(51.5136, 7.4653, *BOCHUM_HBF) < 18_000
    # Symmetric.
    assert distance_m(51.5, 7.4, 51.6, 7.5) == pytest.approx(distance_m(51.6, 7.5, 51.5, 7.4))
    with pytest.raises(ValueError, match="invalid coordinate"):
        distance_m(91, 0, 0, 0)


def _destination(lat: float, lon: float, bearing_deg: float, dist: float) -> tuple[float, float]:
    r = 6_371_008.8
    d, b = dist / r, math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lon)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), (math.degrees(l2) + 540) % 360 - 180


@pytest.mark.parametrize(
    ("lat", "lon", "radius"),
    [(51.5136, 7.4653, 500), (51.5, 7.4, 25_000), (70.0, 20.0, 100_000), (-45.0, 170.0, 3_000)],
)
def test_bounding_box_contains_the_circle(lat, lon, radius):
    min_lat, min_lon, max_lat, max_lon = bounding_box(lat, lon, radius)
    assert min_lat < lat < max_lat
    assert min_lon < lon < max_lon
    for bearing in range(0, 360, 3):
        p_lat, p_lon = _destination(lat, lon, bearing, radius)
        assert distance_m(lat, lon, p_lat, p_lon) == pytest.approx(radius, rel=1e-6)
        assert min_lat <= p_lat <= max_lat, bearing
        assert min_lon <= p_lon <= max_lon, bearing
    # ...and is not absurdly larger than it.
    assert distance_m(min_lat, lon, max_lat, lon) == pytest.approx(2 * radius, rel=1e-3)


def test_bounding_box_edge_cases():
    assert bounding_box(89.99, 0, 5_000)[1:4:2] == (-180.0, 180.0)  # pole inside
    assert bounding_box(0, 179.99, 5_000)[1:4:2] == (-180.0, 180.0)  # crosses antimeridian
    lat_min, _, lat_max, _ = bounding_box(51.5, 7.4, 0)
    assert lat_min <= 51.5 <= lat_max
    with pytest.raises(ValueError, match="invalid radius"):
        bounding_box(51.5, 7.4, -1)
