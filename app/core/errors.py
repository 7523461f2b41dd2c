"""Errors that carry a message meant for the user.

Messages are translatable (Flask-Babel lazy strings with English msgids); a channel renders them
in the user's language: next to the form field on the web, in the Open311 error body, in the bot.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

from flask_babel import LazyString

Message: TypeAlias = "str | LazyString"


class Refusal(Exception):
    """Something a person asked for was refused, with a message for them.

    The one base of every refusal meant for a user (a resident, a caseworker, an admin, a
    partner or an API client), so every channel shows them the same way. ``errors`` maps a
    field name (``""`` for the request as a whole) to a message in the user's language (lazy
    strings render when shown); ``status`` is the HTTP status a channel answers with.
    """

    status: int = 422

    def __init__(self, errors: Mapping[str, Message] | Message, status: int | None = None) -> None:
        self.errors: dict[str, Message] = (
            dict(errors) if isinstance(errors, Mapping) else {"": errors}
        )
        if status is not None:
            self.status = status
        super().__init__("; ".join(f"{k}: {v}" if k else str(v) for k, v in self.errors.items()))

    @property
    def message(self) -> Message:
        """The first message, for channels that show one."""
        return next(iter(self.errors.values()), "")

    @property
    def messages(self) -> list[Message]:
        return list(self.errors.values())


class DraftInvalid(Refusal):
    """A report draft (or a part of it, like a photo) was refused.

    ``errors`` maps a field name (``category``, ``location``, ``address``, ``description``,
    ``photos``, ``attribute.<code>``, ``email`` …) to a message for the user. ``status`` is
    the HTTP status a channel should answer with: 413 for a file over the size limit,
    422 for everything else.
    """

    def __init__(self, errors: Mapping[str, Message], status: int = 422) -> None:
        super().__init__(errors, status)

    def merged(self, other: DraftInvalid) -> DraftInvalid:
        """Both sets of errors; the stricter status (413 beats 422)."""
        status = 413 if 413 in (self.status, other.status) else max(self.status, other.status)
        return DraftInvalid({**self.errors, **other.errors}, status)


class PhotoRejected(DraftInvalid):
    """One uploaded photo was refused; ``code`` says why in machine terms."""

    def __init__(self, code: str, message: str | LazyString, status: int = 422) -> None:
        self.code = code
        super().__init__({"photos": message}, status)


# How long a client is asked to wait when the database cannot be reached (seconds).
DATABASE_RETRY_AFTER = 5


def database_unavailable_message() -> str:
    from flask_babel import gettext as _

    return _(
        "The service is not available for a moment. Nothing was saved. Please try again in a "
        "minute."
    )


def discard_broken_session() -> None:
    """Roll back and drop the request's session after its connection was lost."""
    import logging

    from app.extensions import db

    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the session is dropped anyway
        logging.getLogger(__name__).debug("rollback after a lost connection failed")
    db.session.remove()


def is_database_unavailable(error: BaseException) -> bool:
    """True for a lost or refused database connection (as opposed to a bad statement)."""
    import sqlalchemy as sa

    if isinstance(error, sa.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, sa.exc.OperationalError | sa.exc.InterfaceError | sa.exc.TimeoutError)
