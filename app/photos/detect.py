"""Find faces and number plates in a photo, on this machine, on the CPU, offline.

Faces: OpenCV's Haar cascades (frontal face, and the profile cascade run on the image and its
mirror image for faces turned left and right), which ship inside the pinned
``opencv-python-headless`` wheel (``cv2.data``); nothing is downloaded, ever. Plates: a
classical detector for EU plates (a bright, low-saturation rectangle of aspect 2.8–7 holding
a row of at least four dark glyphs of about the same height), and OpenCV's plate cascade in
addition (shipped in the same wheel).

Detection runs on a downscaled grey copy (``DetectSettings.detect_side``, long side) and the
boxes are mapped back to the image's pixels. :func:`detect` stops with :class:`TimeoutError`
when the time budget is spent between two stages (each stage is bounded by the fixed
detection size), so the caller can store the photo as "failed" rather than wait.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
from PIL import Image

__all__ = ["DetectSettings", "detect", "detect_faces", "detect_plates"]


@dataclass(frozen=True)
class DetectSettings:
    """Detector thresholds (``ANONYMISE_*`` settings)."""

    detect_side: int = 1024  # long side of the copy the detectors see
    face_min_px: int = 24  # smallest frontal face, in pixels of the detection copy
    face_neighbours: int = 4  # Haar minNeighbors: higher = fewer false faces, fewer found
    face_scale_step: float = 1.2  # Haar scaleFactor: smaller = finer sizes, slower
    profile_side: int = 480  # profiles are looked for on a smaller copy still (cost)
    profile_neighbours: int = 5
    plate_min_width_px: int = 40  # smallest plate width in the detection copy
    plate_cascade_neighbours: int = 6
    time_budget_s: float = 1.0  # per photo; past it the photo is stored as "failed"


_CASCADES = {
    "frontal": "haarcascade_frontalface_alt2.xml",
    "profile": "haarcascade_profileface.xml",
    "plate": "haarcascade_russian_plate_number.xml",
}


# A classifier keeps working buffers between calls, so each thread (a web server's threads,
# the bot's) loads its own; loading one takes a few milliseconds.
_loaded = threading.local()


def _cascade(name: str) -> cv2.CascadeClassifier:
    classifiers: dict[str, cv2.CascadeClassifier] = _loaded.__dict__.setdefault("cascades", {})
    classifier = classifiers.get(name)
    if classifier is None:
        path = cv2.data.haarcascades + _CASCADES[name]  # type: ignore[attr-defined]
        classifier = cv2.CascadeClassifier(path)
        if classifier.empty():
            raise RuntimeError(f"OpenCV cascade {path} could not be loaded")
        classifiers[name] = classifier
    return classifier


def detect(img: Image.Image, settings: DetectSettings = DetectSettings()) -> list[dict[str, Any]]:
    """Boxes ``{"x","y","w","h","kind","score"}`` in ``img``'s pixels, faces first."""
    deadline = time.monotonic() + settings.time_budget_s
    scale = min(1.0, settings.detect_side / max(img.size))
    small = (
        img
        if scale == 1.0
        else img.resize(
            (max(1, round(img.width * scale)), max(1, round(img.height * scale))),
            Image.Resampling.BILINEAR,
            reducing_gap=2.0,
        )
    )
    rgb = np.asarray(small.convert("RGB"))
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    _check(deadline)
    boxes = detect_faces(grey, settings, deadline)
    _check(deadline)
    boxes += detect_plates(rgb, grey, settings, deadline)
    return [_scaled(box, 1 / scale, img.width, img.height) for box in boxes]


def detect_faces(
    grey: np.ndarray, settings: DetectSettings, deadline: float | None = None
) -> list[dict[str, Any]]:
    """Faces in a grey image (its own pixels)."""
    equalised = cv2.equalizeHist(grey)
    size = (settings.face_min_px, settings.face_min_px)
    found: list[dict[str, Any]] = []
    for x, y, w, h in _run(
        _cascade("frontal"), equalised, settings.face_neighbours, size, settings.face_scale_step
    ):
        found.append(_box(x, y, w, h, "face"))
    _check(deadline)
    # Profiles: on a smaller copy, and on its mirror image (the cascade knows one side only).
    height, width = grey.shape
    f = min(1.0, settings.profile_side / max(width, height))
    small: Any = equalised
    if f < 1.0:
        size_small = (round(width * f), round(height * f))
        small = cv2.resize(equalised, size_small, interpolation=cv2.INTER_AREA)
    small_width = small.shape[1]
    for mirrored in (False, True):
        view = cv2.flip(small, 1) if mirrored else small
        for x, y, w, h in _run(_cascade("profile"), view, settings.profile_neighbours, (20, 20)):
            if mirrored:
                x = small_width - x - w
            found.append(_box(round(x / f), round(y / f), round(w / f), round(h / f), "face"))
        _check(deadline)
    return _merge(found)


def detect_plates(
    rgb: np.ndarray, grey: np.ndarray, settings: DetectSettings, deadline: float | None = None
) -> list[dict[str, Any]]:
    """Number plates in an RGB image and its grey copy (their own pixels)."""
    found = _bright_plates(rgb, grey, settings)
    _check(deadline)
    min_w = settings.plate_min_width_px
    for x, y, w, h in _run(
        _cascade("plate"), grey, settings.plate_cascade_neighbours, (min_w, max(1, min_w // 4)), 1.2
    ):
        if _glyph_row(grey[y : y + h, x : x + w]):
            found.append(_box(x, y, w, h, "plate"))
    return _merge(found)


# --- plates: bright rectangle with a row of dark glyphs ------------------------------------


def _bright_plates(
    rgb: np.ndarray, grey: np.ndarray, settings: DetectSettings
) -> list[dict[str, Any]]:
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    low_saturation = hsv[:, :, 1] < 70
    # Brighter than the neighbourhood (shade or sun alike), and not colourful.
    local = cv2.blur(grey, (31, 31))
    found: list[dict[str, Any]] = []
    for offset in (8, 24):
        mask = ((grey.astype(np.int16) > local.astype(np.int16) + offset) | (grey > 200)) & (
            low_saturation
        )
        opened = cv2.morphologyEx(
            mask.astype(np.uint8) * 255, cv2.MORPH_OPEN, np.ones((2, 2), np.uint8)
        )
        count, _labels, stats, _centroids = cv2.connectedComponentsWithStats(opened, connectivity=8)
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            if w < settings.plate_min_width_px or h < 8:
                continue
            aspect = w / h
            if not 2.8 <= aspect <= 7.0:
                continue
            if area < 0.35 * w * h:  # a plate's white fills most of its box (glyphs are holes)
                continue
            if _glyph_row(grey[y : y + h, x : x + w]):
                found.append(_box(x, y, w, h, "plate"))
    return found


def _glyph_row(crop: np.ndarray) -> bool:
    """At least four dark blobs of about glyph height, side by side along one row."""
    if crop.size == 0 or crop.shape[0] < 8 or crop.shape[1] < 24:
        return False
    h, w = crop.shape
    _t, dark = cv2.threshold(crop, 0, 255, cv2.THRESH_BINARY_INV + cv2.THRESH_OTSU)
    count, _labels, stats, centroids = cv2.connectedComponentsWithStats(dark, connectivity=8)
    glyphs: list[tuple[float, float]] = []
    for label in range(1, count):
        gx, gy, gw, gh, area = (int(v) for v in stats[label])
        if not 0.35 * h <= gh <= 0.95 * h:
            continue
        if gw > 0.25 * w or gw < 0.02 * w:
            continue
        if area < 0.15 * gw * gh:
            continue
        glyphs.append((float(centroids[label][0]), float(centroids[label][1])))
    if len(glyphs) < 4:
        return False
    middle = float(np.median([cy for _cx, cy in glyphs]))
    in_row = [cx for cx, cy in glyphs if abs(cy - middle) <= 0.2 * h]
    if len(in_row) < 4:
        return False
    return (max(in_row) - min(in_row)) >= 0.35 * w


# --- helpers --------------------------------------------------------------------------------


def _run(
    cascade: cv2.CascadeClassifier,
    grey: np.ndarray,
    neighbours: int,
    min_size: tuple[int, int],
    scale_factor: float = 1.2,
) -> list[tuple[int, int, int, int]]:
    found = cascade.detectMultiScale(
        grey, scaleFactor=scale_factor, minNeighbors=neighbours, minSize=min_size
    )
    return [tuple(int(v) for v in row) for row in found]  # type: ignore[misc]


def _box(x: int, y: int, w: int, h: int, kind: str) -> dict[str, Any]:
    return {"x": x, "y": y, "w": w, "h": h, "kind": kind, "score": None}


def _check(deadline: float | None) -> None:
    if deadline is not None and time.monotonic() > deadline:
        raise TimeoutError("photo anonymisation took longer than its time budget")


def _scaled(box: dict[str, Any], factor: float, width: int, height: int) -> dict[str, Any]:
    x0 = max(0, int(box["x"] * factor))
    y0 = max(0, int(box["y"] * factor))
    x1 = min(width, round((box["x"] + box["w"]) * factor))
    y1 = min(height, round((box["y"] + box["h"]) * factor))
    return {**box, "x": x0, "y": y0, "w": max(1, x1 - x0), "h": max(1, y1 - y0)}


def _merge(boxes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Overlapping boxes of one kind joined into their union (one box per face or plate)."""
    merged: list[dict[str, Any]] = []
    for box in sorted(boxes, key=lambda b: -b["w"] * b["h"]):
        for other in merged:
            if other["kind"] == box["kind"] and _overlap(other, box) >= 0.3:
                x0, y0 = min(other["x"], box["x"]), min(other["y"], box["y"])
                x1 = max(other["x"] + other["w"], box["x"] + box["w"])
                y1 = max(other["y"] + other["h"], box["y"] + box["h"])
                other.update(x=x0, y=y0, w=x1 - x0, h=y1 - y0)
                break
        else:
            merged.append(dict(box))
    return merged


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> float:
    """Intersection over the smaller box's area."""
    ix = max(0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    smaller = min(a["w"] * a["h"], b["w"] * b["h"])
    return ix * iy / smaller if smaller else 0.0
