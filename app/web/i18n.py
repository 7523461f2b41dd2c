"""Which language a page is shown in: a language chosen for this request (an API's ``locale``,
the form's language switch), else ?lang= (remembered in the session), else the session's, else
the browser's (Accept-Language)."""

from __future__ import annotations

from flask import current_app, request, session

from app.core.locale import choose_locale, chosen_locale, supported_language

SESSION_KEY = "lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    chosen = chosen_locale()
    if chosen is not None:
        return chosen
    asked = request.args.get("lang")
    if asked is not None and asked in languages:
        session[SESSION_KEY] = asked
        return asked
    remembered = session.get(SESSION_KEY)
    if isinstance(remembered, str) and remembered in languages:
        return remembered
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def switch_language(value: str | None) -> str | None:
    """Speak ``value`` from this request on and remember it in the session (the form's
    language switch); an unknown language changes nothing (None)."""
    code = supported_language(value)
    if code is None:
        return None
    session[SESSION_KEY] = code
    choose_locale(code)
    return code
