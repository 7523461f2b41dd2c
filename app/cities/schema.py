"""The one declaration of a city configuration (``city.json`` and its GeoJSON files).

``SCHEMA`` is a JSON Schema (checked with ``jsonschema_rs``); every key carries a
``description``, from which the README's table is printed (``scripts/city_schema_table.py``).
What a JSON Schema cannot say — codes that must name a group, category, department, district or
question of the same file, readable GeoJSON files, a known holiday calendar — is checked in
``app.cities.check.check_city``.
"""

from __future__ import annotations

from typing import Any

from app.core.enums import AttributeType, DepartmentKind, ReportStatus, RuleAction

CODE = {"type": "string", "pattern": r"^[a-z0-9][a-z0-9_-]{0,63}$"}
FILE_NAME = {"type": "string", "minLength": 1}
LANGUAGE_TEXTS = {
    "type": "object",
    "propertyNames": {"pattern": r"^[a-z]{2}$"},
    "additionalProperties": {"type": "string", "minLength": 1},
    "required": ["de"],
}
# A department's names besides its German ``name``: every language but German.
OTHER_LANGUAGE_TEXTS = {
    "type": "object",
    "propertyNames": {"pattern": r"^[a-z]{2}$", "not": {"const": "de"}},
    "additionalProperties": {"type": "string", "minLength": 1},
}
LAT_LON = {
    "type": "array",
    "prefixItems": [
        {"type": "number", "minimum": -90, "maximum": 90},
        {"type": "number", "minimum": -180, "maximum": 180},
    ],
    "minItems": 2,
    "maxItems": 2,
}
FORWARD_METHODS = ("email", "webhook", "open311")


def _obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **extra,
    }


def _d(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {**schema, "description": description}


ATTRIBUTE = _obj(
    {
        "code": _d(CODE, "Question code (Open311 attribute code), unique within the category."),
        "datatype": _d(
            {"enum": [t.value for t in AttributeType]},
            "Open311 datatype: " + ", ".join(t.value for t in AttributeType) + ".",
        ),
        "required": _d({"type": "boolean"}, "The resident must answer (default false)."),
        "labels": _d(LANGUAGE_TEXTS, "The question per language."),
        "help": _d(LANGUAGE_TEXTS, "Help text under the question per language (optional)."),
        "values": _d(
            {
                "type": "array",
                "items": _obj({"key": CODE, "names": LANGUAGE_TEXTS}, ("key", "names")),
            },
            "For the list types: the answers, each `{key, names}`.",
        ),
        "max_length": _d(
            {"type": ["integer", "null"], "minimum": 1}, "Longest answer in characters."
        ),
    },
    ("code", "datatype", "labels"),
)

SCHEMA: dict[str, Any] = _obj(
    {
        "name": _d(
            {"type": "string", "minLength": 1},
            "The city's name on pages, in e-mails and messages. It identifies the city in "
            "the database: one city per installation.",
        ),
        "reference_prefix": _d(
            {"type": "string", "pattern": r"^[A-Z0-9]{1,8}$"},
            "Prefix of report references (`MS` → `MS-2026-00001`); default: the name's first "
            "two letters in capitals.",
        ),
        "emergency_number": _d(
            {"type": "string", "pattern": r"^[0-9 +]{2,20}$"},
            "Emergency number shown with sensitive categories (default 110).",
        ),
        "map": _d(
            _obj(
                {
                    "center": _d(LAT_LON, "Map centre, **[lat, lon]**."),
                    "zoom": _d(
                        {"type": "integer", "minimum": 1, "maximum": 19},
                        "Start zoom (default 13).",
                    ),
                },
                ("center",),
            ),
            "Start view of the maps.",
        ),
        "geocoder": _d(
            _obj(
                {
                    "country_codes": _d({"type": "string"}, "Nominatim `countrycodes`, e.g. `de`."),
                    "viewbox": _d(
                        {"type": "array", "items": LAT_LON, "minItems": 2, "maxItems": 2},
                        "Two corners **[[lat, lon], [lat, lon]]** the address search prefers.",
                    ),
                }
            ),
            "Address search (optional).",
        ),
        "districts_file": _d(
            FILE_NAME,
            "GeoJSON FeatureCollection of the districts (Polygon/MultiPolygon, WGS 84, "
            "**[lon, lat]** as GeoJSON demands), in this directory.",
        ),
        "district_number_property": _d(
            {"type": "string"},
            "Feature property holding the district number (default `number`; stored as "
            'text: a number `3` there becomes `"3"`, and `"03"` is another district).',
        ),
        "district_name_property": _d(
            {"type": "string"}, "Feature property holding the district name (default `name`)."
        ),
        "boundary_file": _d(
            FILE_NAME,
            "GeoJSON (Feature, FeatureCollection — first feature — or geometry) of the city "
            "boundary; reports outside are refused. Optional: without it, the districts.",
        ),
        "attribution": _d({"type": "string"}, "Source and licence of the district data."),
        "translation_review": _d(
            {
                "type": "object",
                "propertyNames": {"pattern": r"^[a-z]{2}$"},
                "additionalProperties": {"type": "string", "minLength": 1},
            },
            "Per language, a note that its texts in this file still need a review by a native "
            "speaker (optional; remove a language's note once reviewed).",
        ),
        "holidays": _d(
            _obj(
                {
                    "country": _d(
                        {"type": "string", "pattern": r"^[A-Z]{2}$"},
                        "Country of the public holidays (default `DE`).",
                    ),
                    "subdivision": _d(
                        {"type": ["string", "null"]},
                        "State/region, e.g. `NW`, `BY` (default none: only nationwide holidays).",
                    ),
                }
            ),
            "Public holidays that do not count as working days for due dates (library `holidays`).",
        ),
        "departments": _d(
            {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "code": _d(
                            CODE, "Code used by rules and `flask users create --department`."
                        ),
                        "name": _d(
                            {"type": "string", "minLength": 1},
                            "Name in German: what staff see, and what residents see in a "
                            "language `names` lacks.",
                        ),
                        "names": _d(
                            OTHER_LANGUAGE_TEXTS,
                            "Name per language for residents (confirmation, status page, "
                            "e-mails, Open311, open data, the bot); optional.",
                        ),
                        "kind": _d(
                            {"enum": [k.value for k in DepartmentKind]},
                            "`internal` (city office) or `external` (partner); default internal.",
                        ),
                        "email": _d(
                            {"type": ["string", "null"]}, "Address for notices and e-mail tickets."
                        ),
                        "description": _d(
                            {"type": ["string", "null"]}, "What it does (admin pages)."
                        ),
                        "forward_method": _d(
                            {"enum": [*FORWARD_METHODS, None]},
                            "How tickets are forwarded: `email`, `webhook`, `open311`; none: "
                            "the department works in the inbox.",
                        ),
                        "forward_config": _d(
                            {"type": "object"},
                            "Settings of the method (webhook: `url`, `secret_env`; open311: "
                            "`endpoint`, `service_code_map`); secrets only as `…_env` names.",
                        ),
                        "notify_on_new": _d(
                            {"type": "boolean"},
                            "E-mail a notice for every new report (default false).",
                        ),
                        "ack_deadline_hours": _d(
                            {"type": ["integer", "null"], "minimum": 1, "maximum": 720},
                            "Hours a forwarded ticket may wait for acknowledgement.",
                        ),
                        "done_status": _d(
                            {"enum": ["resolved", "in_review"]},
                            "Status when the partner reports it done (default `resolved`).",
                        ),
                    },
                    ("code", "name"),
                ),
            },
            "Departments and partners that receive reports.",
        ),
        "category_groups": _d(
            {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "code": _d(CODE, "Group code used by categories, rules and `hotspots`."),
                        "names": _d(LANGUAGE_TEXTS, "Name per language."),
                    },
                    ("code", "names"),
                ),
            },
            "Groups of categories, in the form's order.",
        ),
        "categories": _d(
            {
                "type": "array",
                "minItems": 1,
                "items": _obj(
                    {
                        "code": _d(CODE, "Category code (Open311 `service_code`)."),
                        "group": _d(CODE, "Code of its category group."),
                        "names": _d(LANGUAGE_TEXTS, "Name per language."),
                        "descriptions": _d(LANGUAGE_TEXTS, "Short explanation per language."),
                        "keywords": _d(
                            {"type": ["string", "null"]}, "Search words (Open311 `keywords`)."
                        ),
                        "sensitive": _d(
                            {"type": "boolean"},
                            "Privacy setting: public pages, map and open data show only a 250 m "
                            "cell centre, and the form and bot show the emergency number "
                            "(default false).",
                        ),
                        "auto_publish_photos": _d(
                            {"type": "boolean"},
                            "Photos public at intake when their faces and number plates were "
                            "made unrecognisable automatically (default false; never for a "
                            "sensitive category).",
                        ),
                        "nearby_radius_m": _d(
                            {"type": ["integer", "null"], "minimum": 1, "maximum": 5000},
                            'Radius for "already reported nearby" (default: '
                            "`NEARBY_DEFAULT_RADIUS_M`, 50 m).",
                        ),
                        "target_working_days": _d(
                            {"type": ["integer", "null"], "minimum": 1, "maximum": 365},
                            "Working days until a report is due (none: no due date).",
                        ),
                        "attributes": _d(
                            {"type": "array", "items": ATTRIBUTE},
                            "Questions: `code`, `datatype`, `required`, `labels`, `help`, "
                            "`values` (`key`, `names`), `max_length`.",
                        ),
                    },
                    ("code", "group", "names"),
                ),
            },
            "Report categories, in the form's order.",
        ),
        "routing_rules": _d(
            {
                "type": "array",
                "items": _obj(
                    {
                        "key": _d(CODE, "Unique rule key (matched when seeding again)."),
                        "action": _d(
                            {"enum": [a.value for a in RuleAction]},
                            "`route` (first matching rule decides the department) or `copy` "
                            "(every matching rule informs its department too); default route.",
                        ),
                        "category": _d(CODE, "Only this category (optional)."),
                        "group": _d(CODE, "Only this category group (optional)."),
                        "district": _d(
                            # An integer passes the schema only to be refused with the
                            # candidates ("4" or "04"?) by check_city.
                            {"type": ["string", "integer"], "x-doc-type": "text"},
                            'Only this district, by its number as text (optional; `"04"` and '
                            '`"4"` differ, so a bare number is refused).',
                        ),
                        "attribute": _d(
                            {
                                "type": "array",
                                "prefixItems": [CODE, {"type": "string"}],
                                "minItems": 2,
                                "maxItems": 2,
                            },
                            "Only reports with this answer: "
                            "`[question code, value key]` (optional).",
                        ),
                        "department": _d(CODE, "Code of the department."),
                        "note": _d(
                            {"type": ["string", "null"]},
                            "Why, shown with the routing decision in the inbox (optional).",
                        ),
                        "position": _d(
                            {"type": "integer", "minimum": 1},
                            "Order (default: the list's order); the first matching route wins.",
                        ),
                    },
                    ("key", "department"),
                ),
            },
            "Which department gets which report; no match: the triage queue.",
        ),
        "response_templates": _d(
            {
                "type": "array",
                "items": _obj(
                    {
                        "title": _d(
                            {"type": "string", "minLength": 1}, "Unique title in the inbox."
                        ),
                        "status": _d(
                            {"enum": [s.value for s in ReportStatus]},
                            "Offered with this status change (optional).",
                        ),
                        "category": _d(CODE, "Only for this category (optional)."),
                        "texts": _d(LANGUAGE_TEXTS, "Public note per language."),
                    },
                    ("title", "texts"),
                ),
            },
            "Ready-made public notes for caseworkers (optional).",
        ),
        "hotspots": _d(
            {
                "type": "object",
                "additionalProperties": _obj(
                    {
                        "resolution": {"type": "integer", "minimum": 0, "maximum": 15},
                        "min_reports": {"type": "integer", "minimum": 1},
                        "weeks": {"type": "integer", "minimum": 1},
                        "public": {"type": "boolean"},
                    }
                ),
            },
            "Per category group code or `default`: `resolution` (h3 0–15; sensitive groups "
            "capped at 8), `min_reports`, `weeks`, `public` (built in: 9, 3, 8, false).",
        ),
        "open_data": _d(
            _obj(
                {
                    "licence": {"type": "string"},
                    "licence_url": {"type": "string"},
                    "attribution": {"type": "string"},
                }
            ),
            "`licence`, `licence_url`, `attribution` of /open-data (built in: Datenlizenz "
            "Deutschland – Namensnennung 2.0 and the city's name).",
        ),
        "statistics": _d(
            _obj(
                {
                    "lighting_check": _obj(
                        {
                            "attribute": {"type": "string"},
                            "value": {"type": "string"},
                            "department": {"type": "string"},
                        }
                    )
                }
            ),
            "`lighting_check`: `attribute`, `value` (answer whose copies count as lighting "
            "checks; built in `reasons`, `dark`) and `department`.",
        ),
    },
    (
        "name",
        "map",
        "districts_file",
        "departments",
        "category_groups",
        "categories",
        "routing_rules",
    ),
)


def _type_text(schema: dict[str, Any]) -> str:
    if "x-doc-type" in schema:
        return schema["x-doc-type"]
    if schema is LANGUAGE_TEXTS or schema.get("required") == ["de"]:
        return "{language: text}, `de` required, `en` `tr` `ar` optional"
    if schema.get("propertyNames") == OTHER_LANGUAGE_TEXTS["propertyNames"]:
        return "{language: text}, `en` `tr` `ar` (German is `name`)"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{v}`" for v in schema["enum"] if v is not None)
    if schema.get("prefixItems") == LAT_LON["prefixItems"]:
        return "[lat, lon]"
    kind = schema.get("type")
    if kind == "array" and schema.get("items", {}).get("prefixItems") == LAT_LON["prefixItems"]:
        return "[[lat, lon], [lat, lon]]"
    if kind == "array" and "prefixItems" in schema:
        return "[text, text]"
    if kind == "array":
        return "list of objects" if schema.get("items", {}).get("type") == "object" else "list"
    if kind == "object" and "properties" not in schema and "additionalProperties" in schema:
        return "object by code"
    names = {"string": "text", "integer": "integer", "number": "number", "boolean": "true/false"}
    kinds = kind if isinstance(kind, list) else [kind]
    text = " or ".join(names.get(k, k) or k for k in kinds if k != "null")
    return text + (" or null" if "null" in kinds else "")


def schema_rows(
    schema: dict[str, Any] | None = None, prefix: str = ""
) -> list[tuple[str, str, str]]:
    """(key path, type, meaning) for every described key, depth first (README table)."""
    schema = SCHEMA if schema is None else schema
    rows = []
    required = set(schema.get("required", []))
    for key, sub in schema.get("properties", {}).items():
        path = f"{prefix}{key}"
        if "description" in sub:
            type_text = _type_text(sub) + (", **required**" if key in required else "")
            minimum = "minimum" in sub and "maximum" in sub
            if minimum:
                type_text += f" ({sub['minimum']}–{sub['maximum']})"
            rows.append((path, type_text, sub["description"]))
        if sub.get("type") == "object" and "properties" in sub:
            rows += schema_rows(sub, f"{path}.")
        elif sub.get("type") == "array" and "properties" in sub.get("items", {}):
            rows += schema_rows(sub["items"], f"{path}[].")
    return rows


def schema_table() -> str:
    """The README's table of every key of ``city.json``."""
    lines = ["| key | type | meaning |", "|---|---|---|"]
    for path, type_text, meaning in schema_rows():
        lines.append(f"| `{path}` | {type_text} | {meaning.replace('|', '/')} |")
    return "\n".join(lines) + "\n"
