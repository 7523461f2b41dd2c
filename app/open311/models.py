"""API keys for Open311 clients (apps, the Telegram bot). Only a hash of each key is stored."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import UTCDateTime, utcnow
from app.extensions import Model


class ApiKey(Model):
    """One client's key: a name to tell it apart, the SHA-256 of the secret, and when it was
    revoked (a revoked key is kept so that its name stays taken and the history readable)."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    # Hex SHA-256 of the token. Tokens are 256 random bits, so a plain hash is enough.
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The first characters of the token, shown by `flask api-keys list` to recognise a key.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def __repr__(self) -> str:
        return f"<ApiKey {self.name}>"
