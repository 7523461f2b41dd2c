"""The bot's words in the resident's language, from the project's one gettext catalogue
(``app/translations/<lang>/LC_MESSAGES/messages.mo``, English message ids), read without the
Flask app: the bot runs from the repository next to the backend.

    gettext(lang, "Which language?")
    ngettext(lang, "%(num)d photo", "%(num)d photos", n)       # ``num`` is filled in

The language comes first, so ``babel.cfg`` tells the extractor where the message is for the
bot's files (``gettext:2 ngettext:2,3``); ``N_`` marks a message kept in a table and
translated where it is shown. A message without a translation, and a language without a
catalogue, are shown in English (the message id).

Category names, questions, statuses and the routing note are the backend's: it answers in the
language the bot asks for (``bot.backend``).
"""

from __future__ import annotations

import gettext as _gettext
from functools import cache
from pathlib import Path

from babel.support import Translations

LANGUAGES = ("de", "en", "tr", "ar")
LANGUAGE_NAMES = {"de": "🇩🇪 Deutsch", "en": "🇬🇧 English", "tr": "🇹🇷 Türkçe", "ar": "🇸🇾 العربية"}
CATALOGUES = Path(__file__).resolve().parent.parent / "app" / "translations"
DOMAIN = "messages"


@cache
def catalogue(lang: str) -> _gettext.NullTranslations:
    """The compiled catalogue of ``lang`` (loaded once per process); English messages for a
    language the bot does not speak or a catalogue that is not compiled."""
    if lang not in LANGUAGES:
        return _gettext.NullTranslations()
    return Translations.load(str(CATALOGUES), [lang], DOMAIN)


def missing_catalogues() -> list[str]:
    """The languages (English aside, whose texts are the message ids) without a compiled
    catalogue — ``pybabel compile -d app/translations`` (``make translations``) was not run."""
    return [
        lang
        for lang in LANGUAGES
        if lang != "en" and not (CATALOGUES / lang / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file()
    ]


def gettext(lang: str, message: str, /, **values: object) -> str:
    """``message`` in ``lang``, its ``%(name)s`` placeholders filled with ``values``."""
    text = catalogue(lang).gettext(message)
    return text % values if values else text


def ngettext(lang: str, singular: str, plural: str, num: int, /, **values: object) -> str:
    """The form of ``singular``/``plural`` for ``num`` in ``lang`` (Arabic has six, Turkish
    two), with ``%(num)d`` and the other placeholders filled in."""
    return catalogue(lang).ngettext(singular, plural, num) % {"num": num, **values}


def N_(message: str) -> str:
    """Marks ``message`` for the catalogue where it is not yet shown (a table of texts)."""
    return message


def all_variants(message: str) -> set[str]:
    """``message`` in every language, case-folded (to recognise a reply-keyboard button)."""
    return {gettext(lang, message).strip().casefold() for lang in LANGUAGES}
