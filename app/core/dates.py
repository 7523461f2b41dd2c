"""Dates typed or picked in filter forms (inbox, public map): one way to read them."""

from __future__ import annotations

import re
from datetime import date

EARLIEST = date(2000, 1, 1)
LATEST = date(2100, 12, 31)
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_GERMAN_DATE = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")


def parse_date(value: str) -> date | None:
    """``2026-03-01`` (what date inputs send) or ``01.03.2026``; None if not a sensible date."""
    value = value.strip()
    try:
        if _ISO_DATE.fullmatch(value):
            day = date.fromisoformat(value)
        elif match := _GERMAN_DATE.fullmatch(value):
            day = date(int(match[3]), int(match[2]), int(match[1]))
        else:
            return None
    except ValueError:
        return None
    return day if EARLIEST <= day <= LATEST else None


def shown(value: str) -> str:
    """A value quoted back in a message, cut to 40 characters."""
    return value if len(value) <= 40 else value[:39] + "…"
