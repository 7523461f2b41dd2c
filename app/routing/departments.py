"""Changing the departments: who reports go to, and how they get them.

``save_department`` takes the admin who acts and input whose shape the form has checked
(name, kind, e-mail address, lengths, ranges); it checks what needs the database (a code or
name already taken), the forwarding settings against the senders' own schemas
(``app.forwarding.senders.configuration``) and what goes together (an external department
needs an address), raises ``Refusal`` (a message per form field, nothing changed) or
``NeedsConfirmation``; then it changes the row, flushes and logs what changed with the
admin's id. The caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.auth.services import require_admin
from app.core.changes import apply_changes
from app.core.enums import DepartmentKind, ReportStatus
from app.core.errors import Refusal
from app.extensions import db
from app.forwarding.senders.configuration import (
    department_methods,
    forward_config_problems,
    parse_forward_config,
)
from app.routing.models import Department
from app.routing.rules import active_rules_of, rule_positions

log = logging.getLogger(__name__)

# What a partner's "done" may do to a report (the form offers these).
DONE_STATUSES = (ReportStatus.RESOLVED, ReportStatus.IN_REVIEW)


class NeedsConfirmation(Refusal):
    """The change is allowed but has consequences the admin must confirm first."""

    status = 409


def all_departments() -> list[Department]:
    """Every department, the active ones first, by name."""
    return list(
        db.session.execute(
            sa.select(Department).order_by(Department.is_active.desc(), Department.name)
        ).scalars()
    )


@dataclass
class DepartmentData:
    """A department as entered: trimmed, the e-mail address normalized (or None)."""

    name: str  # German: what staff see, and the fallback
    kind: DepartmentKind
    # The name in other languages, for residents ({"en": …, "tr": …, "ar": …}; "de" is ``name``).
    names: Mapping[str, str] = field(default_factory=dict)
    email: str | None = None
    description: str = ""
    is_active: bool = True
    code: str = ""  # only when creating one; fixed afterwards
    forward_method: str | None = None  # None: no automatic forwarding
    # The settings as JSON text as entered (an object), or already as a dict.
    forward_config: str | Mapping[str, Any] = ""
    notify_on_new: bool = False
    ack_deadline_hours: int | None = None
    done_status: ReportStatus = ReportStatus.RESOLVED


def _taken(*where: Any) -> bool:
    return bool(db.session.execute(sa.select(sa.func.count(Department.id)).where(*where)).scalar())


def save_department(
    admin: User, department: Department | None, data: DepartmentData, *, confirmed: bool = False
) -> Department:
    """Create or change a department. Deactivating one that active rules still send reports
    to raises ``NeedsConfirmation`` unless ``confirmed``: routing skips those rules."""
    require_admin(admin)
    errors: dict[str, str | LazyString] = {}
    code = data.code if department is None else department.code
    if department is None and _taken(Department.code == code):
        errors["code"] = _l("There is already a department with the code “%(code)s”.", code=code)
    name = data.name
    if _taken(Department.name == name, Department.id != (department.id if department else -1)):
        errors["name"] = _l("There is already a department called “%(name)s”.", name=name)
    email = data.email or None
    if email is None and data.kind == DepartmentKind.EXTERNAL:
        errors["email"] = _l(
            "External departments get their reports by e-mail: please enter an address."
        )
    method = data.forward_method or None
    if method is not None and method not in department_methods():
        errors["forward_method"] = _l("Please choose a forwarding method from the list.")
    config = parse_forward_config(data.forward_config)
    if config is None:
        errors["forward_config"] = _l(
            "The settings must be a JSON object: {…} with “key”: value pairs in double "
            "quotes, separated by commas. Leave it empty for none."
        )
    elif problems := forward_config_problems(
        method if "forward_method" not in errors else None, config, email is not None
    ):
        errors["forward_config"] = " ".join(str(p) for p in problems)
    if data.notify_on_new and email is None and "email" not in errors:
        errors["notify_on_new"] = _l(
            "Notices of new reports go to the department's e-mail address: please enter one."
        )
    if errors:
        raise Refusal(errors)
    deactivating = department is not None and department.is_active and not data.is_active
    rules = active_rules_of(department) if department is not None and deactivating else []
    if department is not None and rules and not confirmed:
        raise NeedsConfirmation(
            _l(
                "Routing rule %(positions)s still sends reports to %(name)s. While the department "
                "is inactive, routing skips these rules: such reports go to the next matching rule "
                "or to the triage queue.",
                positions=rule_positions(rules),
                name=department.name,
            )
        )

    created = department is None
    if department is None:
        department = Department(code=code, name=name, names={})
        db.session.add(department)
    changes = apply_changes(
        department,
        name=name,
        names={lang: text for lang, text in data.names.items() if text and lang != "de"},
        kind=data.kind,
        email=email,
        description=data.description or None,
        is_active=bool(data.is_active),
        forward_method=method,
        forward_config=config,
        notify_on_new=bool(data.notify_on_new),
        ack_deadline_hours=data.ack_deadline_hours,
        done_status=data.done_status,
    )
    db.session.flush()
    log.info(
        "admin %s %s department %s: %s%s",
        admin.id,
        "created" if created else "changed",
        department.code,
        changes,
        f" (rules now skipped: {rule_positions(rules)})" if rules else "",
    )
    return department
