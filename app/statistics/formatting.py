"""Words and numbers of the statistics pages: a figure as the page shows it (in the reader's
language) and as the CSV holds it (plain numbers), months and periods by name, and how a
figure moved since the year before."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import format_date, format_decimal, format_percent, get_locale
from flask_babel import gettext as _

from app.statistics.periods import MONTH, QUARTER, Period

# What a figure is: it decides how it is shown and written.
COUNT, SHARE, DAYS, TEXT, AUTO = "count", "share", "days", "text", "auto"


def month_date(month: int) -> date:
    return date(month // 100, month % 100, 1)


def month_name(month: int, width: str = "MMMM yyyy") -> str:
    return format_date(month_date(month), width)


def period_label(period: Period) -> str:
    if period.kind == MONTH:
        label = month_name(period.first)
    elif period.kind == QUARTER:
        label = _("Q%(number)d %(year)d", number=period.number, year=period.year)
    else:
        label = str(period.year)
    if period.is_running and period.kind != MONTH:
        label = _("%(period)s (up to %(month)s)", period=label, month=month_name(period.last))
    return label


def percent_pattern(decimals: int = 0, signed: bool = False) -> str:
    """The reader's locale's percent pattern (``#,##0 %`` in German, ``#,##0%`` in English)
    with ``decimals`` decimals, and with a sign if asked."""
    locale = get_locale()
    pattern = locale.percent_formats[None].pattern if locale else "#,##0%"
    pattern = pattern.split(";")[0]
    if decimals:
        pattern = pattern.replace("#,##0", "#,##0." + "0" * decimals)
    if signed:
        pattern = f"+{pattern};−{pattern}"
    return pattern


def format_value(value: Any, kind: str) -> str:
    """A figure as the page shows it ("–" where there is nothing to measure)."""
    if value is None or value == "":
        return "–"
    if kind == SHARE:
        return format_percent(value, percent_pattern(1))
    if kind == DAYS:
        return format_decimal(value, "#,##0.0")
    if kind == COUNT:
        return format_decimal(value, "#,##0")
    return str(value)


def csv_value(value: Any, kind: str) -> Any:
    """A figure as the CSV holds it: shares in per cent with one decimal, days with one."""
    if value is None:
        return ""
    if kind == SHARE:
        return round(value * 100, 1)
    if kind == DAYS:
        return round(value, 1)
    return value


def count_text(value: float) -> str:
    return format_value(value, COUNT)


def share_text(value: float) -> str:
    """A share on a chart's axis: whole per cent."""
    return format_percent(value, percent_pattern())


def days_text(value: float) -> str:
    return format_value(value, DAYS)


def change_text(value: float | None, before: float | None, kind: str) -> str:
    """How a figure moved since the year before, in words."""
    if value is None or before is None:
        return ""
    if kind == SHARE:
        points = (value - before) * 100
        if abs(points) < 0.05:
            return _("unchanged")
        return _("%(change)s percentage points", change=format_decimal(points, "+#,##0.0;−#,##0.0"))
    if kind == DAYS:
        days = value - before
        if abs(days) < 0.05:
            return _("unchanged")
        return _("%(change)s days", change=format_decimal(days, "+#,##0.0;−#,##0.0"))
    if value == before:
        return _("unchanged")
    if not before:
        return format_decimal(value - before, "+#,##0;−#,##0")
    return format_percent((value - before) / before, percent_pattern(signed=True))
