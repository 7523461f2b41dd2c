"""The README's table of city.json keys is the one printed from the schema, and every key
Dortmund and Musterstadt use is in it."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from app.cities.schema import schema_rows, schema_table

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from city_schema_table import readme_table  # noqa: E402


def test_readme_table_matches_the_schema():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert readme_table(text) == schema_table(), (
        "README's city.json table is out of date: .venv/bin/python "
        "scripts/city_schema_table.py --write"
    )


def _paths(value, prefix=""):
    if isinstance(value, dict):
        for key, sub in value.items():
            yield f"{prefix}{key}"
            if isinstance(sub, dict | list):
                yield from _paths(sub, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                yield from _paths(item, prefix[:-1] + "[].")


def test_every_key_the_cities_use_is_documented():
    documented = {path for path, _type, _meaning in schema_rows()}
    for directory in (ROOT / "app/cities/dortmund", ROOT / "tests/fixtures/musterstadt"):
        city = json.loads((directory / "city.json").read_text(encoding="utf-8"))
        used = set()
        for key, value in city.items():
            used.add(key)
            if key in ("hotspots", "open_data", "statistics"):
                continue  # documented as a whole
            if isinstance(value, list | dict):
                used |= set(_paths(value, f"{key}."))
        used = {p for p in used if p.split(".")[-1] not in ("de", "en", "tr", "ar")}
        used = {p for p in used if ".names." not in p and "values[]." not in p}
        assert "categories[].attributes[].datatype" in used
        assert used - documented == set(), directory.name
