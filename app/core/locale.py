"""The user's language and dates in it: shared by every feature that renders for people (web
pages, the inbox, e-mails, the partner pages), so none has to import another feature's views."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_request_context, request
from flask_babel import format_date, format_time, get_locale, refresh
from flask_babel import gettext as _

from app.core.formatting import city_time

# Each language by its own name, as a language switcher lists them (in the order of
# ``LANGUAGES`` in the configuration).
LANGUAGE_NAMES = {"de": "Deutsch", "en": "English", "tr": "Türkçe", "ar": "العربية"}
# Languages written from right to left: their pages get ``dir="rtl"``.
RIGHT_TO_LEFT = frozenset({"ar"})
_CHOSEN = "quartiersmelder.locale"  # in the request's environ: this request only


def current_lang() -> str:
    """The language of the current request (or of the ``force_locale`` block around it)."""
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def text_direction(lang: str) -> str:
    """``rtl`` for a language written from right to left, else ``ltr``."""
    return "rtl" if lang.split("-", 1)[0] in RIGHT_TO_LEFT else "ltr"


def language_choices() -> list[tuple[str, str]]:
    """(code, own name) of every language of the site, in the configured order."""
    return [(code, LANGUAGE_NAMES.get(code, code)) for code in current_app.config["LANGUAGES"]]


def supported_language(value: str | None) -> str | None:
    """A configured language from ``value`` (``tr``, ``tr-TR``, ``tr_TR``, ``AR``), else None."""
    if not value:
        return None
    code = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in current_app.config["LANGUAGES"] else None


def choose_locale(code: str) -> None:
    """Speak ``code`` for the rest of this request (an API's ``locale`` parameter, a language
    switch): the locale selector gives it precedence over everything else."""
    request.environ[_CHOSEN] = code
    refresh()


def chosen_locale() -> str | None:
    """The language ``choose_locale`` set for this request, if any."""
    if not has_request_context():
        return None
    value = request.environ.get(_CHOSEN)
    return value if isinstance(value, str) else None


def date_and_time(moment: datetime, date_format: str) -> str:
    """Date and time ("date, time") in the city's time zone, in the current language: the
    date in ``date_format`` ("long", "medium"), the time short."""
    local = city_time(moment)
    return _(
        "%(date)s, %(time)s",
        date=format_date(local, date_format, rebase=False),
        time=format_time(local, "short", rebase=False),
    )


def when(moment: datetime) -> str:
    """A date and time in the city's time zone, in the current language."""
    return date_and_time(moment, "long")


def pick_language(texts: dict[str, str] | None, locale: str, fallback: str = "de") -> str:
    """The text in ``locale``, else the fallback language, else any text there is."""
    if not texts:
        return ""
    return texts.get(locale) or texts.get(fallback) or next(iter(texts.values()), "")
