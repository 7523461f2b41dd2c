"""Photos held for the moment between "already reported nearby?" and sending.

Without JavaScript the form posts its photos with everything else. When the step with the
reports nearby comes first, the photos are kept here under a random token, so that "send my
own report anyway" sends the report without asking for the photos again: each photo crosses
the network once. The token is carried by the step's form and only taken back by the browser
session it was given to.

The files are the uploads as they came (the intake reads their location before stripping
it), so they are kept as briefly as possible: taken back when the report is sent, dropped on
"me too", and removed an hour after they were held by whoever holds the next ones.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import shutil
import time
from pathlib import Path

from flask import current_app, session

from app.reports.drafts import PhotoUpload

KEEP_FOR_S = 3600
_SESSION_KEY = "qm_held_photos"
_REMEMBER = 3  # tokens of one session (a step open in a few tabs)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
_NAMES = "names.json"


def _root() -> Path:
    """``HELD_PHOTOS_DIR``, else a folder beside the photo storage (``…/photos-held``)."""
    configured = current_app.config.get("HELD_PHOTOS_DIR")
    if configured:
        return Path(configured)
    storage = Path(current_app.config["PHOTO_STORAGE_DIR"])
    return storage.with_name(storage.name + "-held")


def _folder(token: str) -> Path | None:
    if not _TOKEN.match(token or "") or token not in session.get(_SESSION_KEY, []):
        return None
    return _root() / token


def hold(photos: list[PhotoUpload]) -> str:
    """Keep ``photos`` for this session; the token to take them back with."""
    _sweep()
    token = secrets.token_urlsafe(24)
    folder = _root() / token
    folder.mkdir(parents=True, mode=0o700)
    for number, photo in enumerate(photos):
        (folder / f"{number}.bin").write_bytes(photo.data)
    (folder / _NAMES).write_text(json.dumps([photo.filename for photo in photos]))
    session[_SESSION_KEY] = [*session.get(_SESSION_KEY, []), token][-_REMEMBER:]
    return token


def held(token: str) -> list[PhotoUpload] | None:
    """The photos held under ``token`` for this session; None if there are none (any more)."""
    folder = _folder(token)
    if folder is None or not folder.is_dir():
        return None
    try:
        names = json.loads((folder / _NAMES).read_text())
        return [
            PhotoUpload(data=(folder / f"{number}.bin").read_bytes(), filename=name)
            for number, name in enumerate(names)
        ]
    except (OSError, ValueError):
        return None


def drop(token: str) -> None:
    """Remove the photos held under ``token`` (sent with a report, or not needed)."""
    folder = _folder(token)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)
    session[_SESSION_KEY] = [t for t in session.get(_SESSION_KEY, []) if t != token]


def _sweep() -> None:
    """Remove what was held longer than an hour (a step left without an answer)."""
    root = _root()
    if not root.is_dir():
        return
    oldest = time.time() - KEEP_FOR_S
    for folder in root.iterdir():
        with contextlib.suppress(OSError):
            if folder.stat().st_mtime < oldest:
                shutil.rmtree(folder, ignore_errors=True)
