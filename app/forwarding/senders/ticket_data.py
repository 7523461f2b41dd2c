"""What the ticket senders read of a delivery: the department and the report with everything
a ticket shows."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.forwarding.models import Delivery
    from app.reports.models import Report
    from app.routing.models import Department


def department_of(delivery: Delivery) -> Department | None:
    """The department the delivery goes to: its own, else the one whose code is the target."""
    if delivery.department is not None:
        return delivery.department
    from app.extensions import db
    from app.routing.models import Department

    return db.session.execute(
        db.select(Department).where(Department.code == delivery.target)
    ).scalar_one_or_none()


def preloaded(delivery: Delivery) -> tuple[Report, Department | None] | None:
    """The report and department when the worker's batch loaded them already (no query)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import object_session
    from sqlalchemy.orm.util import identity_key

    from app.reports.models import Report
    from app.routing.models import Department

    session = object_session(delivery)
    if session is None or delivery.department_id is None:
        return None
    report = session.identity_map.get(identity_key(Report, delivery.report_id))
    department = session.identity_map.get(identity_key(Department, delivery.department_id))
    if report is None or department is None:
        return None
    if sa.inspect(report).unloaded & {"category", "district", "photos", "contact"}:
        return None
    if sa.inspect(report.category).unloaded & {"group", "attributes"}:
        return None
    return report, department


def preload(delivery: Delivery) -> tuple[Report, Department | None]:
    """The report with everything a ticket shows, and the department, in one query instead
    of one per relationship (the ticket is built in the worker's hot path; loaded already
    with the worker's batch, none). Keep the results referenced: the session's identity map
    holds objects only weakly."""
    import sqlalchemy as sa
    from sqlalchemy.orm import joinedload

    from app.catalogue.models import Category
    from app.extensions import db
    from app.reports.models import Report
    from app.routing.models import Department

    loaded = preloaded(delivery)
    if loaded is not None:
        return loaded
    category = joinedload(Report.category)
    query = (
        sa.select(Report)
        .where(Report.id == delivery.report_id)
        .options(
            category.joinedload(Category.group),
            category.joinedload(Category.attributes),
            joinedload(Report.district),
            joinedload(Report.photos),
            joinedload(Report.contact),
        )
    )  # read after the send: who hears "forwarded"
    if delivery.department_id is None:
        return db.session.execute(query).unique().scalar_one(), department_of(delivery)
    # One row joined to another: an explicit JOIN, so it is no accidental cartesian product.
    query = query.add_columns(Department).join(
        Department, Department.id == sa.literal(delivery.department_id)
    )
    report, department = db.session.execute(query).unique().one()
    return report, department
