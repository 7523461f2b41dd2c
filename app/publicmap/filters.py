"""The public map's query string ⇄ ``MapFilter``.

The filters mean what they mean on every public page: ``group`` (category group code),
``status`` (``open``, ``closed`` or a detailed status), ``district`` (district number), and the
period ``from``/``to`` (YYYY-MM-DD, days in the city's time zone, both included) or
``period=YYYY-MM`` (one month; it wins over ``from``/``to``).

The page ignores a value it does not understand and says so; the JSON endpoints answer 400
with the same messages. The map's own parameters (``bbox``, ``zoom``, ``lat``/``lon``) are
parsed here too.
"""

from __future__ import annotations

import math
import re
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.catalogue.models import Category, CategoryGroup
from app.core.dates import EARLIEST, LATEST, parse_date, shown
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.core.errors import Refusal
from app.extensions import db
from app.geo.models import District
from app.publicmap.grid import MAX_ZOOM, BBox

_MONTH = re.compile(r"(\d{4})-(\d{2})")
CLOSED_STATUSES = tuple(s for s in ReportStatus if s not in OPEN_STATUSES)


class BadParameter(Refusal):
    """A map parameter that cannot be used; ``str()`` is the message for the caller."""


@dataclass(frozen=True)
class MapFilter:
    """What the filters select; None means "any"."""

    category_ids: tuple[int, ...] | None = None
    statuses: tuple[ReportStatus, ...] | None = None
    district_id: int | None = None
    created_from: datetime | None = None  # inclusive, aware
    created_before: datetime | None = None  # exclusive, aware


@dataclass
class FilterForm:
    """The values the filter form shows again (only those that were understood)."""

    group: str = ""
    status: str = ""
    district: str = ""
    date_from: str = ""
    date_to: str = ""

    @property
    def is_filtered(self) -> bool:
        return bool(self.group or self.status or self.district or self.date_from or self.date_to)

    def args(self, **changes: Any) -> dict[str, str]:
        """Query arguments for a link to this filter (``changes`` override single values)."""
        args = {
            "group": self.group,
            "status": self.status,
            "district": self.district,
            "from": self.date_from,
            "to": self.date_to,
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v}


@dataclass
class ParsedFilter:
    filter: MapFilter
    form: FilterForm
    problems: list[str] = field(default_factory=list)


def parse_month(value: str) -> tuple[date, date] | None:
    """``2026-03`` → (1 March, 31 March); None if not a month."""
    match = _MONTH.fullmatch(value.strip())
    if not match:
        return None
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or not EARLIEST.year <= year <= LATEST.year:
        return None
    return date(year, month, 1), date(year, month, monthrange(year, month)[1])


def _start_of(day: date, tz: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=ZoneInfo(tz))


def parse_filter(args: MultiDict, tz: str) -> ParsedFilter:
    """The filter of a query string; what is not understood is left out and explained."""
    problems: list[str] = []
    form = FilterForm()

    def unknown(name: str, value: str) -> None:
        problems.append(
            _(
                "The filter value “%(value)s” for “%(name)s” is not known and was ignored.",
                value=shown(value),
                name=name,
            )
        )

    category_ids = None
    if code := (args.get("group") or "").strip():
        group_id = db.session.execute(
            db.select(CategoryGroup.id).where(CategoryGroup.code == code[:64])
        ).scalar_one_or_none()
        if group_id is None:
            unknown("group", code)
        else:
            form.group = code
            category_ids = tuple(
                db.session.execute(
                    db.select(Category.id)
                    .where(Category.group_id == group_id)
                    .order_by(Category.id)
                ).scalars()
            )

    statuses = None
    if value := (args.get("status") or "").strip():
        if value == "open":
            statuses = tuple(s for s in ReportStatus if s in OPEN_STATUSES)
        elif value == "closed":
            statuses = CLOSED_STATUSES
        elif value in ReportStatus._value2member_map_:
            statuses = (ReportStatus(value),)
        else:
            unknown("status", value)
        if statuses is not None:
            form.status = value

    district_id = None
    if number := (args.get("district") or "").strip():
        district_id = db.session.execute(
            db.select(District.id).where(District.number == number[:16])
        ).scalar_one_or_none()
        if district_id is None:
            unknown("district", number)
        else:
            form.district = number

    first = last = None
    if period := (args.get("period") or "").strip():
        month = parse_month(period)
        if month is None:
            problems.append(
                _(
                    "The period “%(value)s” was not understood (use YYYY-MM) and was ignored.",
                    value=shown(period),
                )
            )
        else:
            first, last = month
    if not period or first is None:
        for name in ("from", "to"):
            raw = (args.get(name) or "").strip()
            day = parse_date(raw) if raw else None
            if raw and day is None:
                problems.append(
                    _(
                        "The date “%(value)s” was not understood (use YYYY-MM-DD) and was ignored.",
                        value=shown(raw),
                    )
                )
            if name == "from":
                first = day
            else:
                last = day
    if first and last and first > last:
        problems.append(_("The period starts after it ends; the dates were ignored."))
        first = last = None
    form.date_from = first.isoformat() if first else ""
    form.date_to = last.isoformat() if last else ""

    return ParsedFilter(
        filter=MapFilter(
            category_ids=category_ids,
            statuses=statuses,
            district_id=district_id,
            created_from=_start_of(first, tz) if first else None,
            created_before=_start_of(last + timedelta(days=1), tz) if last else None,
        ),
        form=form,
        problems=problems,
    )


# --- the map's own parameters ------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def parse_bbox(text: str | None) -> BBox:
    """``minLon,minLat,maxLon,maxLat`` in WGS84 degrees."""
    if not text:
        raise BadParameter(_("The parameter bbox is missing (minLon,minLat,maxLon,maxLat)."))
    parts = text.split(",")
    numbers = [_number(part) for part in parts] if len(parts) == 4 and len(text) <= 200 else []
    if len(numbers) != 4 or any(n is None for n in numbers):
        raise BadParameter(
            _("The parameter bbox must be four numbers: minLon,minLat,maxLon,maxLat.")
        )
    min_lon, min_lat, max_lon, max_lat = (float(n) for n in numbers)  # type: ignore[arg-type]
    if not (-180.0 <= min_lon <= 180.0 and -180.0 <= max_lon <= 180.0) or not (
        -90.0 <= min_lat <= 90.0 and -90.0 <= max_lat <= 90.0
    ):
        raise BadParameter(
            _("The bbox must lie within longitude -180 to 180 and latitude -90 to 90.")
        )
    if min_lon >= max_lon or min_lat >= max_lat:
        raise BadParameter(_("The bbox must have minLon < maxLon and minLat < maxLat."))
    return BBox(min_lon, min_lat, max_lon, max_lat)


def parse_zoom(text: str | None) -> int:
    text = (text or "").strip()
    if not (text.isascii() and text.isdigit() and len(text) <= 2) or int(text) > MAX_ZOOM:
        raise BadParameter(
            _("The parameter zoom must be a whole number from 0 to %(max)d.", max=MAX_ZOOM)
        )
    return int(text)


def parse_point(lat_text: str | None, lon_text: str | None) -> tuple[float, float]:
    lat = _number((lat_text or "").replace(",", ".")) if lat_text else None
    lon = _number((lon_text or "").replace(",", ".")) if lon_text else None
    if lat is None or lon is None or not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise BadParameter(
            _("The parameters lat and lon must be a latitude (-90 to 90) and a longitude.")
        )
    return lat, lon
