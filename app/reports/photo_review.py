"""A caseworker's review of a report's photo: a box made unrecognisable by hand, and the release.

A box drawn by hand is pixelated into the stored full-size image for good (the same
:func:`app.photos.anonymise.pixelate` as the detector's boxes) and the thumbnail is made anew
from the result. Storage is content-addressed, so the changed image gets a new key; the photo's
row points to it and the old files are removed once no photo refers to them any more
(:func:`discard_unused`, after the commit) — a photo of another report that happens to have the
same content keeps its file and is never changed.

Both actions count as the photo's review (``reviewed_at``): a photo whose automatic
anonymisation failed is held back from partners and the public until then.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from PIL import Image

from app.auth.models import User
from app.core.db import utcnow
from app.core.events import record_event
from app.core.files import track_new_file
from app.extensions import db
from app.photos.anonymise import pixelate
from app.photos.service import photo_limits, photo_storage
from app.reports.models import ReportPhoto
from app.reports.workflow import WorkflowError, actor_for, require_change

log = logging.getLogger(__name__)

#: The smallest box a caseworker may draw, in per cent of the photo's width or height.
MIN_PERCENT = 0.5


class BoxInvalid(WorkflowError):
    """The box cannot be used (422)."""


class PhotoMissing(WorkflowError):
    status = 409


@dataclass(frozen=True)
class PercentBox:
    """A box as a caseworker gives it: left, top, width and height in per cent of the photo."""

    left: float
    top: float
    width: float
    height: float

    def in_pixels(self, width: int, height: int) -> dict[str, int]:
        """The box in the photo's pixels, clipped to the photo (at least one pixel)."""
        left = min(max(self.left, 0.0), 100.0)
        top = min(max(self.top, 0.0), 100.0)
        right = min(left + self.width, 100.0)
        bottom = min(top + self.height, 100.0)
        x, y = int(left * width / 100), int(top * height / 100)
        x = min(x, width - 1)
        y = min(y, height - 1)
        return {
            "x": x,
            "y": y,
            "w": max(1, round(right * width / 100) - x),
            "h": max(1, round(bottom * height / 100) - y),
        }


def check_box(box: PercentBox) -> None:
    """Refuse a box that is off the photo or too small, with a message that says which."""
    if not (0 <= box.left < 100 and 0 <= box.top < 100):
        raise BoxInvalid(
            _l("The box must start on the photo: left and top from 0 to less than 100 per cent.")
        )
    if not (MIN_PERCENT <= box.width <= 100 and MIN_PERCENT <= box.height <= 100):
        raise BoxInvalid(
            _l(
                "Width and height must be from %(min)s to 100 per cent of the photo.",
                min=str(MIN_PERCENT),
            )
        )


def _locked(photo: ReportPhoto) -> ReportPhoto:
    """The photo's row, read again and locked (PostgreSQL) until the commit: two boxes added
    at the same time are applied one after the other, neither lost."""
    fresh = db.session.execute(
        sa.select(ReportPhoto)
        .where(ReportPhoto.id == photo.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()
    return fresh


def _encode(img: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=quality, optimize=True)  # no metadata
    return buf.getvalue()


def add_manual_box(photo: ReportPhoto, box: PercentBox, user: User) -> set[str]:
    """Pixelate ``box`` into the photo's stored image and thumbnail for good, record it as a
    ``manual`` box and the photo as reviewed. Returns the storage keys the photo no longer uses:
    give them to :func:`discard_unused` after the commit."""
    require_change(user, photo.report)
    check_box(box)
    photo = _locked(photo)
    storage = photo_storage()
    limits = photo_limits()
    try:
        data = storage.open(photo.storage_key)
    except (KeyError, OSError):
        raise PhotoMissing(
            _l("The photo's file is missing, so nothing could be changed.")
        ) from None
    with Image.open(io.BytesIO(data)) as stored:
        stored.load()
        image = stored.convert("RGB")
    pixels = box.in_pixels(photo.width, photo.height)
    # Boxes are kept in the photo's own pixels; its file has that size (scaled in case not).
    scale = image.width / photo.width if photo.width else 1.0
    drawn = {k: round(v * scale) for k, v in pixels.items()}
    blurred = pixelate(image, [drawn])
    thumb = blurred.copy()
    thumb.thumbnail((limits.thumb_side, limits.thumb_side))
    new_image = storage.put(_encode(blurred, limits.jpeg_quality), ".jpg")
    new_thumb = storage.put(_encode(thumb, limits.jpeg_quality), ".jpg")
    for stored_file in (new_image, new_thumb):
        if stored_file.created:
            track_new_file(db.session(), storage, stored_file.key)
    old = {photo.storage_key, photo.thumbnail_key} - {new_image.key, new_thumb.key}
    photo.storage_key, photo.thumbnail_key = new_image.key, new_thumb.key
    entry = {**pixels, "kind": "manual", "score": None}
    photo.boxes = [*(photo.boxes or []), entry]
    photo.reviewed_at = utcnow()
    record_event(photo.report_id, "photo_box_added", actor_for(user), photo_id=photo.id, box=entry)
    db.session.flush()
    return old


def review_photo(photo: ReportPhoto, user: User, *, publish: bool) -> ReportPhoto:
    """A caseworker looked at the photo: partners may have it from now on, and with
    ``publish`` the public too ("Geprüft / freigeben")."""
    require_change(user, photo.report)
    photo.reviewed_at = utcnow()
    if publish:
        photo.is_public = True
    record_event(
        photo.report_id,
        "photo_released" if publish else "photo_reviewed",
        actor_for(user),
        photo_id=photo.id,
        reviewed=True,
    )
    db.session.flush()
    return photo


def auto_publish(category: Any) -> bool:
    """Whether a category publishes anonymised photos at intake: its ``auto_publish_photos``
    setting, never for a sensitive category. ``category`` is a ``Category`` or the intake's
    snapshot of one (whose ``columns`` hold every column)."""
    columns = getattr(category, "columns", None)
    value = (
        columns.get("auto_publish_photos")
        if columns is not None
        else getattr(category, "auto_publish_photos", False)
    )
    return bool(value) and not category.is_sensitive


def publish_anonymised_photos(photos: Iterable[ReportPhoto], category: Any) -> int:
    """At intake: with the category's setting on, make the photos whose automatic anonymisation
    succeeded (``done``) public at once; a failed or switched-off one waits for a caseworker.
    Returns how many were published."""
    if not auto_publish(category):
        return 0
    published = 0
    for photo in photos:
        if photo.anonymisation == "done":
            photo.is_public = True
            published += 1
    return published


def discard_unused(keys: Iterable[str]) -> list[str]:
    """Remove the stored files among ``keys`` that no photo refers to (any report's); call after
    the commit that stopped using them. Returns the removed keys."""
    wanted = set(keys)
    if not wanted:
        return []
    used = set(
        db.session.execute(
            sa.select(ReportPhoto.storage_key).where(ReportPhoto.storage_key.in_(wanted))
        ).scalars()
    ) | set(
        db.session.execute(
            sa.select(ReportPhoto.thumbnail_key).where(ReportPhoto.thumbnail_key.in_(wanted))
        ).scalars()
    )
    storage = photo_storage()
    removed = []
    for key in sorted(wanted - used):
        try:
            storage.delete(key)
        except OSError:
            log.exception("Could not remove the replaced photo file %s", key)
            continue
        removed.append(key)
    return removed
