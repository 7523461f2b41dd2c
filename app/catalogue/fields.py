"""A category's extra questions as form fields: which questions a page shows, under which
field name, grouped by the categories that ask them. Shared by the resident's report form and
the admin's "test this rule" box, so neither imports the other's forms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from app.catalogue.models import LIST_TYPES, Category, CategoryAttribute


@dataclass
class AttributeField:
    """One extra question on the page, shared by every category that asks it identically.

    Without JavaScript every question is on the page, so a question asked by several categories
    (the lighting categories all ask for the mast number) appears once, named
    ``attribute.<code>``. Should two categories use one code for different questions, each gets
    its own field, named ``attribute.<category>.<code>``.
    """

    key: str  # for element ids
    name: str  # the form field name
    attribute: CategoryAttribute
    categories: list[Category] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return f"attr-{self.key}"

    @property
    def is_list(self) -> bool:
        return self.attribute.datatype in LIST_TYPES

    def option_id(self, index: int) -> str:
        return f"{self.dom_id}-{index}"

    @property
    def first_input_id(self) -> str:
        return self.option_id(0) if self.is_list else self.dom_id


@dataclass
class AttributeGroup:
    """The questions asked by exactly the same categories: one fieldset on the page."""

    categories: list[Category]
    fields: list[AttributeField]

    @property
    def category_codes(self) -> str:
        return " ".join(c.code for c in self.categories)

    def category_names(self, locale: str) -> str:
        return ", ".join(c.name(locale) for c in self.categories)


def _signature(attr: CategoryAttribute) -> str:
    return json.dumps(
        [
            attr.code,
            str(attr.datatype),
            attr.is_required,
            attr.labels,
            attr.help_texts,
            attr.values,
            attr.max_length,
        ],
        sort_keys=True,
        ensure_ascii=False,
    )


def attribute_fields(categories: list[Category]) -> list[AttributeField]:
    """The fields for the questions of ``categories``, one per distinct question."""
    by_signature: dict[str, AttributeField] = {}
    signatures_per_code: dict[str, set[str]] = {}
    for category in categories:
        for attr in category.attributes:
            signatures_per_code.setdefault(attr.code, set()).add(_signature(attr))
    for category in categories:
        for attr in category.attributes:
            shared = len(signatures_per_code[attr.code]) == 1
            sig = _signature(attr) if shared else f"{category.code}\0{_signature(attr)}"
            found = by_signature.get(sig)
            if found is None:
                key = attr.code if shared else f"{category.code}-{attr.code}"
                name = (
                    f"attribute.{attr.code}" if shared else f"attribute.{category.code}.{attr.code}"
                )
                found = by_signature[sig] = AttributeField(key=key, name=name, attribute=attr)
            found.categories.append(category)
    return list(by_signature.values())


def attribute_groups(fields: list[AttributeField]) -> list[AttributeGroup]:
    """The fields by the set of categories that ask them, in order."""
    groups: dict[tuple[str, ...], AttributeGroup] = {}
    for item in fields:
        codes = tuple(c.code for c in item.categories)
        group = groups.get(codes)
        if group is None:
            group = groups[codes] = AttributeGroup(categories=list(item.categories), fields=[])
        group.fields.append(item)
    return list(groups.values())


def field_for(
    fields: list[AttributeField], category_code: str | None, attr_code: str
) -> AttributeField | None:
    """The field that asks ``attr_code`` for the category ``category_code``, if any."""
    for item in fields:
        if item.attribute.code == attr_code and any(
            c.code == category_code for c in item.categories
        ):
            return item
    return None
