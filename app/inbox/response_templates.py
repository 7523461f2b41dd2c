"""Response templates: texts staff pick in the inbox when they answer a resident, kept by the
admins.

The writing services take the admin who acts and input whose shape the form has checked
(title, texts, status); they check what needs the database (a title already taken, a category
that exists), raise ``Refusal`` (a message per form field, nothing changed), then change the
row, flush and log what changed with the admin's id. The caller commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.auth.services import require_admin
from app.catalogue.models import Category
from app.core.changes import apply_changes
from app.core.enums import ReportStatus
from app.core.errors import Refusal
from app.extensions import db
from app.reports.models import ResponseTemplate

log = logging.getLogger(__name__)


def templates_by_title() -> list[ResponseTemplate]:
    """Every template by title, with its category loaded."""
    return list(
        db.session.execute(
            sa.select(ResponseTemplate)
            .order_by(ResponseTemplate.title)
            .options(selectinload(ResponseTemplate.category))
        ).scalars()
    )


@dataclass
class TemplateData:
    """A template as entered: trimmed, languages left empty left out."""

    title: str
    texts: dict[str, str]
    category_id: int | None = None
    status: ReportStatus | None = None  # offered for notes that set this status; None: any


def save_template(
    admin: User, template: ResponseTemplate | None, data: TemplateData
) -> ResponseTemplate:
    """Create (``template`` None) or change a response template; titles are unique."""
    require_admin(admin)
    errors: dict[str, str | LazyString] = {}
    title = data.title
    if db.session.execute(
        sa.select(sa.func.count(ResponseTemplate.id)).where(
            ResponseTemplate.title == title,
            ResponseTemplate.id != (template.id if template is not None else -1),
        )
    ).scalar_one():
        errors["title"] = _l("There is already a template called “%(title)s”.", title=title)
    category = db.session.get(Category, data.category_id) if data.category_id else None
    if data.category_id and category is None:
        errors["category"] = _l("This category does not exist (any more).")
    if errors:
        raise Refusal(errors)
    created = template is None
    if template is None:
        template = ResponseTemplate(title=title, texts=data.texts)
        db.session.add(template)
    changes = apply_changes(
        template, title=title, category=category, status=data.status, texts=data.texts
    )
    db.session.flush()
    log.info(
        "admin %s %s response template %s (%s): %s",
        admin.id,
        "created" if created else "changed",
        template.id,
        template.title,
        ", ".join(changes) or "no change",
    )
    return template


def delete_template(admin: User, template: ResponseTemplate) -> None:
    """Remove a template; notes already sent with it stay as they are."""
    require_admin(admin)
    template_id, title = template.id, template.title
    db.session.delete(template)
    db.session.flush()
    log.info("admin %s deleted response template %s (%s)", admin.id, template_id, title)
