"""A department's forwarding settings (``forward_config``) checked against the senders' own
``configuration_schema``: what the admin form refuses, with a message for the admin.

The senders declare their keys; the checks here are the same for every sender. A key is
checked as the chosen method's sender declares it, else as any other sender does (a
setting left over from another method must still be valid). Whatever the method, a key
ending in ``_env`` names an environment variable (only ``QM_SENDER_…``), and no key may
hold a secret itself.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.forwarding import senders
from app.forwarding.senders.base import Setting, SettingKind
from app.forwarding.senders.policy import (
    SECRET_ENV_PREFIX,
    is_allowed_secret_env,
    literal_host_problem,
)

FORWARD_CONFIG_MAX = 20000  # characters of the settings as JSON text
LANGUAGES = ("de", "en")  # languages the tickets' texts can be written in
# A key named like this holds a secret itself – unless it ends in "_env" (then it names the
# environment variable that holds it).
SECRET_KEY_PATTERN = re.compile(r"secret|passw|token|api_?key|credential|private_?key", re.I)
ENV_NAME_PATTERN = re.compile(r"[A-Z_][A-Z0-9_]{0,127}")
EXAMPLE_SECRET_ENV = SECRET_ENV_PREFIX + "EDG_WEBHOOK_SECRET"
URL_MAX = 2000


def department_methods() -> list[str]:
    """The forwarding methods a department can use: registered senders that carry tickets."""
    return [cls.method for cls in senders.registered_senders() if cls.carries_tickets]


def config_keys_of(method: str) -> dict[str, str]:
    """The sender's documentation of its ``forward_config`` keys: key → description."""
    return {key: setting.description for key, setting in _schema_of(method).items()}


def required_keys_of(method: str) -> list[str]:
    """The ``forward_config`` keys the sender of ``method`` cannot work without."""
    return [key for key, setting in _schema_of(method).items() if setting.required]


def env_is_set(name: str) -> bool:
    """Whether the sender's environment variable ``name`` (``QM_SENDER_…``) has a value on this
    server — never its value, and nothing about other variables."""
    return is_allowed_secret_env(name) and bool(os.environ.get(name))


def format_forward_config(config: Mapping[str, Any] | None) -> str:
    """The settings as the JSON text the admin form shows."""
    return json.dumps(dict(config or {}), indent=2, ensure_ascii=False)


def parse_forward_config(text: str | Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The settings as an object; None when the text is no JSON object. Empty text is {}."""
    if isinstance(text, Mapping):
        return dict(text)
    if not (text or "").strip():
        return {}
    try:
        value = json.loads(text or "")
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def forward_config_problems(
    method: str | None, config: Mapping[str, Any], has_email: bool
) -> list[str | LazyString]:
    """What is wrong with ``config`` for ``method`` (None: no forwarding), one message each;
    ``has_email``: the department has an e-mail address of its own."""
    settings = _settings_for(method)
    secret_keys = _secret_keys(config, settings)
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
    missing = [key for key in required_keys_of(method) if key not in config] if method else []
    if missing:
        problems.append(
            _l(
                "Forwarding by %(method)s needs these settings: %(keys)s.",
                method=method,
                keys=", ".join(f"“{k}”" for k in missing),
            )
        )
    problems.extend(
        p for key, value in config.items() if (p := _setting_problem(key, value, settings))
    )
    if method == "email" and not has_email and not config.get("to"):
        problems.append(
            _l(
                "Forwarding by e-mail needs an address: enter the department's e-mail address "
                "or “to” here."
            )
        )
    return problems


def _schema_of(method: str | None) -> Mapping[str, Setting]:
    senders.load_all()
    cls = senders.sender_class(method) if method else None
    return cls.configuration_schema if cls is not None else {}


def _settings_for(method: str | None) -> dict[str, Setting]:
    """Every key any sender declares, as the sender of ``method`` declares it if it does."""
    settings: dict[str, Setting] = {}
    for cls in senders.registered_senders():
        for key, setting in cls.configuration_schema.items():
            settings.setdefault(key, setting)
    settings.update(_schema_of(method))
    return settings


def _secret_keys(
    config: Mapping[str, Any], settings: Mapping[str, Setting], path: str = ""
) -> list[str]:
    """Keys (also in nested objects) that look like they hold a secret itself: named like a
    secret, or (at the top) like a sender's secret setting without its "_env"."""
    found = []
    for key, value in config.items():
        name = f"{path}{key}"
        declared = settings.get(f"{key}_env") if not path else None
        looks_secret = bool(SECRET_KEY_PATTERN.search(str(key))) or bool(
            declared and declared.is_secret
        )
        if looks_secret and not str(key).endswith("_env"):
            found.append(name)
        kind = settings[key].kind if key in settings else None
        # A map of service codes: its keys are our category codes, not settings.
        if isinstance(value, Mapping) and kind is not SettingKind.SERVICE_CODES:
            found.extend(_secret_keys(value, settings, f"{name}."))
    return found


def _is_web_url(value: Any) -> bool:
    if not isinstance(value, str) or value != value.strip() or len(value) > URL_MAX:
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


def _setting_problem(
    key: str, value: Any, settings: Mapping[str, Setting]
) -> str | LazyString | None:
    """What is wrong with one setting of the kinds the senders know, if anything."""
    if key.endswith("_env"):
        return _env_problem(key, value)
    kind = settings[key].kind if key in settings else SettingKind.TEXT
    if kind is SettingKind.URL:
        return _url_problem(key, value)
    if kind is SettingKind.LANGUAGE and value not in LANGUAGES:
        return _l("“%(key)s” must be one of: %(langs)s.", key=key, langs=", ".join(LANGUAGES))
    if kind is SettingKind.EMAIL:
        try:
            if not isinstance(value, str):
                raise EmailNotValidError("not text")
            validate_email(value, check_deliverability=False)
        except EmailNotValidError:
            return _l("“to” must be an e-mail address.")  # the one address setting so far
    if kind is SettingKind.SERVICE_CODES and not _valid_service_codes(value):
        return _l(
            "“service_code_map” must be an object: our category code → their service_code, "
            'e.g. {"papierkorb-voll": "101"}.'
        )
    return None


def _env_problem(key: str, value: Any) -> LazyString | None:
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


def _url_problem(key: str, value: Any) -> LazyString | None:
    if not _is_web_url(value):
        return _l("“%(key)s” must be a web address starting with https:// or http://.", key=key)
    if not current_app.config.get("SENDER_ALLOW_PRIVATE_NETWORKS") and (
        host := literal_host_problem(value)
    ):
        return _l(
            "“%(key)s” points to this server or to a private network (%(host)s). Forwarding "
            "goes only to public addresses unless the server allows private networks "
            "(SENDER_ALLOW_PRIVATE_NETWORKS).",
            key=key,
            host=host,
        )
    return None
