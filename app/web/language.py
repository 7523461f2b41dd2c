"""The language switcher: every page lists the site's languages by their own names (links with
``?lang=``, remembered in the session). On the report form the switch is a submit button of
the form (``form="report-form"``) posting to ``switch_language``, which remembers the language
and shows the form again in it with what was typed — with and without JavaScript alike."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import request

from app.core.locale import current_lang, language_choices, text_direction
from app.web.form_page import render_form
from app.web.forms import ReportForm, has_files
from app.web.i18n import switch_language as switch_to

# The name of the switch buttons' field (their value is the language).
SWITCH_FIELD = "switch_language"


def lang_url(target: str) -> str:
    """This page in ``target``: its address with ``?lang=`` (a page answering a form post: the
    address alone, without the post)."""
    args = request.args.to_dict(flat=False) if request.method == "GET" else {}
    args["lang"] = [target]
    return f"{request.path}?{urlencode(args, doseq=True)}"


def language_context() -> dict[str, Any]:
    """What the base templates' language attributes and switcher need."""
    lang = current_lang()
    return {
        "lang": lang,
        "lang_dir": text_direction(lang),
        "languages": language_choices(),
        "lang_url": lang_url,
        "switch_field": SWITCH_FIELD,
    }


def switch_language():
    """``POST /report/language`` (registered by ``app.web.views``): the form again, in the
    chosen language, as typed (photos cannot be sent back to the browser; the page says to
    choose them again)."""
    switch_to(request.form.get(SWITCH_FIELD))
    form = ReportForm.from_form(request.form)
    return render_form(form, photos_dropped=has_files(request.files.getlist("photos")))
