"""Which of a report's photos a partner sent with "done" (the place afterwards), and which of its
photos a ticket to a partner may carry."""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa

from app.core.events import ReportEvent
from app.extensions import db

if TYPE_CHECKING:
    from app.reports.models import Report, ReportPhoto


def partner_photos(report_id: int) -> dict[int, int | None]:
    """The photos partners attached when reporting the report done: photo id → the id of the
    delivery (ticket) they answered."""
    found: dict[int, int | None] = {}
    for data in db.session.execute(
        sa.select(ReportEvent.data).where(
            ReportEvent.report_id == report_id, ReportEvent.kind == "partner_done"
        )
    ).scalars():
        photo_id = (data or {}).get("photo_id")
        if photo_id:
            found[int(photo_id)] = (data or {}).get("delivery_id")
    return found


def partner_photo_ids(report_id: int) -> set[int]:
    """Ids of the photos partners attached when reporting the report done."""
    return set(partner_photos(report_id))


def photos_for_partners(report: Report) -> tuple[list[ReportPhoto], int]:
    """What a ticket carries of the report's own photos (never a partner's "after" photo): those
    partners may see (``ReportPhoto.shareable``: anonymised, anonymisation off, or checked by a
    caseworker), in order, and how many were held back because their anonymisation failed and
    nobody has checked them yet. Read when a ticket is sent, so a ticket or reminder sent after
    the check carries the photo."""
    if not report.photos:
        return [], 0
    theirs = partner_photo_ids(report.id)
    own = [p for p in report.photos if p.id not in theirs]
    shared = [p for p in own if p.shareable]
    return shared, len(own) - len(shared)


def held_back_note(count: int, lang: str) -> str | None:
    """ "n photo(s) held back for review" in ``lang`` (photos whose anonymisation failed and that
    no caseworker has checked yet are not sent); None when none was held back."""
    if not count:
        return None
    from flask_babel import force_locale, ngettext

    with force_locale(lang):
        return ngettext(
            "%(num)d photo held back for review", "%(num)d photos held back for review", count
        )
