"""Senders by method. Importing this package registers every sender module."""

from app.forwarding.senders.base import (  # noqa: F401
    Sender,
    SendResult,
    register_sender,
    registered_methods,
    sender_for,
)


def load_all() -> None:
    """Import the sender modules that exist (each registers itself)."""
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if module.name != "base":
            importlib.import_module(f"{__name__}.{module.name}")
