"""Every way a report changes hands produces exactly the deliveries it should — none missing,
none twice: intake, re-route by hand, category change, place change, a partner's "not ours",
and a merge into a duplicate."""

from __future__ import annotations

import sqlalchemy as sa

from app.catalogue.models import Category
from app.core.db import utcnow
from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import DEPARTMENT_NOTICE, FORWARD, RESIDENT_UPDATE, WITHDRAWAL
from app.forwarding.partner import return_ticket
from app.reports import workflow
from app.reports.drafts import ContactDraft
from app.routing.models import Department

FRIEDENSPLATZ = (51.5136, 7.4653)  # Innenstadt-West
BORSIGPLATZ = (51.5235, 7.4837)  # Innenstadt-Nord
RESIDENT = ContactDraft(email="anwohnerin@example.invalid", consent=True)


def _all() -> set[int]:
    db.session.rollback()
    return set(db.session.execute(sa.select(Delivery.id)).scalars())


def _new(before: set[int]) -> list[tuple[str, str]]:
    """(purpose, recipient) of the deliveries written since ``before``, sorted."""
    db.session.rollback()
    rows = db.session.execute(sa.select(Delivery).where(Delivery.id.not_in(before))).scalars()
    return sorted(
        (d.purpose, d.department.code if d.department else d.target.split(":")[0]) for d in rows
    )


def _ticket(report, code="edg") -> Delivery:
    return db.session.execute(
        sa.select(Delivery)
        .join(Department, Delivery.department_id == Department.id)
        .where(
            Delivery.report_id == report.id, Delivery.purpose == FORWARD, Department.code == code
        )
    ).scalar_one()


def _sent(delivery: Delivery) -> Delivery:
    delivery.status, delivery.sent_at, delivery.attempts = DeliveryStatus.SENT, utcnow(), 1
    db.session.commit()
    return delivery


def _category(code: str) -> Category:
    return db.session.execute(sa.select(Category).where(Category.code == code)).scalar_one()


def _department(code: str) -> Department:
    return db.session.execute(sa.select(Department).where(Department.code == code)).scalar_one()


def test_intake_sends_the_ticket_and_the_copy_notices(app_ctx, make_report):
    before = _all()
    make_report("wilder-muell", FRIEDENSPLATZ, contact=RESIDENT)
    assert _new(before) == [(FORWARD, "edg")]
    before = _all()
    make_report("unsicherer-ort", BORSIGPLATZ)  # Ordnungsamt; copy to the Quartiersmanagement
    assert _new(before) == [(DEPARTMENT_NOTICE, "qm-nordstadt")]


def test_a_manual_re_route_tickets_the_new_department_and_withdraws_the_old(
    app_ctx, make_report, make_user
):
    report = make_report("wilder-muell", FRIEDENSPLATZ, contact=RESIDENT)
    _sent(_ticket(report))
    before = _all()
    workflow.reroute(report, _department("umweltamt"), "Sondermüll", make_user("dispatcher"))
    db.session.commit()
    assert _new(before) == [(DEPARTMENT_NOTICE, "umweltamt"), (WITHDRAWAL, "edg")]
    assert _ticket(report).status == DeliveryStatus.WITHDRAWN


def test_a_category_change_into_edg_sends_edg_its_ticket(app_ctx, make_report, make_user):
    report = make_report("laterne-aus", FRIEDENSPLATZ, contact=RESIDENT)
    before = _all()
    workflow.change_category(report, _category("wilder-muell"), make_user("dispatcher"))
    db.session.commit()
    assert report.department.code == "edg"
    assert _new(before) == [(FORWARD, "edg")]  # exactly one ticket, as intake would send


def test_a_category_change_away_from_edg_withdraws_its_ticket_once(app_ctx, make_report, make_user):
    report = make_report("wilder-muell", FRIEDENSPLATZ, contact=RESIDENT)
    ticket = _sent(_ticket(report))
    before = _all()
    workflow.change_category(report, _category("gefaehrliche-abfaelle"), make_user("dispatcher"))
    db.session.commit()
    assert report.department.code == "umweltamt"
    assert _new(before) == [(DEPARTMENT_NOTICE, "umweltamt"), (WITHDRAWAL, "edg")]
    db.session.refresh(ticket)
    assert ticket.status == DeliveryStatus.WITHDRAWN
    # The periodic sweep finds nothing more to withdraw: no second notice.
    from app.forwarding.withdrawal import withdraw_stale_tickets

    before = _all()
    withdraw_stale_tickets()
    db.session.commit()
    assert _new(before) == []


def test_a_place_change_into_the_nordstadt_informs_the_quartiersmanagement(
    app_ctx, make_report, make_user
):
    report = make_report("unsicherer-ort", FRIEDENSPLATZ)
    assert report.copies == []
    before = _all()
    workflow.change_location(report, *BORSIGPLATZ, make_user("dispatcher"))
    db.session.commit()
    assert [c.department.code for c in report.copies] == ["qm-nordstadt"]
    assert _new(before) == [(DEPARTMENT_NOTICE, "qm-nordstadt")]
    # Moving within the Nordstadt changes nothing: no second notice.
    before = _all()
    workflow.change_location(
        report, BORSIGPLATZ[0] + 0.001, BORSIGPLATZ[1], make_user("dispatcher")
    )
    db.session.commit()
    assert _new(before) == []


def test_a_partners_not_ours_goes_to_triage_and_tells_the_resident(app_ctx, make_report):
    report = make_report("wilder-muell", FRIEDENSPLATZ, contact=RESIDENT)
    before = _all()
    return_ticket(_sent(_ticket(report)), "Privatgrundstück")
    db.session.commit()
    assert report.department is None
    # Back in review: the resident hears of it once; nobody else gets a ticket.
    assert _new(before) == [(RESIDENT_UPDATE, "contact")]


def test_a_merge_withdraws_the_ticket_and_tells_the_resident_once(app_ctx, make_report, make_user):
    original = make_report("wilder-muell", FRIEDENSPLATZ)
    duplicate = make_report("wilder-muell", FRIEDENSPLATZ, contact=RESIDENT)
    _sent(_ticket(duplicate))
    before = _all()
    workflow.mark_duplicate(duplicate, original, make_user("dispatcher"))
    db.session.commit()
    assert _new(before) == [(RESIDENT_UPDATE, "contact"), (WITHDRAWAL, "edg")]
