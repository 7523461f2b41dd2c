"""The city's catalogue of what can be reported: category groups, categories and their extra
questions (Open311 services and their attributes), with names per language."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import AttributeType, enum_column
from app.core.locale import pick_language
from app.extensions import Model

# Questions answered by choosing from a list, and those answered with free text.
LIST_TYPES = (AttributeType.SINGLEVALUELIST, AttributeType.MULTIVALUELIST)
TEXT_TYPES = (AttributeType.STRING, AttributeType.TEXT)


class CategoryGroup(Model):
    """Sauberkeit, Beleuchtung, Unsicherer Ort … (names per language)."""

    __tablename__ = "category_group"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    position: Mapped[int] = mapped_column(default=0)

    categories: Mapped[list[Category]] = relationship(
        back_populates="group", order_by="Category.position"
    )

    def name(self, locale: str = "de") -> str:
        return pick_language(self.names, locale)


class Category(Model):
    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)  # Open311 service_code
    group_id: Mapped[int] = mapped_column(sa.ForeignKey("category_group.id"))
    names: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    descriptions: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    keywords: Mapped[str | None] = mapped_column(sa.String(255))
    position: Mapped[int] = mapped_column(default=0)
    # Unsafe places: shown with a coarse location publicly and with the emergency notice.
    is_sensitive: Mapped[bool] = mapped_column(default=False)
    nearby_radius_m: Mapped[int | None]
    # Target time to resolve, in working days (weekends and NRW public holidays excluded).
    target_working_days: Mapped[int | None]
    is_active: Mapped[bool] = mapped_column(default=True)
    # With photo anonymisation on: anonymised photos public without a caseworker's release.
    auto_publish_photos: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    group: Mapped[CategoryGroup] = relationship(back_populates="categories")
    attributes: Mapped[list[CategoryAttribute]] = relationship(
        back_populates="category",
        order_by="CategoryAttribute.position",
        cascade="all, delete-orphan",
    )

    def name(self, locale: str = "de") -> str:
        return pick_language(self.names, locale)

    def description(self, locale: str = "de") -> str:
        return pick_language(self.descriptions, locale)

    def __repr__(self) -> str:
        return f"<Category {self.code}>"


class CategoryAttribute(Model):
    """An extra question of a category (Open311 service definition attribute)."""

    __tablename__ = "category_attribute"
    __table_args__ = (sa.UniqueConstraint("category_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(sa.ForeignKey("category.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(sa.String(64))
    datatype: Mapped[AttributeType] = mapped_column(enum_column(AttributeType))
    is_required: Mapped[bool] = mapped_column(default=False)
    labels: Mapped[dict[str, str]] = mapped_column(sa.JSON)
    help_texts: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    # For list types: [{"key": "dark", "names": {"de": "dunkel", "en": "dark"}}, …]
    values: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    max_length: Mapped[int | None]
    position: Mapped[int] = mapped_column(default=0)

    category: Mapped[Category] = relationship(back_populates="attributes")

    def label(self, locale: str = "de") -> str:
        return pick_language(self.labels, locale)

    def help_text(self, locale: str = "de") -> str:
        return pick_language(self.help_texts, locale)

    def value_keys(self) -> list[str]:
        return [v["key"] for v in self.values]

    def value_name(self, key: str, locale: str = "de") -> str:
        for value in self.values:
            if value["key"] == key:
                return pick_language(value.get("names"), locale) or key
        return key
