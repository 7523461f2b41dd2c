"""A department's name in a language: the one way residents' surfaces read it.

Staff pages show ``Department.name`` (German, the name the city uses); everything a resident
reads — confirmation, status page, Open311, open data, e-mails, the bot — goes through
:func:`department_name`, which takes the translation from ``names`` and falls back to German.
It reads only ``name`` and ``names``, so a cached snapshot of a department serves as well as the
row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol


class NamedDepartment(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def names(self) -> Mapping[str, str] | None: ...


def department_names(name: str, names: Mapping[str, str] | None) -> dict[str, str]:
    """Every language's name: ``names`` with the German ``name`` as ``de``."""
    return {**{lang: text for lang, text in (names or {}).items() if text}, "de": name}


def pick_department_name(name: str, names: Mapping[str, str] | None, lang: str) -> str:
    """The name in ``lang`` (``tr``, ``tr-TR``) from the columns, else the German ``name``."""
    code = (lang or "de").replace("_", "-").split("-", 1)[0].lower()
    return (names or {}).get(code) or name


def department_name(dept: NamedDepartment | None, lang: str) -> str | None:
    """The department's name in ``lang``, German where it has none; None for no department
    (the triage queue)."""
    if dept is None:
        return None
    return pick_department_name(dept.name, dept.names, lang)
