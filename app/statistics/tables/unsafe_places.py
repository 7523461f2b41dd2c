"""The unsafe-place tables, shown where sensitive categories are: the reports by each list
question's answers, and the lighting checks with their outcome."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _

from app.core.locale import pick_language
from app.statistics import charts
from app.statistics.charts import CITY, MAIN, Series
from app.statistics.formatting import (
    COUNT,
    SHARE,
    TEXT,
    count_text,
    format_value,
    period_label,
    share_text,
)
from app.statistics.queries import CUR, Statistics, share
from app.statistics.tables.base import Column, Scope, Table, pair_rows, year_series


def show_unsafe_places(stats: Statistics, scope: Scope) -> bool:
    sensitive = {g.code for g in stats.sensitive_groups}
    return bool(sensitive) and (scope.group is None or scope.group in sensitive)


def answers(stats: Statistics, scope: Scope, lang: str, code: str, *, city: bool = False) -> Table:
    """Unsafe-place reports by one list question (reasons, time of day); beside a district,
    the city's shares."""
    question = stats.attribute_labels[code]
    cur, prev = stats.totals(district_id=scope.district_id, sensitive=True)
    city_cur = stats.total(CUR, sensitive=True) if city else None
    rows = []
    for key, names in question["values"].items():
        n = cur.answers.get(f"{code}={key}", 0)
        n_prev = prev.answers.get(f"{code}={key}", 0)
        row: dict[str, Any] = {
            "answer": key,
            "answer_name": pick_language(names, lang) or key,
            "reports": n,
            "share": share(n, cur.received),
            "reports_year_before": n_prev,
            "share_year_before": share(n_prev, prev.received),
        }
        if city_cur is not None:
            row["share_city"] = share(city_cur.answers.get(f"{code}={key}", 0), city_cur.received)
        rows.append(row)
    label = pick_language(question["labels"], lang) or code
    title = _("Unsafe places: %(question)s", question=label)
    columns = [
        Column("answer_name", _("Answer"), TEXT),
        Column("reports", _("Reports"), COUNT),
        Column("share", _("Share of unsafe-place reports"), SHARE),
        Column("reports_year_before", _("Reports a year before"), COUNT),
        Column("share_year_before", _("Share a year before"), SHARE),
    ]
    if city_cur is not None:
        columns.append(Column("share_city", _("Share in the city"), SHARE))
        series = [
            Series(scope.district.name if scope.district else "", MAIN),
            Series(_("City"), CITY),
        ]
        beside = "share_city"
    else:
        series = year_series(stats)
        beside = "share_year_before"
    chart = charts.bar_chart(
        f"chart-answers-{code}",
        title,
        pair_rows(rows, "answer_name", "share", beside, SHARE),
        series,
        tick_text=share_text,
    )
    return Table(
        id=f"answers-{code}",
        code_key="answer",
        title=title,
        caption=_(
            "Unsafe-place reports, %(period)s, by the answer to “%(question)s” (several "
            "answers possible)",
            period=period_label(stats.period),
            question=label,
        ),
        columns=columns,
        rows=rows,
        charts=[chart],
    )


LIGHTING_OUTCOMES: dict[str, Callable[[], str]] = {
    "resolved": lambda: _("Resolved"),
    "not_resolvable": lambda: _("Cannot be resolved"),
    "other_closed": lambda: _("Closed otherwise (duplicate, rejected)"),
    "open": lambda: _("Still open"),
}


def lighting(stats: Statistics, scope: Scope) -> Table:
    cur, prev = stats.totals(district_id=scope.district_id, sensitive=True)
    rows: list[dict[str, Any]] = [
        {
            "outcome": key,
            "outcome_name": label(),
            "reports": cur.lighting.get(key, 0),
            "share": share(cur.lighting.get(key, 0), cur.lighting_checks),
            "reports_year_before": prev.lighting.get(key, 0),
        }
        for key, label in LIGHTING_OUTCOMES.items()
    ]
    title = _("Lighting checks and their outcome")
    chart = charts.bar_chart(
        "chart-lighting",
        title,
        pair_rows(rows, "outcome_name", "reports", "reports_year_before", COUNT),
        year_series(stats),
        tick_text=count_text,
        integer=True,
    )
    intro = _(
        "%(checks)s of %(reports)s unsafe-place reports (%(share)s) led to a lighting check "
        "(a year before: %(checks_before)s of %(reports_before)s).",
        checks=count_text(cur.lighting_checks),
        reports=count_text(cur.received),
        share=format_value(share(cur.lighting_checks, cur.received), SHARE),
        checks_before=count_text(prev.lighting_checks),
        reports_before=count_text(prev.received),
    )
    return Table(
        id="lighting",
        code_key="outcome",
        title=title,
        caption=_(
            "Unsafe-place reports with a lighting check, %(period)s, by the report's outcome",
            period=period_label(stats.period),
        ),
        columns=[
            Column("outcome_name", _("Outcome"), TEXT),
            Column("reports", _("Reports"), COUNT),
            Column("share", _("Share of lighting checks"), SHARE),
            Column("reports_year_before", _("Reports a year before"), COUNT),
        ],
        rows=rows,
        charts=[chart],
        intro=intro,
    )
