"""The admin forms: their fields read and type what was entered, their validators check its
shape (required, lengths, codes, number ranges) with the message the admin sees next to the
field. The owning feature's service decides what needs the database. Every form carries the
CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from app.admin.fields import (
    TOO_LONG,
    CheckboxesField,
    ChoiceField,
    Code,
    EmailAddress,
    JsonTextField,
    LongTextField,
    NumberBetween,
    OneOf,
    TextField,
    ValueLinesField,
    WholeNumberField,
    strip,
)
from app.auth.models import Role
from app.auth.services import MIN_PASSWORD_LENGTH, password_too_short
from app.catalogue.models import TEXT_TYPES
from app.catalogue.services import SENSITIVE_AUTO_PUBLISH
from app.core.enums import AttributeType, DepartmentKind, ReportStatus, RuleAction
from app.forwarding.senders.configuration import FORWARD_CONFIG_MAX
from app.routing.departments import DONE_STATUSES

NAME_MAX = 120
SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 2000
KEYWORDS_MAX = 255
WORKING_DAYS_MAX = 365
RADIUS_MAX_M = 5000
ANSWER_MAX_LENGTH = 2000
NOTE_MAX = 255
DEPARTMENT_NAME_MAX = 200
ACK_DEADLINE_MAX_HOURS = 720  # 30 days
PERSON_NAME_MAX = 200


class CodedForm(FlaskForm):
    """A form with a ``code`` that is not checked again while it stays what it is."""

    current_code: str | None = None  # the code the row has; None: a new row

    def code_is_kept(self, code: str) -> bool:
        return self.current_code is not None and code == self.current_code


# --- forms ------------------------------------------------------------------------------------


class CategoryForm(CodedForm):
    code = TextField(_l("Code (Open311 service_code)"), [Code()])
    group = ChoiceField(_l("Group"), [DataRequired(_l("Please choose a group."))])
    name_de = TextField(
        _l("Name (German)"),
        [DataRequired(_l("Please enter the German name.")), Length(max=NAME_MAX, message=TOO_LONG)],
    )
    name_en = TextField(_l("Name (English)"), [Length(max=NAME_MAX, message=TOO_LONG)])
    name_tr = TextField(_l("Name (Turkish)"), [Length(max=NAME_MAX, message=TOO_LONG)])
    name_ar = TextField(_l("Name (Arabic)"), [Length(max=NAME_MAX, message=TOO_LONG)])
    description_de = LongTextField(
        _l("Description (German)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)]
    )
    description_en = LongTextField(
        _l("Description (English)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)]
    )
    description_tr = LongTextField(
        _l("Description (Turkish)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)]
    )
    description_ar = LongTextField(
        _l("Description (Arabic)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)]
    )
    keywords = TextField(_l("Search words"), [Length(max=KEYWORDS_MAX, message=TOO_LONG)])
    target_working_days = WholeNumberField(
        _l("Target time in working days"),
        [
            NumberBetween(
                1,
                WORKING_DAYS_MAX,
                _l(
                    "Please give a whole number of working days from 1 to %(max)d, or leave it "
                    "empty.",
                    max=WORKING_DAYS_MAX,
                ),
            )
        ],
    )
    nearby_radius_m = WholeNumberField(
        _l("“Already reported nearby” radius in metres"),
        [
            NumberBetween(
                1,
                RADIUS_MAX_M,
                _l(
                    "Please give a distance in metres from 1 to %(max)d, or leave it empty.",
                    max=RADIUS_MAX_M,
                ),
            )
        ],
    )
    is_sensitive = BooleanField(
        _l("Sensitive (unsafe place): coarse location in public, emergency notice")
    )
    auto_publish_photos = BooleanField(
        _l("Publish photos automatically once faces and number plates were made unrecognisable")
    )
    is_active = BooleanField(_l("Active (residents can choose it)"), default=True)

    def validate_auto_publish_photos(self, field: BooleanField) -> None:
        if field.data and self.is_sensitive.data:
            raise ValidationError(SENSITIVE_AUTO_PUBLISH)


class AttributeForm(CodedForm):
    code = TextField(_l("Code"), [Code(keys=True)])
    datatype = ChoiceField(
        _l("Type of answer"), [OneOf([t.value for t in AttributeType], _l("Please choose a type."))]
    )
    label_de = TextField(
        _l("Question (German)"),
        [
            DataRequired(_l("Please enter the German question.")),
            Length(max=NAME_MAX, message=TOO_LONG),
        ],
    )
    label_en = TextField(_l("Question (English)"), [Length(max=NAME_MAX, message=TOO_LONG)])
    label_tr = TextField(_l("Question (Turkish)"), [Length(max=NAME_MAX, message=TOO_LONG)])
    label_ar = TextField(_l("Question (Arabic)"), [Length(max=NAME_MAX, message=TOO_LONG)])
    help_de = TextField(_l("Help text (German)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)])
    help_en = TextField(_l("Help text (English)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)])
    help_tr = TextField(_l("Help text (Turkish)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)])
    help_ar = TextField(_l("Help text (Arabic)"), [Length(max=SHORT_TEXT_MAX, message=TOO_LONG)])
    is_required = BooleanField(_l("An answer is required"))
    values = ValueLinesField(_l("Choices (for list types)"))
    max_length = WholeNumberField(_l("Maximum length (text types)"))
    position = WholeNumberField(_l("Place in the order of questions"))

    def validate_max_length(self, field: WholeNumberField) -> None:
        """The range of a text question's maximum length (other types have none: the service
        says so)."""
        if self.datatype.data in TEXT_TYPES:
            NumberBetween(
                1,
                ANSWER_MAX_LENGTH,
                _l(
                    "Please give a whole number from 1 to %(max)d, or leave it empty.",
                    max=ANSWER_MAX_LENGTH,
                ),
            )(self, field)


class DepartmentForm(CodedForm):
    code = TextField(_l("Code"), [Code()])
    name = TextField(
        _l("Name (German)"),
        [
            DataRequired(_l("Please enter a name.")),
            Length(max=DEPARTMENT_NAME_MAX, message=TOO_LONG),
        ],
    )
    # The German name is ``name`` (staff see it); these are what residents read instead.
    name_en = TextField(_l("Name (English)"), [Length(max=DEPARTMENT_NAME_MAX, message=TOO_LONG)])
    name_tr = TextField(_l("Name (Turkish)"), [Length(max=DEPARTMENT_NAME_MAX, message=TOO_LONG)])
    name_ar = TextField(_l("Name (Arabic)"), [Length(max=DEPARTMENT_NAME_MAX, message=TOO_LONG)])
    kind = ChoiceField(
        _l("Kind"),
        [OneOf([k.value for k in DepartmentKind], _l("Please choose internal or external."))],
    )
    email = EmailField(_l("E-mail"), [EmailAddress()], filters=[strip])
    description = LongTextField(_l("Description"), [Length(max=LONG_TEXT_MAX, message=TOO_LONG)])
    is_active = BooleanField(_l("Active (rules may send reports here)"), default=True)
    forward_method = ChoiceField(_l("Forwarding of tickets"), default="none")
    forward_config = JsonTextField(
        _l("Forwarding settings (JSON)"), [Length(max=FORWARD_CONFIG_MAX, message=TOO_LONG)]
    )
    notify_on_new = BooleanField(_l("E-mail a notice of each new report to the department"))
    ack_deadline_hours = WholeNumberField(
        _l("Acknowledgement deadline in hours"),
        [
            NumberBetween(
                1,
                ACK_DEADLINE_MAX_HOURS,
                _l(
                    "Please give a whole number of hours from 1 to %(max)d, or leave it empty.",
                    max=ACK_DEADLINE_MAX_HOURS,
                ),
            )
        ],
    )
    done_status = ChoiceField(
        _l("When the partner reports a ticket done"),
        [
            OneOf(
                [s.value for s in DONE_STATUSES], _l("Please choose what a partner's “done” does.")
            )
        ],
        default="resolved",
    )
    confirm = BooleanField(_l("Yes, deactivate it anyway"))

    def code_is_kept(self, code: str) -> bool:
        """A department's code is fixed once it exists: only a new one's is read."""
        return self.current_code is not None


class RuleForm(FlaskForm):
    action = ChoiceField(
        _l("Type of rule"),
        [
            OneOf(
                [a.value for a in RuleAction],
                _l("Please choose whether the rule routes or sends a copy."),
            )
        ],
        default="route",
    )
    target = ChoiceField(_l("Which reports"))
    district = ChoiceField(_l("Where"))
    condition = ChoiceField(_l("Only if an answer is"))
    department = ChoiceField(_l("Department"), [DataRequired(_l("Please choose a department."))])
    note = TextField(_l("Note (for admins)"), [Length(max=NOTE_MAX, message=TOO_LONG)])
    is_active = BooleanField(_l("Active"), default=True)
    position = WholeNumberField(_l("Position"))

    def validate_target(self, field: ChoiceField) -> None:
        if self.target_ids() is None:
            raise StopValidation(_l("Please choose from the list."))

    def target_ids(self) -> tuple[int | None, int | None] | None:
        """``category:3`` / ``group:2`` / empty → (category id, group id); None if neither."""
        value = self.target.data
        if not value:
            return None, None
        kind, _sep, number = value.partition(":")
        if not number.isdigit() or kind not in ("category", "group"):
            return None
        return (int(number), None) if kind == "category" else (None, int(number))

    def condition_parts(self) -> tuple[str, str]:
        """``reasons=dark`` → (question code, answer key); empty: no condition."""
        code, _sep, value = self.condition.data.partition("=")
        return code.strip(), value.strip()


class MoveForm(FlaskForm):
    direction = ChoiceField(
        _l("Direction"), [OneOf(("up", "down"), _l("Please choose from the list."))]
    )


class ConfirmForm(FlaskForm):
    """Just the CSRF token: for delete and enable/disable buttons."""


def _role_field(**kwargs: Any) -> ChoiceField:
    return ChoiceField(
        _l("Role"), [OneOf([r.value for r in Role], _l("Please choose a role."))], **kwargs
    )


def _password_length() -> Length:
    return Length(min=MIN_PASSWORD_LENGTH, message=password_too_short())


class UserCreateForm(FlaskForm):
    email = EmailField(_l("E-mail"), [EmailAddress(required=True, lower=True)], filters=[strip])
    name = TextField(_l("Name"), [Length(max=PERSON_NAME_MAX, message=TOO_LONG)])
    role = _role_field(default="caseworker")
    departments = CheckboxesField(_l("Departments"))
    password = PasswordField(_l("Initial password"), [_password_length()])


class UserEditForm(FlaskForm):
    name = TextField(
        _l("Name"),
        [
            DataRequired(_l("Please enter a name.")),
            Length(max=PERSON_NAME_MAX, message=TOO_LONG),
        ],
    )
    role = _role_field()
    departments = CheckboxesField(_l("Departments"))


class PasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), [_password_length()])


class TemplateForm(FlaskForm):
    title = TextField(
        _l("Title"),
        [DataRequired(_l("Please enter a title.")), Length(max=NAME_MAX, message=TOO_LONG)],
    )
    category = ChoiceField(_l("Category"))
    status = ChoiceField(
        _l("Status"),
        [
            OneOf(
                ["", *(s.value for s in ReportStatus)], _l("Please choose a status from the list.")
            )
        ],
    )
    text_de = LongTextField(
        _l("Text (German)"),
        [
            DataRequired(_l("Please enter the German text.")),
            Length(max=LONG_TEXT_MAX, message=TOO_LONG),
        ],
    )
    text_en = LongTextField(_l("Text (English)"), [Length(max=LONG_TEXT_MAX, message=TOO_LONG)])
    text_tr = LongTextField(_l("Text (Turkish)"), [Length(max=LONG_TEXT_MAX, message=TOO_LONG)])
    text_ar = LongTextField(_l("Text (Arabic)"), [Length(max=LONG_TEXT_MAX, message=TOO_LONG)])

    def validate_category(self, field: ChoiceField) -> None:
        if field.data and field.number is None:
            raise StopValidation(_l("Please choose from the list."))
