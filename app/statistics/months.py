"""Months and days in the city's time zone: the rollup's cells are local months (202603)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context


def city_timezone() -> ZoneInfo:
    name = current_app.config["BABEL_DEFAULT_TIMEZONE"] if has_app_context() else "Europe/Berlin"
    return ZoneInfo(name)


def month_key(moment: datetime, tz: ZoneInfo) -> int:
    """The local month of ``moment`` as 202603."""
    local = moment.astimezone(tz)
    return local.year * 100 + local.month


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


def add_months(month: int, count: int) -> int:
    index = (month // 100) * 12 + (month % 100 - 1) + count
    return (index // 12) * 100 + index % 12 + 1


def month_bounds(month: int, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which the local month begins and the next one begins."""
    start = datetime(month // 100, month % 100, 1, tzinfo=tz)
    following = add_months(month, 1)
    end = datetime(following // 100, following % 100, 1, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)
