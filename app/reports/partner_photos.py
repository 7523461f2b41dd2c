"""Which of a report's photos a partner sent with "done" (the place afterwards)."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.events import ReportEvent
from app.extensions import db


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
