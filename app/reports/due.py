"""Due dates counted in working days: weekends and the public holidays of the city configuration's
``holidays`` (default: Germany, nationwide holidays only; Dortmund: NRW), from the maintained
``holidays`` library, do not count."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from flask import current_app

from app.cities.settings import city


@cache
def _holidays(country: str, subdivision: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdivision, years=[year, year + 1])


def is_working_day(day: date, country: str = "DE", subdivision: str | None = "NW") -> bool:
    return day.weekday() < 5 and day not in _holidays(country, subdivision, day.year)


def add_working_days(
    start: datetime,
    days: int,
    timezone: str = "Europe/Berlin",
    country: str = "DE",
    subdivision: str | None = "NW",
) -> datetime:
    """The moment ``days`` working days after ``start`` (same local time of day).

    A report from Friday 16:00 with two working days is due Tuesday 16:00; over Easter or
    Christmas the public holidays are skipped as well.
    """
    local = start.astimezone(ZoneInfo(timezone))
    day = local.date()
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, country, subdivision):
            remaining -= 1
    due = datetime.combine(day, local.timetz().replace(tzinfo=None), tzinfo=ZoneInfo(timezone))
    return due.astimezone(start.tzinfo)


def due_date(category, start: datetime) -> datetime | None:
    """When a report of ``category`` received at ``start`` should be resolved (or None)."""
    if not category.target_working_days:
        return None
    settings = city()
    return add_working_days(
        start,
        category.target_working_days,
        current_app.config["BABEL_DEFAULT_TIMEZONE"],
        settings.holiday_country,
        settings.holiday_subdivision,
    )
