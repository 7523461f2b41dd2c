"""Creating and changing staff accounts."""

from __future__ import annotations

from collections.abc import Iterable

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash

from app.auth.models import Role, User
from app.core.errors import Refusal
from app.extensions import db
from app.routing.models import Department

MIN_PASSWORD_LENGTH = 12
_DUMMY_SALT = "qmDummySalt0000a"  # as long as a real salt (16 characters)


class AccountError(Refusal):
    """A user account could not be created or changed; the message is for the admin."""


def require_admin(actor: User | None) -> None:
    """The services that change the city's setup (categories, departments, rules, accounts,
    response templates) are for admins only; the admin pages check it before, this is the
    last line."""
    if actor is None or not actor.is_admin:
        raise PermissionError("admin services need an admin")


def create_user(
    email: str, name: str, password: str, role: Role, department_codes: Iterable[str] = ()
) -> User:
    """A new staff account (flushed). Caseworkers need at least one department."""
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise AccountError(str(_l("This e-mail address does not look right."))) from exc
    if db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none():
        raise AccountError(str(_l("There is already an account for %(email)s.", email=email)))
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            str(_l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
        )
    departments = departments_by_code(department_codes)
    if role == Role.CASEWORKER and not departments:
        raise AccountError(str(_l("A caseworker needs at least one department.")))
    user = User(email=email, name=name.strip() or email, role=role, departments=departments)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def departments_by_code(codes: Iterable[str]) -> list[Department]:
    codes = [c.strip() for c in codes if c.strip()]
    found = list(
        db.session.execute(db.select(Department).where(Department.code.in_(codes))).scalars()
    )
    missing = sorted(set(codes) - {d.code for d in found})
    if missing:
        raise AccountError(str(_l("Unknown department: %(codes)s", codes=", ".join(missing))))
    return found


def authenticate(email: str, password: str) -> User | None:
    """The enabled account with this e-mail and password, else ``None``.

    The password is hashed whether the account exists, is disabled or not: an unknown address
    costs the same scrypt work as a known one, so the answer's timing does not tell which
    accounts exist."""
    user = db.session.execute(
        db.select(User).where(User.email == email.strip().lower())
    ).scalar_one_or_none()
    if user is None:
        check_password_hash(_dummy_hash(), password)
        return None
    if user.check_password(password) and user.is_enabled:
        return user
    return None


def _dummy_hash() -> str:
    """A stored-hash string of the configured method and parameters that no password matches:
    checking against it runs the same key derivation as a real account's hash (Werkzeug hashes
    the attempt with the method and salt given, then compares)."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    return f"{method}${_DUMMY_SALT}$no-password-hashes-to-this"
