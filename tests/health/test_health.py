"""/healthz and /readyz as a load balancer and monitoring would read them."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.core.db import utcnow
from app.extensions import db
from app.forwarding.models import Delivery


def test_healthz_answers_without_the_database(client, monkeypatch):
    def broken(*args, **kwargs):
        raise AssertionError("healthz must not touch the database")

    with monkeypatch.context() as patched:
        patched.setattr(db.session, "execute", broken)
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_ready_on_a_migrated_database_with_no_backlog(client):
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["database"]["ok"]
    migrations = body["checks"]["migrations"]
    assert migrations["ok"] and migrations["current"] == migrations["head"]
    assert body["checks"]["outbox"]["lag_seconds"] == 0


def test_readyz_reports_an_outbox_that_falls_behind(client, make_report):
    report = make_report("papierkorb-voll")  # a ticket for EDG waits in the outbox
    [ticket] = (
        db.session.execute(sa.select(Delivery).where(Delivery.report_id == report.id))
        .scalars()
        .all()[:1]
    )
    ticket.next_attempt_at = utcnow() - timedelta(minutes=20)
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 503
    outbox = response.get_json()["checks"]["outbox"]
    assert not outbox["ok"] and outbox["lag_seconds"] >= 20 * 60 and outbox["limit"] == 300


def test_readyz_reports_a_schema_behind_the_code(client):
    db.session.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        migrations = response.get_json()["checks"]["migrations"]
        assert migrations == {"ok": False, "current": "0001", "head": migrations["head"]}
    finally:
        head = client.get("/readyz").get_json()["checks"]["migrations"]["head"]
        db.session.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": head})
        db.session.commit()
