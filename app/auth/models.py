"""Staff accounts. Residents have no accounts."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
from flask import current_app
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core.db import UTCDateTime, utcnow
from app.core.enums import enum_column
from app.extensions import Model, db

if TYPE_CHECKING:
    from app.routing.models import Department


class Role(enum.StrEnum):
    CASEWORKER = "caseworker"  # works the queues of their departments
    DISPATCHER = "dispatcher"  # works the triage queue, can route anywhere
    ADMIN = "admin"  # also manages categories, departments, rules and users


user_department = sa.Table(
    "user_department",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "department_id", sa.ForeignKey("department.id", ondelete="CASCADE"), primary_key=True
    ),
)


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role), default=Role.CASEWORKER)
    is_enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised by log-out: part of the session stamp, so a session cookie kept from before no
    # longer opens anything (the session ends on the server, not only in the browser).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    departments: Mapped[list[Department]] = relationship(secondary=user_department)

    @property
    def is_active(self) -> bool:  # Flask-Login: disabled accounts cannot log in
        return self.is_enabled

    @property
    def session_stamp(self) -> str:
        """Changes with the password and with every log-out: part of the session id, so the
        sessions opened before end."""
        material = f"{self.id}:{self.password_hash}:{self.session_version or 0}"
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def end_sessions(self) -> None:
        """Every session of this account ends (log-out; the caller commits)."""
        self.session_version = (self.session_version or 0) + 1

    def get_id(self) -> str:  # Flask-Login: what the session remembers
        return f"{self.id}-{self.session_stamp}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(
            password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
        )

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def can_route_anywhere(self) -> bool:
        return self.role in (Role.DISPATCHER, Role.ADMIN)

    @property
    def department_ids(self) -> set[int]:
        return {d.id for d in self.departments}

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"
