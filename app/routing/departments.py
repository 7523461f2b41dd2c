"""Changing the departments: who reports go to, and how they get them.

Each writing service takes the admin who acts and input whose shape the form has checked; it
checks what needs the database (a code or name already taken) and the forwarding settings
against the senders' own schemas, raises ``Refusal`` (a message per form field, nothing
changed) or ``NeedsConfirmation``; then it changes the row, flushes and logs what changed with
the admin's id. The caller commits.
"""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.routing.models import Department


def all_departments() -> list[Department]:
    """Every department, the active ones first, by name."""
    return list(
        db.session.execute(
            sa.select(Department).order_by(Department.is_active.desc(), Department.name)
        ).scalars()
    )
