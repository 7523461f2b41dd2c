"""The real worker process (``flask worker --once``) against a local webhook sink: killed
between sending and recording, the next run resends with the same idempotency key; two
workers on PostgreSQL send 500 deliveries exactly once; the database stays writable while a
worker waits for a slow partner."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.core.enums import DeliveryStatus
from app.extensions import db
from app.forwarding.models import Delivery, DeliveryAttempt
from app.forwarding.outbox import FORWARD, add_delivery
from app.forwarding.worker import deliver_due
from app.reports.models import Report
from tests.forwarding.partner_helpers import (  # noqa: F401 (fixtures)
    FRIEDENSPLATZ,
    PAPIERKORB,
    SECRET,
    SECRET_ENV,
    department,
    edg_webhook,
    forward_deliveries,
    keep_departments,
    webhook_sink,
)

ROOT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


def worker_env(app) -> dict[str, str]:
    """The environment of a worker process using the test database and settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.lower().endswith("_proxy") or k.lower() == "no_proxy"
    }
    env.update(
        {
            "QM_ENV": "development",
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],  # the test database
            "SECRET_KEY": app.config["SECRET_KEY"],
            "PUBLIC_BASE_URL": app.config["PUBLIC_BASE_URL"],
            "PHOTO_STORAGE_DIR": app.config["PHOTO_STORAGE_DIR"],
            "SMTP_HOST": "",
            "TELEGRAM_API_URL": "",
            "GEOCODER_URL": "",
            "SENDER_TIMEOUT": "10",
            "DELIVERY_BACKOFF_SECONDS": "0",
            SECRET_ENV: SECRET,
            "SENDER_ALLOW_PRIVATE_NETWORKS": "1",  # the partners are local test servers
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
            # The child refuses connections beyond this machine, like the tests themselves.
            "PYTHONPATH": os.pathsep.join(
                [str(ROOT), str(ROOT / "tests" / "fakes" / "no_network")]
            ),
        }
    )
    return env


def start_worker(app, log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [FLASK, "--app", "wsgi", "worker", "--once"],
            cwd=ROOT,
            env=worker_env(app),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def finish(process: subprocess.Popen, log: Path, timeout: float = 120) -> None:
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise AssertionError(f"worker did not finish:\n{log.read_text()[-3000:]}") from None
    assert code == 0, log.read_text()[-3000:]


def wait_until_unlocked(delivery_id: int, timeout: float = 10) -> None:
    """PostgreSQL: the killed worker's connection is gone and its row lock with it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = db.session.execute(
            sa.select(Delivery.id)
            .where(Delivery.id == delivery_id)
            .with_for_update(skip_locked=True)
        ).first()
        db.session.rollback()
        if row is not None:
            return
        time.sleep(0.05)
    raise AssertionError("the killed worker's row lock was not released")


def test_a_worker_killed_between_sending_and_recording_resends_with_the_same_key(
    edg_webhook, make_report, app_ctx, tmp_path
):  # noqa: F811
    sink = edg_webhook
    sink.script("block")  # accepted, but no answer until the worker is dead
    report = make_report(PAPIERKORB, FRIEDENSPLATZ)
    [delivery] = forward_deliveries(report)
    log = tmp_path / "worker.log"

    first = start_worker(app_ctx, log)
    try:
        assert sink.wait_for(1, timeout=60), log.read_text()
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL
    sink.release()

    db.session.expire_all()
    delivery = db.session.get(Delivery, delivery.id)
    assert delivery.status == DeliveryStatus.PENDING  # nothing was recorded …
    assert delivery.attempts == 0 and delivery.attempt_log == []
    assert delivery.sent_at is None
    wait_until_unlocked(delivery.id)

    second = start_worker(app_ctx, log)  # … so the next run sends again
    finish(second, log)
    db.session.expire_all()
    delivery = db.session.get(Delivery, delivery.id)
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.attempts == 1
    assert delivery.remote_id == "remote-2"
    assert sink.idempotency_keys() == [delivery.idempotency_key] * 2
    assert sink.received[0].json()["reference"] == sink.received[1].json()["reference"]


def test_the_database_stays_writable_while_a_worker_waits_for_a_partner(
    edg_webhook, make_report, app_ctx
):  # noqa: F811
    sink = edg_webhook
    sink.script("block")
    make_report(PAPIERKORB, FRIEDENSPLATZ)
    errors = []

    def work():
        with app_ctx.app_context():
            try:
                deliver_due()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    try:
        assert sink.wait_for(1)
        started = time.monotonic()
        other = make_report(PAPIERKORB, FRIEDENSPLATZ)  # intake writes while the send waits
        assert other.id and time.monotonic() - started < 3
    finally:
        sink.release()
        thread.join(timeout=30)
    assert not errors
    db.session.expire_all()
    assert [d.status for d in forward_deliveries()].count(DeliveryStatus.SENT) >= 1


def many_tickets(count: int) -> list[Delivery]:
    """``count`` EDG tickets on as many reports (copies of one made through intake)."""
    from app.core.enums import Channel, LocationSource

    edg = department("edg")
    template = forward_deliveries()[0].report if forward_deliveries() else None
    assert template is not None
    deliveries = []
    for number in range(count):
        report = Report(
            reference=f"DO-2000-{number:05d}",
            category_id=template.category_id,
            description=f"Papierkorb {number}",
            lat=template.lat,
            lon=template.lon,
            location_source=LocationSource.MAP,
            channel=Channel.WEB,
            district_id=template.district_id,
            department_id=edg.id,
            attributes={},
            routing_reason={},
        )
        db.session.add(report)
        deliveries.append(add_delivery(report, "webhook", "edg", FORWARD, department=edg))
    db.session.commit()
    return deliveries


@pytest.mark.timeout(300)
def test_two_workers_on_postgresql_send_500_deliveries_exactly_once(
    edg_webhook, make_report, app_ctx, tmp_path
):  # noqa: F811
    if db.engine.dialect.name != "postgresql":
        pytest.skip(
            "several workers need FOR UPDATE SKIP LOCKED (PostgreSQL); SQLite runs one "
            "worker — set TEST_DATABASE_URL to a PostgreSQL database"
        )
    sink = edg_webhook
    sink.barrier = 2  # the first two requests wait for each other: both workers in flight
    make_report(PAPIERKORB, FRIEDENSPLATZ)
    deliveries = many_tickets(499) + forward_deliveries()[:1]
    keys = {d.idempotency_key for d in deliveries}
    assert len(keys) == 500

    logs = [tmp_path / "worker-a.log", tmp_path / "worker-b.log"]
    workers = [start_worker(app_ctx, log) for log in logs]
    for process, log in zip(workers, logs, strict=True):
        finish(process, log)

    received = sink.idempotency_keys()
    assert len(received) == 500, f"{len(received)} requests for 500 deliveries"
    assert set(received) == keys  # every delivery, none twice
    db.session.expire_all()
    statuses = db.session.execute(
        sa.select(Delivery.status, sa.func.count())
        .where(Delivery.purpose == FORWARD)
        .group_by(Delivery.status)
    ).all()
    assert dict(statuses) == {DeliveryStatus.SENT: 500}
    attempts = db.session.execute(
        sa.select(DeliveryAttempt.worker, sa.func.count()).group_by(DeliveryAttempt.worker)
    ).all()
    assert sum(n for _, n in attempts) == 500
    assert len(attempts) == 2, attempts  # both workers took part


def test_a_caseworker_changing_the_report_during_the_send_does_not_break_the_worker(
    edg_webhook, make_report, make_user, app_ctx
):  # noqa: F811
    """The report's version moves on while the worker waits for the partner: the worker still
    records the delivery (and does not die on a stale version)."""
    from app.reports import workflow

    sink = edg_webhook
    sink.script("block")
    report = make_report(PAPIERKORB, FRIEDENSPLATZ, description="Papierkorb voll")
    [delivery] = forward_deliveries(report)
    errors = []

    def work():
        with app_ctx.app_context():
            try:
                deliver_due()
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=work)
    thread.start()
    try:
        assert sink.wait_for(1)
        caseworker = make_user("caseworker", ("edg",))
        workflow.moderate_description(report, "Papierkorb am Markt voll", False, caseworker)
        db.session.commit()
    finally:
        sink.release()
        thread.join(timeout=30)
    assert not errors, errors
    db.session.expire_all()
    delivery = db.session.get(Delivery, delivery.id)
    assert delivery.status == DeliveryStatus.SENT and delivery.attempts == 1
    assert len(sink.received) == 1
    assert delivery.report.description_moderated == "Papierkorb am Markt voll"


def test_a_partner_answering_while_the_worker_still_sends_is_told_to_retry(
    edg_webhook, make_report, app_ctx, keep_departments, client
):  # noqa: F811
    """A partner calling the API from inside its webhook handler: on PostgreSQL the worker
    holds the ticket's row while it waits for that handler, so the API answers 409 at once
    (with Retry-After) instead of waiting for the worker, which waits for the partner."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("row locks held during the send exist on PostgreSQL only")
    from app.forwarding.api import rotate_partner_token

    token = rotate_partner_token(department("edg"))
    db.session.commit()
    sink = edg_webhook
    sink.script("block")
    report = make_report(PAPIERKORB, FRIEDENSPLATZ)
    [delivery] = forward_deliveries(report)

    thread = threading.Thread(target=lambda: _deliver_in_thread(app_ctx))
    thread.start()
    try:
        assert sink.wait_for(1)
        started = time.monotonic()
        response = client.post(
            f"/api/partner/tickets/{report.reference}/acknowledge",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 409
        assert response.headers["Retry-After"] == "5"
        assert time.monotonic() - started < 2
    finally:
        sink.release()
        thread.join(timeout=30)
    response = client.post(
        f"/api/partner/tickets/{report.reference}/acknowledge",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200
    db.session.expire_all()
    delivery = db.session.get(Delivery, delivery.id)
    assert delivery.status == DeliveryStatus.ACKNOWLEDGED and delivery.attempts == 1


def _deliver_in_thread(app) -> None:
    with app.app_context():
        try:
            deliver_due()
        finally:
            db.session.remove()
