"""Admin writes: one small service per change.

Every service checks everything first and raises ``AdminInvalid`` (a message per form field,
nothing changed) or ``NeedsConfirmation``; then it changes the rows, flushes and logs what
changed together with the admin's id. The view commits once.

``preview_route`` is the one read-only service here: where a report would go under the rules
in the database right now (the "test this rule" box).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.core.enums import AttributeType, DepartmentKind, ReportStatus
from app.core.errors import Refusal
from app.extensions import db
from app.forwarding import senders
from app.forwarding.senders.policy import (
    SECRET_ENV_PREFIX,
    is_allowed_secret_env,
    literal_host_problem,
)
from app.routing.models import Department
from app.routing.rules import active_rules_of, rule_positions

log = logging.getLogger(__name__)

LANGS = ("de", "en")
LIST_TYPES = (AttributeType.SINGLEVALUELIST, AttributeType.MULTIVALUELIST)
TEXT_TYPES = (AttributeType.STRING, AttributeType.TEXT)
CODE_PATTERN = re.compile(r"[a-z0-9-]+")  # category and department codes (Open311 service_code)
KEY_PATTERN = re.compile(r"[a-z0-9_-]+")  # question codes and answer keys
CODE_MAX = 64
NAME_MAX = 120
DEPARTMENT_NAME_MAX = 200
SHORT_TEXT_MAX = 500
LONG_TEXT_MAX = 2000
WORKING_DAYS_MAX = 365
RADIUS_MAX_M = 5000
ANSWER_MAX_LENGTH = 2000
ACK_DEADLINE_MAX_HOURS = 720  # 30 days
FORWARD_CONFIG_MAX = 20000  # characters of the settings as JSON text
# Methods that carry tickets to departments; the others (telegram) only reach residents.
DEPARTMENT_METHODS = ("email", "webhook", "open311")
DONE_STATUSES = (ReportStatus.RESOLVED, ReportStatus.IN_REVIEW)
# forward_config keys each method cannot work without.
REQUIRED_CONFIG_KEYS = {
    "email": (),
    "webhook": ("url", "secret_env"),
    "open311": ("endpoint", "service_code_map"),
}
URL_CONFIG_KEYS = ("url", "endpoint")
LANG_CONFIG_KEYS = ("lang", "locale")
# A key named like this holds a secret itself – unless it ends in "_env" (then it names the
# environment variable that holds it).
SECRET_KEY_PATTERN = re.compile(r"secret|passw|token|api_?key|credential|private_?key", re.I)
ENV_NAME_PATTERN = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")
EXAMPLE_SECRET_ENV = SECRET_ENV_PREFIX + "EDG_WEBHOOK_SECRET"


class AdminInvalid(Refusal):
    """Refused input: ``errors`` maps a form field name (or ``""`` for the whole form) to a
    message for the admin; ``status`` is the HTTP status to answer with."""


class NeedsConfirmation(Refusal):
    """The change is allowed but has consequences the admin must confirm first."""

    status = 409


def _require_admin(actor: User) -> None:
    if actor is None or not actor.is_admin:
        raise PermissionError("admin services need an admin")


def _apply(obj: Any, **values: Any) -> dict[str, tuple[Any, Any]]:
    """Set ``values`` on ``obj``; return what changed as {field: (old, new)}."""
    changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            changes[name] = (old, value)
    return changes


def _texts(given: Mapping[str, str | None] | None) -> dict[str, str]:
    """{"de": …, "en": …} trimmed, empty languages left out."""
    return {
        lang: (given or {}).get(lang, "").strip()
        for lang in LANGS
        if ((given or {}).get(lang) or "").strip()
    }


def _check_lengths(errors: dict, prefix: str, texts: Mapping[str, str], limit: int) -> None:
    for lang, text in texts.items():
        if len(text) > limit:
            errors.setdefault(
                f"{prefix}_{lang}",
                _l(
                    "This is too long: %(length)d characters, at most %(max)d.",
                    length=len(text),
                    max=limit,
                ),
            )


def _whole_number(
    errors: dict, name: str, value: int | None, low: int, high: int, message: LazyString
) -> None:
    if value is not None and not low <= value <= high:
        errors[name] = message


def _code_error(code: str, pattern: re.Pattern = CODE_PATTERN) -> LazyString | None:
    if not code:
        return _l("Please enter a code.")
    if len(code) > CODE_MAX or not pattern.fullmatch(code):
        if pattern is KEY_PATTERN:
            return _l(
                "Use only lowercase letters a–z, digits, “-” and “_” (at most %(max)d).",
                max=CODE_MAX,
            )
        return _l("Use only lowercase letters a–z, digits and “-” (at most %(max)d).", max=CODE_MAX)
    return None


def _count(statement) -> int:
    return db.session.execute(statement).scalar_one()


# --- departments -------------------------------------------------------------------------------


@dataclass
class DepartmentData:
    name: str
    kind: str
    email: str = ""
    description: str = ""
    is_active: bool = True
    code: str = ""  # only when creating one; fixed afterwards
    forward_method: str = ""  # "" or "none": no automatic forwarding
    # The settings as JSON text as entered (an object), or already as a dict.
    forward_config: str | Mapping[str, Any] = ""
    notify_on_new: bool = False
    ack_deadline_hours: int | None = None
    done_status: str = ReportStatus.RESOLVED.value


def department_methods() -> list[str]:
    """The forwarding methods a department can use: registered senders that carry tickets."""
    senders.load_all()
    return [m for m in DEPARTMENT_METHODS if m in senders.registered_methods()]


def config_keys_of(method: str) -> dict[str, str]:
    """The sender's documentation of its ``forward_config`` keys: key → description."""
    senders.load_all()
    sender = senders.sender_for(method, current_app._get_current_object())
    return dict(sender.config_keys) if sender is not None else {}


def env_is_set(name: str) -> bool:
    """Whether the sender's environment variable ``name`` (``QM_SENDER_…``) has a value on this
    server — never its value, and nothing about other variables."""
    return is_allowed_secret_env(name) and bool(os.environ.get(name))


def format_forward_config(config: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(config or {}), indent=2, ensure_ascii=False)


def parse_forward_config(text: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The settings as an object; None when the text is no JSON object. Empty text is {}."""
    if isinstance(text, Mapping):
        return dict(text)
    if not (text or "").strip():
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _secret_keys(config: Mapping[str, Any], path: str = "") -> list[str]:
    """Keys (also in nested objects) that look like they hold a secret itself."""
    found = []
    for key, value in config.items():
        name = f"{path}{key}"
        if SECRET_KEY_PATTERN.search(str(key)) and not str(key).endswith("_env"):
            found.append(name)
        if isinstance(value, Mapping) and key != "service_code_map":  # its keys: our categories
            found.extend(_secret_keys(value, f"{name}."))
    return found


def _is_web_url(value: Any) -> bool:
    if not isinstance(value, str) or value != value.strip() or len(value) > 2000:
        return False
    try:
        parts = urlsplit(value)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _valid_service_codes(value: Any) -> bool:
    return isinstance(value, dict) and all(
        isinstance(code, str | int) and not isinstance(code, bool) and str(code).strip()
        for code in value.values()
    )


def _setting_problem(key: str, value: Any) -> LazyString | None:
    """What is wrong with one setting of the kinds the senders know, if anything."""
    if key.endswith("_env"):
        if not (isinstance(value, str) and ENV_NAME_PATTERN.fullmatch(value)):
            return _l(
                "“%(key)s” is the name of an environment variable (capital letters, digits and "
                "“_”, e.g. %(example)s), not the secret itself.",
                key=key,
                example=EXAMPLE_SECRET_ENV,
            )
        if not is_allowed_secret_env(value):
            # Other variables hold the server's own secrets (SECRET_KEY, DATABASE_URL …).
            return _l(
                "“%(key)s”: only environment variables whose names start with %(prefix)s can "
                "be used for forwarding, so that no other secret of the server can be sent. "
                "Set the secret on the server as e.g. %(example)s and enter that name.",
                key=key,
                prefix=SECRET_ENV_PREFIX,
                example=EXAMPLE_SECRET_ENV,
            )
        return None
    if key in URL_CONFIG_KEYS and not _is_web_url(value):
        return _l("“%(key)s” must be a web address starting with https:// or http://.", key=key)
    if (
        key in URL_CONFIG_KEYS
        and not current_app.config.get("SENDER_ALLOW_PRIVATE_NETWORKS")
        and (host := literal_host_problem(value))
    ):
        return _l(
            "“%(key)s” points to this server or to a private network (%(host)s). Forwarding "
            "goes only to public addresses unless the server allows private networks "
            "(SENDER_ALLOW_PRIVATE_NETWORKS).",
            key=key,
            host=host,
        )
    if key in LANG_CONFIG_KEYS and value not in LANGS:
        return _l("“%(key)s” must be one of: %(langs)s.", key=key, langs=", ".join(LANGS))
    if key == "to":
        try:
            if not isinstance(value, str):
                raise EmailNotValidError("not text")
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return _l("“to” must be an e-mail address.")
    if key == "service_code_map" and not _valid_service_codes(value):
        return _l(
            "“service_code_map” must be an object: our category code → their service_code, "
            'e.g. {"papierkorb-voll": "101"}.'
        )
    return None


def _forward_config_problems(
    method: str | None, config: Mapping[str, Any], has_email: bool
) -> list[str | LazyString]:
    """What is wrong with ``config`` for ``method`` (None: no forwarding), one message each."""
    secret_keys = _secret_keys(config)
    if secret_keys:
        # Nothing else matters until the secret is out of the form.
        return [
            _l(
                "Secrets are never stored here: %(keys)s. Put the secret in an environment "
                "variable on the server and give only its name, in a key ending in “_env” "
                "(e.g. “secret_env”: “%(example)s”).",
                keys=", ".join(f"“{k}”" for k in secret_keys),
                example=EXAMPLE_SECRET_ENV,
            )
        ]
    problems: list[str | LazyString] = []
    missing = [key for key in REQUIRED_CONFIG_KEYS.get(method or "", ()) if key not in config]
    if missing:
        problems.append(
            _l(
                "Forwarding by %(method)s needs these settings: %(keys)s.",
                method=method,
                keys=", ".join(f"“{k}”" for k in missing),
            )
        )
    problems.extend(p for key, value in config.items() if (p := _setting_problem(key, value)))
    if method == "email" and not has_email and not config.get("to"):
        problems.append(
            _l(
                "Forwarding by e-mail needs an address: enter the department's e-mail address "
                "or “to” here."
            )
        )
    return problems


def save_department(
    admin: User, department: Department | None, data: DepartmentData, *, confirmed: bool = False
) -> Department:
    """Create or change a department. Deactivating one that active rules still send reports
    to raises ``NeedsConfirmation`` unless ``confirmed``: routing skips those rules."""
    _require_admin(admin)
    errors: dict[str, Any] = {}
    code = (data.code or "").strip() if department is None else department.code
    if department is None:
        problem = _code_error(code)
        if problem is not None:
            errors["code"] = problem
        elif _count(sa.select(sa.func.count(Department.id)).where(Department.code == code)):
            errors["code"] = _l(
                "There is already a department with the code “%(code)s”.", code=code
            )
    name = (data.name or "").strip()
    if not name:
        errors["name"] = _l("Please enter a name.")
    elif len(name) > DEPARTMENT_NAME_MAX:
        errors["name"] = _l(
            "This is too long: %(length)d characters, at most %(max)d.",
            length=len(name),
            max=DEPARTMENT_NAME_MAX,
        )
    elif _count(
        sa.select(sa.func.count(Department.id)).where(
            Department.name == name,
            Department.id != (department.id if department is not None else -1),
        )
    ):
        errors["name"] = _l("There is already a department called “%(name)s”.", name=name)
    try:
        kind = DepartmentKind(data.kind)
    except ValueError:
        kind = None
        errors["kind"] = _l("Please choose internal or external.")
    email = (data.email or "").strip() or None
    if email is not None:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError:
            errors["email"] = _l("This e-mail address does not look right.")
    elif kind == DepartmentKind.EXTERNAL:
        errors["email"] = _l(
            "External departments get their reports by e-mail: please enter an address."
        )
    description = (data.description or "").strip()
    if len(description) > LONG_TEXT_MAX:
        errors["description"] = _l(
            "This is too long: %(length)d characters, at most %(max)d.",
            length=len(description),
            max=LONG_TEXT_MAX,
        )
    method = (data.forward_method or "").strip()
    if method in ("", "none"):
        method = None
    elif method not in department_methods():
        errors["forward_method"] = _l("Please choose a forwarding method from the list.")
    raw_config = data.forward_config
    config = None
    if isinstance(raw_config, str) and len(raw_config) > FORWARD_CONFIG_MAX:
        errors["forward_config"] = _l(
            "This is too long: %(length)d characters, at most %(max)d.",
            length=len(raw_config),
            max=FORWARD_CONFIG_MAX,
        )
    else:
        config = parse_forward_config(raw_config)
        if config is None:
            errors["forward_config"] = _l(
                "The settings must be a JSON object: {…} with “key”: value pairs in double "
                "quotes, separated by commas. Leave it empty for none."
            )
        elif problems := _forward_config_problems(
            method if "forward_method" not in errors else None, config, email is not None
        ):
            errors["forward_config"] = " ".join(str(p) for p in problems)
    if data.notify_on_new and email is None and "email" not in errors:
        errors["notify_on_new"] = _l(
            "Notices of new reports go to the department's e-mail address: please enter one."
        )
    _whole_number(
        errors,
        "ack_deadline_hours",
        data.ack_deadline_hours,
        1,
        ACK_DEADLINE_MAX_HOURS,
        _l(
            "Please give a whole number of hours from 1 to %(max)d, or leave it empty.",
            max=ACK_DEADLINE_MAX_HOURS,
        ),
    )
    try:
        done_status = ReportStatus(data.done_status)
    except ValueError:
        done_status = None
    if done_status not in DONE_STATUSES:
        errors["done_status"] = _l("Please choose what a partner's “done” does.")
    if errors:
        raise AdminInvalid(errors)
    deactivating = department is not None and department.is_active and not data.is_active
    rules = active_rules_of(department) if deactivating else []
    if rules and not confirmed:
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
        department = Department(code=code, name=name)
        db.session.add(department)
    changes = _apply(
        department,
        name=name,
        kind=kind,
        email=email,
        description=description or None,
        is_active=bool(data.is_active),
        forward_method=method,
        forward_config=config,
        notify_on_new=bool(data.notify_on_new),
        ack_deadline_hours=data.ack_deadline_hours,
        done_status=done_status,
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
