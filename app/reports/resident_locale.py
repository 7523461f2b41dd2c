"""A resident's language for status messages, changed after reporting (the Telegram bot's
``/sprache``): later updates of every report the chat made or supports come in the new
language. Like every resident action it reaches only the entries made through the same API
client (``api_key_id``). Flushes; the caller commits."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import cast

import sqlalchemy as sa

from app.extensions import db
from app.reports.models import ReporterContact, ReportSupporter

log = logging.getLogger(__name__)


def change_resident_locale(*, telegram_chat_id: str, locale: str, api_key_id: int | None) -> int:
    """Set ``locale`` on this chat's contact and supporter entries made through this client.
    Returns how many entries changed (entries already in that language are left alone).
    The caller checks that ``locale`` is one the messages exist in."""
    changed = 0
    models: tuple[type[ReporterContact] | type[ReportSupporter], ...] = (
        ReporterContact,
        ReportSupporter,
    )
    for model in models:
        owner = model.api_key_id.is_(None) if api_key_id is None else model.api_key_id == api_key_id
        rows = cast(
            "Iterable[ReporterContact | ReportSupporter]",
            db.session.execute(
                sa.select(model).where(
                    model.telegram_chat_id == str(telegram_chat_id), owner, model.locale != locale
                )
            ).scalars(),
        )
        for row in rows:
            row.locale = locale
            changed += 1
    db.session.flush()
    log.info("Language of a chat's %d contact entries set to %s", changed, locale)
    return changed
