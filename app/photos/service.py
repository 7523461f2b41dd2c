"""The app's photo storage and limits, from configuration."""

from __future__ import annotations

from flask import current_app

from app.photos.pipeline import PhotoLimits
from app.photos.storage import FileSystemStorage, PhotoStorage


def photo_storage() -> PhotoStorage:
    root = current_app.config["PHOTO_STORAGE_DIR"]
    cached = current_app.extensions.get("qm_photo_storage")
    if cached is None or cached[0] != root:
        cached = (root, FileSystemStorage(root))
        current_app.extensions["qm_photo_storage"] = cached
    return cached[1]


def photo_limits() -> PhotoLimits:
    cfg = current_app.config
    return PhotoLimits(max_bytes=cfg["PHOTO_MAX_BYTES"], max_pixels=cfg["PHOTO_MAX_PIXELS"])
