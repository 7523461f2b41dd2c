"""Helpers for the admin tests: a logged-in test client that posts forms with their CSRF
token, in English (the messages checked here are the English msgids)."""

from __future__ import annotations

import html
import re

import pytest

from app.extensions import db

TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
PASSWORD = "a long test password"


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = TOKEN.search(page)
    assert found, f"no CSRF token on {path}"
    return found.group(1)


def log_in(client, email: str, password: str = PASSWORD) -> None:
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": csrf_token(client)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


class Browser:
    """A test client as a logged-in person: ``get``, and ``post`` with the CSRF token."""

    def __init__(self, client, user) -> None:
        self.client = client
        self.user = user
        self._token: str | None = None

    @property
    def token(self) -> str:
        if self._token is None:
            self._token = csrf_token(self.client, "/admin/" if self.user.is_admin else "/inbox/")
        return self._token

    def get(self, path: str, **kw):
        return self.client.get(path, **kw)

    def post(self, path: str, data: dict | None = None, **kw):
        return self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kw)

    def text(self, response) -> str:
        return html.unescape(response.get_data(as_text=True))


class SecondPerson:
    """Another browser next to the test's client. Its requests run in a fresh app context each:
    requests of the test client share the test's app context, and with it ``g`` (where
    Flask-Login keeps the current user) – so without this, the two would see one user."""

    def __init__(self, app) -> None:
        self.app = app
        self.client = app.test_client()

    def get(self, *args, **kw):
        with self.app.app_context():
            return self.client.get(*args, **kw)

    def post(self, *args, **kw):
        with self.app.app_context():
            return self.client.post(*args, **kw)


@pytest.fixture
def second_person(app_ctx) -> SecondPerson:
    return SecondPerson(app_ctx)


@pytest.fixture
def admin(make_user):
    return make_user("admin", name="Ada Admin")


@pytest.fixture
def as_admin(client, admin) -> Browser:
    log_in(client, admin.email)
    client.get("/admin/?lang=en")  # the language is remembered in the session
    return Browser(client, admin)


def count(model) -> int:
    db.session.rollback()
    return db.session.execute(db.select(db.func.count()).select_from(model)).scalar_one()


def fresh(model, **by):
    """The row as the database has it now (after a request in another session state)."""
    db.session.rollback()
    return db.session.execute(db.select(model).filter_by(**by)).scalar_one_or_none()
