"""Helpers for the inbox tests: log in through the real form, find CSRF tokens and versions."""

from __future__ import annotations

import html
import re

import sqlalchemy as sa

from app.core.events import ReportEvent
from app.extensions import db
from app.reports.models import Report

PASSWORD = "a long test password"
_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
_VERSION = re.compile(r'name="version" value="(\d+)"')


def login(client, user, password: str = PASSWORD):
    page = client.get("/login").get_data(as_text=True)
    token = _CSRF.search(page).group(1)
    response = client.post(
        "/login", data={"email": user.email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def token(client, url: str = "/inbox/") -> str:
    page = client.get(url).get_data(as_text=True)
    return _CSRF.search(page).group(1)


def form_state(client, reference: str) -> dict[str, str]:
    """The CSRF token and the version the report page shows."""
    page = client.get(f"/inbox/reports/{reference}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    return {"csrf_token": _CSRF.search(text).group(1), "version": _VERSION.search(text).group(1)}


def post_action(client, reference: str, action: str, state: dict | None = None, **fields):
    data = dict(state or form_state(client, reference))
    data.update(fields)
    return client.post(f"/inbox/reports/{reference}/{action}", data=data)


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def fresh(report: Report) -> Report:
    db.session.rollback()
    return db.session.execute(sa.select(Report).where(Report.id == report.id)).scalar_one()


def events(report: Report, kind: str | None = None) -> list[ReportEvent]:
    db.session.rollback()
    rows = (
        db.session.execute(
            sa.select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.id)
        )
        .scalars()
        .all()
    )
    return [e for e in rows if kind is None or e.kind == kind]
