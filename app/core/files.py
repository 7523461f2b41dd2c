"""Keep files and rows together: files written during a transaction are removed again
if that transaction does not commit, so a refused or failed report leaves no orphan file."""

from __future__ import annotations

import logging

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

log = logging.getLogger(__name__)
_KEY = "qm_new_files"
_installed = False


def track_new_file(session: Session, storage, key: str) -> None:
    """Remember a newly created file; it is deleted unless the session commits."""
    session.info.setdefault(_KEY, []).append((storage, key))


def _forget(session: Session) -> None:
    session.info.pop(_KEY, None)


def _discard(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is not None:
        return
    for storage, key in session.info.pop(_KEY, []):
        try:
            storage.delete(key)
        except OSError:
            log.exception("Could not remove the uncommitted file %s", key)


def install_file_cleanup() -> None:
    global _installed
    if _installed:
        return
    event.listen(Session, "after_commit", _forget)
    event.listen(Session, "after_transaction_end", _discard)
    _installed = True
