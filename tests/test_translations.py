"""The one catalogue (web, e-mails, bot) in every language: every message the code can show is
in it, translated (English is the message id), not fuzzy, with the placeholders of its message
id in every plural form; Turkish and Arabic carry the note that a native speaker has still to
review them."""

from __future__ import annotations

import gettext
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "app/translations"
LANGUAGES = ["de", "en", "tr", "ar"]
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]  # English: the message ids
NEEDS_REVIEW = ["tr", "ar"]  # until a native speaker has reviewed them
REVIEW_NOTE = "NEEDS REVIEW BY A NATIVE SPEAKER"
NUMBER = "%(num)d"  # ngettext's number (Flask-Babel and the bot fill it in)

# %(name)s, %s (not %%), {name}
PLACEHOLDER = re.compile(
    r"%\(\w+\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%(?!%)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{\w*\}"
)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text.replace("%%", "")))


def catalogue(lang: str) -> Catalog:
    with (CATALOGUES / lang / "LC_MESSAGES/messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def key(message: Message) -> str:
    return str(message.id[0] if isinstance(message.id, tuple) else message.id)


def forms_for_one_number(catalog: Catalog) -> set[int]:
    """The plural forms used for a single number only (Arabic: zero, one, two; German and
    Turkish: one) — the only forms that may say the number in words instead of ``%(num)d``."""
    rule = gettext.c2py(catalog.plural_expr)  # the header's Plural-Forms, as gettext reads it
    numbers: dict[int, set[int]] = {}
    for n in range(1200):
        numbers.setdefault(rule(n), set()).add(n)
    return {form for form, ns in numbers.items() if len(ns) == 1}


@pytest.fixture(scope="module")
def wanted(tmp_path_factory) -> set[str]:
    """Every message the code can show, extracted as `make translations-update` does."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run(
        [
            str(Path(sys.executable).parent / "pybabel"),
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(pot),
            ".",
        ],
        check=True,
        cwd=ROOT,
    )
    with pot.open("rb") as fh:
        return {key(m) for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_catalogue_covers_every_message_in_the_code(lang, wanted):
    missing = sorted(wanted - {key(m) for m in messages(catalogue(lang))})
    assert missing == [], "run `make translations-update` and translate these"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(lang):
    catalog = catalogue(lang)
    assert not catalog.fuzzy, "a fuzzy catalogue is not compiled"
    untranslated, fuzzy = [], []
    for message in messages(catalog):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        forms = catalog.num_plurals if message.pluralizable else 1
        if len(strings) != forms or not all(s.strip() for s in strings):
            untranslated.append(key(message))
        if message.fuzzy:
            fuzzy.append(key(message))
    assert untranslated == [], f"{len(untranslated)} messages without {lang} text: {untranslated}"
    assert fuzzy == [], f"{len(fuzzy)} fuzzy {lang} messages: check and clear the flag"


def test_the_english_catalogue_holds_no_fuzzy_message():
    catalog = catalogue("en")
    assert not catalog.fuzzy
    assert [key(m) for m in messages(catalog) if m.fuzzy] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_translation_has_the_placeholders_of_its_message_id(lang):
    catalog = catalogue(lang)
    worded = forms_for_one_number(catalog)
    wrong = []
    for message in messages(catalog):
        if message.pluralizable:
            singular, plural = message.id
            expected = placeholders(plural)
            assert placeholders(singular) - Counter([NUMBER]) <= expected, singular
            for form, text in enumerate(message.string):
                found = placeholders(text)
                if text and form in worded and NUMBER not in found:
                    found[NUMBER] = expected[NUMBER]  # "one photo", "صورتان"
                if text and found != expected:
                    wrong.append((key(message), form, text))
        elif message.string and placeholders(message.string) != placeholders(message.id):
            wrong.append((key(message), 0, message.string))
    assert wrong == []


@pytest.mark.parametrize("lang", NEEDS_REVIEW)
def test_machine_assisted_catalogues_say_they_need_a_native_speakers_review(lang):
    assert REVIEW_NOTE in catalogue(lang).header_comment


def test_plural_forms_where_a_number_stands_alone():
    assert forms_for_one_number(catalogue("ar")) == {0, 1, 2}  # zero, one, two
    assert forms_for_one_number(catalogue("tr")) == {0}
    assert forms_for_one_number(catalogue("de")) == {0}
