"""Which language a page is shown in: a language chosen for this request (an API's ``locale``,
the form's language switch), else ?lang= (remembered in the session), else the session's, else
the browser's (Accept-Language)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale
from flask import Flask, current_app, request, session
from flask.globals import _cv_app
from flask_babel import get_translations

from app.core.locale import choose_locale, chosen_locale, supported_language

SESSION_KEY = "lang"


def select_locale() -> Locale:
    """The locale of this request, for flask_babel (which parses what it is given, unless it
    is a ``Locale`` already: each language's is parsed once per process)."""
    return _locale(_selected_language())


@lru_cache(maxsize=16)
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def _selected_language() -> str:
    config = current_app.config
    languages = config["LANGUAGES"]
    if not request:
        return config["BABEL_DEFAULT_LOCALE"]
    chosen = chosen_locale()
    if chosen is not None:
        return chosen
    # Asked whether they hold the name first: werkzeug makes (and catches) an exception for
    # each name looked up and not there, and most requests send neither.
    args = request.args
    asked = args.get("lang") if "lang" in args else None
    if asked is not None and asked in languages:
        session[SESSION_KEY] = asked
        return asked
    remembered = session.get(SESSION_KEY)
    if isinstance(remembered, str) and remembered in languages:
        return remembered
    if "HTTP_ACCEPT_LANGUAGE" not in request.environ:
        return config["BABEL_DEFAULT_LOCALE"]
    return request.accept_languages.best_match(languages) or config["BABEL_DEFAULT_LOCALE"]


def switch_language(value: str | None) -> str | None:
    """Speak ``value`` from this request on and remember it in the session (the form's
    language switch); an unknown language changes nothing (None)."""
    code = supported_language(value)
    if code is None:
        return None
    session[SESSION_KEY] = code
    choose_locale(code)
    return code


def _translations() -> Any:
    """flask_babel's ``get_translations()``, remembered on the request's Babel context for as
    long as its locale (and domain) stays the same object — ``force_locale`` and ``refresh``
    put a new one there, so a forced or switched language is looked up afresh. Templates call
    gettext dozens of times a page; each of flask_babel's own look-ups walks ``g`` twice."""
    app_ctx = _cv_app.get(None)
    space = app_ctx.g.__dict__.get("_flask_babel") if app_ctx is not None else None
    if space is None:
        return get_translations()
    locale = getattr(space, "babel_locale", None)
    domain = getattr(space, "babel_domain", None)
    remembered = getattr(space, "qm_translations", None)
    if (
        locale is not None
        and remembered is not None
        and remembered[0] is locale
        and remembered[1] is domain
    ):
        return remembered[2]
    translations = get_translations()
    space.qm_translations = (
        getattr(space, "babel_locale", None),
        getattr(space, "babel_domain", None),
        translations,
    )
    return translations


def install_template_gettext(app: Flask) -> None:
    """Templates' gettext family through :func:`_translations` (same texts as flask_babel's
    own callables, which this replaces; call after ``babel.init_app``)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
