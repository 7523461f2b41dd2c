"""``other_city``: the loaded city's settings with another name, reference prefix, emergency
number and map centre, so a test can see that a text follows the configuration and shows
nothing of Dortmund. The database keeps its districts; only the settings change."""

from __future__ import annotations

import dataclasses

import pytest

from app.cities import settings

NAME = "Musterstadt"
PREFIX = "MS"
EMERGENCY = "112"
CENTER = (50.1234, 8.5678)
CENTER_TEXT = ("50.1234", "8.5678")


@pytest.fixture
def other_city(app_ctx, monkeypatch):
    loaded = settings.load_city_settings(app_ctx.config["CITY_DIR"])
    changed = dataclasses.replace(
        loaded,
        name=NAME,
        reference_prefix=PREFIX,
        emergency_number=EMERGENCY,
        map_center=CENTER,
    )

    def load(directory: str) -> settings.CitySettings:
        return changed

    load.cache_clear = lambda: None  # like the cached original's
    monkeypatch.setattr(settings, "load_city_settings", load)
    return changed
