"""Districts and the city boundary, stored as GeoJSON geometries."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class District(Model):
    __tablename__ = "district"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(16), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    # Deferred: lists of reports show the district's name, and the polygon is large.
    geometry: Mapped[dict[str, Any]] = mapped_column(sa.JSON, deferred=True)
    area_km2: Mapped[float | None]

    def __repr__(self) -> str:
        return f"<District {self.number} {self.name}>"


class CityBoundary(Model):
    """The area in which reports are accepted (one row per city configuration)."""

    __tablename__ = "city_boundary"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    geometry: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
