"""Choices that several admin forms offer: categories by group, districts."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.admin.blueprint import lang
from app.catalogue.models import CategoryGroup
from app.extensions import db
from app.geo.models import District

Options = list[tuple[str, str]]


def district_options() -> Options:
    districts = db.session.execute(sa.select(District).order_by(District.name)).scalars()
    return [(str(d.id), d.name) for d in districts]


def category_options(groups: list[CategoryGroup]) -> list[tuple[str, Options]]:
    """Categories by group, as ``(group name, [(id, name), …])`` for <optgroup>."""
    language = lang()
    inactive = _("inactive")
    return [
        (
            g.name(language),
            [
                (str(c.id), c.name(language) + ("" if c.is_active else f" ({inactive})"))
                for c in g.categories
            ],
        )
        for g in groups
        if g.categories
    ]
