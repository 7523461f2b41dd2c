"""Labelled test photographs for the anonymisation tests and ``make bench``.

Faces: scikit-image's public-domain images (``skimage.data.astronaut()``, NASA; the faces and
non-faces of ``skimage.data.lfw_subset()``, Labeled Faces in the Wild crops shipped with
scikit-image) pasted, upscaled, into street-like backgrounds from scikit-image's own images.
Number plates: German-style plates (520 × 110 mm: white, black glyphs, blue EU band on the
left) drawn with Pillow at several sizes and with slight perspective onto a car-coloured panel
in such a background. Every scene knows where its faces and plates are.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from skimage import data as skdata

Box = tuple[int, int, int, int]  # x, y, w, h


@dataclass
class Scene:
    image: Image.Image
    faces: list[Box] = field(default_factory=list)
    plates: list[Box] = field(default_factory=list)


@cache
def _lfw() -> np.ndarray:
    return skdata.lfw_subset()  # 200 × 25 × 25 floats: 100 faces, then 100 non-faces


def lfw_faces() -> list[Image.Image]:
    return [_grey(a) for a in _lfw()[:100]]


def lfw_non_faces() -> list[Image.Image]:
    return [_grey(a) for a in _lfw()[100:]]


def _grey(array: np.ndarray) -> Image.Image:
    return Image.fromarray((array * 255).astype(np.uint8), "L").convert("RGB")


@cache
def _backgrounds() -> tuple[Image.Image, ...]:
    """Face- and plate-free scikit-image photographs (textures, objects, a street of bricks)."""
    return tuple(
        Image.fromarray(np.asarray(a)).convert("RGB")
        for a in (
            skdata.brick(),
            skdata.grass(),
            skdata.gravel(),
            skdata.coffee(),
            skdata.rocket(),
            skdata.coins(),
        )
    )


def background(number: int, size: tuple[int, int] = (2000, 1500)) -> Image.Image:
    """A face-free, plate-free photograph scaled to ``size``."""
    source = _backgrounds()[number % len(_backgrounds())]
    return source.resize(size, Image.Resampling.BICUBIC)


def astronaut() -> Scene:
    """NASA's portrait of Eileen Collins (public domain), at 1536 px: the face from the brows
    to the chin is (185, 75, 80, 105) in the 512-px original."""
    img = Image.fromarray(skdata.astronaut()).convert("RGB")
    return Scene(img.resize((1536, 1536), Image.Resampling.BICUBIC), faces=[(555, 225, 240, 315)])


def face_scene(faces: list[Image.Image], seed: int, size: tuple[int, int] = (2000, 1500)) -> Scene:
    """Each face (a tight 25-px crop) upscaled to 110–260 px and pasted with a soft margin."""
    rng = random.Random(seed)  # noqa: S311 - a fixed layout, not a secret
    scene = Scene(background(seed, size))
    x = 60
    for face in faces:
        side = rng.randint(110, 260)
        y = rng.randint(40, size[1] - side - 40)
        scene.image.paste(face.resize((side, side), Image.Resampling.BICUBIC), (x, y))
        scene.faces.append((x, y, side, side))
        x += side + rng.randint(60, 160)
        if x + 260 > size[0]:
            break
    return scene


def non_face_scene(crops: list[Image.Image], seed: int, size=(2000, 1500)) -> Scene:
    """The same layout with lfw_subset's non-face crops: whatever is found there is false."""
    scene = face_scene(crops, seed, size)
    return Scene(scene.image)


# --- German number plates -------------------------------------------------------------------

_FONT_PATHS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in _FONT_PATHS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def plate(text: str = "DO QM 1234", width: int = 520) -> Image.Image:
    """A German plate, ``width`` px wide (520 × 110 mm at 1 px/mm by default)."""
    scale = width / 520
    w, h = width, max(12, round(110 * scale))
    img = Image.new("RGB", (w, h), (245, 245, 240))
    draw = ImageDraw.Draw(img)
    border = max(1, round(4 * scale))
    draw.rectangle((0, 0, w - 1, h - 1), outline=(20, 20, 20), width=border)
    band = round(45 * scale)
    draw.rectangle((border, border, band, h - border - 1), fill=(0, 51, 153))
    cx, cy, r = band / 2 + border / 2, h * 0.32, h * 0.16
    for k in range(12):  # the EU stars, as dots
        a = k * np.pi / 6
        px, py = cx + r * np.cos(a), cy + r * np.sin(a)
        d = max(1.0, h * 0.02)
        draw.ellipse((px - d, py - d, px + d, py + d), fill=(255, 204, 0))
    small = _font(max(6, round(h * 0.3)))
    draw.text((cx, h * 0.75), "D", font=small, fill=(255, 255, 255), anchor="mm")
    font = _font(max(8, round(h * 0.72)))
    draw.text(((band + w) / 2, h / 2), text, font=font, fill=(15, 15, 15), anchor="mm")
    return img


def plate_scene(
    seed: int, plate_width: int, tilt: float = 0.0, size: tuple[int, int] = (2000, 1500)
) -> Scene:
    """A plate on a car-coloured panel in a background, with perspective ``tilt`` (0–0.15)."""
    rng = random.Random(seed)  # noqa: S311 - a fixed layout, not a secret
    scene = Scene(background(seed + 3, size))
    letters = "ABCDEFGHKLMNPRSTUVWXYZ"
    district = rng.choice(["DO", "BO", "E", "UN", "HA"])
    text = f"{district} {rng.choice(letters)}{rng.choice(letters)} {rng.randint(1, 9999)}"
    img = plate(text, plate_width)
    if tilt:
        w, h = img.size
        dy = round(h * tilt * 2)
        # Far edge shorter: a plate seen slightly from the side.
        quad = (0, 0, 0, h, w, h + dy, w, -dy)
        img = img.transform(
            (w, h), Image.Transform.QUAD, quad, Image.Resampling.BICUBIC, fillcolor=(60, 60, 70)
        )
    panel_w, panel_h = round(img.width * 1.8), round(img.height * 3.2)
    x0 = rng.randint(40, size[0] - panel_w - 40)
    y0 = rng.randint(40, size[1] - panel_h - 40)
    colour = rng.choice([(40, 40, 48), (150, 20, 25), (90, 95, 105), (20, 50, 90)])
    ImageDraw.Draw(scene.image).rectangle((x0, y0, x0 + panel_w, y0 + panel_h), fill=colour)
    px, py = x0 + (panel_w - img.width) // 2, y0 + (panel_h - img.height) // 2
    scene.image.paste(img, (px, py))
    scene.image = scene.image.filter(ImageFilter.GaussianBlur(0.6))
    scene.plates.append((px, py, img.width, img.height))
    return scene


def plate_free_scene(seed: int, size: tuple[int, int] = (2000, 1500)) -> Scene:
    """A car-coloured panel with no plate: whatever is found there is false."""
    rng = random.Random(seed)  # noqa: S311 - a fixed layout, not a secret
    scene = Scene(background(seed + 3, size))
    x0, y0 = rng.randint(40, size[0] - 600), rng.randint(40, size[1] - 400)
    ImageDraw.Draw(scene.image).rectangle((x0, y0, x0 + 500, y0 + 300), fill=(40, 40, 48))
    return scene
