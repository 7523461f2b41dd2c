"""Senders by method: one small module each, registered here.

A new sender is one module in this package (a ``Sender`` subclass with its
``configuration_schema``, decorated with ``register_sender``) and its name in
``SENDER_MODULES``; the admin form, its checks and the worker take it from there.
"""

import importlib

from app.forwarding.senders.base import (  # noqa: F401
    Sender,
    SendResult,
    Setting,
    SettingKind,
    register_sender,
    registered_methods,
    sender_class,
    sender_for,
)

# The sender modules, in the order the admin form offers their methods.
SENDER_MODULES = ("email", "webhook", "open311", "telegram")


def load_all() -> None:
    """Import the sender modules (each registers itself)."""
    for name in SENDER_MODULES:
        importlib.import_module(f"{__name__}.{name}")


def registered_senders() -> list[type[Sender]]:
    """Every registered sender, in the order of ``SENDER_MODULES`` (others after them)."""
    load_all()

    def position(cls: type[Sender]) -> tuple[int, str]:
        module = cls.__module__.rpartition(".")[2]
        order = SENDER_MODULES.index(module) if module in SENDER_MODULES else len(SENDER_MODULES)
        return order, cls.method

    return sorted((c for m in registered_methods() if (c := sender_class(m))), key=position)
