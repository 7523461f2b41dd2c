"""The report form as the web channel sees it: what was typed, how it maps to a ``ReportDraft``,
and which extra-question fields the page shows.

No Flask-WTF form class: the fields depend on the categories in the database, validation is
the intake service's job, and the CSRF token is checked app-wide by ``CSRFProtect``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import FileStorage, MultiDict

# The extra-question fields live with the catalogue (the admin's rule tester shows them too);
# the web views import them from here as before.
from app.catalogue.fields import (  # noqa: F401 - re-exported for the web views
    AttributeField,
    AttributeGroup,
    attribute_fields,
    attribute_groups,
    field_for,
)
from app.catalogue.models import Category, CategoryGroup
from app.core.enums import AttributeType, Channel
from app.reports.drafts import ContactDraft, PhotoUpload, ReportDraft

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
    # show the open reports of the category nearby before sending (the page asks for it)
    offer_nearby: bool = False
    # the photos held by the step "already reported nearby?" (``app/web/held_photos.py``)
    held_photos: str = ""

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
            offer_nearby=text("offer_nearby") == "1",
            held_photos=text("held_photos")[:64],
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
