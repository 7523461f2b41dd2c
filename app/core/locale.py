"""The user's language and dates in it: shared by every feature that renders for people (web
pages, the inbox, e-mails, the partner pages), so none has to import another feature's views."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import format_date, format_time, get_locale
from flask_babel import gettext as _


def current_lang() -> str:
    """The language of the current request (or of the ``force_locale`` block around it)."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def when(moment: datetime) -> str:
    """A date and time in the city's time zone, in the current language."""
    return _(
        "%(date)s, %(time)s", date=format_date(moment, "long"), time=format_time(moment, "short")
    )


def pick_language(texts: dict[str, str] | None, locale: str, fallback: str = "de") -> str:
    """The text in ``locale``, else the fallback language, else any text there is."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get(fallback) or next(iter(texts.values()), "")
