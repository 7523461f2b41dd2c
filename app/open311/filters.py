"""The filters of GET requests, read together: ``service_request_id`` overrides the others,
and the date window is at most 90 days (GeoReport v2; by default the 90 days before the
current full hour)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l

from app.core.db import utcnow
from app.open311.errors import Open311Error
from app.open311.params import (
    BBOX,
    END_DATE,
    EXTENSIONS,
    PAGE,
    PAGE_SIZE,
    SERVICE_CODES,
    SERVICE_REQUEST_IDS,
    START_DATE,
    STATUS,
    UPDATED_AFTER,
    UPDATED_BEFORE,
)

MAX_RANGE = timedelta(days=90)
MAX_IDS = 1000


@dataclass(frozen=True)
class RequestFilter:
    ids: list[str]
    service_codes: list[str]
    start: datetime | None
    end: datetime | None
    updated_after: datetime | None
    updated_before: datetime | None
    statuses: list[str]
    bbox: tuple[float, float, float, float] | None  # min_lon, min_lat, max_lon, max_lat
    page: int
    page_size: int
    extensions: bool

    def key(self) -> str:
        """The question asked, in one canonical string (part of the answer's ETag)."""
        return repr(
            (
                self.ids,
                sorted(self.service_codes),
                self.start.isoformat() if self.start else None,
                self.end.isoformat() if self.end else None,
                self.updated_after.isoformat() if self.updated_after else None,
                self.updated_before.isoformat() if self.updated_before else None,
                sorted(self.statuses),
                self.bbox,
                self.page,
                self.page_size,
                self.extensions,
            )
        )


def _check_order(start: datetime, end: datetime, start_name: str, end_name: str) -> None:
    if end < start:
        raise Open311Error(
            400, _l("%(end)s lies before %(start)s.", end=end_name, start=start_name)
        )


def _date_window(updated_given: bool) -> tuple[datetime | None, datetime | None]:
    start = START_DATE.read()
    end = END_DATE.read()
    if start is not None and end is not None:
        _check_order(start, end, START_DATE.name, END_DATE.name)
        if end - start > MAX_RANGE:
            raise Open311Error(
                400,
                _l("start_date and end_date may be at most 90 days apart (GeoReport v2)."),
            )
        return start, end
    if start is not None:
        return start, start + MAX_RANGE
    if end is not None:
        return end - MAX_RANGE, end
    if updated_given:
        return None, None
    # Counted from the full hour, so that the same question asks the same for an hour: its
    # answer can be revalidated (ETag) instead of changing with every second.
    hour = utcnow().replace(minute=0, second=0, microsecond=0)
    return hour - MAX_RANGE, None


def request_filter() -> RequestFilter:
    """The filters of GET requests; ``service_request_id`` overrides all the others."""
    ids = [ref.upper() for ref in SERVICE_REQUEST_IDS.read()][:MAX_IDS]
    extensions = EXTENSIONS.read()
    if ids:
        return RequestFilter(ids, [], None, None, None, None, [], None, 1, MAX_IDS, extensions)
    statuses = STATUS.read()
    updated_after = UPDATED_AFTER.read()
    updated_before = UPDATED_BEFORE.read()
    if updated_after is not None and updated_before is not None:
        _check_order(updated_after, updated_before, UPDATED_AFTER.name, UPDATED_BEFORE.name)
    start, end = _date_window(updated_after is not None or updated_before is not None)
    return RequestFilter(
        ids=[],
        service_codes=SERVICE_CODES.read(),
        start=start,
        end=end,
        updated_after=updated_after,
        updated_before=updated_before,
        statuses=statuses,
        bbox=BBOX.read(),
        page=PAGE.read(),
        page_size=PAGE_SIZE.read(),
        extensions=extensions,
    )
