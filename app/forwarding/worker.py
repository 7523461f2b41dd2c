"""The delivery worker: claims due deliveries in batches, sends each, records the attempts,
retries with exponential backoff and jitter, and marks a delivery dead after the last attempt.

A round is one transaction: claim up to ``CLAIM_BATCH`` due deliveries, load what their
messages need in a few queries, send them one after another (no further one after
``ROUND_SECONDS``: the rest stay due for the next round), then record every attempt and status
change (PostgreSQL: in one statement for the round) and commit once. The senders keep one
connection per partner open from one delivery to the next, closed when ``deliver_due`` has
sent what was due. On PostgreSQL the claim is one ``UPDATE … WHERE id IN (SELECT
… FOR UPDATE SKIP LOCKED LIMIT n) RETURNING`` that also counts the attempt; the rows stay
locked until the commit, so several workers never send one delivery twice, and a partner
answering a ticket that is being sent is told to retry. A worker killed before the commit
leaves its deliveries pending with nothing recorded; the next round resends them with the same
idempotency keys (the partner recognises a resend). SQLite runs one worker: its claim is a
read (no write lock while partners answer), and each delivery's state is read again before the
attempt is recorded.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.db import utcnow
from app.core.enums import DeliveryStatus, ReportStatus
from app.core.events import Actor, record_event
from app.extensions import db
from app.forwarding.models import Delivery, DeliveryAttempt
from app.forwarding.outbox import FORWARD
from app.forwarding.senders import SendResult, load_all, sender_for
from app.forwarding.senders.http import close_clients
from app.forwarding.withdrawal import stale_reason, withdraw, withdrawn_while_sending

log = logging.getLogger(__name__)
WORKER = Actor("system", "worker")
JOBS_INTERVAL_SECONDS = 60.0
# Deliveries claimed, sent and recorded in one transaction (a round). More: fewer statements
# per delivery; fewer: shorter row locks and fewer resends after a crash.
CLAIM_BATCH = 50
# A round sends no further delivery after this long (a slow partner ends it early); the
# deliveries it claimed but did not try stay due, their claim undone, for the next round.
ROUND_SECONDS = 5.0


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def backoff_seconds(
    attempts: int, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """base·2^(n−1), capped, with ±25 % jitter so failed deliveries don't retry in lockstep."""
    delay = min(cap, base * 2 ** max(0, attempts - 1))
    return delay * (0.75 + 0.5 * (rng or random).random())


def _on_postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _claim(size: int) -> list[Delivery]:
    """Up to ``size`` due deliveries, oldest due first. PostgreSQL: locked until the commit,
    their attempt already counted (undone if the round does not commit)."""
    due = (
        sa.select(Delivery.id)
        .where(Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= utcnow())
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(size)
    )
    if _on_postgresql():
        claim = (
            sa.update(Delivery)
            .where(Delivery.id.in_(due.with_for_update(skip_locked=True).scalar_subquery()))
            .values(attempts=Delivery.attempts + 1, updated_at=utcnow())
            .returning(Delivery)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        claimed = list(db.session.execute(claim).scalars())
    else:
        query = sa.select(Delivery).where(Delivery.id.in_(due.scalar_subquery()))
        claimed = list(db.session.execute(query).scalars())
    return sorted(claimed, key=lambda d: (d.next_attempt_at, d.id))


def _load_for_sending(batch: list[Delivery]) -> list[Any]:
    """The reports with everything a ticket shows and the departments, in three queries for
    the whole batch; returned so they stay in the session (its identity map holds objects only
    weakly), where each delivery's ``report`` and ``department`` find them without a query."""
    from app.catalogue.models import Category
    from app.reports.models import Report
    from app.routing.models import Department

    category = joinedload(Report.category)
    reports = (
        db.session.execute(
            sa.select(Report)
            .where(Report.id.in_({d.report_id for d in batch}))
            .options(
                category.joinedload(Category.group),
                category.joinedload(Category.attributes),
                joinedload(Report.district),
                joinedload(Report.photos),
                joinedload(Report.contact),
                selectinload(Report.supporters),  # who hears "forwarded"
            )
        )
        .unique()
        .scalars()
        .all()
    )
    department_ids = {d.department_id for d in batch if d.department_id is not None}
    departments = (
        db.session.execute(sa.select(Department).where(Department.id.in_(department_ids)))
        .scalars()
        .all()
        if department_ids
        else []
    )
    return [*reports, *departments]


@dataclass
class _Sent:
    delivery: Delivery
    started: datetime
    finished: datetime
    result: SendResult


def _send(delivery: Delivery, app: Flask) -> _Sent:
    started = utcnow()
    sender = sender_for(delivery.method, app)
    if sender is None:
        result = SendResult.failure(f"no sender for method {delivery.method!r}", retryable=False)
    else:
        try:
            result = sender.send(delivery)
        except Exception as exc:  # noqa: BLE001 - a sender bug must not kill the worker
            log.exception("Sender %s crashed on delivery %s", delivery.method, delivery.id)
            result = SendResult.failure(f"sender error: {exc!r}")
    return _Sent(delivery, started, utcnow(), result)


def _reread_deliveries(batch: list[Delivery]) -> None:
    """SQLite holds no row lock during the sends: a partner may have answered meanwhile, or a
    ticket was withdrawn. One query brings every delivery of the batch up to date."""
    db.session.execute(
        sa.select(Delivery)
        .where(Delivery.id.in_([d.id for d in batch]))
        .execution_options(populate_existing=True)
    ).scalars().all()


def _reload_reports(sent: list[_Sent]) -> None:
    """The reports of tickets that went out, current and (PostgreSQL) locked until the commit:
    the sends took a while, a caseworker may have changed one meanwhile. Only their columns
    are read (no joins: lockable), so what the claim loaded with them stays loaded."""
    from app.reports.models import Report

    reports = {
        s.delivery.report_id: s.delivery.report
        for s in sent
        if s.result.ok
        and s.delivery.purpose == FORWARD
        and s.delivery.status != DeliveryStatus.WITHDRAWN
    }
    if not reports:
        return
    columns = [attr.key for attr in sa.inspect(Report).column_attrs]
    query = (
        sa.select(*(getattr(Report, key) for key in columns))
        .where(Report.id.in_(reports))
        .order_by(Report.id)  # one lock order for every worker
    )
    if _on_postgresql():
        query = query.with_for_update()
    for row in db.session.execute(query):
        report = reports[row.id]
        for key, value in zip(columns, row, strict=True):
            set_committed_value(report, key, value)


def _after_forwarded(delivery: Delivery) -> None:
    """A ticket left the house: the report is "forwarded" (the resident hears of it) — unless
    the report moved to another department meanwhile: then the ticket is withdrawn at once,
    with a notice to the partner who just got it."""
    from app.reports.workflow import TRANSITIONS, apply_status

    if delivery.purpose != FORWARD:
        return
    reason = stale_reason(delivery)
    if reason is not None:
        withdraw(delivery, reason)
        return
    report = delivery.report
    if ReportStatus.FORWARDED in TRANSITIONS[report.status]:
        # No note: "forwarded to the responsible office" says it in the resident's language.
        # Flushed with the batch's other reports at the commit.
        apply_status(report, ReportStatus.FORWARDED, WORKER, None, flush=False)


# PostgreSQL: a round's attempts and their deliveries' new states in one statement (the
# ORM would send one INSERT and an UPDATE per delivery, and spend more CPU on them than the
# ticket); the arrays hold one element per attempt, in the same order.
_RECORD_ROUND = sa.text(
    """
    WITH sent AS (
        SELECT * FROM unnest(
            CAST(:id AS INTEGER[]), CAST(:number AS INTEGER[]),
            CAST(:started_at AS TIMESTAMPTZ[]), CAST(:finished_at AS TIMESTAMPTZ[]),
            CAST(:is_success AS BOOLEAN[]), CAST(:error AS TEXT[]),
            CAST(:status AS VARCHAR[]), CAST(:sent_at AS TIMESTAMPTZ[]),
            CAST(:remote_id AS VARCHAR[]), CAST(:last_error AS TEXT[]),
            CAST(:next_attempt_at AS TIMESTAMPTZ[])
        ) AS s(id, number, started_at, finished_at, is_success, error, status, sent_at,
               remote_id, last_error, next_attempt_at)
    ), changed AS (
        UPDATE delivery SET status = sent.status, sent_at = sent.sent_at,
            remote_id = sent.remote_id, last_error = sent.last_error,
            next_attempt_at = sent.next_attempt_at, updated_at = :now
        FROM sent WHERE delivery.id = sent.id
    )
    INSERT INTO delivery_attempt
        (delivery_id, number, worker, started_at, finished_at, is_success, error)
    SELECT id, number, :worker, started_at, finished_at, is_success, error FROM sent
    """
)
_Row = tuple[Delivery, dict[str, Any]]  # a delivery, and what _RECORD_ROUND writes of it
_ROUND_COLUMNS = (
    "id",
    "number",
    "started_at",
    "finished_at",
    "is_success",
    "error",
    "status",
    "sent_at",
    "remote_id",
    "last_error",
    "next_attempt_at",
)


def _record(sent: _Sent, *, counted: bool, worker: str, rows: list[_Row] | None = None) -> None:
    """The attempt and what it changed; ``counted``: the claim already counted the attempt.
    ``rows`` (PostgreSQL): the attempt and the delivery's new state are added there, for one
    statement for the round (``_RECORD_ROUND``), and the delivery object takes them as
    stored; a withdrawn ticket's attempt goes through the ORM (its withdrawal changes more)."""
    delivery, result, now = sent.delivery, sent.result, sent.finished
    config = current_app.config
    if not counted:
        delivery.attempts += 1
    withdrawn = delivery.status == DeliveryStatus.WITHDRAWN
    if rows is None or withdrawn:
        db.session.add(
            DeliveryAttempt(
                delivery_id=delivery.id,
                number=delivery.attempts,
                worker=worker,
                started_at=sent.started,
                finished_at=now,
                is_success=result.ok,
                error=result.error,
            )
        )
    if withdrawn:
        # It stays withdrawn, sent or not; the attempt is on record.
        delivery.last_error = result.error
        if result.ok:
            delivery.sent_at = delivery.sent_at or now
            delivery.remote_id = result.remote_id or delivery.remote_id
            withdrawn_while_sending(delivery, first_attempt=delivery.attempts == 1)
        return
    changes: dict[str, Any] = {}
    if result.ok:
        if delivery.status == DeliveryStatus.PENDING:
            changes["status"] = DeliveryStatus.SENT
        changes["sent_at"] = delivery.sent_at or now
        changes["remote_id"] = result.remote_id or delivery.remote_id
        changes["last_error"] = None
    elif not result.retryable or delivery.attempts >= config["DELIVERY_MAX_ATTEMPTS"]:
        changes["status"] = DeliveryStatus.DEAD
        changes["last_error"] = result.error
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
        changes["last_error"] = result.error
        changes["next_attempt_at"] = now + timedelta(
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
            changes["next_attempt_at"].isoformat(timespec="seconds"),
            result.error,
        )
    if rows is None:
        for key, value in changes.items():
            setattr(delivery, key, value)
        return
    for key, value in changes.items():
        set_committed_value(delivery, key, value)  # written by _RECORD_ROUND
    rows.append(
        (
            delivery,
            {
                "id": delivery.id,
                "number": delivery.attempts,
                "started_at": sent.started,
                "finished_at": now,
                "is_success": result.ok,
                "error": result.error,
                "status": delivery.status.value,
                "sent_at": delivery.sent_at,
                "remote_id": delivery.remote_id,
                "last_error": delivery.last_error,
                "next_attempt_at": delivery.next_attempt_at,
            },
        )
    )


def _record_round(rows: list[_Row], worker: str) -> None:
    """The attempts and deliveries collected by ``_record``, in one statement (PostgreSQL)."""
    if not rows:
        return
    now = utcnow()
    params: dict[str, Any] = {key: [row[key] for _, row in rows] for key in _ROUND_COLUMNS}
    db.session.execute(_RECORD_ROUND, {**params, "worker": worker, "now": now})
    for delivery, _ in rows:
        set_committed_value(delivery, "updated_at", now)


def deliver_batch(size: int = CLAIM_BATCH) -> int:
    """Claim up to ``size`` due deliveries, send them, record everything in one commit;
    returns how many were processed (0: none was due)."""
    batch = _claim(size)
    if not batch:
        db.session.rollback()
        return 0
    loaded = _load_for_sending(batch)
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # the proxy's object; typed as Flask
    sent: list[_Sent] = []
    deadline = time.monotonic() + ROUND_SECONDS
    for delivery in batch:
        if sent and time.monotonic() > deadline:
            break
        sent.append(_send(delivery, app))
    postgres = _on_postgresql()
    if postgres:
        for delivery in batch[len(sent) :]:
            delivery.attempts -= 1  # not tried: the claim's count is undone, it stays due
    batch = batch[: len(sent)]
    if not postgres:
        _reread_deliveries(batch)
    _reload_reports(sent)
    worker = worker_name()
    rows: list[_Row] | None = [] if postgres else None
    for item in sent:
        _record(item, counted=postgres, worker=worker, rows=rows)
    if rows is not None:
        _record_round(rows, worker)
    db.session.flush()  # the attempts and deliveries in a few statements, before the reports
    for item in sent:
        if item.result.ok and item.delivery.status != DeliveryStatus.WITHDRAWN:
            _after_forwarded(item.delivery)
    db.session.commit()
    del loaded
    return len(sent)


def deliver_one() -> bool:
    """Send the next due delivery, if any; True when one was processed."""
    return deliver_batch(1) > 0


def deliver_due(limit: int = 1000, batch: int = CLAIM_BATCH) -> int:
    """Send due deliveries until none is left (or ``limit``); returns how many were processed.
    The senders' connections (kept open from one delivery to the next) are closed at the end."""
    count = 0
    try:
        while count < limit:
            done = deliver_batch(min(batch, limit - count))
            if not done:
                break
            count += done
    finally:
        close_clients()
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
