"""Creating, checking and revoking API keys. Services flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets

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


def find_active_key(token: str | None) -> ApiKey | None:
    """The active key for ``token``, or None (unknown, revoked or empty)."""
    token = (token or "").strip()
    if not token or len(token) > 200:
        return None
    key = db.session.execute(
        db.select(ApiKey).where(ApiKey.key_hash == hash_token(token))
    ).scalar_one_or_none()
    if key is None or not key.is_active:
        return None
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
