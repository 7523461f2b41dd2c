"""Test images made in memory (no binary fixtures): plain, with EXIF GPS and camera data,
decompression bombs, truncated files."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

GPS_IFD = 0x8825
EXIF_IFD = 0x8769
ORIENTATION = 0x0112
CAMERA_STRINGS = (
    b"SecretCamMake",
    b"SecretCamModel",
    b"SN-0042-SECRET",
    b"2031:02:03 04:05:06",
)


def encode(img: Image.Image, fmt: str, **kwargs) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kwargs)
    return buf.getvalue()


def noisy(size: tuple[int, int]) -> Image.Image:
    """An RGB image that does not compress to nothing (so truncation hits pixel data)."""
    return Image.effect_noise(size, 64).convert("RGB")


def gps_exif(
    lat=(51, 30, 54.36), lat_ref="N", lon=(7, 27, 55.2), lon_ref="E", *, camera=True
) -> Image.Exif:
    exif = Image.Exif()
    gps = exif.get_ifd(GPS_IFD)
    gps[1] = lat_ref
    gps[2] = tuple(IFDRational(v) if not isinstance(v, IFDRational) else v for v in lat)
    gps[3] = lon_ref
    gps[4] = tuple(IFDRational(v) if not isinstance(v, IFDRational) else v for v in lon)
    if camera:
        exif[0x010F] = CAMERA_STRINGS[0].decode()  # Make
        exif[0x0110] = CAMERA_STRINGS[1].decode()  # Model
        sub = exif.get_ifd(EXIF_IFD)
        sub[0xA431] = CAMERA_STRINGS[2].decode()  # BodySerialNumber
        sub[0x9003] = CAMERA_STRINGS[3].decode()  # DateTimeOriginal
    return exif


def png_header_only(width: int, height: int, bit_depth: int = 1, colour_type: int = 0) -> bytes:
    """A valid PNG signature and IHDR with a tiny IDAT: enough for Pillow to see the size."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def png_bomb(width: int, height: int) -> bytes:
    """A complete, valid 1-bit PNG of the given size, streamed so it never sits in memory."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    row = b"\x00" + b"\x00" * ((width + 7) // 8)  # filter byte + packed bits
    comp = zlib.compressobj(9)
    parts = [comp.compress(row) for _ in range(height)]
    parts.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", b"".join(parts))
        + chunk(b"IEND", b"")
    )


def jpeg(size: tuple[int, int] = (640, 480), exif: Image.Exif | None = None) -> bytes:
    """A small noisy JPEG, optionally with EXIF."""
    kwargs = {"exif": exif} if exif is not None else {}
    return encode(noisy(size), "JPEG", **kwargs)


def jpeg_with_gps(lat: float, lon: float) -> bytes:
    """A JPEG whose EXIF says it was taken at (lat, lon), with camera make/model/serial."""

    def dms(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes_full = (value - degrees) * 60
        minutes = int(minutes_full)
        return (degrees, minutes, round((minutes_full - minutes) * 60, 4))

    return jpeg(
        exif=gps_exif(
            dms(abs(lat)), "N" if lat >= 0 else "S", dms(abs(lon)), "E" if lon >= 0 else "W"
        )
    )


def truncated_jpeg() -> bytes:
    data = jpeg((800, 600))
    return data[: len(data) // 2]
