"""Every route × every role, against one table: ``EXPECTED`` below.

The routes are read from ``app.url_map``: every (rule, method) except HEAD and OPTIONS. A route
without a row fails the test with its name, and so does a row whose route is gone — a new route
is covered the day it is added, with the access somebody decided for it.

**Roles** (the columns):

=======  ======================================================================================
anon     a visitor without an account (a browser: it has a session and so a CSRF token)
cw_a     caseworker of department A — EDG, to which the Dortmund rules send cleanliness reports
cw_b     caseworker of department B — Tiefbauamt – Straßenbeleuchtung
copy     caseworker of the Quartiersmanagement Nordstadt, which a copy rule informs of report A
disp     dispatcher
admin    admin
pt_a     EDG's partner API token (``Authorization: Bearer qmp_…``), in an anonymous browser
pt_b     department B's partner API token
key_a    Open311 API key A (``X-API-Key: qm_…``; the client that created the Telegram reports)
key_b    Open311 API key B
=======  ======================================================================================

**Outcomes** (the cells) say who gets in, not what the page says:

- ``ok``: answered 2xx, or a redirect that is not to the log-in; a page or list that is about
  an object shows it (its reference); an action (any method but GET) changed the data.
- ``hidden``: answered 2xx/3xx, but the object is not in the answer, or the action changed
  nothing (e.g. a bulk change of reports that are not in the user's queues).
- ``login``: redirected to the log-in page (``/login?next=…``).
- a status code (``403``, ``404``, ``409`` …): answered with exactly that.

Every cell that is not ``ok``, and every GET, must leave the database as it was: a digest of
every table the app writes is taken before and after each request. (Logging in and out change
a session, so there ``ok`` only means answered.)

**Objects.** URL parameters and forms are filled with real objects (``World``): report A
(EDG, in Innenstadt-Nord, a photo released to the public, a ticket sent to EDG, a reporter
who asked for e-mails), report B (department B), a ticket that failed, Telegram reports made
through key A, and for the admin pages a category, question, department, rule, template and
accounts of their own. Actions that a role may do run on objects made for that one request,
so no cell spoils another; refused actions run on the shared objects — and if one changed
something all the same, that is reported and the shared objects are made anew.

**Static files.** The blueprints' asset routes (``/assets/…``, ``/inbox/assets/…``,
``/admin/assets/…``) are rows like every other, filled with a file that exists: the inbox's
and the admin's are behind their log-in. Flask's own ``static`` route is not a row: the app
has no ``app/static`` folder, so it serves nothing (the test checks that this stays so).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import re
import secrets
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
import sqlalchemy as sa

from app.auth.models import Role
from app.auth.services import create_user
from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.core.db import utcnow
from app.core.enums import (
    AttributeType,
    Channel,
    DeliveryStatus,
    DepartmentKind,
    ReportStatus,
    RuleAction,
)
from app.core.events import Actor
from app.extensions import db
from app.forwarding.models import Delivery
from app.geo.models import District
from app.open311.keys import create_api_key
from app.reports.drafts import ContactDraft, PhotoUpload, ReportDraft
from app.reports.intake import submit_report
from app.reports.models import Report, ResponseTemplate
from app.routing.models import Department, RoutingRule
from tests.images import jpeg

ROLES = ("anon", "cw_a", "cw_b", "copy", "disp", "admin", "pt_a", "pt_b", "key_a", "key_b")
WORDS = {"ok", "hidden", "login"}

# fmt: off
EXPECTED = """
method route                                                                   anon   cw_a   cw_b   copy   disp   admin  pt_a   pt_b   key_a  key_b
# --- resident web pages: public -------------------------------------------------------------------------------------------------------------------
GET    /                                                                       ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /about                                                                  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /assets/<path:filename>                                                 ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /report                                                                 ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /report                                                                 ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /report/language                                                        ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /report/<reference>/submitted                                           ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /report/districts.geojson                                               ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /report/nearby                                                          ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /report/nearby/cards                                                    ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /report/me-too                                                          ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /report/<reference>/supported                                           ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /report/photo-location                                                  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /r                                                                      ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /r/<reference>                                                          ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /r/<reference>/photos/<int:photo_id>/<size>                             ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /r/<reference>/follow                                                   ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
# --- public map, statistics, open data and hotspots -----------------------------------------------------------------------------------------------
GET    /karte                                                                  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /karte/assets/<path:filename>                                           ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /karte/clusters.json                                                    ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /karte/nearby.json                                                      ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open-data/                                                             ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open-data/assets/<path:filename>                                       ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open-data/reports.csv                                                  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open-data/reports.geojson                                              ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open-data/snapshots/<name>                                             404    404    404    404    404    404    404    404    404    404
GET    /statistik                                                              ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /statistik.csv                                                          ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /statistik/<table>.csv                                                  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /statistik/bezirk/<number>                                              ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /statistik/bezirk/<number>.csv                                          ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /assets/statistics/<path:filename>                                      ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /hotspots.geojson                                                       ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /hotspots/assets/<path:filename>                                        ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
# --- signed links: the token in the URL is the permission -----------------------------------------------------------------------------------------
GET    /partner/t/<token>                                                      ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /partner/t/<token>                                                      ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /partner/photos/<token>                                                 ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /unsubscribe/<token>                                                    ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /unsubscribe/<token>                                                    ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /not-fixed/<token>                                                      ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /not-fixed/<token>                                                      ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
# --- operations: health checks for the load balancer ----------------------------------------------------------------------------------------------
GET    /healthz                                                                ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /readyz                                                                 ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
# --- log-in ---------------------------------------------------------------------------------------------------------------------------------------
GET    /login                                                                  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /login                                                                  ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /logout                                                                 login  ok     ok     ok     ok     ok     login  login  login  login
# --- inbox: staff; lists show report A to whom it belongs (the copy reader finds it under "copies", not in scope=all) -----------------------------
GET    /inbox/                                                                 login  ok     hidden hidden ok     ok     login  login  login  login
GET    /inbox/assets/<path:filename>                                           login  ok     ok     ok     ok     ok     login  login  login  login
POST   /inbox/bulk                                                             login  ok     hidden hidden ok     ok     login  login  login  login
GET    /inbox/deliveries                                                       login  ok     hidden hidden ok     ok     login  login  login  login
GET    /inbox/hotspots                                                         login  ok     ok     ok     ok     ok     login  login  login  login
GET    /inbox/export.csv                                                       login  ok     hidden hidden ok     ok     login  login  login  login
GET    /inbox/export.geojson                                                   login  ok     hidden hidden ok     ok     login  login  login  login
GET    /inbox/map                                                              login  ok     ok     ok     ok     ok     login  login  login  login
GET    /inbox/map.geojson                                                      login  ok     hidden hidden ok     ok     login  login  login  login
GET    /inbox/photos/<int:photo_id>/<size>                                     login  ok     403    ok     ok     ok     login  login  login  login
GET    /inbox/reports/<reference>                                              login  ok     403    ok     ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/category                                     login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/deliveries/<int:delivery_id>/retry           login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/description                                  login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/duplicate                                    login  403    403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/forward                                      login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/location                                     login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/note                                         login  ok     403    ok     ok     ok     login  login  login  login
GET    /inbox/reports/<reference>/photos/<int:photo_id>                        login  ok     403    ok     ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/photos/<int:photo_id>                        login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/photos/<int:photo_id>/boxes                  login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/photos/<int:photo_id>/review                 login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/reroute                                      login  ok     403    403    ok     ok     login  login  login  login
POST   /inbox/reports/<reference>/status                                       login  ok     403    403    ok     ok     login  login  login  login
# --- admin: admins only ---------------------------------------------------------------------------------------------------------------------------
GET    /admin/                                                                 login  403    403    403    403    ok     login  login  login  login
GET    /admin/assets/<path:filename>                                           login  403    403    403    403    ok     login  login  login  login
GET    /admin/categories                                                       login  403    403    403    403    ok     login  login  login  login
GET    /admin/categories/<int:category_id>                                     login  403    403    403    403    ok     login  login  login  login
POST   /admin/categories/<int:category_id>                                     login  403    403    403    403    ok     login  login  login  login
GET    /admin/categories/<int:category_id>/questions/<int:attribute_id>        login  403    403    403    403    ok     login  login  login  login
POST   /admin/categories/<int:category_id>/questions/<int:attribute_id>        login  403    403    403    403    ok     login  login  login  login
GET    /admin/categories/<int:category_id>/questions/<int:attribute_id>/delete login  403    403    403    403    ok     login  login  login  login
POST   /admin/categories/<int:category_id>/questions/<int:attribute_id>/delete login  403    403    403    403    ok     login  login  login  login
GET    /admin/categories/<int:category_id>/questions/new                       login  403    403    403    403    ok     login  login  login  login
POST   /admin/categories/<int:category_id>/questions/new                       login  403    403    403    403    ok     login  login  login  login
GET    /admin/categories/new                                                   login  403    403    403    403    ok     login  login  login  login
POST   /admin/categories/new                                                   login  403    403    403    403    ok     login  login  login  login
GET    /admin/departments                                                      login  403    403    403    403    ok     login  login  login  login
GET    /admin/departments/<int:department_id>                                  login  403    403    403    403    ok     login  login  login  login
POST   /admin/departments/<int:department_id>                                  login  403    403    403    403    ok     login  login  login  login
GET    /admin/departments/new                                                  login  403    403    403    403    ok     login  login  login  login
POST   /admin/departments/new                                                  login  403    403    403    403    ok     login  login  login  login
GET    /admin/response-templates                                               login  403    403    403    403    ok     login  login  login  login
GET    /admin/response-templates/<int:template_id>                             login  403    403    403    403    ok     login  login  login  login
POST   /admin/response-templates/<int:template_id>                             login  403    403    403    403    ok     login  login  login  login
GET    /admin/response-templates/<int:template_id>/delete                      login  403    403    403    403    ok     login  login  login  login
POST   /admin/response-templates/<int:template_id>/delete                      login  403    403    403    403    ok     login  login  login  login
GET    /admin/response-templates/new                                           login  403    403    403    403    ok     login  login  login  login
POST   /admin/response-templates/new                                           login  403    403    403    403    ok     login  login  login  login
GET    /admin/rules                                                            login  403    403    403    403    ok     login  login  login  login
GET    /admin/rules/<int:rule_id>                                              login  403    403    403    403    ok     login  login  login  login
POST   /admin/rules/<int:rule_id>                                              login  403    403    403    403    ok     login  login  login  login
GET    /admin/rules/<int:rule_id>/delete                                       login  403    403    403    403    ok     login  login  login  login
POST   /admin/rules/<int:rule_id>/delete                                       login  403    403    403    403    ok     login  login  login  login
POST   /admin/rules/<int:rule_id>/move                                         login  403    403    403    403    ok     login  login  login  login
GET    /admin/rules/new                                                        login  403    403    403    403    ok     login  login  login  login
POST   /admin/rules/new                                                        login  403    403    403    403    ok     login  login  login  login
GET    /admin/rules/test                                                       login  403    403    403    403    ok     login  login  login  login
GET    /admin/users                                                            login  403    403    403    403    ok     login  login  login  login
GET    /admin/users/<int:user_id>                                              login  403    403    403    403    ok     login  login  login  login
POST   /admin/users/<int:user_id>                                              login  403    403    403    403    ok     login  login  login  login
POST   /admin/users/<int:user_id>/disable                                      login  403    403    403    403    ok     login  login  login  login
POST   /admin/users/<int:user_id>/enable                                       login  403    403    403    403    ok     login  login  login  login
POST   /admin/users/<int:user_id>/password                                     login  403    403    403    403    ok     login  login  login  login
GET    /admin/users/new                                                        login  403    403    403    403    ok     login  login  login  login
POST   /admin/users/new                                                        login  403    403    403    403    ok     login  login  login  login
# --- partner API: the bearer token of the department the ticket was sent to -----------------------------------------------------------------------
GET    /api/partner/openapi.json                                               ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /api/partner/tickets/<reference>                                        403    403    403    403    403    403    ok     403    403    403
POST   /api/partner/tickets/<reference>/<action>                               403    403    403    403    403    403    ok     403    403    403
# --- Open311: reading is public; writing and the extensions need a key; a resident's data only for the key that made it ---------------------------
GET    /open311/discovery.<fmt>                                                ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open311/v2/                                                            ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open311/v2/openapi.json                                                ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open311/v2/services.<fmt>                                              ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open311/v2/services/<service_code>.<fmt>                               ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open311/v2/requests.<fmt>                                              ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
POST   /open311/v2/requests.<fmt>                                              403    403    403    403    403    403    403    403    ok     ok
GET    /open311/v2/requests/<service_request_id>.<fmt>                         ok     ok     ok     ok     ok     ok     ok     ok     ok     ok
GET    /open311/v2/requests/nearby.<fmt>                                       403    403    403    403    403    403    403    403    ok     ok
POST   /open311/v2/requests/<service_request_id>/supporters.<fmt>              403    403    403    403    403    403    403    403    ok     ok
POST   /open311/v2/requests/<service_request_id>/reopen.<fmt>                  403    403    403    403    403    403    403    403    ok     409
GET    /open311/v2/geocode.<fmt>                                               403    403    403    403    403    403    403    403    ok     ok
GET    /open311/v2/residents/telegram/<chat_id>/requests.<fmt>                 403    403    403    403    403    403    403    403    ok     hidden
POST   /open311/v2/residents/telegram/<chat_id>/delete.<fmt>                   403    403    403    403    403    403    403    403    ok     hidden
POST   /open311/v2/residents/telegram/<chat_id>/locale.<fmt>                   403    403    403    403    403    403    403    403    ok     hidden
GET    /open311/v2/locations/check.<fmt>                                       403    403    403    403    403    403    403    403    ok     ok
GET    /open311/v2/tokens/<token>.<fmt>                                        404    404    404    404    404    404    404    404    404    404
GET    /open311/                                                               404    404    404    404    404    404    404    404    404    404
POST   /open311/                                                               404    404    404    404    404    404    404    404    404    404
PUT    /open311/                                                               404    404    404    404    404    404    404    404    404    404
PATCH  /open311/                                                               404    404    404    404    404    404    404    404    404    404
DELETE /open311/                                                               404    404    404    404    404    404    404    404    404    404
GET    /open311/<path:rest>                                                    404    404    404    404    404    404    404    404    404    404
POST   /open311/<path:rest>                                                    404    404    404    404    404    404    404    404    404    404
PUT    /open311/<path:rest>                                                    404    404    404    404    404    404    404    404    404    404
PATCH  /open311/<path:rest>                                                    404    404    404    404    404    404    404    404    404    404
DELETE /open311/<path:rest>                                                    404    404    404    404    404    404    404    404    404    404
"""  # noqa: E501 - one line per route, a column per role
# fmt: on

# Not rows: Flask's own static route (see the module docstring).
NOT_ROUTES = {"static"}

# Actions that change a session, not data: "ok" means answered, not "changed something".
SESSION_ACTIONS = {
    "POST /login",
    "POST /logout",
    "POST /report/photo-location",
    "POST /report/language",
}
# Cells that need their own log-in (logging out or in must not end the role's shared session).
OWN_SESSION = {"POST /login", "POST /logout"}
# Tables the digest leaves out: the city's geometry, written by nothing but the seed.
NOT_DIGESTED = {"district", "city_boundary"}
# Append-only tables: their number of rows and last id say whether something was added.
APPEND_ONLY = {"report_event", "delivery_attempt"}

NORDSTADT = (51.5235, 7.4837)  # Borsigplatz, Innenstadt-Nord
RATHAUS = (51.5136, 7.4653)  # Friedensplatz, Innenstadt-West
PASSWORD = "a long test password"
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def parse_table(text: str) -> dict[str, dict[str, str]]:
    lines = [line for line in text.strip().splitlines() if not line.lstrip().startswith("#")]
    header = lines[0].split()
    assert header[:2] == ["method", "route"] and tuple(header[2:]) == ROLES, header
    rows: dict[str, dict[str, str]] = {}
    for line in lines[1:]:
        method, rule, *cells = line.split()
        key = f"{method} {rule}"
        assert len(cells) == len(ROLES), f"row {key!r} has {len(cells)} cells, not {len(ROLES)}"
        for cell in cells:
            assert cell in WORDS or re.fullmatch(r"[1-5]\d\d", cell), f"{key}: {cell!r}?"
        assert key not in rows, f"row {key!r} twice"
        rows[key] = dict(zip(ROLES, cells, strict=True))
    return rows


# --- the objects routes are filled with ---------------------------------------------------------


def _one(model, **by):
    return db.session.execute(sa.select(model).filter_by(**by)).scalar_one()


def _commit_report(draft: ReportDraft) -> Report:
    report = submit_report(draft, Actor("resident", "web")).report
    db.session.commit()
    return report


def _ticket(report: Report, department: str) -> Delivery:
    return db.session.execute(
        sa.select(Delivery)
        .join(Department, Delivery.department_id == Department.id)
        .where(Delivery.report_id == report.id, Delivery.purpose == "forward")
        .where(Department.code == department)
    ).scalar_one()


class World:
    """The objects one cell (or all refused cells) work on, each made on first use."""

    numbers = itertools.count(1)

    def __init__(self, people: People) -> None:
        self.people = people
        self.n = next(self.numbers)
        # Each world's report A half a metre apart: "nearby" finds the one asked about first.
        self.point = (NORDSTADT[0] + 0.000005 * self.n, NORDSTADT[1])

    # reports ---------------------------------------------------------------------------------

    @cached_property
    def report_a(self) -> SimpleNamespace:
        """EDG's report in the Nordstadt: photo released, ticket sent, reporter wants e-mails."""
        from app.forwarding.api import photo_token
        from app.forwarding.links import partner_token, unsubscribe_token

        report = _commit_report(
            ReportDraft(
                channel=Channel.WEB,
                category_code="papierkorb-voll",
                lat=self.point[0],
                lon=self.point[1],
                description="Der Papierkorb am Borsigplatz quillt über.",
                photos=[PhotoUpload(jpeg((64, 48)))],
                contact=ContactDraft(email=f"anwohnerin{self.n}@example.invalid", consent=True),
            )
        )
        assert report.department.code == "edg"
        assert "qm-nordstadt" in {c.department.code for c in report.copies}
        photo = report.photos[0]
        photo.is_public = True
        ticket = _ticket(report, "edg")
        ticket.status, ticket.sent_at, ticket.attempts = DeliveryStatus.SENT, utcnow(), 1
        db.session.commit()
        return SimpleNamespace(
            id=report.id,
            reference=report.reference,
            point=self.point,
            photo_id=photo.id,
            link=partner_token(ticket),
            photo_link=photo_token(photo),
            unsubscribe=unsubscribe_token(f"contact:{report.contact.id}"),
        )

    def version(self, report_id: int) -> str:
        db.session.rollback()
        version = db.session.execute(
            sa.select(Report.version).where(Report.id == report_id)
        ).scalar_one()
        db.session.rollback()
        return str(version)

    @cached_property
    def report_b(self) -> SimpleNamespace:
        report = _commit_report(
            ReportDraft(
                channel=Channel.WEB, category_code="laterne-aus", lat=RATHAUS[0], lon=RATHAUS[1]
            )
        )
        assert report.department.code == "tiefbau-licht"
        return SimpleNamespace(reference=report.reference)

    @cached_property
    def failed_ticket(self) -> SimpleNamespace:
        """Another EDG report in the Nordstadt whose ticket could not be delivered."""
        report = _commit_report(
            ReportDraft(
                channel=Channel.WEB,
                category_code="wilder-muell",
                lat=NORDSTADT[0],
                lon=NORDSTADT[1] + 0.001,
            )
        )
        ticket = _ticket(report, "edg")
        ticket.status, ticket.attempts, ticket.last_error = DeliveryStatus.DEAD, 14, "550 no"
        db.session.commit()
        return SimpleNamespace(reference=report.reference, delivery_id=ticket.id)

    def _through_key(self, key: str, chat: str) -> str:
        response = self.people.call(
            self.people.app.test_client(),
            "POST",
            "/open311/v2/requests.json",
            data={
                "api_key": key,
                "service_code": "papierkorb-voll",
                "lat": str(RATHAUS[0]),
                "long": str(RATHAUS[1]),
                "telegram_chat_id": chat,
                "updates": "true",
            },
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.get_json()[0]["service_request_id"]

    @cached_property
    def chat_report(self) -> SimpleNamespace:
        """An open report made through key A from a Telegram chat that wants updates."""
        chat = str(500_000_000 + self.n)
        return SimpleNamespace(chat=chat, reference=self._through_key(self.people.key_a, chat))

    @cached_property
    def resolved_chat_report(self) -> SimpleNamespace:
        """A report made through key A from another chat, resolved today."""
        from app.reports.queries import report_by_reference
        from app.reports.workflow import apply_status

        chat = str(600_000_000 + self.n)
        reference = self._through_key(self.people.key_a, chat)
        db.session.rollback()
        apply_status(
            report_by_reference(reference), ReportStatus.RESOLVED, Actor("user", "1"), "Erledigt."
        )
        db.session.commit()
        return SimpleNamespace(chat=chat, reference=reference)

    @cached_property
    def resolved_report(self) -> SimpleNamespace:
        """A report from the web whose reporter left an e-mail, resolved today: the "not
        fixed?" link of the e-mail saying so."""
        from app.forwarding.links import reopen_token
        from app.reports.workflow import apply_status

        report = _commit_report(
            ReportDraft(
                channel=Channel.WEB,
                category_code="papierkorb-voll",
                lat=RATHAUS[0],
                lon=RATHAUS[1] + 0.00001 * self.n,
                contact=ContactDraft(email=f"erledigt{self.n}@example.invalid", consent=True),
            )
        )
        apply_status(report, ReportStatus.RESOLVED, Actor("user", "1"), "Geleert.")
        db.session.commit()
        return SimpleNamespace(
            reference=report.reference,
            link=reopen_token(f"contact:{report.contact.id}", report.id),
        )

    # the admin area's objects ----------------------------------------------------------------

    @cached_property
    def group_id(self) -> int:
        return _one(CategoryGroup, code="sauberkeit").id

    @cached_property
    def category(self) -> SimpleNamespace:
        code = f"matrix-{self.n}"
        category = Category(
            code=code, group_id=self.group_id, names={"de": f"Matrix {self.n}"}, position=99
        )
        db.session.add(category)
        db.session.commit()
        return SimpleNamespace(id=category.id, code=code)

    @cached_property
    def attribute_id(self) -> int:
        attribute = CategoryAttribute(
            category_id=self.category.id,
            code="menge",
            datatype=AttributeType.STRING,
            labels={"de": "Wie viel?"},
            max_length=40,
            position=1,
        )
        db.session.add(attribute)
        db.session.commit()
        return attribute.id

    @cached_property
    def department_id(self) -> int:
        department = Department(
            code=f"matrix-{self.n}",
            name=f"Matrix-Amt {self.n}",
            kind=DepartmentKind.INTERNAL,
            email=f"matrix{self.n}@example.invalid",
        )
        db.session.add(department)
        db.session.commit()
        return department.id

    @cached_property
    def rule_id(self) -> int:
        """A copy rule for this world's category, last in the order."""
        rule = RoutingRule(
            position=self.rule_count() + 1,
            action=RuleAction.COPY,
            category_id=self.category.id,
            department_id=self.department_id,
            note="Matrix",
        )
        db.session.add(rule)
        db.session.commit()
        return rule.id

    def rule_count(self) -> int:
        return db.session.execute(sa.select(sa.func.count(RoutingRule.id))).scalar_one()

    @cached_property
    def template_id(self) -> int:
        template = ResponseTemplate(title=f"Matrix {self.n}", texts={"de": "Text", "en": "Text"})
        db.session.add(template)
        db.session.commit()
        return template.id

    @cached_property
    def user_id(self) -> int:
        user = create_user(
            f"konto{self.n}@example.invalid", f"Konto {self.n}", PASSWORD, Role.CASEWORKER, ["edg"]
        )
        db.session.commit()
        return user.id

    @cached_property
    def disabled_user_id(self) -> int:
        user = create_user(
            f"gesperrt{self.n}@example.invalid", "Gesperrt", PASSWORD, Role.CASEWORKER, ["edg"]
        )
        user.is_enabled = False
        db.session.commit()
        return user.id

    def department_of(self, code: str) -> str:
        return str(_one(Department, code=code).id)


# How each route is filled: URL parameters by rule; query, form and the object whose presence
# tells "ok" from "hidden" by row. A route with parameters but no entry here fails the test.
PARAMS: dict[str, Any] = {
    "/report/<reference>/submitted": lambda w: {"reference": w.report_a.reference},
    "/report/<reference>/supported": lambda w: {"reference": w.report_a.reference},
    "/r/<reference>": lambda w: {"reference": w.report_a.reference},
    "/r/<reference>/photos/<int:photo_id>/<size>": lambda w: {
        "reference": w.report_a.reference,
        "photo_id": w.report_a.photo_id,
        "size": "thumb",
    },
    "/partner/t/<token>": lambda w: {"token": w.report_a.link},
    "/partner/photos/<token>": lambda w: {"token": w.report_a.photo_link},
    "/unsubscribe/<token>": lambda w: {"token": w.report_a.unsubscribe},
    "/not-fixed/<token>": lambda w: {"token": w.resolved_report.link},
    "/inbox/photos/<int:photo_id>/<size>": lambda w: {
        "photo_id": w.report_a.photo_id,
        "size": "thumb",
    },
    "/inbox/reports/<reference>": lambda w: {"reference": w.report_a.reference},
    "/inbox/reports/<reference>/deliveries/<int:delivery_id>/retry": lambda w: {
        "reference": w.failed_ticket.reference,
        "delivery_id": w.failed_ticket.delivery_id,
    },
    "/inbox/reports/<reference>/photos/<int:photo_id>": lambda w: {
        "reference": w.report_a.reference,
        "photo_id": w.report_a.photo_id,
    },
    "/inbox/reports/<reference>/photos/<int:photo_id>/boxes": lambda w: {
        "reference": w.report_a.reference,
        "photo_id": w.report_a.photo_id,
    },
    "/inbox/reports/<reference>/photos/<int:photo_id>/review": lambda w: {
        "reference": w.report_a.reference,
        "photo_id": w.report_a.photo_id,
    },
    "/admin/categories/<int:category_id>": lambda w: {"category_id": w.category.id},
    "/admin/categories/<int:category_id>/questions/new": lambda w: {"category_id": w.category.id},
    "/admin/categories/<int:category_id>/questions/<int:attribute_id>": lambda w: {
        "category_id": w.category.id,
        "attribute_id": w.attribute_id,
    },
    "/admin/departments/<int:department_id>": lambda w: {"department_id": w.department_id},
    "/admin/rules/<int:rule_id>": lambda w: {"rule_id": w.rule_id},
    "/admin/response-templates/<int:template_id>": lambda w: {"template_id": w.template_id},
    "/admin/users/<int:user_id>": lambda w: {"user_id": w.user_id},
    "/admin/users/<int:user_id>/enable": lambda w: {"user_id": w.disabled_user_id},
    "/api/partner/tickets/<reference>": lambda w: {"reference": w.report_a.reference},
    "/api/partner/tickets/<reference>/<action>": lambda w: {
        "reference": w.report_a.reference,
        "action": "done",
    },
    "/open311/<path:rest>": lambda w: {"rest": "v3/requests.json"},
    "/statistik/<table>.csv": lambda w: {"table": "overview"},
    # no snapshot is written in the matrix's world: the same 404 for everybody
    "/open-data/snapshots/<name>": lambda w: {"name": "reports-2000-01-01.csv.gz"},
    "/statistik/bezirk/<number>": lambda w: {"number": "04"},
    "/statistik/bezirk/<number>.csv": lambda w: {"number": "04"},
    "/open311/v2/services/<service_code>.<fmt>": lambda w: {"service_code": "unsicherer-ort"},
    "/open311/v2/requests/<service_request_id>.<fmt>": lambda w: {
        "service_request_id": w.report_a.reference
    },
    "/open311/v2/requests/<service_request_id>/supporters.<fmt>": lambda w: {
        "service_request_id": w.report_a.reference
    },
    "/open311/v2/requests/<service_request_id>/reopen.<fmt>": lambda w: {
        "service_request_id": w.resolved_chat_report.reference
    },
    "/open311/v2/residents/telegram/<chat_id>": lambda w: {"chat_id": w.chat_report.chat},
    "/open311/v2/tokens/<token>.<fmt>": lambda w: {"token": "abc"},
}


def params_for(app, rule):
    """How to fill ``rule``'s URL: a blueprint's asset route with a file it has; others by
    the PARAMS entry of the rule, or of the longest pattern it continues with fixed words
    (``/inbox/reports/<reference>`` fills ``…/<reference>/status``); None if there is none."""
    if not set(rule.arguments) - set(rule.defaults or {}) - {"fmt"}:
        return lambda w: {}
    if rule.endpoint.endswith(".static"):
        folder = Path(app.blueprints[rule.endpoint.rsplit(".", 1)[0]].static_folder)
        first = min(p for p in folder.rglob("*") if p.is_file())
        return lambda w: {"filename": first.relative_to(folder).as_posix()}
    for pattern in sorted(PARAMS, key=len, reverse=True):
        rest = rule.rule[len(pattern) :]
        if (
            rule.rule.startswith(pattern)
            and (not rest or rest.startswith("/"))
            and not re.search(r"<(?!fmt>)", rest)
        ):
            return PARAMS[pattern]
    return None


def _category_form(w: World, code: str) -> dict[str, str]:
    return {
        "code": code,
        "group": str(w.group_id),
        "name_de": f"Matrix-Kategorie {w.n}",
        "name_en": f"Matrix category {w.n}",
        "description_de": "",
        "description_en": "",
        "keywords": "",
        "target_working_days": "3",
        "nearby_radius_m": "40",
        "is_active": "y",
    }


def _question_form(label: str) -> dict[str, str]:
    return {
        "code": "menge",
        "datatype": "string",
        "label_de": label,
        "label_en": "",
        "help_de": "",
        "help_en": "",
        "values": "",
        "max_length": "40",
        "position": "1",
    }


def _department_form(code: str, name: str) -> dict[str, str]:
    return {
        "code": code,
        "name": name,
        "kind": "internal",
        "email": "amt@example.invalid",
        "description": "",
        "is_active": "y",
        "forward_method": "none",
        "forward_config": "",
        "ack_deadline_hours": "",
        "done_status": "resolved",
    }


def _rule_form(w: World, position: int, note: str) -> dict[str, str]:
    return {
        "action": "copy",
        "target": f"category:{w.category.id}",
        "district": "",
        "condition": "",
        "department": str(w.department_id),
        "note": note,
        "is_active": "y",
        "position": str(position),
    }


def _template_form(title: str) -> dict[str, str]:
    return {
        "title": title,
        "category": "",
        "status": "",
        "text_de": "Wir kümmern uns.",
        "text_en": "We are on it.",
    }


def _photo_upload(w: World) -> dict[str, Any]:
    return {"photo": (io.BytesIO(jpeg((64, 48))), "foto.jpg")}


INBOX_ALL = {"scope": "all"}

QUERIES: dict[str, Any] = {
    "GET /inbox/": lambda w: INBOX_ALL,
    "GET /inbox/export.csv": lambda w: INBOX_ALL,
    "GET /inbox/export.geojson": lambda w: INBOX_ALL,
    "GET /inbox/map.geojson": lambda w: INBOX_ALL,
    "GET /r": lambda w: {"reference": w.report_a.reference},
    "GET /report/nearby": lambda w: {
        "category": "papierkorb-voll",
        "lat": w.report_a.point[0],
        "lon": w.report_a.point[1],
    },
    "GET /report/nearby/cards": lambda w: {
        "category": "papierkorb-voll",
        "lat": w.report_a.point[0],
        "lon": w.report_a.point[1],
    },
    "GET /karte/nearby.json": lambda w: {"lat": w.report_a.point[0], "lon": w.report_a.point[1]},
    "GET /karte/clusters.json": lambda w: {"bbox": "7.30,51.41,7.64,51.60", "zoom": "12"},
    # Newest first in pages of 50; the cells before this one make more reports than that.
    "GET /open311/v2/requests.<fmt>": lambda w: {"page_size": "200"},
    "GET /open311/v2/requests/nearby.<fmt>": lambda w: {
        "service_code": "papierkorb-voll",
        "lat": w.report_a.point[0],
        "long": w.report_a.point[1],
    },
    "GET /open311/v2/geocode.<fmt>": lambda w: {"address": "Friedensplatz 1"},
    "GET /open311/v2/locations/check.<fmt>": lambda w: {"lat": RATHAUS[0], "long": RATHAUS[1]},
}

FORMS: dict[str, Any] = {
    "POST /report": lambda w: {
        "category": "papierkorb-voll",
        "lat": str(RATHAUS[0]),
        "lon": str(RATHAUS[1]),
        "description": "Papierkorb voll",
    },
    "POST /report/photo-location": _photo_upload,
    "POST /report/me-too": lambda w: {"reference": w.report_a.reference},
    "POST /report/language": lambda w: {"switch_language": "tr", "description": "Papierkorb"},
    "POST /partner/t/<token>": lambda w: {"action": "acknowledge"},
    "POST /r/<reference>/follow": lambda w: {
        "email": f"folgt{w.n}@example.invalid",
        "consent": "1",
    },
    "POST /not-fixed/<token>": lambda w: {"comment": "Der Papierkorb ist wieder voll."},
    "POST /login": lambda w: {"email": w.people.spare_email, "password": PASSWORD},
    "POST /inbox/bulk": lambda w: {
        "reference": w.report_a.reference,
        "status": "in_review",
        "next": "/inbox/",
    },
    "POST /inbox/reports/<reference>/category": lambda w: {
        "version": w.version(w.report_a.id),
        "category": "wilder-muell",
    },
    "POST /inbox/reports/<reference>/description": lambda w: {
        "version": w.version(w.report_a.id),
        "public_text": "Papierkorb voll",
    },
    "POST /inbox/reports/<reference>/duplicate": lambda w: {
        "version": w.version(w.report_a.id),
        "original": w.report_b.reference,  # a report of department B
    },
    "POST /inbox/reports/<reference>/forward": lambda w: {"department": "edg"},
    "POST /inbox/reports/<reference>/location": lambda w: {
        "version": w.version(w.report_a.id),
        "lat": "51.5240",
        "lon": "7.4840",
    },
    "POST /inbox/reports/<reference>/note": lambda w: {
        "version": w.version(w.report_a.id),
        "text": "Interne Notiz",
    },
    "POST /inbox/reports/<reference>/photos/<int:photo_id>": lambda w: {
        "version": w.version(w.report_a.id),
        "public": "0",
    },
    "POST /inbox/reports/<reference>/photos/<int:photo_id>/boxes": lambda w: {
        "left": "10",
        "top": "20",
        "width": "30",
        "height": "15",
    },
    "POST /inbox/reports/<reference>/photos/<int:photo_id>/review": lambda w: {"publish": "0"},
    "POST /inbox/reports/<reference>/reroute": lambda w: {
        "version": w.version(w.report_a.id),
        "department": "tiefbau",
        "reason": "Gehört zum Gehweg",
    },
    "POST /inbox/reports/<reference>/status": lambda w: {
        "version": w.version(w.report_a.id),
        "status": "in_review",
        "note": "Wir sehen es uns an.",
    },
    "POST /admin/categories/new": lambda w: _category_form(w, f"matrix-neu-{w.n}"),
    "POST /admin/categories/<int:category_id>": lambda w: _category_form(w, w.category.code),
    "POST /admin/categories/<int:category_id>/questions/new": lambda w: _question_form("Neu?"),
    "POST /admin/categories/<int:category_id>/questions/<int:attribute_id>": lambda w: (
        _question_form("Wie viel genau?")
    ),
    "POST /admin/departments/new": lambda w: _department_form(f"matrix-neu-{w.n}", "Neues Amt"),
    "POST /admin/departments/<int:department_id>": lambda w: _department_form(
        f"matrix-{w.n}", "Umbenanntes Amt"
    ),
    "POST /admin/rules/new": lambda w: _rule_form(w, w.rule_count() + 1, "Neue Regel"),
    "POST /admin/rules/<int:rule_id>": lambda w: _rule_form(w, w.rule_count(), "Geändert"),
    "POST /admin/rules/<int:rule_id>/move": lambda w: {"direction": "up"},
    "POST /admin/response-templates/new": lambda w: _template_form("Neue Vorlage"),
    "POST /admin/response-templates/<int:template_id>": lambda w: _template_form("Geändert"),
    "POST /admin/users/new": lambda w: {
        "email": f"neu{w.n}@example.invalid",
        "name": "Neues Konto",
        "role": "caseworker",
        "departments": w.department_of("edg"),
        "password": PASSWORD,
    },
    "POST /admin/users/<int:user_id>": lambda w: {
        "name": "Umbenanntes Konto",
        "role": "caseworker",
        "departments": w.department_of("edg"),
    },
    "POST /admin/users/<int:user_id>/password": lambda w: {"password": "another long password"},
    "POST /api/partner/tickets/<reference>/<action>": lambda w: {"note": "Abgeholt"},
    "POST /open311/v2/requests.<fmt>": lambda w: {
        "service_code": "papierkorb-voll",
        "lat": str(RATHAUS[0]),
        "long": str(RATHAUS[1]),
    },
    "POST /open311/v2/requests/<service_request_id>/supporters.<fmt>": lambda w: {
        "telegram_chat_id": w.chat_report.chat,
        "updates": "true",
    },
    "POST /open311/v2/requests/<service_request_id>/reopen.<fmt>": lambda w: {
        "telegram_chat_id": w.resolved_chat_report.chat,
        "comment": "Immer noch voll.",
    },
    "POST /open311/v2/residents/telegram/<chat_id>/locale.<fmt>": lambda w: {"locale": "en"},
}

# What a page or list about an object must show for "ok" (and must not show for "hidden").
MARKERS: dict[str, Any] = {
    "GET /inbox/": lambda w: w.report_a.reference,
    "GET /inbox/deliveries": lambda w: w.failed_ticket.reference,
    "GET /inbox/export.csv": lambda w: w.report_a.reference,
    "GET /inbox/export.geojson": lambda w: w.report_a.reference,
    "GET /inbox/map.geojson": lambda w: w.report_a.reference,
    "GET /inbox/reports/<reference>": lambda w: w.report_a.reference,
    "GET /report/<reference>/submitted": lambda w: w.report_a.reference,
    "GET /r/<reference>": lambda w: w.report_a.reference,
    "GET /report/nearby": lambda w: w.report_a.reference,
    "GET /report/nearby/cards": lambda w: w.report_a.reference,
    "GET /karte/nearby.json": lambda w: w.report_a.reference,
    "GET /partner/t/<token>": lambda w: w.report_a.reference,
    "GET /not-fixed/<token>": lambda w: w.resolved_report.reference,
    "GET /api/partner/tickets/<reference>": lambda w: w.report_a.reference,
    "GET /open311/v2/requests.<fmt>": lambda w: w.report_a.reference,
    "GET /open311/v2/requests/<service_request_id>.<fmt>": lambda w: w.report_a.reference,
    "GET /open311/v2/requests/nearby.<fmt>": lambda w: w.report_a.reference,
    "GET /open311/v2/residents/telegram/<chat_id>/requests.<fmt>": lambda w: (
        w.chat_report.reference
    ),
}


def fill_path(rule: str, values: dict[str, Any]) -> str:
    def value(match: re.Match) -> str:
        converter, name = match.group(1), match.group(2)
        if name == "fmt" and name not in values:
            return "json"
        assert name in values, f"{rule}: no value for <{name}>"
        return quote(str(values[name]), safe="/" if converter == "path" else "")

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, rule)


# --- who asks -----------------------------------------------------------------------------------


@dataclass
class People:
    """The accounts, tokens and keys of the roles, and a browser (test client) for each."""

    app: Any
    users: dict[str, Any]
    headers: dict[str, dict[str, str]]
    key_a: str
    spare_email: str
    clients: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    def call(self, client, method: str, path: str, **kwargs):
        """One request in an app context of its own: Flask-Login keeps the current user on
        ``g``, which a request would otherwise share with the test's app context."""
        with self.app.app_context():
            response = client.open(path, method=method, **kwargs)
            response.get_data()  # a streamed body is read inside its context, then closed
            response.close()
            return response

    def browser(self, role: str):
        """A new test client as ``role``: logged in for staff; its CSRF token."""
        client = self.app.test_client()
        page = self.call(client, "GET", "/login").get_data(as_text=True)
        user = self.users.get(role)
        if user is not None:
            response = self.call(
                client,
                "POST",
                "/login",
                data={"email": user.email, "password": PASSWORD, "csrf_token": token_in(page)},
            )
            assert response.status_code == 302, (role, response.status_code)
            page = self.call(client, "GET", "/report").get_data(as_text=True)
        return client, token_in(page)

    def client(self, role: str):
        if role not in self.clients:
            self.clients[role], self.tokens[role] = self.browser(role)
        return self.clients[role], self.tokens[role]


def token_in(page: str) -> str:
    found = CSRF.search(page)
    assert found, "no CSRF token on the page"
    return found.group(1)


def _copy_rule_for_the_nordstadt() -> None:
    """The Quartiersmanagement Nordstadt also hears of cleanliness reports in its quarter."""
    position = db.session.execute(sa.select(sa.func.max(RoutingRule.position))).scalar_one()
    db.session.add(
        RoutingRule(
            key="matrix-sauberkeit-nordstadt",
            position=position + 1,
            action=RuleAction.COPY,
            category_group_id=_one(CategoryGroup, code="sauberkeit").id,
            district_id=_one(District, number="04").id,
            department_id=_one(Department, code="qm-nordstadt").id,
            note="Nordstadt: Quartiersmanagement wird informiert",
        )
    )
    db.session.commit()


@pytest.fixture
def people(app_ctx, reseed_city, geocoding, make_user) -> People:
    from app.forwarding.api import rotate_partner_token

    _copy_rule_for_the_nordstadt()
    users = {
        "cw_a": make_user("caseworker", ("edg",)),
        "cw_b": make_user("caseworker", ("tiefbau-licht",)),
        "copy": make_user("caseworker", ("qm-nordstadt",)),
        "disp": make_user("dispatcher"),
        "admin": make_user("admin"),
    }
    spare = make_user("caseworker", ("edg",))
    partner_a = rotate_partner_token(_one(Department, code="edg"))
    partner_b = rotate_partner_token(_one(Department, code="tiefbau-licht"))
    _key, key_a = create_api_key("Matrix A")
    _key, key_b = create_api_key("Matrix B")
    db.session.commit()
    return People(
        app=app_ctx,
        users=users,
        headers={
            "pt_a": {"Authorization": f"Bearer {partner_a}"},
            "pt_b": {"Authorization": f"Bearer {partner_b}"},
            "key_a": {"X-API-Key": key_a},
            "key_b": {"X-API-Key": key_b},
        },
        key_a=key_a,
        spare_email=spare.email,
    )


# --- the state of the database ------------------------------------------------------------------


def digest() -> str:
    """A fingerprint of every row the app can write."""
    db.session.rollback()
    hashed = hashlib.sha256()
    for table in db.metadata.sorted_tables:
        if table.name in NOT_DIGESTED:
            continue
        if table.name in APPEND_ONLY:
            query = sa.select(sa.func.count(), sa.func.max(table.c.id))
        else:
            query = sa.select(table).order_by(*table.primary_key.columns)
        hashed.update(table.name.encode())
        hashed.update(repr(db.session.execute(query).all()).encode())
    db.session.rollback()
    return hashed.hexdigest()


class Digests:
    """``digest()`` again only after something was committed since the last one."""

    def __init__(self) -> None:
        self.commits = 0
        self.last: str | None = None
        sa.event.listen(sa.orm.Session, "after_commit", self._committed)

    def _committed(self, session) -> None:
        self.commits += 1

    def now(self) -> str:
        if self.last is None or self.commits:
            self.last, self.commits = digest(), 0
        return self.last

    def close(self) -> None:
        sa.event.remove(sa.orm.Session, "after_commit", self._committed)


@pytest.fixture
def digests():
    watcher = Digests()
    yield watcher
    watcher.close()


def outcome(response, *, marker: str | None, action: bool, changed: bool) -> str:
    status = response.status_code
    if 300 <= status < 400:
        location = urlsplit(response.headers.get("Location", ""))
        if location.path == "/login" and location.query.startswith("next="):
            return "login"
    elif not 200 <= status < 300:
        return str(status)
    if action:
        return "ok" if changed else "hidden"
    if marker is not None and status < 300 and marker not in response.get_data(as_text=True):
        return "hidden"
    return "ok"


def is_csrf_exempt(path: str) -> bool:
    return path.startswith(("/open311/", "/api/partner/"))


# --- the tests ----------------------------------------------------------------------------------


def routes_of(app) -> dict[str, Any]:
    found = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NOT_ROUTES:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found[f"{method} {rule.rule}"] = rule
    return found


def test_flasks_own_static_route_serves_nothing(app):
    assert not Path(app.static_folder).exists(), (
        f"{app.static_folder} exists: its files are served to everybody — give the static "
        "route rows in tests/security/test_route_matrix.py instead of leaving it out"
    )


def test_every_route_has_a_row_and_every_row_a_route(app):
    table = parse_table(EXPECTED)
    routes = routes_of(app)
    missing = sorted(set(routes) - set(table))
    gone = sorted(set(table) - set(routes))
    messages = [f"no row in EXPECTED for the route {key!r}" for key in missing]
    messages += [f"EXPECTED has a row for {key!r}, which is no longer a route" for key in gone]
    unfilled = [key for key, rule in routes.items() if params_for(app, rule) is None]
    messages += [f"no PARAMS entry to fill the URL of {key!r}" for key in sorted(unfilled)]
    assert not messages, "\n".join(messages)


def test_every_route_answers_every_role_as_the_table_says(app_ctx, people, digests):
    table = parse_table(EXPECTED)
    routes = routes_of(app_ctx)
    assert set(routes) == set(table), "see test_every_route_has_a_row_and_every_row_a_route"
    problems: list[str] = []
    shared = World(people)
    cells = 0
    for key in sorted(routes, key=lambda k: (routes[k].rule, k)):
        method, rule = key.split(" ", 1)
        params = params_for(app_ctx, routes[key])
        query = QUERIES.get(key, lambda w: {})
        form = FORMS.get(key, lambda w: {})
        marker = MARKERS.get(key, lambda w: None)
        action = method != "GET" and key not in SESSION_ACTIONS
        for role in ROLES:
            expected = table[key][role]
            world = World(people) if method != "GET" and expected == "ok" else shared
            path = fill_path(rule, params(world))
            data = form(world) if method != "GET" else None
            if data is not None and not is_csrf_exempt(path):
                data = {**data, "csrf_token": people.client(role)[1]}
            mark = marker(world)
            if key in OWN_SESSION:
                client = people.browser(role)[0]
                if data is not None:
                    data["csrf_token"] = token_in(
                        people.call(client, "GET", "/report").get_data(as_text=True)
                    )
            else:
                client = people.client(role)[0]
            query_string = query(world)
            before = digests.now()
            response = people.call(
                client,
                method,
                path,
                query_string=query_string,
                data=data,
                headers=people.headers.get(role, {}),
            )
            changed = digests.now() != before
            got = outcome(response, marker=mark, action=action, changed=changed)
            cells += 1
            if got != expected:
                problems.append(
                    f"{key} as {role}: expected {expected}, got {got} "
                    f"(HTTP {response.status_code} {response.headers.get('Location', '')})".rstrip()
                )
            elif changed and (method == "GET" or got != "ok") and key not in SESSION_ACTIONS:
                problems.append(f"{key} as {role}: answered {got}, but changed data")
            if changed and world is shared:
                shared = World(people)  # a refused action that changed something: start anew
    assert cells == len(routes) * len(ROLES)
    assert not problems, f"{len(problems)} of {cells} cells differ:\n" + "\n".join(problems)


def test_forms_without_a_csrf_token_are_refused(app_ctx, people):
    """Every POST outside the token-authenticated APIs needs the session's CSRF token: as the
    admin (who may do everything), a form without it changes nothing and answers 400."""
    client, _token = people.client("admin")
    world = World(people)
    refused = []
    for key, rule in sorted(routes_of(app_ctx).items()):
        method, pattern = key.split(" ", 1)
        if method == "GET" or is_csrf_exempt(pattern) or pattern.startswith("/unsubscribe/"):
            continue
        path = fill_path(pattern, params_for(app_ctx, rule)(world))
        data = FORMS.get(key, lambda w: {})(world)
        before = digest()
        response = people.call(client, method, path, data=data)
        if response.status_code != 400 or digest() != before:
            refused.append(f"{key}: HTTP {response.status_code}")
    assert not refused, "accepted without a CSRF token:\n" + "\n".join(refused)


def test_a_partner_token_that_was_guessed_gets_nothing(app_ctx, people):
    """The partner API and the signed links answer a wrong token like a missing one."""
    world = World(people)
    client = app_ctx.test_client()
    wrong = {"Authorization": f"Bearer qmp_{secrets.token_urlsafe(32)}"}
    ticket = f"/api/partner/tickets/{world.report_a.reference}"
    assert people.call(client, "GET", ticket, headers=wrong).status_code == 403
    assert people.call(client, "POST", f"{ticket}/done", headers=wrong).status_code == 403
    forged = world.report_a.link[:-4] + "AAAA"
    assert people.call(client, "GET", f"/partner/t/{forged}").status_code == 403
    assert people.call(client, "GET", f"/partner/photos/{forged}").status_code == 403
