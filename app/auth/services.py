"""Creating and changing staff accounts, and checking a log-in.

The admin's account services take the admin who acts and input whose shape the form has
checked (an e-mail address, a role, a long enough password); they check what needs the
database (an address already taken, departments that exist, an admin keeping their own role
and access), raise ``AccountError`` (a message per form field, nothing changed), then change
the account, flush and log what changed with the admin's id. The caller commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash

from app.auth.models import Role, User
from app.core.changes import apply_changes
from app.core.errors import Refusal
from app.extensions import db
from app.routing.models import Department

log = logging.getLogger(__name__)

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
        raise AccountError(str(password_too_short()))
    departments = departments_by_code(department_codes)
    if role == Role.CASEWORKER and not departments:
        raise AccountError(str(_l("A caseworker needs at least one department.")))
    user = User(email=email, name=name.strip() or email, role=role, departments=departments)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def password_too_short() -> LazyString:
    return _l("The password needs at least %(n)d characters.", n=MIN_PASSWORD_LENGTH)


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


# --- the admin's account pages ------------------------------------------------------------------


def accounts_in_order() -> list[User]:
    """Every account: enabled first, then by role and name, with their departments."""
    return list(
        db.session.execute(
            sa.select(User)
            .order_by(User.is_enabled.desc(), User.role, User.name)
            .options(selectinload(User.departments))
        ).scalars()
    )


def accounts_of_department(department: Department) -> list[User]:
    """The staff accounts that work on ``department``'s reports, by name."""
    return list(
        db.session.execute(
            sa.select(User).where(User.departments.contains(department)).order_by(User.name)
        ).scalars()
    )


def _department_problem(
    role: Role, department_ids: Iterable[int]
) -> tuple[list[Department], LazyString | None]:
    """The departments of these ids, and what is wrong with them for ``role`` if anything."""
    ids = sorted({int(i) for i in department_ids})
    found = (
        list(
            db.session.execute(
                sa.select(Department).where(Department.id.in_(ids)).order_by(Department.name)
            ).scalars()
        )
        if ids
        else []
    )
    if len(found) != len(ids):
        return found, _l("This department does not exist.")
    if role == Role.CASEWORKER and not found:
        return found, _l("A caseworker needs at least one department.")
    return found, None


def create_account(
    admin: User, email: str, name: str, role: Role, department_ids: Iterable[int], password: str
) -> User:
    """A new staff account, through ``create_user``; ``email`` as the form normalized it."""
    require_admin(admin)
    errors: dict[str, str | LazyString] = {}
    if db.session.execute(
        sa.select(sa.func.count(User.id)).where(User.email == email)
    ).scalar_one():
        errors["email"] = _l("There is already an account for %(email)s.", email=email)
    departments, problem = _department_problem(role, department_ids)
    if problem is not None:
        errors["departments"] = problem
    if errors:
        raise AccountError(errors)
    user = create_user(email, name, password, role, [d.code for d in departments])
    log.info(
        "admin %s created account %s (%s, role %s, departments %s)",
        admin.id,
        user.id,
        user.email,
        user.role,
        [d.code for d in departments],
    )
    return user


def update_account(
    admin: User, user: User, name: str, role: Role, department_ids: Iterable[int]
) -> User:
    """Change name, role and departments. Nobody can take away their own admin role."""
    require_admin(admin)
    errors: dict[str, str | LazyString] = {}
    if user.id == admin.id and role != Role.ADMIN:
        errors["role"] = _l("You cannot take away your own admin role; another admin can.")
    departments, problem = _department_problem(role, department_ids)
    if problem is not None:
        errors["departments"] = problem
    if errors:
        raise AccountError(errors)
    old_departments = sorted(d.code for d in user.departments)
    changes = apply_changes(user, name=name, role=role)
    new_departments = sorted(d.code for d in departments)
    if old_departments != new_departments:
        user.departments = departments
        changes["departments"] = (old_departments, new_departments)
    db.session.flush()
    log.info("admin %s changed account %s (%s): %s", admin.id, user.id, user.email, changes)
    return user


def set_account_enabled(admin: User, user: User, enabled: bool) -> User:
    """Disable (no more log-in, open sessions end) or enable an account; never one's own."""
    require_admin(admin)
    if user.id == admin.id and not enabled:
        raise AccountError(_l("You cannot disable your own account; another admin can."), 409)
    if user.is_enabled != enabled:
        user.is_enabled = enabled
        db.session.flush()
        log.info(
            "admin %s %s account %s (%s)",
            admin.id,
            "enabled" if enabled else "disabled",
            user.id,
            user.email,
        )
    return user


def set_account_password(admin: User, user: User, password: str) -> User:
    """A new password, set by an admin."""
    require_admin(admin)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError({"password": password_too_short()})
    user.set_password(password)
    db.session.flush()
    log.info("admin %s set a new password for account %s (%s)", admin.id, user.id, user.email)
    return user
