"""Admin forms: they read and type what was entered (numbers, choices, lines of list values);
the services decide whether it is allowed. Every form carries the CSRF token."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import ValidationError
from wtforms.widgets import TextArea

from app.admin.services import KEY_PATTERN, LANGS, format_forward_config

# --- fields -----------------------------------------------------------------------------------


class WholeNumberField(StringField):
    """An optional whole number (empty → None) with a message of our own when it is not one."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("render_kw", {"inputmode": "numeric"})
        super().__init__(*args, **kwargs)
        self.number: int | None = None

    def process_formdata(self, valuelist: list[str]) -> None:
        super().process_formdata(valuelist)
        self.data = (self.data or "").strip()

    def process_data(self, value: Any) -> None:
        self.data = "" if value is None else str(value)

    def pre_validate(self, form) -> None:
        self.number = None
        if not self.data:
            return
        if not re.fullmatch(r"[+-]?\d{1,9}", self.data):
            raise ValidationError(_l("Please enter a whole number, e.g. 3."))
        self.number = int(self.data)


class ChoiceField(SelectField):
    """A select whose options the template renders (with groups); the service checks the
    value. Empty means "none"."""

    def __init__(self, *args, **kwargs) -> None:
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
    """The choices of a list question, one a line: ``key = Deutsch | English``."""

    widget = TextArea()

    def __init__(self, *args, **kwargs) -> None:
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

    def pre_validate(self, form) -> None:
        self.values, problem = parse_value_lines(self.raw)
        self.data = self.values
        if problem is not None:
            raise ValidationError(problem)


def format_value_lines(values: list[dict[str, Any]]) -> str:
    lines = []
    for value in values:
        names = value.get("names") or {}
        line = f"{value['key']} = {names.get('de', '')}"
        if names.get("en"):
            line += f" | {names['en']}"
        lines.append(line)
    return "\n".join(lines)


def parse_value_lines(text: str) -> tuple[list[dict[str, Any]], Any]:
    """``dark = zu dunkel | too dark`` per line → values; or the first problem (with its line)."""
    values = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        key, equals, names = line.partition("=")
        key = key.strip()
        german, _bar, english = names.partition("|")
        german, english = german.strip(), english.strip()
        if not equals or not german:
            return values, _l("Line %(n)d: please write it as “key = Deutsch | English”.", n=number)
        if not KEY_PATTERN.fullmatch(key) or len(key) > 64:
            return values, _l(
                "Line %(n)d: the key may use only lowercase letters a–z, digits, “-” and “_”.",
                n=number,
            )
        values.append({"key": key, "names": {"de": german, **({"en": english} if english else {})}})
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

    def __init__(self, *args, **kwargs) -> None:
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
    """{"de": form.<prefix>_de.data, "en": form.<prefix>_en.data}."""
    return {lang: form[f"{prefix}_{lang}"].data or "" for lang in LANGS}


# --- forms ------------------------------------------------------------------------------------


class CategoryForm(FlaskForm):
    code = StringField(_l("Code (Open311 service_code)"))
    group = ChoiceField(_l("Group"))
    name_de = StringField(_l("Name (German)"))
    name_en = StringField(_l("Name (English)"))
    description_de = TextAreaField(_l("Description (German)"))
    description_en = TextAreaField(_l("Description (English)"))
    keywords = StringField(_l("Search words"))
    target_working_days = WholeNumberField(_l("Target time in working days"))
    nearby_radius_m = WholeNumberField(_l("“Already reported nearby” radius in metres"))
    is_sensitive = BooleanField(
        _l("Sensitive (unsafe place): coarse location in public, emergency notice")
    )
    is_active = BooleanField(_l("Active (residents can choose it)"), default=True)


class AttributeForm(FlaskForm):
    code = StringField(_l("Code"))
    datatype = ChoiceField(_l("Type of answer"))
    label_de = StringField(_l("Question (German)"))
    label_en = StringField(_l("Question (English)"))
    help_de = StringField(_l("Help text (German)"))
    help_en = StringField(_l("Help text (English)"))
    is_required = BooleanField(_l("An answer is required"))
    values = ValueLinesField(_l("Choices (for list types)"))
    max_length = WholeNumberField(_l("Maximum length (text types)"))
    position = WholeNumberField(_l("Place in the order of questions"))


class DepartmentForm(FlaskForm):
    code = StringField(_l("Code"))
    name = StringField(_l("Name"))
    kind = ChoiceField(_l("Kind"))
    email = EmailField(_l("E-mail"))
    description = TextAreaField(_l("Description"))
    is_active = BooleanField(_l("Active (rules may send reports here)"), default=True)
    forward_method = ChoiceField(_l("Forwarding of tickets"), default="none")
    forward_config = JsonTextField(_l("Forwarding settings (JSON)"))
    notify_on_new = BooleanField(_l("E-mail a notice of each new report to the department"))
    ack_deadline_hours = WholeNumberField(_l("Acknowledgement deadline in hours"))
    done_status = ChoiceField(_l("When the partner reports a ticket done"), default="resolved")
    confirm = BooleanField(_l("Yes, deactivate it anyway"))


class RuleForm(FlaskForm):
    action = ChoiceField(_l("Type of rule"), default="route")
    target = ChoiceField(_l("Which reports"))
    district = ChoiceField(_l("Where"))
    condition = ChoiceField(_l("Only if an answer is"))
    department = ChoiceField(_l("Department"))
    note = StringField(_l("Note (for admins)"))
    is_active = BooleanField(_l("Active"), default=True)
    position = WholeNumberField(_l("Position"))


class MoveForm(FlaskForm):
    direction = ChoiceField(_l("Direction"))


class ConfirmForm(FlaskForm):
    """Just the CSRF token: for delete and enable/disable buttons."""


class UserCreateForm(FlaskForm):
    email = EmailField(_l("E-mail"))
    name = StringField(_l("Name"))
    role = ChoiceField(_l("Role"), default="caseworker")
    departments = CheckboxesField(_l("Departments"))
    password = PasswordField(_l("Initial password"))


class UserEditForm(FlaskForm):
    name = StringField(_l("Name"))
    role = ChoiceField(_l("Role"))
    departments = CheckboxesField(_l("Departments"))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"))


class TemplateForm(FlaskForm):
    title = StringField(_l("Title"))
    category = ChoiceField(_l("Category"))
    status = ChoiceField(_l("Status"))
    text_de = TextAreaField(_l("Text (German)"))
    text_en = TextAreaField(_l("Text (English)"))
