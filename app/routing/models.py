"""Departments and the routing rules that send reports to them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import DepartmentKind, ReportStatus, RuleAction, enum_column
from app.extensions import Model

if TYPE_CHECKING:
    from app.catalogue.models import Category, CategoryGroup
    from app.geo.models import District


class Department(Model):
    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # The German name: what staff see, and the fallback for a language without a translation.
    name: Mapped[str] = mapped_column(sa.String(200))
    # The name in other languages, {"en": …, "tr": …, "ar": …}: what residents see
    # (read it through ``app.routing.names.department_name``).
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    kind: Mapped[DepartmentKind] = mapped_column(
        enum_column(DepartmentKind), default=DepartmentKind.INTERNAL
    )
    email: Mapped[str | None] = mapped_column(sa.String(254))
    description: Mapped[str | None] = mapped_column(sa.Text)
    is_active: Mapped[bool] = mapped_column(default=True)
    # Forwarding: how tickets reach this department or partner automatically when a report is
    # routed to it ("email", "webhook", "open311"; None: they work in the inbox). Secrets are
    # never stored here: ``forward_config`` names environment variables that hold them.
    forward_method: Mapped[str | None] = mapped_column(sa.String(20))
    forward_config: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Internal departments working in the inbox may still want an e-mail about new reports.
    notify_on_new: Mapped[bool] = mapped_column(default=False)
    # Partner loop: a forwarded ticket not acknowledged within this time is reminded once.
    ack_deadline_hours: Mapped[int | None]
    # What the partner's "done" does to the report: resolved, or in_review for a check first.
    done_status: Mapped[ReportStatus] = mapped_column(
        enum_column(ReportStatus), default=ReportStatus.RESOLVED
    )
    # Partner API token (SHA-256 of it; the token is shown once by ``flask partners token``).
    partner_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class RoutingRule(Model):
    """category or group × district or any × optional attribute condition → department.

    Route rules are tried in ``position`` order and the first match wins; every matching copy
    rule adds a department that is informed as well.
    """

    __tablename__ = "routing_rule"
    __table_args__ = (
        sa.CheckConstraint(
            "category_id IS NULL OR category_group_id IS NULL", name="category_or_group"
        ),
        sa.CheckConstraint(
            "(attribute_code IS NULL) = (attribute_value IS NULL)", name="attribute_condition"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    position: Mapped[int] = mapped_column(index=True)
    action: Mapped[RuleAction] = mapped_column(enum_column(RuleAction), default=RuleAction.ROUTE)
    category_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("category.id", ondelete="CASCADE")
    )
    category_group_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("category_group.id", ondelete="CASCADE")
    )
    district_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("district.id", ondelete="CASCADE")
    )
    attribute_code: Mapped[str | None] = mapped_column(sa.String(64))
    attribute_value: Mapped[str | None] = mapped_column(sa.String(120))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("department.id", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(default=True)

    category: Mapped[Category | None] = relationship()
    category_group: Mapped[CategoryGroup | None] = relationship()
    district: Mapped[District | None] = relationship()
    department: Mapped[Department] = relationship()
