"""Shared by the webhook, Open311-sender, worker and partner-API tests: EDG switched to a
webhook pointing at a local sink, deliveries of the seeded city's EDG tickets."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import FORWARD
from app.forwarding.senders import load_all
from app.routing.models import Department
from tests.fakes.webhook_sink import webhook_sink  # noqa: F401 (fixture)

SECRET = "test-webhook-secret-0123456789"
SECRET_ENV = "QM_SENDER_TEST_EDG_WEBHOOK_SECRET"
PAPIERKORB = "papierkorb-voll"  # routed to EDG by the Dortmund rules
FRIEDENSPLATZ = (51.5136, 7.4653)


def department(code: str = "edg") -> Department:
    return db.session.execute(sa.select(Department).where(Department.code == code)).scalar_one()


def configure(code: str, method: str, config: dict) -> Department:
    dept = department(code)
    dept.forward_method = method
    dept.forward_config = config
    db.session.commit()
    return dept


def forward_deliveries(report=None) -> list[Delivery]:
    query = sa.select(Delivery).where(Delivery.purpose == FORWARD).order_by(Delivery.id)
    if report is not None:
        query = query.where(Delivery.report_id == report.id)
    return list(db.session.execute(query).scalars())


def mark_sent(delivery: Delivery) -> Delivery:
    """As if the worker had sent it (partner-API tests need no sender)."""
    from app.core.db import utcnow

    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = utcnow()
    delivery.attempts = 1
    db.session.commit()
    return delivery


@pytest.fixture
def keep_departments(app_ctx):
    """Departments' forwarding settings and partner tokens as seeded, again after the test
    (cheaper than ``reseed_city`` for tests that change only these columns)."""
    saved = {
        d.id: (d.forward_method, dict(d.forward_config or {}), d.partner_token_hash, d.is_active)
        for d in db.session.execute(sa.select(Department)).scalars()
    }
    db.session.commit()
    yield
    db.session.rollback()
    for dept in db.session.execute(sa.select(Department)).scalars():
        (dept.forward_method, dept.forward_config, dept.partner_token_hash, dept.is_active) = saved[
            dept.id
        ]
    db.session.commit()


@pytest.fixture
def edg_webhook(app_ctx, keep_departments, webhook_sink, monkeypatch):  # noqa: F811
    """EDG receives tickets by webhook at the local sink (returned), secret in the env."""
    load_all()
    monkeypatch.setenv(SECRET_ENV, SECRET)
    monkeypatch.setitem(app_ctx.config, "SENDER_TIMEOUT", 0.5)
    configure(
        "edg", "webhook", {"url": f"{webhook_sink.url}/hooks/tickets", "secret_env": SECRET_ENV}
    )
    webhook_sink.hang_seconds = 1.5
    return webhook_sink
