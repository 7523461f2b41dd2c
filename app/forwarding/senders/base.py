"""What every sender is: a small class registered by method, with a timeout, that turns
remote failures into a result instead of an exception."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from flask import Flask

    from app.core.outbox import Delivery


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


class Sender:
    """Base class. Subclasses set ``method`` and implement ``send``.

    ``config_keys`` documents the department's ``forward_config`` keys; keys ending in
    ``_env`` name environment variables holding secrets (never stored in the database).
    """

    method: ClassVar[str]
    config_keys: ClassVar[dict[str, str]] = {}

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


def sender_for(method: str, app: Flask) -> Sender | None:
    cls = _REGISTRY.get(method)
    return cls(app) if cls else None


def registered_methods() -> list[str]:
    return sorted(_REGISTRY)
