"""The cluster grid of the public map (pure: no Flask, no database).

A map at zoom ``z`` is ``256 · 2^z`` pixels around the world; a grid cell is about
``CELL_PX`` pixels square on the screen: ``360° / 2^z / (256 / CELL_PX)`` of longitude, and
that times ``cos(reference latitude)`` of latitude (a degree of latitude looks longer than one
of longitude away from the equator). The reference latitude is the city's, so the grid stays
the same while the map is panned. Cells are numbered from the south-west corner of the world
(``floor((lat + 90) / d_lat)``, ``floor((lon + 180) / d_lon)``), so the numbers are never
negative.

A bounding box much larger than the zoom suggests would ask for a huge grid: the cells are
doubled until at most ``MAX_CELLS`` cover the box, so no answer holds more cells than that.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

TILE_PX = 256
CELL_PX = 64
MAX_ZOOM = 20
MAX_CELLS = 2500  # 50 × 50: about three times a large screen's grid


@dataclass(frozen=True)
class BBox:
    min_lon: float
    min_lat: float
    max_lon: float
    max_lat: float


@dataclass(frozen=True)
class Grid:
    d_lat: float
    d_lon: float

    def row(self, lat: float) -> int:
        return math.floor((lat + 90.0) / self.d_lat)

    def col(self, lon: float) -> int:
        return math.floor((lon + 180.0) / self.d_lon)

    def cells_over(self, bbox: BBox) -> int:
        rows = self.row(bbox.max_lat) - self.row(bbox.min_lat) + 1
        cols = self.col(bbox.max_lon) - self.col(bbox.min_lon) + 1
        return rows * cols


def grid_for(zoom: int, bbox: BBox, reference_lat: float) -> Grid:
    """The cells of ``zoom`` (see the module docstring), doubled until ``bbox`` needs at most
    ``MAX_CELLS`` of them."""
    d_lon = 360.0 / (2**zoom) / (TILE_PX / CELL_PX)
    squash = max(0.05, math.cos(math.radians(max(-89.0, min(89.0, reference_lat)))))
    grid = Grid(d_lat=d_lon * squash, d_lon=d_lon)
    while grid.cells_over(bbox) > MAX_CELLS:
        grid = Grid(d_lat=grid.d_lat * 2, d_lon=grid.d_lon * 2)
    return grid
