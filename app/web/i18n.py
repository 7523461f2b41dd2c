"""Which language a page is shown in: ?lang= (remembered in the session), else the browser's."""

from __future__ import annotations

from flask import current_app, request, session


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not request:
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    asked = request.args.get("lang")
    if asked is not None and asked in languages:
        session["lang"] = asked
        return asked
    remembered = session.get("lang")
    if isinstance(remembered, str) and remembered in languages:
        return remembered
    return (
        request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]
    )
