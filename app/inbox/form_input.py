"""Reading the inbox's action forms: texts cut to length, the version the page was rendered
at, a coordinate; what cannot be used is refused with ``FormInvalid`` (422)."""

from __future__ import annotations

import math

from flask import request
from flask_babel import gettext as _

from app.reports.workflow import WorkflowError

NOTE_MAX = 5000


class FormInvalid(WorkflowError):
    """What the form sent cannot be used (422)."""


def form_version() -> int:
    try:
        return int(request.form.get("version", ""))
    except ValueError:
        raise FormInvalid(
            _("The form was incomplete. Please reload the page and try again.")
        ) from None


def form_text(name: str) -> str:
    return request.form.get(name, "").strip()[:NOTE_MAX]


def form_coordinate(name: str) -> float | None:
    raw = request.form.get(name, "").strip().replace(",", ".")
    try:
        value = float(raw) if len(raw) < 32 else math.nan
    except ValueError:
        return None
    return value if math.isfinite(value) else None
