"""Fields and validators of the admin forms: they read and type what was entered (numbers,
choices, lines of list values, JSON) and check its shape – required, length, pattern, range –
with the messages the admin sees next to the field. What needs the database or the rules of
the city's setup (a code already taken, a question a rule uses) the owning feature's service
decides."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import StopValidation, ValidationError
from wtforms.widgets import TextArea

from app.forwarding.senders.configuration import format_forward_config

# The languages of the city data an admin edits: German required, the others fall back to it.
LANGS = ("de", "en", "tr", "ar")
CODE_PATTERN = re.compile(r"[a-z0-9-]+")  # category and department codes (Open311 service_code)
KEY_PATTERN = re.compile(r"[a-z0-9_-]+")  # question codes and answer keys
CODE_MAX = 64
# WTForms' Length fills in %(length)d and %(max)d.
TOO_LONG = _l("This is too long: %(length)d characters, at most %(max)d.")


def strip(value: Any) -> Any:
    """A filter: text without the spaces around it (what the services store)."""
    return value.strip() if isinstance(value, str) else value


# --- validators -------------------------------------------------------------------------------


class Code:
    """A code of lowercase letters, digits and "-" (``keys``: also "_"), at most 64 long.

    Not checked while it is the code the row already has (``form.code_is_kept``): codes from
    before these rules stay valid until someone changes them."""

    def __init__(self, keys: bool = False) -> None:
        self.pattern = KEY_PATTERN if keys else CODE_PATTERN
        self.message = (
            _l(
                "Use only lowercase letters a–z, digits, “-” and “_” (at most %(max)d).",
                max=CODE_MAX,
            )
            if keys
            else _l(
                "Use only lowercase letters a–z, digits and “-” (at most %(max)d).", max=CODE_MAX
            )
        )

    def __call__(self, form: Any, field: Field) -> None:
        code = field.data or ""
        kept: Callable[[str], bool] | None = getattr(form, "code_is_kept", None)
        if kept is not None and kept(code):
            return
        if not code:
            raise StopValidation(_l("Please enter a code."))
        if len(code) > CODE_MAX or not self.pattern.fullmatch(code):
            raise StopValidation(self.message)


class NumberBetween:
    """A ``WholeNumberField``'s number from ``low`` to ``high``, or none."""

    def __init__(self, low: int, high: int, message: LazyString) -> None:
        self.low, self.high, self.message = low, high, message

    def __call__(self, form: Any, field: Field) -> None:
        number = getattr(field, "number", None)
        if number is not None and not self.low <= number <= self.high:
            raise StopValidation(self.message)


class EmailAddress:
    """An e-mail address (``required``: not empty either); the field's data becomes its
    normalized form (``lower``: in lowercase, as account addresses are stored)."""

    def __init__(self, required: bool = False, lower: bool = False) -> None:
        self.required, self.lower = required, lower

    def __call__(self, form: Any, field: Field) -> None:
        if not field.data and not self.required:
            return
        try:
            address = validate_email(field.data or "", check_deliverability=False).normalized
        except EmailNotValidError:
            raise StopValidation(_l("This e-mail address does not look right.")) from None
        field.data = address.lower() if self.lower else address


class OneOf:
    """One of ``values`` (``""`` only if listed), else ``message``."""

    def __init__(self, values: Iterable[str], message: LazyString) -> None:
        self.values, self.message = tuple(values), message

    def __call__(self, form: Any, field: Field) -> None:
        if field.data not in self.values:
            raise StopValidation(self.message)


# --- fields -----------------------------------------------------------------------------------


class TextField(StringField):
    """A line of text, without the spaces around it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("filters", [strip])
        super().__init__(*args, **kwargs)


class LongTextField(TextAreaField):
    """Text of several lines, without the spaces around it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("filters", [strip])
        super().__init__(*args, **kwargs)


class WholeNumberField(StringField):
    """An optional whole number (empty → None) with a message of our own when it is not one."""

    data: str

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)
        self.number: int | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()

    def process_data(self, value: Any) -> None:
        self.data = "" if value is None else str(value)

    def pre_validate(self, form: Any) -> None:
        self.number = None
        if not self.data:
            return
        if not re.fullmatch(r"[+-]?\d{1,9}", self.data):
            raise ValidationError(_l("Please enter a whole number, e.g. 3."))
        self.number = int(self.data)


class ChoiceField(SelectField):
    """A select whose options the template renders (with groups); validators or the service
    check the value. Empty means "none"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("validate_choice", False)
        kwargs.setdefault("choices", [])
        super().__init__(*args, **kwargs)

    def process_data(self, value: Any) -> None:
        self.data = "" if value is None else str(value)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = (valuelist[0] if valuelist else "").strip()

    @property
    def number(self) -> int | None:
        return int(self.data) if self.data.isdigit() else None


class ValueLinesField(Field):
    """The choices of a list question, one a line: ``key = Deutsch | English | Türkçe | العربية``
    (every language after the German one may be left out or empty)."""

    widget = TextArea()
    data: str | list[dict[str, Any]]  # the text as entered; its values once validated

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.values: list[dict[str, Any]] = []
        self.raw = ""

    def _value(self) -> str:
        return self.raw

    def process_data(self, value: Any) -> None:
        self.values = list(value or [])
        self.raw = format_value_lines(self.values)
        self.data = self.values

    def process_formdata(self, valuelist: list[str]) -> None:
        self.raw = valuelist[0] if valuelist else ""
        self.data = self.raw

    def pre_validate(self, form: Any) -> None:
        self.values, problem = parse_value_lines(self.raw)
        self.data = self.values
        if problem is not None:
            raise ValidationError(problem)


def format_value_lines(values: list[dict[str, Any]]) -> str:
    lines = []
    for value in values:
        names = value.get("names") or {}
        texts = [names.get(lang, "") for lang in LANGS]
        while len(texts) > 1 and not texts[-1]:
            texts.pop()
        lines.append(f"{value['key']} = {' | '.join(texts)}")
    return "\n".join(lines)


def parse_value_lines(text: str) -> tuple[list[dict[str, Any]], LazyString | None]:
    """``dark = zu dunkel | too dark | çok karanlık | مظلم جدًا`` per line (names in the order
    of ``LANGS``, German required) → values; or the first problem (with its line)."""
    values: list[dict[str, Any]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, equals, names = line.partition("=")
        key = key.strip()
        parts = [part.strip() for part in names.split("|")]
        if not equals or not parts[0] or len(parts) > len(LANGS):
            return values, _l(
                "Line %(n)d: please write it as “key = Deutsch | English | Türkçe | العربية”.",
                n=number,
            )
        if not KEY_PATTERN.fullmatch(key) or len(key) > CODE_MAX:
            return values, _l(
                "Line %(n)d: the key may use only lowercase letters a–z, digits, “-” and “_”.",
                n=number,
            )
        names_by_language = {lang: text for lang, text in zip(LANGS, parts, strict=False) if text}
        values.append({"key": key, "names": names_by_language})
    return values, None


class JsonTextField(Field):
    """A JSON object edited as text: shown pretty-printed, read back as the text entered (the
    service parses and checks it)."""

    widget = TextArea()

    def _value(self) -> str:
        return self.data if isinstance(self.data, str) else format_forward_config(self.data)

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else ""


class CheckboxesField(SelectMultipleField):
    """Several ids, ticked in a list of checkboxes the template renders."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("coerce", int)
        kwargs.setdefault("validate_choice", False)
        super().__init__(*args, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            self.data = [int(v) for v in valuelist if v.strip()]
        except ValueError:
            self.data = []
            raise ValueError(_l("Please tick departments from the list.")) from None


def texts_of(form: FlaskForm, prefix: str) -> dict[str, str]:
    """{"de": form.<prefix>_de.data, "en": …, "tr": …, "ar": …} without the languages left
    empty."""
    texts = {lang: (form[f"{prefix}_{lang}"].data or "").strip() for lang in LANGS}
    return {lang: text for lang, text in texts.items() if text}


def language_texts(texts: Mapping[str, str] | None, prefix: str) -> dict[str, str]:
    """The form data ``{<prefix>_de: …, <prefix>_en: …, …}`` of stored texts per language."""
    return {f"{prefix}_{lang}": (texts or {}).get(lang, "") for lang in LANGS}
