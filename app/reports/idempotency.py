"""Submission keys: a report sent twice (a retry after a slow answer, a double click) is
created once.

A channel passes a key it chose for one report — an Open311 client's ``Idempotency-Key`` header
(scoped to its API key), the web form's hidden key — and a fingerprint of what was sent. The
first time, the key is stored with the new report in the same transaction; later within a day,
the same key answers with that report. The same key with different content is refused. Two
requests racing with one key: the second commit fails on the unique key and the caller answers
with the first report.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import UTCDateTime, utcnow
from app.core.errors import Refusal
from app.extensions import Model, db
from app.reports.models import Report

KEEP_FOR = timedelta(days=1)
KEY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class SubmissionKey(Model):
    __tablename__ = "submission_key"
    __table_args__ = (
        sa.UniqueConstraint("scope", "key"),
        sa.Index("ix_submission_key_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # "web", or "api_key:<id>": one client's keys never meet another's
    scope: Mapped[str] = mapped_column(sa.String(40))
    key: Mapped[str] = mapped_column(sa.String(100))
    request_hash: Mapped[str] = mapped_column(sa.String(64))
    report_id: Mapped[int] = mapped_column(sa.ForeignKey("report.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    report: Mapped[Report] = relationship()


class KeyReused(Refusal):
    """The key was used within the day for a report with other content."""

    status = 409


def is_valid_key(key: str) -> bool:
    return bool(KEY_PATTERN.match(key))


def fingerprint(fields: dict[str, Any], files: Sequence[bytes] = ()) -> str:
    """A hash of what was sent: the fields (sorted) and the files' contents."""
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, default=str).encode())
    for data in files:
        digest.update(hashlib.sha256(data).digest())
    return digest.hexdigest()


def earlier_report(scope: str, key: str, request_hash: str) -> Report | None:
    """The report this key created within the day, or None; KeyReused for other content."""
    found = db.session.execute(
        sa.select(SubmissionKey).where(
            SubmissionKey.scope == scope,
            SubmissionKey.key == key,
            SubmissionKey.created_at >= utcnow() - KEEP_FOR,
        )
    ).scalar_one_or_none()
    if found is None:
        return None
    if found.request_hash != request_hash:
        raise KeyReused(key)
    return found.report


def remember(scope: str, key: str, request_hash: str, report: Report) -> None:
    """Store the key with the new report (flushed with the caller's transaction); a key older
    than a day is replaced."""
    db.session.execute(
        sa.delete(SubmissionKey).where(
            SubmissionKey.scope == scope,
            SubmissionKey.key == key,
            SubmissionKey.created_at < utcnow() - KEEP_FOR,
        )
    )
    db.session.add(SubmissionKey(scope=scope, key=key, request_hash=request_hash, report=report))


def forget_old_keys(now: datetime | None = None) -> int:
    """Delete keys older than a day (a periodic job)."""
    result = db.session.execute(
        sa.delete(SubmissionKey).where(SubmissionKey.created_at < (now or utcnow()) - KEEP_FOR)
    )
    return cast("CursorResult[Any]", result).rowcount or 0
