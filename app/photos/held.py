"""Uploads held for a short while, as they came, under a random token: the web form's step
"already reported nearby?" keeps a report's photos there until the resident answers, so the
report is sent without asking for them again (``app/web/held_photos.py`` binds a token to the
browser that was given it).

The files still carry their metadata (the intake reads the location before it strips it), so
nothing stays longer than ``KEEP_FOR_S``: ``sweep`` (the worker's periodic jobs, and every new
hold) removes what is older.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import time
from pathlib import Path

from flask import current_app

KEEP_FOR_S = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_NAMES = "names.json"


def _root() -> Path:
    """``HELD_PHOTOS_DIR``, else a folder beside the photo storage (``…/photos-held``)."""
    configured = current_app.config.get("HELD_PHOTOS_DIR")
    if configured:
        return Path(configured)
    storage = Path(current_app.config["PHOTO_STORAGE_DIR"])
    return storage.with_name(storage.name + "-held")


def is_token(token: str) -> bool:
    return bool(_TOKEN.match(token or ""))


def hold(files: list[tuple[bytes, str | None]]) -> str:
    """Keep ``(data, file name)`` pairs; the token to read them back with."""
    sweep()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True, mode=0o700)
    for number, (data, _name) in enumerate(files):
        (folder / f"{number}.bin").write_bytes(data)
    (folder / _NAMES).write_text(json.dumps([name for _data, name in files]))
    return token


def held(token: str) -> list[tuple[bytes, str | None]] | None:
    """The files held under ``token``; None if there are none (any more)."""
    if not is_token(token):
        return None
    folder = _root() / token
    try:
        names = json.loads((folder / _NAMES).read_text())
        return [
            ((folder / f"{number}.bin").read_bytes(), name) for number, name in enumerate(names)
        ]
    except (OSError, ValueError):
        return None


def drop(token: str) -> None:
    """Remove the files held under ``token``."""
    if is_token(token):
        shutil.rmtree(_root() / token, ignore_errors=True)


def sweep(now: float | None = None) -> int:
    """Remove what was held longer than ``KEEP_FOR_S`` (a step left without an answer)."""
    root = _root()
    if not root.is_dir():
        return 0
    oldest = (now if now is not None else time.time()) - KEEP_FOR_S
    removed = 0
    for folder in root.iterdir():
        with contextlib.suppress(OSError):
            if folder.stat().st_mtime < oldest:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
    return removed
