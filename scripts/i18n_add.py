"""Add German texts to the catalogue for new messages, safely while others edit it too.

    .venv/bin/python scripts/i18n_add.py texts.json

``texts.json`` maps each new English message id to its German text
(``{"Public map": "Öffentliche Karte", …}``), or to its texts by language
(``{"Public map": {"de": "Öffentliche Karte", "tr": "Herkese açık harita", "ar": "…"}}``); a
plural message takes a list per language (``["ein Bericht", "%(num)s Berichte"]``; Turkish two
forms, Arabic six). Under a lock on the catalogue the script extracts the messages from the
code, updates every language's catalogue, sets the texts given, compiles, and prints the German
messages that are still untranslated.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PYBABEL = str(Path(sys.executable).parent / "pybabel")
LOCK = Path(tempfile.gettempdir()) / "quartiersmelder-catalogue.lock"
CATALOGUES = ROOT / "app/translations"
GERMAN = CATALOGUES / "de/LC_MESSAGES/messages.po"


def _by_language(texts: dict) -> dict[str, dict]:
    """{language: {msgid: text}} from the file's two shapes (German text, or texts by language)."""
    languages: dict[str, dict] = {}
    for key, value in texts.items():
        per_language = value if isinstance(value, dict) else {"de": value}
        for language, text in per_language.items():
            languages.setdefault(language, {})[key] = text
    return languages


def _set_texts(language: str, texts: dict) -> list:
    path = CATALOGUES / language / "LC_MESSAGES/messages.po"
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    for message in catalog:
        if not message.id:
            continue
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key in texts:
            value = texts[key]
            message.string = tuple(value) if isinstance(message.id, tuple) else value
            message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100)
    return list(catalog)


def main(path: str) -> int:
    texts = json.loads(Path(path).read_text(encoding="utf-8"))
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        pot = Path(tempfile.mkdtemp()) / "messages.pot"
        subprocess.run(  # noqa: S603 (the venv's own pybabel)
            [PYBABEL, "-q", "extract", "-F", "babel.cfg", "-k", "_l", "-o", str(pot), "."],
            check=True,
            cwd=ROOT,
        )
        subprocess.run(  # noqa: S603 (the venv's own pybabel)
            [PYBABEL, "-q", "update", "-i", str(pot), "-d", "app/translations"]
            + ["--no-fuzzy-matching", "--ignore-obsolete"],
            check=True,
            cwd=ROOT,
        )
        languages = _by_language(texts)
        languages.setdefault("de", {})
        catalog: list = []
        for language, given in languages.items():
            messages = _set_texts(language, given)
            if language == "de":
                catalog = messages
        subprocess.run(  # noqa: S603 (the venv's own pybabel)
            [PYBABEL, "-q", "compile", "-d", "app/translations"], check=True, cwd=ROOT
        )
        missing = [
            m.id
            for m in catalog
            if m.id and not (all(m.string) if isinstance(m.string, tuple) else m.string)
        ]
    for item in missing:
        print("untranslated:", item)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
