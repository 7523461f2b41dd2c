"""The photo runner: faces and number plates made unrecognisable after the request.

With ``ANONYMISE_IN_BACKGROUND`` the intake stores a photo re-encoded and without metadata, but
not blurred yet: ``anonymisation = "pending"``. Such a photo is never shown to the public or
sent to partners (``ReportPhoto.shareable``), and a report's tickets wait for it
(``app.forwarding.outbox``, up to ``ANONYMISE_HOLD_TICKETS_S``). ``flask photos work`` (the
Procfile's ``photos`` process, at a lower CPU priority than the web) runs the same detector and
pixelation as the inline path did on the stored image:

1. :func:`claim` takes pending photos in one short transaction: it sets ``anonymise_claimed_at``
   (a lease of ``ANONYMISE_LEASE_S``: a runner that died leaves a claim that expires, and the
   photo is taken again) and counts ``anonymise_attempts``. On PostgreSQL ``FOR UPDATE SKIP
   LOCKED`` lets several runners claim side by side; each claim is a conditional UPDATE, so no
   photo is taken twice while its lease runs (SQLite: one runner is what it is made for).
2. :func:`anonymise_photo` reads the stored image, runs the detector outside any transaction,
   then in one transaction (the photo's row locked) stores the pixelated image and thumbnail
   under their content keys, sets ``done`` (or ``failed``: the detector raised or ran out of
   time) with its boxes, records the ``photo_anonymised`` event, publishes a photo of the
   intake when the category says so (:func:`~app.reports.photo_review.publish_anonymised_photos`;
   a partner's or resident's later photo waits for a caseworker, as before) and releases
   the report's waiting tickets once none of its photos is pending. After the commit the
   unblurred files are removed (when no other photo uses them). A photo that changed meanwhile
   (a caseworker's box) is left pending and done again from its new file.

A photo that was claimed ``MAX_ATTEMPTS`` times without finishing (it kills its runner) ends as
``failed``: held back for a caseworker, as when the detector fails.
"""

from __future__ import annotations

import io
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from PIL import Image

from app.core.db import utcnow
from app.core.events import Actor, ReportEvent, record_event
from app.core.files import track_new_file
from app.extensions import db
from app.photos.pipeline import anonymise_image
from app.photos.service import detect_settings, photo_limits, photo_storage

log = logging.getLogger(__name__)

RUNNER = Actor("system", "photos")
#: Claims of one photo before it is given up as "failed" (each claim that did not finish was a
#: runner that died or was stopped on it).
MAX_ATTEMPTS = 3
PENDING = "pending"


@dataclass(frozen=True)
class Outcome:
    photo_id: int
    report_id: int
    result: str  # "done" | "failed" | "changed" (left pending) | "gone"
    boxes: int = 0
    published: bool = False
    released: int = 0  # tickets released


def _lease() -> timedelta:
    return timedelta(seconds=float(current_app.config.get("ANONYMISE_LEASE_S", 120.0)))


def _free(now: datetime) -> sa.ColumnElement[bool]:
    from app.reports.models import ReportPhoto

    return sa.and_(
        ReportPhoto.anonymisation == PENDING,
        sa.or_(
            ReportPhoto.anonymise_claimed_at.is_(None),
            ReportPhoto.anonymise_claimed_at < now - _lease(),
        ),
    )


def claim(limit: int = 1, now: datetime | None = None) -> list[tuple[int, datetime]]:
    """Claim up to ``limit`` pending photos, oldest first, and commit the claim; returns
    ``(photo id, claim time)`` of each."""
    from app.reports.models import ReportPhoto

    now = now or utcnow()
    query = (
        sa.select(ReportPhoto.id).where(_free(now)).order_by(ReportPhoto.id).limit(max(1, limit))
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    claimed = []
    for photo_id in db.session.execute(query).scalars().all():
        taken = db.session.execute(
            sa.update(ReportPhoto)
            .where(ReportPhoto.id == photo_id, _free(now))
            .values(
                anonymise_claimed_at=now,
                anonymise_attempts=ReportPhoto.anonymise_attempts + 1,
            )
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]  # a CursorResult
            claimed.append((photo_id, now))
    db.session.commit()
    return claimed


def _detect(data: bytes) -> tuple[str, list[dict[str, Any]], Image.Image | None]:
    """The detector on a stored image: (result, boxes, pixelated image or None if unchanged)."""
    try:
        with Image.open(io.BytesIO(data)) as stored:
            stored.load()
            image = stored.convert("RGB")
    except Exception:  # noqa: BLE001 - an unreadable file is held back like a failed detector
        log.warning("stored photo could not be read; held back for review", exc_info=True)
        return "failed", [], None
    result, boxes, out = anonymise_image(image, detect_settings())
    return result, boxes, out if boxes else None


def _encode(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=True)  # no metadata
    return buf.getvalue()


def anonymise_photo(photo_id: int, claimed_at: datetime) -> Outcome | None:
    """Anonymise one claimed photo and commit (see the module's text); None when it was not
    pending any more or another runner's claim replaced ours."""
    from app.reports.models import ReportPhoto
    from app.reports.photo_review import discard_unused

    photo = db.session.get(ReportPhoto, photo_id)
    if photo is None or photo.anonymisation != PENDING:
        db.session.rollback()
        return None
    key, report_id, attempts = photo.storage_key, photo.report_id, photo.anonymise_attempts
    db.session.rollback()  # no transaction stays open while the detector runs

    storage = photo_storage()
    if attempts > MAX_ATTEMPTS:
        log.warning("photo %s was claimed %s times; held back for review", photo_id, attempts)
        result, boxes, pixelated = "failed", list[dict[str, Any]](), None
    else:
        try:
            data = storage.open(key)
        except (KeyError, OSError):
            log.warning("photo %s: its stored file is missing; held back for review", photo_id)
            result, boxes, pixelated = "failed", [], None
        else:
            result, boxes, pixelated = _detect(data)

    photo = db.session.execute(
        sa.select(ReportPhoto)
        .where(ReportPhoto.id == photo_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if photo is None:
        db.session.rollback()
        return Outcome(photo_id, report_id, "gone")
    if photo.anonymisation != PENDING or photo.anonymise_claimed_at != claimed_at:
        db.session.rollback()  # done by another runner (our lease had expired)
        return None
    if photo.storage_key != key:  # a caseworker changed it meanwhile: again, from the new file
        photo.anonymise_claimed_at = None
        photo.anonymise_attempts = 0
        db.session.commit()
        return Outcome(photo_id, report_id, "changed")

    stale: set[str] = set()
    if pixelated is not None:
        limits = photo_limits()
        thumb = pixelated.copy()
        thumb.thumbnail((limits.thumb_side, limits.thumb_side))
        new_image = storage.put(_encode(pixelated, limits.jpeg_quality), ".jpg")
        new_thumb = storage.put(_encode(thumb, limits.jpeg_quality), ".jpg")
        for stored in (new_image, new_thumb):
            if stored.created:
                track_new_file(db.session(), storage, stored.key)
        stale = {photo.storage_key, photo.thumbnail_key} - {new_image.key, new_thumb.key}
        photo.storage_key, photo.thumbnail_key = new_image.key, new_thumb.key
    photo.anonymisation = result
    photo.boxes = [*(photo.boxes or []), *boxes]  # a caseworker's boxes stay
    photo.anonymise_claimed_at = None
    published = False
    if result == "done" and not _added_later(report_id, photo_id):
        from app.reports.photo_review import publish_anonymised_photos

        published = bool(publish_anonymised_photos([photo], photo.report.category))
    record_event(
        report_id,
        "photo_anonymised",
        RUNNER,
        photo_id=photo_id,
        result=result,
        boxes=len(boxes),
        published=published,
    )
    released = 0
    db.session.flush()
    if not _pending_left(report_id):
        released = release_tickets(report_id)
    db.session.commit()
    discard_unused(stale)
    db.session.commit()
    return Outcome(photo_id, report_id, result, len(boxes), published, released)


#: Photos added to a report after its intake, each recorded by one of these events with its id:
#: a partner's "after" photo and a resident's "not fixed" photo. The category publishes only
#: the intake's photos; these wait for a caseworker's release (as they did anonymised inline).
_LATER_PHOTO_EVENTS = ("partner_done", "resident_photo_added")


def _added_later(report_id: int, photo_id: int) -> bool:
    return any(
        (data or {}).get("photo_id") == photo_id
        for data in db.session.execute(
            sa.select(ReportEvent.data).where(
                ReportEvent.report_id == report_id, ReportEvent.kind.in_(_LATER_PHOTO_EVENTS)
            )
        ).scalars()
    )


def _pending_left(report_id: int) -> bool:
    from app.reports.models import ReportPhoto

    return (
        db.session.execute(
            sa.select(ReportPhoto.id)
            .where(ReportPhoto.report_id == report_id, ReportPhoto.anonymisation == PENDING)
            .limit(1)
        ).first()
        is not None
    )


def release_tickets(report_id: int, now: datetime | None = None) -> int:
    """Make the report's tickets held for its photos due now; returns how many."""
    from app.core.enums import DeliveryStatus
    from app.forwarding.models import Delivery
    from app.forwarding.outbox import FORWARD

    now = now or utcnow()
    result = db.session.execute(
        sa.update(Delivery)
        .where(
            Delivery.report_id == report_id,
            Delivery.purpose == FORWARD,
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.attempts == 0,  # held for the photos, not waiting for a retry
            Delivery.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]  # a CursorResult


def run_once(limit: int | None = None) -> list[Outcome]:
    """Anonymise what is pending now (one photo after the other) until none is left or
    ``limit`` photos were done; what other runners hold is left to them."""
    outcomes: list[Outcome] = []
    while limit is None or len(outcomes) < limit:
        claimed = claim(1)
        if not claimed:
            break
        for photo_id, claimed_at in claimed:
            outcome = anonymise_photo(photo_id, claimed_at)
            if outcome is not None:
                outcomes.append(outcome)
    return outcomes


def pending_count() -> int:
    from app.reports.models import ReportPhoto

    return int(
        db.session.execute(
            sa.select(sa.func.count())
            .select_from(ReportPhoto)
            .where(ReportPhoto.anonymisation == PENDING)
        ).scalar_one()
    )


AUTOGROUP = Path("/proc/self/autogroup")


def _session_of(pid: str) -> tuple[int, int, int]:
    """(parent, session, controlling terminal) of a process, from ``/proc/<pid>/stat``."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1]), int(fields[3]), int(fields[4])


def _alone_in_session() -> bool:
    """Whether this process's session has no terminal and holds nothing but this process and
    its ancestors — as under honcho (`make run`) or systemd, which start each process in a
    session of its own; not in a terminal, nor beside other programs of its session."""
    me = str(os.getpid())
    parent, session, terminal = _session_of(me)
    if terminal:
        return False
    ours = {me}
    while parent > 1:
        ours.add(str(parent))
        parent = _session_of(str(parent))[0]
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid not in ours:
            try:
                if _session_of(pid)[1] == session:
                    return False
            except (OSError, ValueError, IndexError):
                continue  # ended meanwhile
    return True


def lower_priority(nice: int) -> None:
    """Run below the web processes: the detector takes a core for most of a second a photo.

    On Linux with autogroups (``/proc/sys/kernel/sched_autogroup_enabled``) the scheduler
    first shares the CPU between sessions and only then by nice level within each: the
    runner's nice level alone does not put it below a web process of another session, and
    honcho starts each Procfile line in a session of its own. So when the runner's session
    is its own (``_alone_in_session``), the session's autogroup gets the same nice level."""
    if nice <= 0 or not hasattr(os, "nice"):
        return
    try:
        os.nice(nice)
    except OSError:
        log.warning("could not lower the photo runner's priority", exc_info=True)
        return
    try:
        if AUTOGROUP.exists() and _alone_in_session():
            AUTOGROUP.write_text(str(min(nice, 19)))
    except OSError:
        log.info("the photo runner's session keeps its CPU share", exc_info=True)


def run(app: Flask, *, interval: float = 1.0, once: bool = False) -> int:
    """The runner's loop: anonymise what is pending, sleep ``interval`` when nothing is.
    With ``once``: drain what is pending and return how many photos were done."""
    from app.cities.settings import refresh_if_changed

    with app.app_context():
        lower_priority(int(app.config.get("ANONYMISE_NICE", 19)))
    log.info("Photo runner %s started", os.getpid())
    total = 0
    while True:
        with app.app_context():
            try:
                refresh_if_changed()  # also replaces a connection the database closed
                done = len(run_once(limit=None if once else 10))
            except sa.exc.OperationalError:
                db.session.rollback()
                log.exception("Database not reachable; trying again")
                done = 0
            finally:
                db.session.remove()
        total += done
        if once:
            return total
        if not done:
            time.sleep(interval)
