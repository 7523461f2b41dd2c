"""One declaration per API parameter: a ``Param`` says where the parameter is sent, what it may
be (type, format, enum, bounds, length, pattern), what it means, and which reader parses it.
The readers (``app.open311.readers``) take their limits from it, and the OpenAPI document
(``app.open311.openapi``) renders its ``parameters`` and request bodies from it, so the parsing
and the document describe the same parameters with the same limits. The parameters themselves
are declared in ``app.open311.params``.

Why a small dataclass rather than a library (apispec with marshmallow, pydantic, spectree):
none of them is a dependency yet, and each would bring a second model of the request with its
own error messages. The API's refusals are translated sentences in the GeoReport v2 error body,
several parameters are read leniently on purpose (GeoReport v2 "optional arguments", a
``locale`` that falls back instead of refusing), and parts of the document are filled in from
the database when it is served (service codes, category attributes). This dataclass, a table
of plain declarations and a few readers keep all of that as it is, with nothing new to pin.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import KW_ONLY, dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any, Generic, Literal, Protocol, TypeVar

from flask import request
from flask_babel import LazyString
from werkzeug.datastructures import MultiDict

if TYPE_CHECKING:
    from app.catalogue.models import Category

T = TypeVar("T")
# "file": an upload in a multipart body (documented in the multipart schema only).
Location = Literal["path", "query", "header", "form", "file"]
IN_BODY = ("form", "file")


class Source(Protocol):
    """Where values are read from: ``request.args``, ``.form``, ``.files``, ``.headers``."""

    def get(self, key: str, /) -> Any: ...

    def getlist(self, key: str, /) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


@dataclass(frozen=True)
class Catalogue:
    """What the document is filled in with when it is served: the active categories."""

    categories: list[Category]

    @property
    def codes(self) -> list[str]:
        return [category.code for category in self.categories]


Parser = Callable[[Source, "Param[T]"], T]
Dynamic = Callable[[Catalogue], Any]


@dataclass(frozen=True)
class Param(Generic[T]):
    """A parameter of the API. ``parser`` is None for what no reader of this package reads: a
    path value (the view gets it as an argument), ``Accept-Language`` (the locale selector),
    the form's ``api_key`` (``limits``), and fields accepted and ignored (``jurisdiction_id``)."""

    name: str
    location: Location
    _: KW_ONLY
    parser: Parser[T] | None = None
    description: str | None = None
    required: bool = False
    # The 400 message when a required parameter is missing (or, for a choice, wrong).
    missing: LazyString | None = None
    default: Any = None
    type: str = "string"
    format: str | None = None
    # A list of choices, or a function of the catalogue (the active service codes).
    enum: Sequence[str] | Dynamic | None = None
    # Several comma-separated values: the enum lists every combination (open, closed, …).
    comma_separated: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    items: dict[str, Any] | None = None
    max_items: int | None = None
    example: Any = None
    # Other names the reader accepts for it (``media[]`` for ``media``), not documented apart.
    aliases: tuple[str, ...] = ()
    # A family of fields (``attribute[code]``): the properties it stands for in the document.
    expand: Callable[[Catalogue], dict[str, Any]] | None = field(default=None, repr=False)

    def read(self) -> T:
        """The parsed value from this request (400 when it is not acceptable)."""
        if self.parser is None:
            raise TypeError(f"{self.name} is not read by a parameter reader")
        return self.parser(self.source(), self)

    def source(self) -> Source:
        if self.location == "query":
            return request.args
        if self.location == "form":
            return request.form
        if self.location == "file":
            return request.files
        if self.location == "header":
            return request.headers
        return MultiDict(request.view_args or {})

    def choices(self, catalogue: Catalogue | None = None) -> list[str]:
        if callable(self.enum):
            return list(self.enum(catalogue)) if catalogue is not None else []
        return list(self.enum or ())

    def schema(self, catalogue: Catalogue) -> dict[str, Any]:
        """The OpenAPI schema (without the description, which goes where ``location`` wants)."""
        schema: dict[str, Any] = {"type": self.type}
        choices = self.choices(catalogue)
        if choices and self.comma_separated:
            choices = [
                ",".join(combination)
                for size in range(1, len(choices) + 1)
                for combination in combinations(choices, size)
            ]
        facts = {
            "format": self.format,
            "enum": choices or None,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "minLength": self.min_length,
            "maxLength": self.max_length,
            "pattern": self.pattern,
            "items": self.items,
            "maxItems": self.max_items,
            "example": self.example(catalogue) if callable(self.example) else self.example,
        }
        schema.update({key: value for key, value in facts.items() if value is not None})
        return schema

    def parameter(self, catalogue: Catalogue) -> dict[str, Any]:
        """An entry of an operation's ``parameters`` (path, query, header)."""
        entry: dict[str, Any] = {
            "name": self.name,
            "in": self.location,
            "required": self.required or self.location == "path",
        }
        if self.description is not None:
            entry["description"] = self.description
        entry["schema"] = self.schema(catalogue)
        return entry

    def properties(self, catalogue: Catalogue) -> dict[str, Any]:
        """The request body's properties for it: one, or the family's (``expand``)."""
        if self.expand is not None:
            return self.expand(catalogue)
        schema = self.schema(catalogue)
        if self.description is not None:
            schema["description"] = self.description
        return {self.name: schema}
