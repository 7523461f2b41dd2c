"""The city a database holds, and the version of its configuration."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model


class CityState(Model):
    """One row (id 1): the loaded city's name (one city per installation) and a version that
    every seed, update and replace raises; processes compare it to drop their caches."""

    __tablename__ = "city_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(sa.String(120))
    version: Mapped[int] = mapped_column(sa.Integer, default=0)
