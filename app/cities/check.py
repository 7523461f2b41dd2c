"""Checking a city directory against ``SCHEMA`` and the rules a JSON Schema cannot state: codes
that must name a group, category, department, district or question of the same file, readable
GeoJSON files, a known holiday calendar. Every problem is reported with its file, its JSON path
and a message; nothing is loaded while there is one (``app.cities.seed.load_city`` calls
``require_city`` first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.cities.schema import SCHEMA

SENSITIVE_AUTO_PUBLISH = (
    "photos of a sensitive category are never published automatically (set it to false)"
)


@dataclass(frozen=True)
class Problem:
    file: str
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.message}"


class CityConfigError(Exception):
    """The city configuration has problems; nothing was loaded."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__(
            f"{len(problems)} problem(s) in the city configuration:\n"
            + "\n".join(f"  {p}" for p in problems)
        )


def _json_path(parts) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _validator():
    import jsonschema_rs

    return jsonschema_rs.Draft202012Validator(SCHEMA)


@dataclass
class CheckedCity:
    """A city configuration without problems: ``city.json`` and its read GeoJSON files."""

    directory: Path
    city: dict[str, Any]
    districts: list[dict[str, Any]]  # {"number", "name", "geometry", "area_km2"}
    boundary: dict[str, Any] | None


def _read_json(path: Path, problems: list[Problem]) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(Problem(path.name, "$", f"file not found in {path.parent}"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(path.name, "$", f"not valid JSON (UTF-8): {exc}"))
    return None


def _geometry_problem(geometry: Any) -> str | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return "must be a Polygon or MultiPolygon geometry"
    try:
        from shapely.geometry import shape

        polygon = shape(geometry)
    except Exception as exc:  # noqa: BLE001 (any malformed coordinates)
        return f"unreadable coordinates: {exc}"
    minx, miny, maxx, maxy = polygon.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        return "coordinates out of range: GeoJSON positions are [lon, lat] in WGS 84 degrees"
    return None


def _check_lat_lon_order(city: dict[str, Any], districts: list[dict], problem) -> None:
    """``map.center`` and ``geocoder.viewbox`` are [lat, lon]: a point far from every district
    whose swapped pair lies among them was written the GeoJSON way round."""
    from shapely.geometry import shape

    bounds = [shape(d["geometry"]).bounds for d in districts]
    west, south = min(b[0] for b in bounds), min(b[1] for b in bounds)
    east, north = max(b[2] for b in bounds), max(b[3] for b in bounds)
    margin = 0.5  # degrees: a map may start a little beside the city, never in another land

    def near(lat: float, lon: float) -> bool:
        return south - margin <= lat <= north + margin and west - margin <= lon <= east + margin

    points = [("$.map.center", city["map"]["center"])]
    for i, corner in enumerate(city.get("geocoder", {}).get("viewbox") or []):
        points.append((f"$.geocoder.viewbox[{i}]", corner))
    for path, (lat, lon) in points:
        if near(lat, lon):
            continue
        hint = " — it looks like [lon, lat]" if near(lon, lat) else ""
        problem(
            path,
            f"[{lat}, {lon}] is not near the districts (lat {south:.2f}…{north:.2f}, "
            f"lon {west:.2f}…{east:.2f}); this key is [lat, lon]{hint}",
        )


def check_city(directory: str | Path) -> tuple[CheckedCity | None, list[Problem]]:
    """Read and check a city directory: the checked city, or ``None`` and every problem."""
    directory = Path(directory)
    problems: list[Problem] = []
    city = _read_json(directory / "city.json", problems)
    if city is None:
        return None, problems
    for error in _validator().iter_errors(city):
        problems.append(Problem("city.json", _json_path(error.instance_path), error.message))
    if problems or not isinstance(city, dict):
        return None, problems

    def problem(path: str, message: str) -> None:
        problems.append(Problem("city.json", path, message))

    def unique(items: list[dict], key: str, list_name: str) -> set[str]:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item[key] in seen:
                problem(f"$.{list_name}[{i}].{key}", f'"{item[key]}" appears twice')
            seen.add(item[key])
        return seen

    groups = unique(city["category_groups"], "code", "category_groups")
    departments = unique(city["departments"], "code", "departments")
    categories = unique(city["categories"], "code", "categories")
    unique(city["routing_rules"], "key", "routing_rules")
    unique(city.get("response_templates", []), "title", "response_templates")

    def known(path: str, what: str, value: str, codes: set[str], owner: str = "") -> None:
        if value not in codes:
            problem(
                path,
                f'{owner}unknown {what} "{value}" (known: {", ".join(sorted(codes)) or "none"})',
            )

    questions: dict[str, dict[str, dict]] = {}
    for i, cat in enumerate(city["categories"]):
        known(f"$.categories[{i}].group", "category group", cat["group"], groups)
        if cat.get("auto_publish_photos") and cat.get("sensitive"):
            problem(f"$.categories[{i}].auto_publish_photos", SENSITIVE_AUTO_PUBLISH)
        questions[cat["code"]] = {}
        for j, attr in enumerate(cat.get("attributes", [])):
            if attr["code"] in questions[cat["code"]]:
                problem(f"$.categories[{i}].attributes[{j}].code", "appears twice")
            questions[cat["code"]][attr["code"]] = attr
            is_list = attr["datatype"] in ("singlevaluelist", "multivaluelist")
            if is_list and not attr.get("values"):
                problem(f"$.categories[{i}].attributes[{j}].values", "a list question needs values")

    # Districts (read before the rules, which may name them).
    number_prop = city.get("district_number_property", "number")
    name_prop = city.get("district_name_property", "name")
    districts: list[dict[str, Any]] = []
    districts_name = city["districts_file"]
    collection = _read_json(directory / districts_name, problems)
    if collection is not None:
        features = collection.get("features") if isinstance(collection, dict) else None
        if not isinstance(features, list) or not features:
            problems.append(
                Problem(
                    districts_name, "$.features", "a FeatureCollection with districts is needed"
                )
            )
            features = []
        numbers: set[str] = set()
        for i, feature in enumerate(features):
            props = (feature or {}).get("properties") or {}
            number, name = props.get(number_prop), props.get(name_prop)
            where = f"$.features[{i}].properties"
            if not isinstance(number, str | int) or isinstance(number, bool) or number == "":
                problems.append(
                    Problem(
                        districts_name,
                        where,
                        f'no district number in "{number_prop}" (district_number_property)',
                    )
                )
                continue
            if not isinstance(name, str) or not name:
                problems.append(
                    Problem(
                        districts_name,
                        where,
                        f'no district name in "{name_prop}" (district_name_property)',
                    )
                )
            number = str(number)
            if number in numbers:
                problems.append(
                    Problem(districts_name, where, f'district "{number}" appears twice')
                )
            numbers.add(number)
            geometry_problem = _geometry_problem(feature.get("geometry"))
            if geometry_problem:
                problems.append(
                    Problem(districts_name, f"$.features[{i}].geometry", geometry_problem)
                )
            area = props.get("area_km2")
            districts.append(
                {
                    "number": number,
                    "name": name,
                    "geometry": feature.get("geometry"),
                    "area_km2": area if isinstance(area, int | float) else None,
                }
            )

    boundary = None
    if city.get("boundary_file"):
        data = _read_json(directory / city["boundary_file"], problems)
        if data is not None:
            if isinstance(data, dict) and data.get("type") == "FeatureCollection":
                boundary = ((data.get("features") or [{}])[0] or {}).get("geometry")
            elif isinstance(data, dict) and data.get("type") == "Feature":
                boundary = data.get("geometry")
            else:
                boundary = data
            geometry_problem = _geometry_problem(boundary)
            if geometry_problem:
                problems.append(Problem(city["boundary_file"], "$", geometry_problem))

    district_numbers = {d["number"] for d in districts}
    for i, rule in enumerate(city["routing_rules"]):
        owner = f'rule "{rule["key"]}": '
        path = f"$.routing_rules[{i}]"
        known(f"{path}.department", "department", rule["department"], departments, owner)
        if rule.get("category") is not None:
            known(f"{path}.category", "category", rule["category"], categories, owner)
        if rule.get("group") is not None:
            known(f"{path}.group", "category group", rule["group"], groups, owner)
        district = rule.get("district")
        if isinstance(district, int) and collection is not None:
            # 4 could mean "4" or "04" (Dortmund has both): refused, with the candidates.
            candidates = [
                f'"{d["number"]}" ({d["name"]})'
                for d in districts
                if d["number"].isdigit() and int(d["number"]) == district
            ]
            problem(
                f"{path}.district",
                f"{owner}district numbers are text, as in {districts_name}: write "
                + (" or ".join(candidates) if candidates else f'"{district}"')
                + f" instead of {district}",
            )
        elif district is not None and collection is not None:
            known(f"{path}.district", "district", district, district_numbers, owner)
        if rule.get("attribute"):
            code, value = rule["attribute"]
            scope = (
                [rule["category"]]
                if rule.get("category") in questions
                else [c["code"] for c in city["categories"] if c["group"] == rule.get("group")]
                if rule.get("group")
                else list(questions)
            )
            asked = [questions[c][code] for c in scope if code in questions.get(c, {})]
            if not asked:
                problem(f"{path}.attribute", f'{owner}no category in its scope asks "{code}"')
            elif all(a.get("values") for a in asked) and not any(
                value in {v["key"] for v in a["values"]} for a in asked
            ):
                problem(f"{path}.attribute", f'{owner}question "{code}" has no answer "{value}"')
    for i, template in enumerate(city.get("response_templates", [])):
        if template.get("category") is not None:
            known(
                f"$.response_templates[{i}].category", "category", template["category"], categories
            )
    for code in city.get("hotspots", {}):
        if code != "default":
            known(f"$.hotspots.{code}", "category group", code, groups)
    lighting = city.get("statistics", {}).get("lighting_check", {})
    if lighting.get("department") is not None:
        known(
            "$.statistics.lighting_check.department",
            "department",
            lighting["department"],
            departments,
        )
    if districts and not any(p.file == districts_name for p in problems):
        _check_lat_lon_order(city, districts, problem)
    holidays_config = city.get("holidays", {})
    try:
        import holidays

        holidays.country_holidays(
            holidays_config.get("country", "DE"), subdiv=holidays_config.get("subdivision")
        )
    except NotImplementedError as exc:
        problem("$.holidays", f"unknown holiday calendar: {exc}")
    if problems:
        return None, problems
    return CheckedCity(directory, city, districts, boundary), problems


def require_city(directory: str | Path) -> CheckedCity:
    """The checked city, or ``CityConfigError`` with every problem."""
    checked, problems = check_city(directory)
    if checked is None:
        raise CityConfigError(problems)
    return checked
