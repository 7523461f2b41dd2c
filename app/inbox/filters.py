"""The queue's query string ⇄ ``QueueFilter``.

Whatever is in the address bar, parsing never fails: a value that is not understood is left
out of the filter and explained in a notice on the page (a bookmarked link with an old
category code still opens the queue).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from app.auth.models import User
from app.catalogue.models import Category
from app.core.dates import parse_date, shown
from app.core.enums import ReportStatus
from app.extensions import db
from app.geo.models import District
from app.inbox.queries import QueueFilter, allowed_scopes, decode_cursor
from app.routing.models import Department

TEXT_MAX = 200


@dataclass
class FilterForm:
    """The values the filter form shows again (only those that were understood)."""

    scope: str
    statuses: list[str] = field(default_factory=list)
    category: str = ""
    district: str = ""
    department: str = ""
    date_from: str = ""
    date_to: str = ""
    text: str = ""
    overdue: bool = False
    order: str = "newest"
    # "Search the archive too": a text search reads the whole history, not only the active
    # reports (``archiv=1``).
    archive: bool = False

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.statuses
            or self.category
            or self.district
            or self.department
            or self.date_from
            or self.date_to
            or self.text
            or self.overdue
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for a link to this filter (``changes`` override single values)."""
        args: dict[str, Any] = {
            "scope": self.scope,
            "status": list(self.statuses),
            "category": self.category,
            "district": self.district,
            "department": self.department,
            "from": self.date_from,
            "to": self.date_to,
            "q": self.text,
            "overdue": "1" if self.overdue else "",
            "order": "oldest" if self.order == "oldest" else "",
            "archiv": "1" if self.archive else "",
        }
        args.update(changes)
        return {k: v for k, v in args.items() if v not in ("", None, [], ())}


@dataclass
class ParsedFilter:
    filter: QueueFilter
    form: FilterForm
    notices: list[str]


def valid_cursor(cursor: str | None) -> str | None:
    """The cursor if it decodes to a sensible position, else None (start at the first page)."""
    decoded = decode_cursor(cursor) if cursor and len(cursor) <= 200 else None
    if decoded is None:
        return None
    created, report_id = decoded
    if created.tzinfo is None or not 0 < report_id < 2**63:
        return None
    try:
        created.astimezone(UTC)
    except (OverflowError, ValueError):
        return None
    return cursor


def parse_filter(args: MultiDict, user: User) -> ParsedFilter:
    notices: list[str] = []

    def unknown(value: str) -> None:
        notices.append(
            _("The filter value “%(value)s” is not known and was ignored.", value=shown(value))
        )

    scopes = allowed_scopes(user)
    scope = args.get("scope", "")
    if scope not in scopes:
        scope = scopes[0]
    form = FilterForm(scope=scope)

    statuses: list[ReportStatus] = []
    for value in args.getlist("status"):
        if value in ReportStatus._value2member_map_:
            status = ReportStatus(value)
            if status not in statuses:
                statuses.append(status)
        elif value:
            unknown(value)
    form.statuses = [s.value for s in statuses]

    category_id = None
    if code := args.get("category", "").strip():
        category_id = db.session.execute(
            db.select(Category.id).where(Category.code == code[:64])
        ).scalar_one_or_none()
        if category_id is None:
            unknown(code)
        else:
            form.category = code

    district_id = None
    if number := args.get("district", "").strip():
        district_id = db.session.execute(
            db.select(District.id).where(District.number == number[:16])
        ).scalar_one_or_none()
        if district_id is None:
            unknown(number)
        else:
            form.district = number

    department_id = None
    if (code := args.get("department", "").strip()) and user.can_route_anywhere:
        department_id = db.session.execute(
            db.select(Department.id).where(Department.code == code[:64])
        ).scalar_one_or_none()
        if department_id is None:
            unknown(code)
        else:
            form.department = code

    dates: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = args.get(name, "").strip()
        dates[name] = parse_date(raw) if raw else None
        if raw and dates[name] is None:
            notices.append(
                _("The date “%(value)s” was not understood and was ignored.", value=shown(raw))
            )
    form.date_from = dates["from"].isoformat() if dates["from"] else ""
    form.date_to = dates["to"].isoformat() if dates["to"] else ""

    form.text = " ".join(args.get("q", "").split())[:TEXT_MAX]
    form.overdue = args.get("overdue", "") in {"1", "on", "true", "yes"}
    form.order = "oldest" if args.get("order") == "oldest" else "newest"
    form.archive = args.get("archiv", "") in {"1", "on", "true", "yes"}

    queue_filter = QueueFilter(
        scope=scope,
        statuses=tuple(statuses),
        category_id=category_id,
        district_id=district_id,
        department_id=department_id,
        date_from=dates["from"],
        date_to=dates["to"],
        text=form.text,
        overdue=form.overdue,
        newest_first=form.order == "newest",
        archive=form.archive,
        cursor=valid_cursor(args.get("cursor")),
    )
    return ParsedFilter(filter=queue_filter, form=form, notices=notices)


def local_timezone() -> str:
    """The time zone the filter's dates (and the export's file name) are read in."""
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Europe/Berlin")


def today_local(tz: str) -> date:
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo(tz)).date()
