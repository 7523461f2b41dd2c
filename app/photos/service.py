"""The app's photo storage and limits, from configuration."""

from __future__ import annotations

from flask import current_app

from app.photos.detect import DetectSettings
from app.photos.pipeline import PhotoLimits
from app.photos.storage import FileSystemStorage, PhotoStorage


def photo_storage() -> PhotoStorage:
    root = current_app.config["PHOTO_STORAGE_DIR"]
    cached = current_app.extensions.get("qm_photo_storage")
    if cached is None or cached[0] != root:
        cached = (root, FileSystemStorage(root))
        current_app.extensions["qm_photo_storage"] = cached
    return cached[1]


def photo_limits(anonymise: bool = True) -> PhotoLimits:
    """The configured limits; with ``ANONYMISE_PHOTOS`` (and ``anonymise``) faces and plates
    are pixelated: at once, or with ``ANONYMISE_IN_BACKGROUND`` later by the photo runner
    (the photo is stored "pending"). ``anonymise=False`` for a photo that is read and not kept
    (its location)."""
    cfg = current_app.config
    return PhotoLimits(
        max_bytes=cfg["PHOTO_MAX_BYTES"],
        max_pixels=cfg["PHOTO_MAX_PIXELS"],
        anonymise=detect_settings() if anonymise and cfg.get("ANONYMISE_PHOTOS", True) else None,
        anonymise_later=bool(cfg.get("ANONYMISE_IN_BACKGROUND", False)),
    )


def detect_settings() -> DetectSettings:
    """The detector's thresholds and time budget (``ANONYMISE_*``)."""
    cfg = current_app.config
    defaults = DetectSettings()
    return DetectSettings(
        detect_side=int(cfg.get("ANONYMISE_DETECT_SIDE", defaults.detect_side)),
        face_neighbours=int(cfg.get("ANONYMISE_FACE_NEIGHBOURS", defaults.face_neighbours)),
        profile_neighbours=int(
            cfg.get("ANONYMISE_PROFILE_NEIGHBOURS", defaults.profile_neighbours)
        ),
        plate_min_width_px=int(cfg.get("ANONYMISE_PLATE_MIN_WIDTH", defaults.plate_min_width_px)),
        time_budget_s=float(cfg.get("ANONYMISE_TIME_BUDGET_S", defaults.time_budget_s)),
    )
