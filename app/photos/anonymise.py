"""Faces and number plates made unrecognisable, irreversibly, on our own machine.

:func:`pixelate` is used for the detector's boxes and for boxes a caseworker draws by hand.
A box is padded (~15 % on each side) so that a slightly tight detection still covers hair,
chin and the plate's frame; inside it the pixels are replaced by coarse blocks (a handful of
blocks across the box, so no feature survives) and the blocks are then blurred, so that neither
the block values nor their edges carry a recoverable signal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from PIL import Image, ImageFilter

__all__ = ["PAD", "Box", "padded", "pixelate", "scale_box"]

#: Padding added on each side of a box, as a fraction of its width/height.
PAD = 0.15
#: Blocks across the shorter side of a box (at least this coarse, never finer than 4 px).
_BLOCKS = 6

Box = Mapping[str, Any]


def padded(box: Box, width: int, height: int, pad: float = PAD) -> tuple[int, int, int, int]:
    """``(left, top, right, bottom)`` of ``box`` grown by ``pad`` and clipped to the image."""
    x, y, w, h = int(box["x"]), int(box["y"]), int(box["w"]), int(box["h"])
    dx, dy = round(w * pad), round(h * pad)
    left, top = max(0, x - dx), max(0, y - dy)
    right, bottom = min(width, x + w + dx), min(height, y + h + dy)
    return left, top, right, bottom


def scale_box(box: Box, factor: float) -> dict[str, Any]:
    """``box`` with its coordinates multiplied by ``factor`` (e.g. full image -> thumbnail)."""
    x0, y0 = box["x"] * factor, box["y"] * factor
    x1, y1 = (box["x"] + box["w"]) * factor, (box["y"] + box["h"]) * factor
    scaled = dict(box)
    scaled.update(
        x=int(x0), y=int(y0), w=max(1, round(x1) - int(x0)), h=max(1, round(y1) - int(y0))
    )
    return scaled


def pixelate(img: Image.Image, boxes: Iterable[Box], pad: float = PAD) -> Image.Image:
    """A copy of ``img`` (RGB) with every box, padded, pixelated coarsely and blurred."""
    out = img.convert("RGB") if img.mode != "RGB" else img.copy()
    for box in boxes:
        left, top, right, bottom = padded(box, out.width, out.height, pad)
        w, h = right - left, bottom - top
        if w <= 0 or h <= 0:
            continue
        region = out.crop((left, top, right, bottom))
        block = max(4, min(w, h) // _BLOCKS)
        small = region.resize(
            (max(1, w // block), max(1, h // block)), Image.Resampling.BOX, reducing_gap=None
        )
        coarse = small.resize((w, h), Image.Resampling.NEAREST)
        coarse = coarse.filter(ImageFilter.GaussianBlur(radius=max(1.0, block / 2)))
        out.paste(coarse, (left, top))
    return out
