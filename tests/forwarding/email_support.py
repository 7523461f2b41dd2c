"""Helpers for the e-mail, partner-link and end-to-end tests."""

from __future__ import annotations

import io
import re
from email.message import EmailMessage

import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.forwarding.models import Delivery

EDG_ADDRESS = "meldungen@edg.example.invalid"
RESIDENT = "anna.beispiel@example.invalid"
FRIEDENSPLATZ = (51.5136, 7.4653)  # Innenstadt-West
BORSIGPLATZ = (51.5233, 7.4817)  # Innenstadt-Nord

_PARTNER_LINK = re.compile(r"https?://[^/\s]+(/partner/t/[A-Za-z0-9_.\-]+)")
_UNSUBSCRIBE_LINK = re.compile(r"https?://[^/\s]+(/unsubscribe/[A-Za-z0-9_.\-]+(?:\?lang=\w+)?)")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def deliveries(purpose: str | None = None, report=None) -> list[Delivery]:
    db.session.expire_all()
    query = sa.select(Delivery).order_by(Delivery.id)
    if purpose:
        query = query.where(Delivery.purpose == purpose)
    if report is not None:
        query = query.where(Delivery.report_id == report.id)
    return list(db.session.execute(query).scalars())


def text_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def html_part(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def jpeg_attachments(message: EmailMessage) -> list[tuple[str, bytes]]:
    return [
        (part.get_filename(), part.get_content())
        for part in message.iter_attachments()
        if part.get_content_type() == "image/jpeg"
    ]


def partner_path(message: EmailMessage) -> str:
    match = _PARTNER_LINK.search(text_part(message))
    assert match, "no partner link in the e-mail"
    return match.group(1)


def unsubscribe_path(message: EmailMessage) -> str:
    match = _UNSUBSCRIBE_LINK.search(text_part(message))
    assert match, "no unsubscribe link in the e-mail"
    return match.group(1)


def csrf_from(response) -> str:
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no csrf_token in the page"
    return match.group(1)


def has_no_metadata(data: bytes) -> bool:
    image = Image.open(io.BytesIO(data))
    return len(image.getexif()) == 0 and not any(
        key in image.info for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile")
    )
