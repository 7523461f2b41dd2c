"""What every sender is: a small class registered by method, with a timeout, that turns
remote failures into a result instead of an exception."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from flask import Flask

    from app.forwarding.models import Delivery


@dataclass(frozen=True)
class SendResult:
    ok: bool
    error: str | None = None
    remote_id: str | None = None
    # False: retrying cannot help (e.g. no address configured) — the delivery goes dead at once.
    retryable: bool = True

    @classmethod
    def success(cls, remote_id: str | None = None) -> SendResult:
        return cls(ok=True, remote_id=remote_id)

    @classmethod
    def failure(cls, error: str, *, retryable: bool = True) -> SendResult:
        return cls(ok=False, error=error[:2000], retryable=retryable)


class SettingKind(enum.StrEnum):
    """What a ``forward_config`` value is, and so how the admin form checks it."""

    TEXT = "text"
    URL = "url"  # a web address the sender connects to
    LANGUAGE = "language"  # the language of the ticket's texts
    # names the QM_SENDER_… environment variable holding a secret (never the secret itself)
    SECRET_ENV = "secret_env"  # noqa: S105 - a kind of setting, not a password
    EMAIL = "email"  # an e-mail address
    SERVICE_CODES = "service_codes"  # our category code → the partner's code


@dataclass(frozen=True)
class Setting:
    """One key of a department's ``forward_config`` as a sender declares it. ``description``
    is shown to admins (in English; the admin screen translates the known texts)."""

    description: str
    kind: SettingKind = SettingKind.TEXT
    required: bool = False

    @property
    def is_secret(self) -> bool:
        return self.kind is SettingKind.SECRET_ENV


class Sender:
    """Base class. Subclasses set ``method`` and implement ``send``.

    ``configuration_schema`` declares the department's ``forward_config`` keys: what each
    means, whether the sender cannot work without it, and what kind of value it holds. A
    secret is never stored in the database: its key ends in ``_env`` and names the
    environment variable holding it. ``carries_tickets``: departments can be sent tickets
    this way (the others only reach residents).
    """

    method: ClassVar[str]
    carries_tickets: ClassVar[bool] = False
    configuration_schema: ClassVar[Mapping[str, Setting]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        for key, setting in cls.configuration_schema.items():
            if setting.is_secret != key.endswith("_env"):
                raise TypeError(f"{cls.__name__}: only secret settings end in _env ({key!r})")

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.timeout = float(app.config.get("SENDER_TIMEOUT", 10.0))

    def send(self, delivery: Delivery) -> SendResult:  # pragma: no cover - interface
        raise NotImplementedError


_REGISTRY: dict[str, type[Sender]] = {}


def register_sender(cls: type[Sender]) -> type[Sender]:
    """Class decorator: make ``cls`` the sender for ``cls.method``."""
    _REGISTRY[cls.method] = cls
    return cls


def sender_class(method: str) -> type[Sender] | None:
    """The sender registered for ``method``, if any (its class: the schema needs no app)."""
    return _REGISTRY.get(method)


def sender_for(method: str, app: Flask) -> Sender | None:
    cls = _REGISTRY.get(method)
    return cls(app) if cls else None


def registered_methods() -> list[str]:
    return sorted(_REGISTRY)
