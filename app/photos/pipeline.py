"""Turn an uploaded photo into a clean JPEG and a thumbnail, or refuse it.

Pure and Flask-independent: bytes in, :class:`ProcessedPhoto` out. Every refusal is a
:class:`~app.core.errors.PhotoRejected` with a machine ``code`` and a translatable message;
no Pillow exception ever escapes :func:`process_photo`.

Uploads are untrusted, so the order of checks matters: byte size first (cheap), then the
header is parsed and the pixel count checked *before* any pixel data is decoded, so a
decompression bomb is refused without allocating its memory.
"""

from __future__ import annotations

import contextlib
import io
import logging
import math
from dataclasses import dataclass, field
from typing import Any

import pillow_heif
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from app.core.errors import PhotoRejected
from app.photos.anonymise import pixelate
from app.photos.detect import DetectSettings, detect

log = logging.getLogger(__name__)

__all__ = ["ALLOWED_FORMATS", "PhotoLimits", "ProcessedPhoto", "anonymise_image", "process_photo"]

# Registering is global to Pillow and idempotent; doing it at import makes HEIC (iPhone
# default) readable everywhere the pipeline is used.
pillow_heif.register_heif_opener()

#: Pillow format name -> the name reported in ``ProcessedPhoto.original_format``.
#: MPO is what Pillow calls a JPEG with a multi-picture extension (many phones write those:
#: depth maps, previews); to users and to us it is a JPEG.
ALLOWED_FORMATS: dict[str, str] = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WEBP",
    "HEIF": "HEIF",
}

_GPS_IFD = 0x8825
_GPS_STATUS_VOID = "V"


ORIENTATION_TAG = 0x0112


@dataclass(frozen=True)
class PhotoLimits:
    """Limits applied to one uploaded photo."""

    max_bytes: int = 10 * 1024 * 1024  # per file
    max_pixels: int = 40_000_000  # width*height, decompression-bomb guard
    # Longest side of the stored image. 2016, not 2048: exactly half a 12-MP phone photo's
    # 4032 px, so the JPEG decoder's half-scale output (see _draft_for) is kept as it comes,
    # with no full decode and no resampling at all; 32 px less than 2048 is invisible on any
    # screen a caseworker or resident uses.
    max_side: int = 2016
    thumb_side: int = 320
    jpeg_quality: int = 85
    # Faces and number plates pixelated (app/photos/detect.py, anonymise.py); None: off.
    anonymise: DetectSettings | None = None
    # With ``anonymise``: not here but later, by the photo runner (app/photos/jobs.py); the
    # photo comes out "pending", re-encoded without metadata but not blurred yet.
    anonymise_later: bool = False


@dataclass(frozen=True)
class ProcessedPhoto:
    """A photo that passed all checks, re-encoded without any metadata."""

    image: bytes  # re-encoded JPEG, no metadata at all
    thumbnail: bytes  # JPEG, no metadata
    width: int  # of `image`
    height: int  # of `image`
    original_format: str  # "JPEG" | "PNG" | "WEBP" | "HEIF"
    gps: tuple[float, float] | None  # (lat, lon) from EXIF before stripping
    # "done" (boxes pixelated in image and thumbnail), "failed" (detector raised or ran out of
    # time: stored unblurred, to be held back until reviewed), "pending" (asked for later:
    # ``PhotoLimits.anonymise_later``) or "off" (not asked for).
    anonymisation: str = "off"
    boxes: list[dict[str, Any]] = field(default_factory=list)  # in `image`'s pixels


def process_photo(data: bytes, limits: PhotoLimits = PhotoLimits()) -> ProcessedPhoto:
    """Validate ``data`` by its content and return a clean JPEG plus thumbnail.

    Raises :class:`PhotoRejected` with one of the codes ``empty``, ``too_large`` (status
    413), ``not_an_image``, ``unsupported_type``, ``too_many_pixels``, ``corrupt``.
    """
    if not data:
        raise PhotoRejected("empty", _l("The uploaded file is empty."))
    if len(data) > limits.max_bytes:
        raise PhotoRejected(
            "too_large",
            _l(
                "This photo is too large. The maximum is %(mb)s MB per photo.",
                mb=_format_mb(limits.max_bytes),
            ),
            status=413,
        )

    img = _open(data, limits)
    clean: Image.Image | None = None
    try:
        original_format = ALLOWED_FORMATS[img.format or ""]
        gps = _read_gps(img)
        _draft_for(img, limits.max_side)
        # Decoders raise OSError, SyntaxError, ValueError, struct.error, ... on bad data;
        # an upload must never surface as a 500, so any failure here means "corrupt".
        try:
            img.load()
        except Exception as exc:
            raise _corrupt() from exc
        try:
            clean = _normalise(img, limits.max_side)
        except MemoryError as exc:
            raise _too_many_pixels(limits) from exc
        except Exception as exc:  # decoded, but the pixels cannot be converted
            raise _corrupt() from exc
        # After the re-encode's normalisation (upright, sRGB, no metadata), before encoding:
        # the image and the thumbnail made from it carry only the pixelated version.
        anonymisation, boxes = "off", list[dict[str, Any]]()
        if limits.anonymise is not None and limits.anonymise_later:
            anonymisation = "pending"
        elif limits.anonymise is not None:
            anonymisation, boxes, clean = anonymise_image(clean, limits.anonymise)
        try:
            # The photo without Huffman optimisation: a third of the encoding time for a file
            # about 4 % larger. The thumbnail, small and shown in every list, is optimised.
            image = _encode_jpeg(clean, limits.jpeg_quality, optimize=False)
            thumbnail = _encode_jpeg(_thumbnail(clean, limits.thumb_side), limits.jpeg_quality)
        except MemoryError as exc:
            raise _too_many_pixels(limits) from exc
        except Exception as exc:  # decoded, but the pixels cannot be converted
            raise _corrupt() from exc
    finally:
        if clean is not img:  # else its pixels are the photo's (closing would drop them)
            img.close()

    return ProcessedPhoto(
        image=image,
        thumbnail=thumbnail,
        width=clean.width,
        height=clean.height,
        original_format=original_format,
        gps=gps,
        anonymisation=anonymisation,
        boxes=boxes,
    )


def anonymise_image(
    img: Image.Image, settings: DetectSettings
) -> tuple[str, list[dict[str, Any]], Image.Image]:
    """("done", boxes, pixelated image), or ("failed", [], image) if the detector failed.

    A failure never costs the resident the report: the photo is kept as it is (already
    without metadata) and marked, so it is held back until a caseworker has looked at it.
    """
    try:
        boxes = detect(img, settings)
        return "done", boxes, pixelate(img, boxes) if boxes else img
    except Exception:  # noqa: BLE001 - any detector failure, including running out of time
        log.warning("photo anonymisation failed; photo held back for review", exc_info=True)
        return "failed", [], img


def photo_location(data: bytes, limits: PhotoLimits = PhotoLimits()) -> tuple[float, float] | None:
    """The position in a photo's EXIF GPS data, read from its header (nothing is decoded);
    None when there is none or the file is not a photo this pipeline takes."""
    try:
        img = _open(data, limits)
    except PhotoRejected:
        return None
    try:
        return _read_gps(img)
    finally:
        img.close()


# --- opening and checks -----------------------------------------------------------------


def _open(data: bytes, limits: PhotoLimits) -> Image.Image:
    """Parse the header only and apply the type and pixel-count checks."""
    try:
        # All plugins, not just the allowed ones, so that a GIF is reported as
        # "unsupported" rather than "not a photo". Opening parses headers; pixel data
        # is only decoded by load(), after the checks below.
        img = Image.open(io.BytesIO(data))
    except UnidentifiedImageError as exc:
        raise PhotoRejected(
            "not_an_image",
            _l("This file is not a photo. Please upload a JPEG, PNG, WebP or HEIC image."),
        ) from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own global guard (the warning only raises when filters make it an error).
        raise _too_many_pixels(limits) from exc
    except Exception as exc:  # a recognised but broken header
        raise _corrupt() from exc

    if img.format not in ALLOWED_FORMATS:
        img.close()
        raise PhotoRejected(
            "unsupported_type",
            _l(
                "This image type (%(format)s) is not supported. "
                "Please upload a JPEG, PNG, WebP or HEIC image.",
                format=img.format or "?",
            ),
        )
    width, height = img.size
    if width <= 0 or height <= 0:
        img.close()
        raise _corrupt()
    if width * height > limits.max_pixels:
        img.close()
        raise _too_many_pixels(limits)
    return img


def _draft_for(img: Image.Image, max_side: int) -> None:
    """Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while decoding: the smallest scale
    whose result is still at least ``max_side`` long (a 4032 × 3024 photo: ½, 2016 × 1512).

    Only a speed/memory optimisation for large camera JPEGs (the decoder skips most of the
    work); :func:`_normalise` then does the final, precise downscale.
    """
    if img.format not in ("JPEG", "MPO"):
        return
    width, height = img.size
    longest = max(width, height)
    if longest <= max_side:
        return
    ratio = max_side / longest
    # Only an optimisation: if the decoder cannot draft, a full decode works as well.
    with contextlib.suppress(Exception):
        img.draft(None, (max(1, math.ceil(width * ratio)), max(1, math.ceil(height * ratio))))


def _too_many_pixels(limits: PhotoLimits) -> PhotoRejected:
    return PhotoRejected(
        "too_many_pixels",
        _l(
            "This photo has too many pixels. The maximum is %(mp)s megapixels.",
            mp=_format_number(limits.max_pixels / 1_000_000),
        ),
    )


def _corrupt() -> PhotoRejected:
    return PhotoRejected(
        "corrupt",
        _l(
            "This photo could not be read; the file seems to be damaged or incomplete. "
            "Please try uploading it again."
        ),
    )


def _format_mb(n_bytes: int) -> str:
    return _format_number(n_bytes / (1024 * 1024))


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:.1f}"


# --- GPS --------------------------------------------------------------------------------


def _read_gps(img: Image.Image) -> tuple[float, float] | None:
    """(lat, lon) in decimal degrees from the EXIF GPS IFD, or None if absent or junk."""
    try:
        gps = img.getexif().get_ifd(_GPS_IFD)
        if not gps:
            return None
        if _ref(gps.get(9)) == _GPS_STATUS_VOID:  # GPSStatus: receiver had no fix
            return None
        lat = _dms_to_degrees(gps.get(2), _ref(gps.get(1)), "N", "S", 90.0)
        lon = _dms_to_degrees(gps.get(4), _ref(gps.get(3)), "E", "W", 180.0)
    except Exception:  # noqa: BLE001 - malformed EXIF must not cost the user the photo
        return None
    if lat is None or lon is None:
        return None
    if lat == 0.0 and lon == 0.0:  # what devices without a fix commonly write
        return None
    return (lat, lon)


def _ref(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ").upper() or None


def _dms_to_degrees(
    value: object, ref: str | None, positive: str, negative: str, limit: float
) -> float | None:
    if ref not in (positive, negative):
        return None
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 3:
        return None
    parts: list[float] = []
    for part in value:
        # IFDRational with a zero denominator reports nan; a plain tuple would be (num, den).
        if isinstance(part, tuple):
            if len(part) != 2 or not part[1]:
                return None
            number = part[0] / part[1]
        else:
            number = float(part)
        if not math.isfinite(number) or number < 0:
            return None
        parts.append(number)
    parts += [0.0] * (3 - len(parts))
    degrees, minutes, seconds = parts
    if minutes >= 60 or seconds >= 60:
        return None
    decimal = degrees + minutes / 60 + seconds / 3600
    if decimal > limit:
        return None
    return -decimal if ref == negative else decimal


# --- normalising and encoding -----------------------------------------------------------


def _normalise(img: Image.Image, max_side: int) -> Image.Image:
    """Upright, sRGB, RGB, downscaled; an image whose ``info`` is empty (``img`` itself when
    nothing needed changing)."""
    upright = img
    try:
        if img.getexif().get(ORIENTATION_TAG, 1) != 1:
            upright = ImageOps.exif_transpose(img)
    except Exception:  # noqa: BLE001 - broken orientation data: keep pixels as stored
        upright = img
    rgb = _to_rgb(upright)
    if max(rgb.size) > max_side:
        # Pillow's default filter with reducing_gap: as good to the eye as LANCZOS here,
        # and a fraction of the time on large photos. What is left after a JPEG's draft
        # decode is a step of less than 2× (a 24-MP photo: 3000 → 2016 px), where Pillow's
        # antialiased bilinear filter looks the same at half the cost of bicubic.
        small_step = max(rgb.size) <= 2 * max_side
        resample = Image.Resampling.BILINEAR if small_step else Image.Resampling.BICUBIC
        rgb.thumbnail((max_side, max_side), resample)  # never upscales
    # Encoders fall back to im.info (e.g. the JPEG comment): nothing from the upload may
    # travel along. (It may be the decoded upload itself: a JPEG kept at its decoded size.)
    rgb.info = {}
    return rgb


def _to_rgb(img: Image.Image) -> Image.Image:
    """Convert any mode to sRGB "RGB"; transparency is composited onto white."""
    icc = img.info.get("icc_profile")
    if img.mode.startswith("I;16"):
        # 16-bit greyscale (PNG): scale rather than clip, or it comes out nearly white.
        img = img.convert("I").point(lambda v: v / 256).convert("L")
    if "A" in img.getbands() or "transparency" in img.info:
        img = img.convert("RGBA")  # also resolves palette and colour-key transparency
    elif img.mode not in ("RGB", "CMYK"):
        img = img.convert("RGB")
    if icc:
        img = _to_srgb(img, icc)
    if img.mode == "RGBA":
        background = Image.new("RGB", img.size, (255, 255, 255))
        background.paste(img, mask=img.getchannel("A"))
        return background
    return img if img.mode == "RGB" else img.convert("RGB")


_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _to_srgb(img: Image.Image, icc: bytes) -> Image.Image:
    """Apply the embedded ICC profile before it is stripped.

    A stripped JPEG is displayed as sRGB; without this, wide-gamut photos (Display P3 from
    phones) would look washed out and CMYK ones wildly off.
    """
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        out_mode = "RGBA" if img.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(img, source, _SRGB, outputMode=out_mode)
    except Exception:  # noqa: BLE001 - unusable profile: the pixels beat a refusal
        return img
    return converted if converted is not None else img


def _thumbnail(img: Image.Image, side: int) -> Image.Image:
    """A new image at most ``side`` long (what ``Image.thumbnail`` does to a copy, without
    copying the full-size pixels first)."""
    scale = side / max(img.size)
    if scale >= 1:
        return img.copy()
    size = (max(1, round(img.width * scale)), max(1, round(img.height * scale)))
    return img.resize(size, Image.Resampling.BICUBIC, reducing_gap=2.0)


def _encode_jpeg(img: Image.Image, quality: int, *, optimize: bool = True) -> bytes:
    buf = io.BytesIO()
    # No exif=, icc_profile=, comment= or xmp=: the output carries no metadata.
    img.save(buf, format="JPEG", quality=quality, optimize=optimize)
    return buf.getvalue()
