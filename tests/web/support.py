"""Helpers for the web tests: CSRF tokens, images made in memory, counting rows, messages."""

from __future__ import annotations

import html
import io
import re
import struct
import zlib
from datetime import datetime
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from app.extensions import db
from app.reports.models import Report

GPS_IFD = 0x8825
RATHAUS = ("51.5136", "7.4653")  # Friedensplatz, Innenstadt-West
BORSIGPLATZ = ("51.5233", "7.4817")  # Innenstadt-Nord
BOCHUM_HBF = ("51.4785", "7.2232")  # outside Dortmund

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, url: str = "/report") -> str:
    """The token of the form, as a browser would find it in the page."""
    response = client.get(url)
    assert response.status_code == 200
    match = _CSRF.search(response.get_data(as_text=True))
    assert match, "no csrf_token input in the form"
    return match.group(1)


def page_text(response) -> str:
    """The page's HTML with entities resolved (``&#34;`` → ``"``), for looking for messages."""
    return html.unescape(response.get_data(as_text=True))


def de(msgid: str, **variables) -> str:
    """The message as a German page shows it (the project's catalog decides the wording)."""
    with force_locale("de"):
        return gettext(msgid, **variables)


def en(msgid: str, **variables) -> str:
    with force_locale("en"):
        return gettext(msgid, **variables)


def reference_year() -> int:
    return datetime.now(ZoneInfo("Europe/Berlin")).year


def report_count() -> int:
    db.session.rollback()  # see what the app committed, hold no transaction open
    count = db.session.execute(db.select(db.func.count()).select_from(Report)).scalar_one()
    db.session.rollback()
    return count


def jpeg(size=(64, 48), colour=(200, 40, 40), gps: tuple[float, float] | None = None) -> bytes:
    img = Image.new("RGB", size, colour)
    buffer = io.BytesIO()
    if gps is None:
        img.save(buffer, "JPEG", quality=85)
    else:
        img.save(buffer, "JPEG", quality=85, exif=gps_exif(*gps).tobytes())
    return buffer.getvalue()


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = int(value)
    minutes_full = (value - degrees) * 60
    minutes = int(minutes_full)
    seconds = round((minutes_full - minutes) * 60, 4)
    return IFDRational(degrees), IFDRational(minutes), IFDRational(seconds)


def gps_exif(lat: float, lon: float) -> Image.Exif:
    exif = Image.Exif()
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = "N" if lat >= 0 else "S"
    gps[2] = _dms(abs(lat))
    gps[3] = "E" if lon >= 0 else "W"
    gps[4] = _dms(abs(lon))
    return exif


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims ``width`` × ``height`` pixels but holds almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


class FormFields(HTMLParser):
    """Collects the form controls and labels of a page (for the "every input has a label"
    check and for reading back the values a re-rendered form holds)."""

    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.ids: set[str] = set()
        self._textarea: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "label" and attributes.get("for"):
            self.label_for.add(attributes["for"])
        if tag in ("input", "select", "textarea"):
            attributes["tag"] = tag
            self.controls.append(attributes)
            if tag == "textarea":
                attributes["value"] = ""
                self._textarea = attributes

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["value"] = (self._textarea["value"] or "") + data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None

    def control(self, name: str) -> dict[str, str | None]:
        found = [c for c in self.controls if c.get("name") == name]
        assert found, f"no control named {name!r}"
        return found[0]


def form_fields(response) -> FormFields:
    parser = FormFields()
    parser.feed(response.get_data(as_text=True))
    return parser
