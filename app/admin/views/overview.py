"""The admin overview: how many of each there are, and what routing cannot decide."""

from __future__ import annotations

import sqlalchemy as sa

from app.admin.blueprint import bp, page
from app.auth.decorators import admin_required
from app.auth.models import User
from app.catalogue import services as catalogue
from app.catalogue.models import Category
from app.extensions import db
from app.reports.models import ResponseTemplate
from app.routing import rules as routing_rules
from app.routing.models import Department, RoutingRule


def _count(model: type) -> int:
    return db.session.execute(sa.select(sa.func.count()).select_from(model)).scalar_one()


@bp.get("/")
@admin_required
def index():
    counts = {
        "categories": _count(Category),
        "departments": _count(Department),
        "rules": _count(RoutingRule),
        "users": _count(User),
        "templates": _count(ResponseTemplate),
    }
    rules = routing_rules.ordered_rules()
    skipped = [r for r in rules if r.is_active and not r.department.is_active]
    uncovered = [
        c for c in catalogue.active_categories() if not routing_rules.is_always_routed(c, rules)
    ]
    return page("admin/index.html", counts=counts, skipped=skipped, uncovered=uncovered)
