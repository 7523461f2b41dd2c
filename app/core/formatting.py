"""Formatting many values on one page: the request's locale, time zone and translations looked up
once, with the same output as Flask-Babel's ``format_*`` and ``gettext`` (which look them up
again through the request context for each value — a measurable part of a long list page).

Build one :class:`PageFormat` per request (it must not outlive the request: the locale can
change between requests) and use its methods in the loop."""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import dates as babel_dates
from babel import numbers as babel_numbers
from flask_babel import _get_format, get_locale, get_timezone
from flask_babel import gettext as _

# The units ``babel.dates.format_timedelta`` picks from, largest first.
_UNITS = babel_dates.TIMEDELTA_UNITS
# Time patterns made of these fields only say the same for the same hour and minute.
_HOUR_AND_MINUTE_FIELDS = frozenset("hHKkmaBb")
# What babel wrote, by (locale, pattern) and then by day or by (hour, minute): applying a
# pattern is the costly part, and a page (and the next page) shows the same days again.
_WRITTEN: dict[tuple[str, str], dict[Any, str]] = {}
_WRITTEN_MAX = 5000  # per (locale, pattern): some years of days, every minute of a day


@cache
def _same_zone(tz: dt.tzinfo) -> dt.tzinfo:
    """The zoneinfo zone of Flask-Babel's (pytz) ``tz``: the same local times, converted in C
    (pytz's ``fromutc`` and ``normalize`` were a twentieth of the inbox page); ``tz`` itself
    when it is no zone of the database (a fixed offset)."""
    name = getattr(tz, "zone", None) or getattr(tz, "key", None)
    try:
        return ZoneInfo(name) if name else tz
    except (ZoneInfoNotFoundError, ValueError):
        return tz


def city_time(moment: dt.datetime) -> dt.datetime:
    """``flask_babel.to_user_timezone`` through zoneinfo: ``moment`` (naive means UTC) in the
    request's time zone, to format with ``rebase=False``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(_same_zone(get_timezone()))


class PageFormat:
    """Dates, times, durations and numbers in the current request's language and time zone."""

    def __init__(self) -> None:
        locale = get_locale()
        if locale is None:  # outside a request: what Flask-Babel would do there too
            raise RuntimeError("PageFormat needs a request (or app) context with a locale")
        self.locale = locale
        self.tz = get_timezone()
        self._zone = _same_zone(self.tz)
        self._date_medium = babel_dates.parse_pattern(
            _date_pattern("date", "medium", babel_dates.get_date_format, locale)
        )
        self._time_short = babel_dates.parse_pattern(
            _date_pattern("time", "short", babel_dates.get_time_format, locale)
        )
        self._date_and_time = _("%(date)s, %(time)s")
        self._days = _WRITTEN.setdefault((str(locale), self._date_medium.pattern), {})
        fields = {
            value[0]
            for kind, value in babel_dates.tokenize_pattern(self._time_short.pattern)
            if kind == "field"
        }
        self._minutes: dict[Any, str] | None = (
            _WRITTEN.setdefault((str(locale), self._time_short.pattern), {})
            if fields <= _HOUR_AND_MINUTE_FIELDS
            else None
        )
        # The sign and decimal mark exactly as babel writes them with this pattern.
        sample = babel_numbers.format_decimal(-1.5, "0.000000", locale=locale)
        self._minus, _one, rest = sample.partition("1")
        self._decimal = rest[: rest.index("5")]
        self._durations: dict[tuple[str, int], str] = {}

    # --- dates and times -----------------------------------------------------------------

    def _local(self, moment: dt.datetime) -> dt.datetime:
        """``flask_babel.to_user_timezone``: naive means UTC."""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(self._zone)

    def date(self, moment: dt.datetime | None) -> str:
        """``format_date(moment, "medium")``; "" for none."""
        if not moment:
            return ""
        return self._day(self._local(moment))

    def time(self, moment: dt.datetime) -> str:
        """``format_time(moment, "short")``."""
        return self._time(moment, self._local(moment))

    def datetime(self, moment: dt.datetime | None) -> str:
        """ "date, time" (the translated joint), as ``presenters.local_datetime``."""
        if not moment:
            return ""
        local = self._local(moment)
        return self._date_and_time % {"date": self._day(local), "time": self._time(moment, local)}

    def _day(self, local: dt.datetime) -> str:
        day = local.date()
        written = self._days.get(day)
        if written is None:
            written = self._date_medium.apply(day, self.locale)
            _remember(self._days, day, written)
        return written

    def _time(self, moment: dt.datetime, local: dt.datetime) -> str:
        reference = moment.date()  # what babel looks up the zone's variant with
        if self._minutes is None:
            return self._time_short.apply(local.timetz(), self.locale, reference)
        key = (local.hour, local.minute)
        written = self._minutes.get(key)
        if written is None:
            written = self._time_short.apply(local.timetz(), self.locale, reference)
            _remember(self._minutes, key, written)
        return written

    def duration(self, delta: dt.timedelta) -> str:
        """``format_timedelta(delta, threshold=1.0, add_direction=False)`` — the words depend
        only on the unit and the rounded count, so each pair is worked out once per page."""
        seconds = abs(delta.total_seconds())
        for unit, per_unit in _UNITS:
            value = seconds / per_unit
            if value >= 1.0 or unit == "second":
                if unit == "second" and value > 0:
                    value = max(1, value)
                key = (unit, int(round(value)))
                break
        words = self._durations.get(key)
        if words is None:
            words = babel_dates.format_timedelta(
                delta, threshold=1.0, add_direction=False, locale=self.locale
            )
            self._durations[key] = words
        return words

    # --- numbers ---------------------------------------------------------------------------

    def coordinate(self, value: float) -> str:
        """``format_decimal(round(value, 6), "0.000000")``."""
        number = round(value, 6)
        if not math.isfinite(number) or abs(number) >= 1e15:
            return babel_numbers.format_decimal(number, "0.000000", locale=self.locale)
        text = f"{number:.6f}"
        if text[0] == "-":
            text = self._minus + text[1:]
        return text.replace(".", self._decimal)


def _remember(memory: dict[Any, str], key: Any, written: str) -> None:
    if len(memory) >= _WRITTEN_MAX:
        memory.clear()
    memory[key] = written


def _date_pattern(kind: str, name: str, lookup: Any, locale: Any) -> Any:
    """The locale's pattern for ``name``, or the one the application configured instead
    (``BABEL_DATE_FORMATS`` style overrides, as Flask-Babel honours them)."""
    configured = _get_format(kind, name)
    if configured in ("short", "medium", "long", "full"):
        return lookup(configured, locale=locale)
    return configured
