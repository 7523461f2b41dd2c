"""Photos held for the moment between "already reported nearby?" and sending.

Without JavaScript the form posts its photos with everything else. When the step with the
reports nearby comes first, the photos are held (``app/photos/held.py``) under a random token,
so that "send my own report anyway" sends the report without asking for the photos again: each
photo crosses the network once. The token is carried by the step's form and only taken back by
the browser session it was given to. Taken back when the report is sent, dropped on "me too",
swept after an hour otherwise.
"""

from __future__ import annotations

from flask import session

from app.photos import held as store
from app.reports.drafts import PhotoUpload

_SESSION_KEY = "qm_held_photos"
_REMEMBER = 3  # tokens of one session (a step open in a few tabs)


def _mine(token: str) -> bool:
    return store.is_token(token) and token in session.get(_SESSION_KEY, [])


def hold(photos: list[PhotoUpload]) -> str:
    """Keep ``photos`` for this browser; the token to take them back with."""
    token = store.hold([(photo.data, photo.filename) for photo in photos])
    session[_SESSION_KEY] = [*session.get(_SESSION_KEY, []), token][-_REMEMBER:]
    return token


def held(token: str) -> list[PhotoUpload] | None:
    """The photos held under ``token`` for this browser; None if there are none (any more)."""
    files = store.held(token) if _mine(token) else None
    if files is None:
        return None
    return [PhotoUpload(data=data, filename=name) for data, name in files]


def drop(token: str) -> None:
    """Remove the photos held under ``token`` (sent with a report, or not needed)."""
    if not token:
        return
    if _mine(token):
        store.drop(token)
    session[_SESSION_KEY] = [t for t in session.get(_SESSION_KEY, []) if t != token]
