"""A statistics page's tables, by id, and its key figures at a glance."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from app.statistics.formatting import change_text, format_value
from app.statistics.queries import Statistics
from app.statistics.tables.base import Scope, Table
from app.statistics.tables.city import departments, districts, groups, months, overview
from app.statistics.tables.district import comparison, group_comparison
from app.statistics.tables.unsafe_places import answers, lighting, show_unsafe_places


def page_tables(stats: Statistics, scope: Scope, lang: str) -> dict[str, Table]:
    """Every table of the city page, or of a district's page, by id."""
    tables: list[Table]
    if scope.district is None:
        tables = [
            overview(stats, scope),
            months(stats, scope),
            groups(stats, scope, lang),
            districts(stats, scope, lang),
            departments(stats, scope, lang),
        ]
    else:
        tables = [
            comparison(stats, scope),
            months(stats, scope),
            group_comparison(stats, scope, lang),
            departments(stats, scope, lang),
        ]
    if show_unsafe_places(stats, scope):
        for code in stats.attribute_labels:
            tables.append(answers(stats, scope, lang, code, city=scope.district is not None))
        tables.append(lighting(stats, scope))
    return {table.id: table for table in tables}


@dataclass(frozen=True)
class Tile:
    key: str
    label: str
    value: str
    lines: tuple[str, ...]


def tiles(table: Table) -> list[Tile]:
    """The key figures at a glance: the overview's (or comparison's) rows as tiles."""
    result = []
    for row in table.rows:
        kind = row["_kind"]
        if table.id == "comparison":
            lines = (
                _("City: %(value)s", value=format_value(row["city"], kind)),
                _(
                    "A year before: %(value)s",
                    value=format_value(row["district_year_before"], kind),
                ),
            )
            value = row["district"]
        else:
            change = change_text(row["value"], row["year_before"], kind)
            lines = (
                _("A year before: %(value)s", value=format_value(row["year_before"], kind)),
                *((_("Change: %(change)s", change=change),) if change else ()),
            )
            value = row["value"]
        result.append(Tile(row["key"], row["figure"], format_value(value, kind), lines))
    return result
