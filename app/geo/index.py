"""Point-in-district lookup and small geodesy helpers (pure: no Flask, no DB).

Coordinates are WGS84 degrees.  Public functions take ``(lat, lon)`` in that
order; GeoJSON and shapely use ``(lon, lat)`` internally.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point, Polygon, mapping, shape
from shapely.ops import nearest_points, unary_union

__all__ = [
    "EARTH_RADIUS_M",
    "DistrictArea",
    "DistrictIndex",
    "bounding_box",
    "coarse_point",
    "distance_m",
    "is_valid_coordinate",
]

log = logging.getLogger(__name__)

EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius
_M_PER_DEG_LAT = EARTH_RADIUS_M * math.pi / 180.0


# --------------------------------------------------------------------------- helpers


def _as_float(value: Any) -> float | None:
    # bool is an int subclass but "True" is never a coordinate; strings are
    # rejected so that form input has to be parsed deliberately by the caller.
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, np.number)):
        return None
    try:
        return float(value)
    except (OverflowError, ValueError):
        return None


def is_valid_coordinate(lat: Any, lon: Any) -> bool:
    """True for finite numbers with -90 <= lat <= 90 and -180 <= lon <= 180."""
    la, lo = _as_float(lat), _as_float(lon)
    if la is None or lo is None:
        return False
    return math.isfinite(la) and math.isfinite(lo) and -90.0 <= la <= 90.0 and -180.0 <= lo <= 180.0


def _require_valid(lat: Any, lon: Any) -> tuple[float, float]:
    if not is_valid_coordinate(lat, lon):
        raise ValueError(f"invalid coordinate: lat={lat!r}, lon={lon!r}")
    return float(lat), float(lon)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle (haversine) distance in metres."""
    la1, lo1 = _require_valid(lat1, lon1)
    la2, lo2 = _require_valid(lat2, lon2)
    p1, p2 = math.radians(la1), math.radians(la2)
    dp, dl = p2 - p1, math.radians(lo2 - lo1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def bounding_box(lat: float, lon: float, radius_m: float) -> tuple[float, float, float, float]:
    """``(min_lat, min_lon, max_lat, max_lon)`` enclosing the circle of ``radius_m``.

    Meant as an index-friendly SQL prefilter; follow up with :func:`distance_m`.
    If the circle reaches a pole or crosses the antimeridian the longitude range
    widens to -180..180 so that a plain ``BETWEEN`` stays a superset.
    """
    la, lo = _require_valid(lat, lon)
    if not (isinstance(radius_m, (int, float)) and math.isfinite(radius_m) and radius_m >= 0):
        raise ValueError(f"invalid radius: {radius_m!r}")
    r = radius_m / EARTH_RADIUS_M  # angular radius
    phi, lam = math.radians(la), math.radians(lo)
    min_phi, max_phi = phi - r, phi + r
    if min_phi <= -math.pi / 2 or max_phi >= math.pi / 2 or r >= math.pi / 2:
        min_phi, max_phi = max(min_phi, -math.pi / 2), min(max_phi, math.pi / 2)
        min_lam, max_lam = -math.pi, math.pi
    else:
        # Widest longitude extent of a spherical circle; r/cos(phi) would be
        # slightly too small away from the equator.
        d_lam = math.asin(min(1.0, math.sin(r) / math.cos(phi)))
        min_lam, max_lam = lam - d_lam, lam + d_lam
        if min_lam < -math.pi or max_lam > math.pi:
            min_lam, max_lam = -math.pi, math.pi
    pad = 1e-9  # degrees (~0.1 mm): keeps points exactly on the circle inside despite rounding
    return (
        max(-90.0, math.degrees(min_phi) - pad),
        max(-180.0, math.degrees(min_lam) - pad),
        min(90.0, math.degrees(max_phi) + pad),
        min(180.0, math.degrees(max_lam) + pad),
    )


def coarse_point(lat: float, lon: float, cell_m: float = 250) -> tuple[float, float]:
    """Snap to the centre of a ~``cell_m`` square grid cell (for public display).

    The grid is fixed (anchored at 0/0), so every point in a cell maps to the
    same centre and the result is stable and idempotent; the exact location
    cannot be recovered.  Displacement is at most half the cell diagonal
    (~177 m for 250 m cells).
    """
    la, lo = _require_valid(lat, lon)
    if not (isinstance(cell_m, (int, float)) and math.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"invalid cell size: {cell_m!r}")
    d_lat = cell_m / _M_PER_DEG_LAT
    row = math.floor(la / d_lat)
    lat_c = max(-90.0, min(90.0, (row + 0.5) * d_lat))
    # Cell width is derived from the row's centre latitude, not the point's,
    # so all points of one row share the same longitude grid.
    cos_c = max(math.cos(math.radians(lat_c)), 1e-6)
    d_lon = min(360.0, cell_m / (_M_PER_DEG_LAT * cos_c))
    col = math.floor((lo + 180.0) / d_lon)
    lon_c = (col + 0.5) * d_lon - 180.0
    lon_c = max(-180.0, min(180.0, lon_c))
    return round(lat_c, 6), round(lon_c, 6)


# --------------------------------------------------------------------------- index


@dataclass(frozen=True)
class DistrictArea:
    """One district as handed to :class:`DistrictIndex`."""

    key: Hashable  # the caller's id, e.g. a DB primary key
    number: str
    name: str
    # GeoJSON geometry; excluded from hash (dicts are unhashable) and repr (huge).
    geometry: dict = field(hash=False, repr=False)


class _LocalProjection:
    """Equirectangular projection to metres around a fixed origin.

    Good to a fraction of a percent across a city, which is all the
    "how far outside" message and the sliver tolerance need.
    """

    def __init__(self, lat0: float, lon0: float) -> None:
        self.lat0, self.lon0 = lat0, lon0
        self.ky = _M_PER_DEG_LAT
        self.kx = _M_PER_DEG_LAT * math.cos(math.radians(lat0))

    def geometry(self, geom):
        return shapely.transform(geom, self._forward)

    def _forward(self, coords: np.ndarray) -> np.ndarray:
        out = np.empty_like(coords)
        out[:, 0] = (coords[:, 0] - self.lon0) * self.kx
        out[:, 1] = (coords[:, 1] - self.lat0) * self.ky
        return out

    def xy(self, lat: float, lon: float) -> tuple[float, float]:
        return (lon - self.lon0) * self.kx, (lat - self.lat0) * self.ky

    def point(self, lat: float, lon: float) -> Point:
        return Point(*self.xy(lat, lon))

    def inverse(self, x: float, y: float) -> tuple[float, float]:
        return self.lat0 + y / self.ky, self.lon0 + x / self.kx


def _polygonal(geometry: Mapping[str, Any], what: str):
    """GeoJSON geometry -> valid shapely (Multi)Polygon, or ValueError."""
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed input
        raise ValueError(f"{what}: unreadable GeoJSON geometry ({exc})") from exc
    if not isinstance(geom, (Polygon, MultiPolygon)):
        raise ValueError(f"{what}: expected Polygon or MultiPolygon, got {geom.geom_type}")
    if not geom.is_valid:
        # Exports sometimes carry self-touching rings; repair instead of failing
        # and keep only the areal parts.
        repaired = shapely.make_valid(geom)
        parts = [
            g
            for g in getattr(repaired, "geoms", [repaired])
            if isinstance(g, (Polygon, MultiPolygon))
        ]
        geom = unary_union(parts)
    if geom.is_empty:
        raise ValueError(f"{what}: empty geometry")
    return geom


class DistrictIndex:
    """Find the district for a coordinate; answer "is this inside the city?".

    * Points on a shared border (or vertex) resolve to the district that sorts
      first by ``(number, name)`` - independent of the input order.
    * A point inside the city but in a gap between district polygons (digitising
      slivers) gets the nearest district; a point inside the city never comes
      back without a district.  Gaps wider than ``snap_tolerance_m`` are still
      assigned but logged, because they point at inconsistent data.
    * ``district_at`` returns ``None`` exactly when ``in_city`` is False.

    Instances are immutable and safe to share between threads.
    """

    def __init__(
        self,
        districts: Iterable[DistrictArea],
        boundary: dict | None = None,
        *,
        snap_tolerance_m: float = 30.0,
    ) -> None:
        areas = sorted(districts, key=lambda d: (d.number, d.name, repr(d.key)))
        if not areas:
            raise ValueError("DistrictIndex needs at least one district")
        keys = [d.key for d in areas]
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate district keys")
        self._areas: tuple[DistrictArea, ...] = tuple(areas)
        self._by_key = {d.key: d for d in areas}
        self.snap_tolerance_m = float(snap_tolerance_m)

        raw = [_polygonal(d.geometry, f"district {d.number!r} ({d.name})") for d in areas]
        raw_boundary = _polygonal(boundary, "boundary") if boundary is not None else None

        origin = (raw_boundary or unary_union(raw)).centroid
        self._proj = _LocalProjection(lat0=origin.y, lon0=origin.x)

        # All geometry work happens in the projected metre plane, so distances
        # and tolerances are metres and point-in-polygon is unchanged (affine map).
        self._geoms = [self._proj.geometry(g) for g in raw]
        if raw_boundary is not None:
            self._boundary = self._proj.geometry(raw_boundary)
        else:
            # Morphological closing fills slivers between districts so they
            # count as "in the city"; the outer edge is left as it is apart
            # from notches narrower than the tolerance.
            tol = self.snap_tolerance_m
            self._boundary = unary_union(self._geoms).buffer(tol).buffer(-tol)
        self._tree = shapely.STRtree(self._geoms)
        # Plain-Python bounding boxes: for a dozen districts, filtering on these is cheaper
        # than building a shapely Point and querying the tree for every lookup.
        self._bounds = [(i, *g.bounds) for i, g in enumerate(self._geoms)]

        for g in (*self._geoms, self._boundary):
            shapely.prepare(g)
        # Warm up lazily built GEOS structures (tree, point locators) once
        # here, so concurrent first queries from request threads don't race.
        probe = self._boundary.representative_point()
        self._boundary.covers(probe)
        shapely.intersects_xy(self._boundary, probe.x, probe.y)
        for g in self._geoms:
            g.covers(probe)
            shapely.intersects_xy(g, probe.x, probe.y)
        self._tree.query(probe)
        self._tree.query_nearest(probe)

    # -- construction ------------------------------------------------------------------

    @classmethod
    def from_geojson(
        cls,
        districts_fc: dict,
        boundary_fc: dict | None,
        key_property: str = "stadtbezirk_nr",
        number_property: str = "stadtbezirk_nr",
        name_property: str = "name",
        **kwargs: Any,
    ) -> DistrictIndex:
        """Build from a districts FeatureCollection and an optional boundary.

        ``boundary_fc`` may be a FeatureCollection (features are unioned), a
        Feature or a bare geometry.  Property values for the number are kept
        as strings verbatim ("7" and "07" are different districts).
        """
        features = _features(districts_fc, "districts")
        areas = []
        for i, feat in enumerate(features):
            props = feat.get("properties") or {}
            missing = [
                p
                for p in (key_property, number_property, name_property)
                if props.get(p) in (None, "")
            ]
            if missing:
                raise ValueError(f"district feature #{i} lacks properties {missing}")
            areas.append(
                DistrictArea(
                    key=props[key_property],
                    number=str(props[number_property]),
                    name=str(props[name_property]),
                    geometry=feat.get("geometry") or {},
                )
            )
        boundary = None
        if boundary_fc is not None:
            geoms = [f.get("geometry") for f in _features(boundary_fc, "boundary")]
            if len(geoms) == 1:
                boundary = geoms[0]
            else:
                merged = unary_union([_polygonal(g or {}, "boundary") for g in geoms])
                boundary = mapping(merged)
        return cls(areas, boundary, **kwargs)

    # -- queries -----------------------------------------------------------------------

    @property
    def districts(self) -> tuple[DistrictArea, ...]:
        """All districts, sorted by ``(number, name)``."""
        return self._areas

    def get(self, key: Hashable) -> DistrictArea | None:
        return self._by_key.get(key)

    def __len__(self) -> int:
        return len(self._areas)

    def in_city(self, lat: float, lon: float) -> bool:
        """True if the point lies inside (or on) the city boundary."""
        if not is_valid_coordinate(lat, lon):
            return False
        x, y = self._proj.xy(float(lat), float(lon))
        # intersects_xy on a prepared polygon == covers(point), without building a Point.
        return bool(shapely.intersects_xy(self._boundary, x, y))

    def district_at(self, lat: float, lon: float) -> DistrictArea | None:
        """The district containing the point, or ``None`` outside the city."""
        if not is_valid_coordinate(lat, lon):
            return None
        x, y = self._proj.xy(float(lat), float(lon))
        # Indices follow the sorted order, so the first hit is the deterministic
        # tie-break for points on shared borders.
        hit = next(
            (
                i
                for i, min_x, min_y, max_x, max_y in self._bounds
                if min_x <= x <= max_x
                and min_y <= y <= max_y
                and shapely.intersects_xy(self._geoms[i], x, y)
            ),
            None,
        )
        if not shapely.intersects_xy(self._boundary, x, y):
            return None
        if hit is not None:
            return self._areas[hit]
        pt = Point(x, y)
        idx, dist = self._tree.query_nearest(pt, all_matches=True, return_distance=True)
        best = int(min(idx))
        if float(dist.min()) > self.snap_tolerance_m:
            log.warning(
                "point %.6f,%.6f is inside the city but %.0f m from any district; "
                "assigning nearest (%s) - check the district data",
                lat,
                lon,
                float(dist.min()),
                self._areas[best].name,
            )
        return self._areas[best]

    def distance_outside_m(self, lat: float, lon: float) -> float:
        """Approximate distance in metres from the boundary; 0.0 inside.

        The nearest boundary point is found in the local plane and the distance
        to it measured with haversine, so far-away points stay sensible too.
        Raises ValueError for invalid coordinates.
        """
        la, lo = _require_valid(lat, lon)
        pt = self._proj.point(la, lo)
        if self._boundary.covers(pt):
            return 0.0
        _, nearest = nearest_points(pt, self._boundary)
        n_lat, n_lon = self._proj.inverse(nearest.x, nearest.y)
        n_lat = max(-90.0, min(90.0, n_lat))
        n_lon = max(-180.0, min(180.0, n_lon))
        return distance_m(la, lo, n_lat, n_lon)


def _features(obj: Mapping[str, Any], what: str) -> list[Mapping[str, Any]]:
    if not isinstance(obj, Mapping):
        raise ValueError(f"{what}: expected a GeoJSON object")
    kind = obj.get("type")
    if kind == "FeatureCollection":
        feats = list(obj.get("features") or [])
    elif kind == "Feature":
        feats = [obj]
    elif kind in ("Polygon", "MultiPolygon"):
        feats = [{"type": "Feature", "properties": {}, "geometry": obj}]
    else:
        raise ValueError(f"{what}: unsupported GeoJSON type {kind!r}")
    if not feats:
        raise ValueError(f"{what}: no features")
    return feats
