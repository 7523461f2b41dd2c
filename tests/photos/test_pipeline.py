"""Tests for app.photos.pipeline; every test image is generated in memory."""

from __future__ import annotations

import io

import pillow_heif
import pytest
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from PIL.TiffImagePlugin import IFDRational

from app.core.errors import PhotoRejected
from app.photos.pipeline import PhotoLimits, ProcessedPhoto, process_photo
from tests.images import (
    CAMERA_STRINGS,
    GPS_IFD,
    ORIENTATION,
    encode,
    gps_exif,
    noisy,
    png_bomb,
    png_header_only,
)

RED = (255, 0, 0)
BLUE = (0, 0, 255)


# --- helpers ----------------------------------------------------------------------------


def reject(data: bytes, limits: PhotoLimits | None = None) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as info:
        process_photo(data, limits) if limits else process_photo(data)
    exc = info.value
    message = str(exc.errors["photos"])
    assert message.strip(), "refusals must carry a user-facing message"
    assert "Traceback" not in message and "PIL" not in message
    return exc


def assert_clean_jpeg(data: bytes) -> Image.Image:
    """The output is a JPEG that carries no metadata at all."""
    img = Image.open(io.BytesIO(data))
    assert img.format == "JPEG"
    assert img.mode == "RGB"
    assert len(img.getexif()) == 0
    for key in (
        "exif",
        "icc_profile",
        "xmp",
        "comment",
        "photoshop",
        "XML:com.adobe.xmp",
    ):
        assert key not in img.info, key
    assert b"Exif\x00\x00" not in data
    assert b"ICC_PROFILE" not in data
    assert b"http://ns.adobe.com/xap" not in data
    img.load()
    return img


def approx_colour(pixel, expected, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, expected, strict=True))


# --- accepted formats -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "mode", "expected"),
    [
        ("JPEG", "RGB", "JPEG"),
        ("PNG", "RGB", "PNG"),
        ("WEBP", "RGB", "WEBP"),
        ("PNG", "L", "PNG"),
    ],
)
def test_accepts_common_formats(fmt, mode, expected):
    data = encode(Image.new(mode, (120, 80), 128), fmt)
    photo = process_photo(data)
    assert isinstance(photo, ProcessedPhoto)
    assert photo.original_format == expected
    assert (photo.width, photo.height) == (120, 80)
    assert photo.gps is None
    out = assert_clean_jpeg(photo.image)
    assert out.size == (120, 80)
    assert_clean_jpeg(photo.thumbnail)


def test_png_with_alpha_is_composited_on_white():
    img = Image.new("RGBA", (100, 50), (255, 0, 0, 0))  # fully transparent red
    img.paste((0, 0, 255, 255), (50, 0, 100, 50))  # opaque blue right half
    photo = process_photo(encode(img, "PNG"))
    assert photo.original_format == "PNG"
    out = assert_clean_jpeg(photo.image)
    assert approx_colour(out.getpixel((10, 25)), (255, 255, 255))
    assert approx_colour(out.getpixel((90, 25)), BLUE)


def test_palette_png_with_transparency_and_la():
    pal = Image.new("P", (40, 40), 0)
    pal.putpalette([0, 255, 0] * 256)
    photo = process_photo(encode(pal, "PNG", transparency=0))
    assert approx_colour(assert_clean_jpeg(photo.image).getpixel((20, 20)), (255, 255, 255))

    la = Image.new("LA", (40, 40), (0, 255))
    photo = process_photo(encode(la, "PNG"))
    assert approx_colour(assert_clean_jpeg(photo.image).getpixel((20, 20)), (0, 0, 0))


def test_sixteen_bit_greyscale_png_is_scaled_not_clipped():
    img = Image.new("I;16", (32, 32), 32768)  # mid grey
    photo = process_photo(encode(img, "PNG"))
    r, g, b = assert_clean_jpeg(photo.image).getpixel((16, 16))
    assert 110 < r < 145 and r == g == b


def test_cmyk_jpeg_becomes_rgb():
    img = Image.new("CMYK", (40, 40), (0, 255, 255, 0))  # red in CMYK
    photo = process_photo(encode(img, "JPEG"))
    assert approx_colour(assert_clean_jpeg(photo.image).getpixel((20, 20)), RED, 60)


def test_mpo_is_treated_as_jpeg():
    first = Image.new("RGB", (60, 40), RED)
    data = encode(first, "MPO", save_all=True, append_images=[Image.new("RGB", (60, 40), BLUE)])
    assert Image.open(io.BytesIO(data)).format == "MPO"
    photo = process_photo(data)
    assert photo.original_format == "JPEG"
    assert approx_colour(assert_clean_jpeg(photo.image).getpixel((30, 20)), RED)


def test_webp_with_alpha_and_animation_takes_first_frame():
    frames = [
        Image.new("RGBA", (50, 50), RED + (255,)),
        Image.new("RGBA", (50, 50), BLUE + (255,)),
    ]
    data = encode(
        frames[0],
        "WEBP",
        save_all=True,
        append_images=frames[1:],
        duration=100,
        lossless=True,
    )
    assert getattr(Image.open(io.BytesIO(data)), "n_frames", 1) == 2
    photo = process_photo(data)
    assert photo.original_format == "WEBP"
    assert approx_colour(assert_clean_jpeg(photo.image).getpixel((25, 25)), RED)


def test_animated_png_takes_first_frame():
    frames = [Image.new("RGB", (50, 50), RED), Image.new("RGB", (50, 50), BLUE)]
    data = encode(frames[0], "PNG", save_all=True, append_images=frames[1:], duration=100)
    photo = process_photo(data)
    assert approx_colour(assert_clean_jpeg(photo.image).getpixel((25, 25)), RED)


requires_heic_encoder = pytest.mark.skipif(
    not pillow_heif.libheif_info().get("HEIF"),
    reason="the installed libheif has no HEVC encoder, so no HEIC test file can be made",
)


def _heic(img: Image.Image, **kwargs) -> bytes:
    pillow_heif.register_heif_opener()
    return encode(img, "HEIF", **kwargs)


@requires_heic_encoder
def test_heic_is_accepted():
    data = _heic(Image.new("RGB", (64, 48), RED), quality=90)
    photo = process_photo(data)
    assert photo.original_format == "HEIF"
    assert (photo.width, photo.height) == (64, 48)
    assert approx_colour(assert_clean_jpeg(photo.image).getpixel((32, 24)), RED, 50)


@requires_heic_encoder
def test_heic_gps_is_read_and_stripped():
    data = _heic(Image.new("RGB", (64, 48), BLUE), exif=gps_exif().tobytes())
    photo = process_photo(data)
    assert photo.gps == pytest.approx((51.5151, 7.4653), abs=1e-4)
    assert_clean_jpeg(photo.image)
    for secret in CAMERA_STRINGS:
        assert secret not in photo.image


# --- metadata ---------------------------------------------------------------------------


def test_jpeg_gps_is_read_and_all_metadata_stripped():
    exif = gps_exif()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    data = encode(
        noisy((160, 120)),
        "JPEG",
        exif=exif,
        icc_profile=icc,
        comment=b"secret-comment",
        xmp=b"<x:xmpmeta>secret-xmp</x:xmpmeta>",
    )
    for secret in CAMERA_STRINGS:
        assert secret in data  # precondition: the input really carries them

    photo = process_photo(data)

    # 51 deg 30' 54.36" N, 7 deg 27' 55.2" E (Dortmund)
    assert photo.gps == pytest.approx((51.5151, 7.4653), abs=1e-4)
    for blob in (photo.image, photo.thumbnail):
        assert_clean_jpeg(blob)
        for secret in (*CAMERA_STRINGS, b"secret-comment", b"secret-xmp"):
            assert secret not in blob


def _text_metadata(fmt: str) -> dict:
    """Save kwargs that put a comment and XMP into ``fmt``, the way cameras and editors do."""
    xmp = b"<x:xmpmeta>secret-xmp</x:xmpmeta>"
    if fmt == "PNG":
        info = PngInfo()
        info.add_text("Comment", "secret-comment")
        info.add_itxt("XML:com.adobe.xmp", xmp.decode(), zip=False)
        return {"pnginfo": info}
    if fmt == "JPEG":
        return {"comment": b"secret-comment", "xmp": xmp}
    return {"xmp": xmp}


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_metadata_without_icc_is_stripped(fmt):
    # Without an ICC profile the colour conversion (which builds a new image) is skipped,
    # so this checks that nothing from the upload's ``info`` leaks into the encoder.
    kwargs = _text_metadata(fmt)
    photo = process_photo(encode(Image.new("RGB", (30, 30), RED), fmt, exif=gps_exif(), **kwargs))
    assert photo.gps is not None
    for blob in (photo.image, photo.thumbnail):
        assert_clean_jpeg(blob)
        for secret in (*CAMERA_STRINGS, b"secret-comment", b"secret-xmp"):
            assert secret not in blob


@pytest.mark.parametrize(
    ("fmt", "lat_ref", "lon_ref", "expected"),
    [("PNG", "S", "W", (-51.5151, -7.4653)), ("WEBP", "N", "W", (51.5151, -7.4653))],
)
def test_gps_hemispheres_in_png_and_webp(fmt, lat_ref, lon_ref, expected):
    exif = gps_exif(lat_ref=lat_ref, lon_ref=lon_ref)
    photo = process_photo(encode(Image.new("RGB", (30, 30), RED), fmt, exif=exif))
    assert photo.gps == pytest.approx(expected, abs=1e-4)
    assert_clean_jpeg(photo.image)


@pytest.mark.parametrize(
    "exif",
    [
        gps_exif(lat=(IFDRational(51, 0), IFDRational(30), IFDRational(0))),  # zero denominator
        gps_exif(lat=(95, 0, 0)),  # out of range
        gps_exif(lon=(181, 0, 0)),  # out of range
        gps_exif(lat=(51, 75, 0)),  # minutes >= 60
        gps_exif(lat_ref="X"),  # bogus reference
        gps_exif(lat=(0, 0, 0), lon=(0, 0, 0)),  # "null island": no fix
    ],
    ids=[
        "zero-denominator",
        "lat-range",
        "lon-range",
        "minutes",
        "bad-ref",
        "null-island",
    ],
)
def test_junk_gps_is_ignored(exif):
    photo = process_photo(encode(Image.new("RGB", (30, 30), RED), "JPEG", exif=exif))
    assert photo.gps is None
    assert_clean_jpeg(photo.image)


def test_incomplete_gps_is_ignored():
    exif = Image.Exif()
    exif.get_ifd(GPS_IFD)[1] = "N"  # reference without coordinates
    photo = process_photo(encode(Image.new("RGB", (30, 30), RED), "JPEG", exif=exif))
    assert photo.gps is None


def test_exif_orientation_is_applied():
    img = Image.new("RGB", (200, 100), RED)
    img.paste(BLUE, (100, 0, 200, 100))  # left red, right blue
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # "rotate 90 CW to display"
    photo = process_photo(encode(img, "JPEG", exif=exif))
    assert (photo.width, photo.height) == (100, 200)
    out = assert_clean_jpeg(photo.image)
    assert out.size == (100, 200)
    # Turning clockwise puts the left (red) half on top.
    assert approx_colour(out.getpixel((50, 40)), RED)
    assert approx_colour(out.getpixel((50, 160)), BLUE)


# --- sizes ------------------------------------------------------------------------------


def test_a_12_megapixel_phone_jpeg_is_decoded_at_half_scale(monkeypatch):
    """4032 × 3024 halves to 2016 × 1512 in the decoder (no full decode) and is kept at that
    size, the kept 2016 px, with no resampling; upright, and still without metadata."""
    from PIL import JpegImagePlugin

    decoded_sizes = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(self, mode, size):
        result = draft(self, mode, size)
        decoded_sizes.append(self.size)
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    img = Image.new("RGB", (4032, 3024), (40, 90, 160))
    img.paste(RED, (0, 0, 2016, 3024))  # left half red
    exif = Image.Exif()
    exif[ORIENTATION] = 6  # held in portrait: "rotate 90 CW to display"

    photo = process_photo(encode(img, "JPEG", exif=exif))

    assert decoded_sizes == [(2016, 1512)]
    assert (photo.width, photo.height) == (1512, 2016)
    out = assert_clean_jpeg(photo.image)
    assert approx_colour(out.getpixel((756, 400)), RED)  # the left half is on top now


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_large_image_is_downscaled(fmt):
    img = Image.new("RGB", (5000, 3000), (40, 90, 160))
    photo = process_photo(encode(img, fmt))
    assert max(photo.width, photo.height) == 2016
    assert photo.width == 2016 and abs(photo.height - 1210) <= 1
    out = assert_clean_jpeg(photo.image)
    assert out.size == (photo.width, photo.height)
    thumb = assert_clean_jpeg(photo.thumbnail)
    assert max(thumb.size) <= 320
    assert max(thumb.size) == 320
    assert approx_colour(out.getpixel((1008, 605)), (40, 90, 160), 12)


def test_small_image_is_not_upscaled():
    photo = process_photo(encode(Image.new("RGB", (50, 40), RED), "PNG"))
    assert (photo.width, photo.height) == (50, 40)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (50, 40)


def test_custom_limits_are_used():
    limits = PhotoLimits(max_side=100, thumb_side=20, jpeg_quality=50)
    photo = process_photo(encode(noisy((400, 200)), "PNG"), limits)
    assert (photo.width, photo.height) == (100, 50)
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (20, 10)


# --- refusals ---------------------------------------------------------------------------


def test_empty_file_is_refused():
    exc = reject(b"")
    assert exc.code == "empty"
    assert exc.status == 422


def test_too_large_file_is_refused_with_413():
    data = b"\xff\xd8\xff\xe0" + bytes(30 * 1024 * 1024)
    exc = reject(data)
    assert exc.code == "too_large"
    assert exc.status == 413
    assert "10 MB" in str(exc.errors["photos"])


def test_size_limit_is_inclusive():
    data = encode(Image.new("RGB", (10, 10), RED), "PNG")
    assert process_photo(data, PhotoLimits(max_bytes=len(data)))
    exc = reject(data, PhotoLimits(max_bytes=len(data) - 1))
    assert exc.code == "too_large" and exc.status == 413


def test_huge_png_bomb_is_refused_without_decoding():
    data = png_bomb(20_000, 20_000)
    assert len(data) < 1024 * 1024  # 400 megapixels in a small file: a real bomb
    exc = reject(data)
    assert exc.code == "too_many_pixels"
    assert exc.status == 422
    assert "40 megapixels" in str(exc.errors["photos"])


def test_pixel_limit_below_pillows_own_guard():
    # 48 MP: over our 40 MP limit but under Pillow's global warning threshold, so it is
    # our own header check that must catch it.
    exc = reject(png_header_only(8000, 6000))
    assert exc.code == "too_many_pixels"


def test_pixel_limit_is_inclusive():
    data = encode(Image.new("RGB", (100, 100), RED), "PNG")
    assert process_photo(data, PhotoLimits(max_pixels=10_000))
    assert reject(data, PhotoLimits(max_pixels=9_999)).code == "too_many_pixels"


def test_truncated_jpeg_is_refused_as_corrupt():
    data = encode(noisy((400, 300)), "JPEG", quality=90)
    exc = reject(data[: len(data) // 2])
    assert exc.code == "corrupt"


def test_truncated_png_is_refused_as_corrupt():
    data = encode(noisy((200, 200)), "PNG")
    assert reject(data[: len(data) // 2]).code == "corrupt"


def test_header_only_is_refused_as_corrupt():
    assert reject(png_header_only(64, 64)).code == "corrupt"


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n",
        bytes(range(256)) * 8,
        b"\xff\xd8\xff",  # a JPEG signature and nothing else
    ],
    ids=["html", "pdf", "binary-junk", "jpeg-magic-only"],
)
def test_non_images_are_refused(data):
    assert reject(data).code == "not_an_image"


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO"])
def test_other_image_types_are_refused(fmt):
    img = Image.new("RGB", (32, 32), RED)
    exc = reject(encode(img, fmt))
    assert exc.code == "unsupported_type"
    assert exc.status == 422
    assert fmt in str(exc.errors["photos"])


def test_animated_gif_is_refused():
    frames = [Image.new("P", (20, 20), i) for i in range(3)]
    data = encode(frames[0], "GIF", save_all=True, append_images=frames[1:])
    assert reject(data).code == "unsupported_type"


def test_file_name_plays_no_part():
    # The API takes bytes only; an HTML file "named" photo.jpg is just HTML.
    exc = reject(b"<html>photo.jpg</html>")
    assert exc.code == "not_an_image"
    assert "JPEG" in str(exc.errors["photos"])
