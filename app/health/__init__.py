"""Health and readiness for a load balancer and for monitoring.

- ``GET /healthz``: the process is up and answers (no database access).
- ``GET /readyz``: the database answers, its schema is at the newest migration, and the outbox
  is keeping up (no delivery has waited longer than ``OUTBOX_LAG_MAX_SECONDS`` past its due
  time). 200 with every check when ready, 503 with the failing ones otherwise.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify

from app.core.db import utcnow
from app.core.enums import DeliveryStatus
from app.extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    response = jsonify({"status": "ok"})
    response.headers["Cache-Control"] = "no-store"
    return response


def _migration_head() -> str | None:
    head = current_app.extensions.get("qm_migration_head")
    if head is None:
        from alembic.script import ScriptDirectory

        migrate = current_app.extensions["migrate"]
        config = migrate.migrate.get_config(migrate.directory)
        head = ScriptDirectory.from_config(config).get_current_head()
        current_app.extensions["qm_migration_head"] = head
    return head


def _checks() -> dict[str, dict[str, Any]]:
    from app.forwarding.models import Delivery

    checks: dict[str, dict[str, Any]] = {}
    try:
        db.session.execute(sa.text("SELECT 1"))
        checks["database"] = {"ok": True}
    except sa.exc.SQLAlchemyError as error:
        db.session.rollback()
        log.warning("readiness: database not reachable: %s", type(error).__name__)
        checks["database"] = {"ok": False, "error": "not reachable"}
        return checks
    try:
        current = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        current = None
    head = _migration_head()
    checks["migrations"] = {"ok": current == head, "current": current, "head": head}
    now = utcnow()
    oldest_due = db.session.execute(
        sa.select(sa.func.min(Delivery.next_attempt_at)).where(
            Delivery.status == DeliveryStatus.PENDING, Delivery.next_attempt_at <= now
        )
    ).scalar()
    lag = (now - oldest_due).total_seconds() if oldest_due is not None else 0.0
    limit = current_app.config["OUTBOX_LAG_MAX_SECONDS"]
    checks["outbox"] = {"ok": lag <= limit, "lag_seconds": round(max(lag, 0.0)), "limit": limit}
    db.session.rollback()
    return checks


@bp.get("/readyz")
def readyz():
    checks = _checks()
    ready = all(check["ok"] for check in checks.values())
    response = jsonify({"status": "ready" if ready else "not ready", "checks": checks})
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)
