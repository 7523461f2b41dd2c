"""Route guards for staff pages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.auth.models import Role


def role_required(*roles: Role) -> Callable:
    """Logged in, and one of ``roles`` (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


staff_required = role_required(Role.CASEWORKER, Role.DISPATCHER, Role.ADMIN)
dispatcher_required = role_required(Role.DISPATCHER, Role.ADMIN)
admin_required = role_required(Role.ADMIN)
