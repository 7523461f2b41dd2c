"""Photo uploads: validation and re-encoding (:mod:`.pipeline`) and storage (:mod:`.storage`)."""

from app.photos.pipeline import (
    ALLOWED_FORMATS,
    PhotoLimits,
    ProcessedPhoto,
    process_photo,
)
from app.photos.storage import (
    FileSystemStorage,
    PhotoStorage,
    StoredFile,
    content_key,
)

__all__ = [
    "ALLOWED_FORMATS",
    "FileSystemStorage",
    "PhotoLimits",
    "PhotoStorage",
    "ProcessedPhoto",
    "StoredFile",
    "content_key",
    "process_photo",
]
