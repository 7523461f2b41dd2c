"""What partners answered, as caseworkers see it: "not ours" in the triage list, the partner's
photo of the place afterwards labelled as such; and every category has a target time."""

from __future__ import annotations

import sqlalchemy as sa

from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD
from app.forwarding.partner import mark_done, return_ticket
from tests.images import jpeg
from tests.inbox.support import login, text

FRIEDENSPLATZ = (51.5136, 7.4653)


def _ticket(report) -> Delivery:
    return db.session.execute(
        sa.select(Delivery).where(Delivery.report_id == report.id, Delivery.purpose == FORWARD)
    ).scalar_one()


def test_a_partners_not_ours_shows_in_the_triage_list(client, make_user, make_report):
    report = make_report("wilder-muell", FRIEDENSPLATZ)
    other = make_report("papierkorb-voll", FRIEDENSPLATZ)
    return_ticket(_ticket(report), "Privatgrundstück, bitte Ordnungsamt")
    db.session.commit()
    login(client, make_user("dispatcher"))
    triage = text(client.get("/inbox/?scope=triage"))
    assert report.reference in triage
    assert "Privatgrundstück, bitte Ordnungsamt" in triage
    assert "EDG Entsorgung Dortmund GmbH" in triage
    assert other.reference not in triage  # still with EDG


def test_the_partners_after_photo_is_labelled(client, make_user, make_report):
    report = make_report("wilder-muell", FRIEDENSPLATZ)
    ticket = _ticket(report)
    ticket.status = DeliveryStatus.SENT
    db.session.commit()
    mark_done(ticket, "Abgeholt.", jpeg(size=(640, 480)))
    db.session.commit()
    login(client, make_user("caseworker", ("edg",)))
    page = text(client.get(f"/inbox/reports/{report.reference}"))
    assert "Nachher: Foto von EDG Entsorgung Dortmund GmbH" in page
    assert page.count("Nachher:") == 1


def test_something_else_has_a_target_time_and_can_be_overdue(app_ctx, make_report):
    report = make_report("sonstiges", FRIEDENSPLATZ)
    assert report.due_at is not None and report.due_at > report.created_at
