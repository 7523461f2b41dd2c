"""Creating, checking and revoking API keys. Services flush; the caller commits.

Checking a key is cached per process for ``KEY_CACHE_SECONDS`` (by the token's hash; unknown
tokens are not cached). Revoking a key (an ORM change of the row) raises the city version
(``app.cities.cache``): the revoking process forgets its cached keys at the commit and every
other process at its next request, so a revoked key is refused at once everywhere. A key
revoked by raw SQL, past the ORM, is still accepted by a process that has it cached for at most
``KEY_CACHE_SECONDS``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from flask import current_app

from app.cities.cache import changing_configuration, generation
from app.core.db import utcnow
from app.core.errors import Refusal
from app.extensions import db
from app.open311.models import ApiKey

TOKEN_PREFIX = "qm_"  # noqa: S105 - a public prefix that marks our keys, not a secret
NAME_MAX_LENGTH = 100


class ApiKeyError(Refusal):
    """A key could not be created or revoked (the message says why)."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_key(name: str) -> tuple[ApiKey, str]:
    """A new key named ``name``; returns the row and the secret token (shown once, never stored)."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyError("A key needs a name.")
    if len(name) > NAME_MAX_LENGTH:
        raise ApiKeyError(f"The name is too long (at most {NAME_MAX_LENGTH} characters).")
    if db.session.execute(db.select(ApiKey.id).where(ApiKey.name == name)).first():
        raise ApiKeyError(f"There is already a key named {name!r}.")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(name=name, key_hash=hash_token(token), prefix=token[:10])
    db.session.add(key)
    db.session.flush()
    return key, token


@dataclass(frozen=True)
class ActiveKey:
    """An active key as a request needs it (a plain value, cached across requests)."""

    id: int
    name: str


KEY_CACHE_SECONDS = 30.0
KEY_CACHE_SIZE = 1000
_CACHE = "qm_api_keys"
_lock = threading.Lock()
clock = time.monotonic  # the cache's clock (tests move it)


def _lookup(digest: str) -> ActiveKey | None:
    row = db.session.execute(
        db.select(ApiKey.id, ApiKey.name).where(
            ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None)
        )
    ).first()
    return ActiveKey(id=row.id, name=row.name) if row is not None else None


def find_active_key(token: str | None) -> ActiveKey | None:
    """The active key for ``token``, or None (unknown, revoked or empty)."""
    token = (token or "").strip()
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    if changing_configuration():
        return _lookup(digest)
    cache: dict[str, tuple[int, float, ActiveKey]] = current_app.extensions.setdefault(_CACHE, {})
    current, now = generation(), clock()
    hit = cache.get(digest)
    if hit is not None and hit[0] == current and hit[1] > now:
        return hit[2]
    key = _lookup(digest)
    with _lock:
        if key is None:
            cache.pop(digest, None)
        else:
            if len(cache) >= KEY_CACHE_SIZE:
                cache.clear()
            cache[digest] = (current, now + KEY_CACHE_SECONDS, key)
    return key


def revoke_api_key(name: str) -> ApiKey:
    """Revoke the key named ``name`` (revoking twice keeps the first date)."""
    key = db.session.execute(
        db.select(ApiKey).where(ApiKey.name == (name or "").strip())
    ).scalar_one_or_none()
    if key is None:
        raise ApiKeyError(f"There is no key named {name!r}.")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.flush()
    return key


def list_api_keys() -> list[ApiKey]:
    return list(
        db.session.execute(db.select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)).scalars()
    )
