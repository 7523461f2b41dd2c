"""The channel-neutral report draft every channel fills in and hands to the intake service."""

from __future__ import annotations

from dataclasses import dataclass, field

from app.core.enums import Channel


@dataclass
class PhotoUpload:
    data: bytes
    filename: str | None = None


@dataclass
class ContactDraft:
    """Contact data; stored only with ``consent`` and only to send status updates."""

    email: str | None = None
    name: str | None = None
    phone: str | None = None
    telegram_chat_id: str | None = None
    consent: bool = False


@dataclass
class ReportDraft:
    """What a resident handed in, as raw as the channel received it.

    Coordinates may be strings (the intake service parses and explains bad values).
    """

    channel: Channel
    category_code: str | None
    lat: str | float | None = None
    lon: str | float | None = None
    address: str | None = None
    description: str = ""
    attributes: dict[str, str | list[str]] = field(default_factory=dict)
    photos: list[PhotoUpload] = field(default_factory=list)
    contact: ContactDraft | None = None
    locale: str = "de"
    # Take the location from a photo's EXIF GPS when no location was given.
    use_photo_location: bool = False
