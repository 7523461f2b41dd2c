"""The delivery worker: claims due deliveries one at a time, sends, records the attempt,
retries with exponential backoff and jitter, and marks a delivery dead after the last attempt.

On PostgreSQL the claim is ``SELECT … FOR UPDATE SKIP LOCKED`` held for the send, so several
workers never send one delivery twice; a worker killed mid-send leaves the row pending and the
next attempt carries the same idempotency key. SQLite runs one worker.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from app.core.db import utcnow
from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import Actor, record_event
from app.extensions import db
from app.forwarding.models import Delivery, DeliveryAttempt
from app.forwarding.outbox import FORWARD
from app.forwarding.senders import SendResult, load_all, sender_for
from app.forwarding.withdrawal import stale_reason, withdraw, withdrawn_while_sending

log = logging.getLogger(__name__)
WORKER = Actor("system", "worker")
JOBS_INTERVAL_SECONDS = 60.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff_seconds(
    attempts: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """base·2^(n−1), capped, with ±25 % jitter so failed deliveries don't retry in lockstep."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * (0.75 + 0.5 * (rng or random).random())


def _claim() -> Delivery | None:
    query = (
        sa.select(Delivery)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return db.session.execute(query).scalar_one_or_none()


def _after_forwarded(delivery: Delivery) -> None:
    """A ticket left the house: the report is "forwarded" (the resident hears of it) — unless
    the report moved to another department meanwhile: then the ticket is withdrawn at once,
    with a notice to the partner who just got it."""
    from app.reports.models import Report
    from app.reports.workflow import TRANSITIONS, apply_status

    if delivery.purpose != FORWARD:
        return
    report = delivery.report
    # The send took a while; a caseworker may have changed the report meanwhile. Reload it
    # (locked on PostgreSQL until the commit) so its version is current, not stale.
    columns = [attr.key for attr in sa.inspect(Report).column_attrs]  # no joins: lockable
    db.session.refresh(report, columns, with_for_update=True)
    reason = stale_reason(delivery)
    if reason is not None:
        withdraw(delivery, reason)
        return
    if ReportStatus.FORWARDED in TRANSITIONS[report.status]:
        # No note: "forwarded to the responsible office" says it in the resident's language.
        apply_status(report, ReportStatus.FORWARDED, WORKER, None)


def deliver_one() -> bool:
    """Send the next due delivery, if any; True when one was processed."""
    delivery = _claim()
    if delivery is None:
        db.session.rollback()
        return False
    config = current_app.config
    started = utcnow()
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object; typed as Flask
    sender = sender_for(delivery.method, app)
    if sender is None:
        result = SendResult.failure(f"no sender for method {delivery.method!r}", retryable=False)
    else:
        try:
            result = sender.send(delivery)
        except Exception as exc:  # noqa: BLE001 - a sender bug must not kill the worker
            log.exception("Sender %s crashed on delivery %s", delivery.method, delivery.id)
            result = SendResult.failure(f"sender error: {exc!r}")
    now = utcnow()
    # The attempt row is added only now: added before the send, autoflush inserts it during
    # the send and, on SQLite, holds the database's write lock for the whole request.
    db.session.add(
        DeliveryAttempt(
            delivery=delivery,
            number=delivery.attempts + 1,
            worker=worker_name(),
            started_at=started,
            finished_at=now,
            is_success=result.ok,
            error=result.error,
        )
    )
    delivery.attempts += 1
    on_sqlite = db.session.get_bind().dialect.name != "postgresql"
    if delivery.status == DeliveryStatus.PENDING and on_sqlite:
        # SQLite holds no row lock during the send: a partner may have answered meanwhile,
        # or the ticket was withdrawn.
        db.session.refresh(delivery, ["status", "withdrawn_at"])
    if delivery.status == DeliveryStatus.WITHDRAWN:
        # It stays withdrawn, sent or not; the attempt is on record.
        delivery.last_error = result.error
        if result.ok:
            delivery.sent_at = delivery.sent_at or now
            delivery.remote_id = result.remote_id or delivery.remote_id
            withdrawn_while_sending(delivery, first_attempt=delivery.attempts == 1)
        db.session.commit()
        return True
    if result.ok:
        if delivery.status == DeliveryStatus.PENDING:
            delivery.status = DeliveryStatus.SENT
        delivery.sent_at = delivery.sent_at or now
        delivery.remote_id = result.remote_id or delivery.remote_id
        delivery.last_error = None
        _after_forwarded(delivery)
    elif not result.retryable or delivery.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
        delivery.status = DeliveryStatus.DEAD
        delivery.last_error = result.error
        record_event(
            delivery.report_id,
            "delivery_dead",
            WORKER,
            delivery_id=delivery.id,
            method=delivery.method,
            target=delivery.target,
            error=result.error,
        )
        log.warning(
            "Delivery %s is dead after %s attempts: %s",
            delivery.id,
            delivery.attempts,
            result.error,
        )
    else:
        delivery.last_error = result.error
        delivery.next_attempt_at = now + timedelta(
            seconds=backoff_seconds(
                delivery.attempts,
                config["DELIVERY_BACKOFF_SECONDS"],
                config["DELIVERY_BACKOFF_CAP"],
            )
        )
        log.info(
            "Delivery %s (%s to %s) failed, attempt %s; next try at %s: %s",
            delivery.id,
            delivery.method,
            delivery.target,
            delivery.attempts,
            delivery.next_attempt_at.isoformat(timespec="seconds"),
            result.error,
        )
    db.session.commit()
    return True


def deliver_due(limit: int = 1000) -> int:
    """Send due deliveries until none is left (or ``limit``); returns how many were processed."""
    count = 0
    while count < limit and deliver_one():
        count += 1
    return count


def run(app: Flask, *, interval: float = 2.0, once: bool = False) -> None:
    """The worker loop: deliver, run periodic jobs, sleep."""
    load_all()
    from app.cities.settings import refresh_if_changed
    from app.forwarding.jobs import run_periodic_jobs

    log.info("Worker %s started", worker_name())
    jobs_due = 0.0  # reminders and retention run once a minute, not at every round
    while True:
        with app.app_context():
            try:
                refresh_if_changed()
                sent = deliver_due()
                if once or time.monotonic() >= jobs_due:
                    run_periodic_jobs()
                    jobs_due = time.monotonic() + JOBS_INTERVAL_SECONDS
            except sa.exc.OperationalError:
                db.session.rollback()
                log.exception("Database not reachable; trying again")
                sent = 0
            finally:
                db.session.remove()
        if once:
            return
        if not sent:
            time.sleep(interval)
