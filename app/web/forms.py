"""The report form as the web channel sees it: what was typed, how it maps to a ``ReportDraft``,
and which extra-question fields the page shows.

No Flask-WTF form class: the fields depend on the categories in the database, validation is
the intake service's job, and the CSRF token is checked app-wide by ``CSRFProtect``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from werkzeug.datastructures import FileStorage, MultiDict

from app.catalogue.models import Category, CategoryAttribute, CategoryGroup
from app.core.enums import AttributeType, Channel
from app.reports.drafts import ContactDraft, PhotoUpload, ReportDraft

LIST_TYPES = (AttributeType.SINGLEVALUELIST, AttributeType.MULTIVALUELIST)


# --- extra questions ------------------------------------------------------------------------


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
    groups: dict[tuple[str, ...], AttributeGroup] = {}
    for item in fields:
        codes = tuple(c.code for c in item.categories)
        group = groups.get(codes)
        if group is None:
            group = groups[codes] = AttributeGroup(categories=list(item.categories), fields=[])
        group.fields.append(item)
    return list(groups.values())


def field_for(fields: list[AttributeField], category_code: str | None, attr_code: str):
    for item in fields:
        if item.attribute.code == attr_code and any(
            c.code == category_code for c in item.categories
        ):
            return item
    return None


# --- what was entered -----------------------------------------------------------------------


@dataclass
class ReportForm:
    """The values of the form, as typed (kept for showing the form again)."""

    category: str = ""
    lat: str = ""
    lon: str = ""
    address: str = ""
    description: str = ""
    email: str = ""
    consent: bool = False
    use_photo_location: bool = True
    # every ``attribute.*`` field of the page, by form field name
    answers: dict[str, list[str]] = field(default_factory=dict)
    # chosen when the form is shown: the same form sent twice makes one report
    submission_key: str = ""

    @classmethod
    def from_form(cls, form: MultiDict) -> ReportForm:
        def text(name: str) -> str:
            return (form.get(name) or "").strip()

        return cls(
            category=text("category"),
            lat=text("lat"),
            lon=text("lon"),
            address=text("address"),
            # keep line breaks and inner spacing; the service trims
            description=form.get("description") or "",
            email=text("email"),
            consent=bool(form.get("consent")),
            use_photo_location=bool(form.get("use_photo_location")),
            submission_key=text("submission_key")[:40],
            answers={
                name: [v for v in form.getlist(name) if v.strip()]
                for name in form
                if name.startswith("attribute.")
            },
        )

    @classmethod
    def from_args(cls, args: MultiDict) -> ReportForm:
        """A new form, optionally with a category or point given in the link."""
        return cls(
            category=(args.get("category") or "").strip(),
            lat=(args.get("lat") or "").strip()[:32],
            lon=(args.get("lon") or "").strip()[:32],
        )

    def answer(self, name: str) -> list[str]:
        return self.answers.get(name, [])

    def attributes_for(self, fields: list[AttributeField]) -> dict[str, str | list[str]]:
        """The chosen category's answers by attribute code (other categories' are ignored)."""
        values: dict[str, str | list[str]] = {}
        for item in fields:
            if not any(c.code == self.category for c in item.categories):
                continue
            given = self.answer(item.name)
            if item.attribute.datatype == AttributeType.MULTIVALUELIST:
                values[item.attribute.code] = given
            elif given:
                values[item.attribute.code] = given[0]
        return values

    def to_draft(
        self, fields: list[AttributeField], photos: list[PhotoUpload], locale: str
    ) -> ReportDraft:
        return ReportDraft(
            channel=Channel.WEB,
            category_code=self.category or None,
            lat=self.lat or None,
            lon=self.lon or None,
            address=self.address or None,
            description=self.description,
            attributes=self.attributes_for(fields),
            photos=photos,
            contact=ContactDraft(email=self.email or None, consent=self.consent),
            locale=locale,
            use_photo_location=self.use_photo_location,
        )


def read_photos(files: list[FileStorage], max_bytes: int) -> list[PhotoUpload]:
    """The chosen files; the empty part a browser sends when no file was chosen is skipped.

    At most ``max_bytes + 1`` bytes are read of each: enough for the pipeline to refuse an
    oversized photo without holding all of it in memory.
    """
    photos = []
    for upload in files:
        data = upload.stream.read(max_bytes + 1)
        if not data and not upload.filename:
            continue
        photos.append(PhotoUpload(data=data, filename=upload.filename or None))
    return photos


def has_files(files: list[FileStorage]) -> bool:
    return any(f.filename for f in files)


# --- the category list ----------------------------------------------------------------------


@dataclass
class CategoryChoice:
    group: CategoryGroup
    categories: list[Category]

    @property
    def is_sensitive(self) -> bool:
        return any(c.is_sensitive for c in self.categories)


def category_choices(groups: list[CategoryGroup]) -> list[CategoryChoice]:
    choices = []
    for group in groups:
        active = [c for c in group.categories if c.is_active]
        if active:
            choices.append(CategoryChoice(group=group, categories=active))
    return choices
