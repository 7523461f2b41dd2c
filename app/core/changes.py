"""What a change changed: the services that edit a row log the fields that changed, with their
old and new values, next to who changed them."""

from __future__ import annotations

from typing import Any

Changes = dict[str, tuple[Any, Any]]


def apply_changes(obj: Any, **values: Any) -> Changes:
    """Set ``values`` on ``obj``; return what changed as {field: (old, new)}."""
    changes: Changes = {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            setattr(obj, name, value)
            changes[name] = (old, value)
    return changes
