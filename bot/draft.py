"""A resident's report before it is sent: what they chose and answered so far.

The draft is kept in ``chat_data["draft"]`` as plain data (the state file holds JSON), with
the same keys the bot has always written: ``Draft.from_dict`` reads a draft written by any
version of the bot (missing keys take their defaults, unknown ones are ignored) and
``to_dict`` writes it back. Photos are Telegram *file ids*, never their bytes.

Nothing here talks to Telegram or the backend; the step a resident is at is derived from
what the draft still lacks (``bot.flows.report.advance``).
"""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any

# An answer to one extra question: a key or a list of keys (value lists), a number, a text.
AnswerValue = str | int | float | list[str]


@dataclass
class Choice:
    """One value of a question's value list."""

    key: str
    name: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Choice:
        return cls(key=data["key"], name=data.get("name") or data["key"])


@dataclass
class Question:
    """One extra question of a category (an Open311 service attribute)."""

    code: str
    datatype: str = "string"
    required: bool = False
    description: str | None = None
    help: str | None = None
    values: list[Choice] = field(default_factory=list)

    @property
    def text(self) -> str:
        return self.description or self.code

    @property
    def is_list(self) -> bool:
        return self.datatype in ("singlevaluelist", "multivaluelist")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Question:
        return cls(
            code=data["code"],
            datatype=data.get("datatype") or "string",
            required=bool(data.get("required")),
            description=data.get("description"),
            help=data.get("help"),
            values=[Choice.from_dict(v) for v in data.get("values") or []],
        )

    @classmethod
    def from_attribute(cls, attribute: dict[str, Any]) -> Question:
        """From an attribute of the backend's service definition."""
        return cls(
            code=attribute["code"],
            datatype=attribute.get("datatype", "string"),
            required=bool(attribute.get("required")),
            description=attribute.get("description"),
            help=attribute.get("datatype_description"),
            values=[
                Choice(key=v["key"], name=v.get("name") or v["key"])
                for v in attribute.get("values") or []
            ],
        )


@dataclass
class Photo:
    file_id: str
    unique: str
    size: int

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Photo:
        return cls(file_id=data["file_id"], unique=data["unique"], size=int(data.get("size") or 0))


@dataclass
class Place:
    """An address the backend found for what the resident typed, to be confirmed."""

    lat: float
    long: float
    address: str | None = None
    district: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        return cls(
            lat=float(data["lat"]),
            long=float(data["long"]),
            address=data.get("address"),
            district=data.get("district"),
        )


@dataclass
class NearbyReport:
    """A report close by in the same category, offered for "me too"."""

    id: str
    name: str | None
    status: str | None
    distance: float | None
    description: str

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NearbyReport:
        return cls(
            id=data["id"],
            name=data.get("name"),
            status=data.get("status"),
            distance=data.get("distance"),
            description=data.get("description") or "",
        )


@dataclass
class Draft:
    step: str | None = None  # the question the resident was asked last
    # Category
    code: str | None = None
    service_name: str | None = None
    group: str | None = None
    # Extra questions: the category's questions, the answers, the one asked now
    attrs_def: list[Question] = field(default_factory=list)
    attributes: dict[str, AnswerValue] = field(default_factory=dict)
    attr_pos: int = 0
    attrs_done: bool = False
    multi: list[str] | None = None  # keys ticked so far on a multiple-choice question
    # Place: None until given; place_ok None = not checked yet, False = to be checked again
    lat: float | None = None
    long: float | None = None
    address: str | None = None
    address_typed: bool | None = None
    place_ok: bool | None = None
    pending_place: Place | None = None  # a typed address waiting for confirmation
    # "Me too": the category and place the nearby reports were looked up for, and those found
    nearby_key: str | None = None
    nearby: list[NearbyReport] | None = None
    # Photos and description
    photos: list[Photo] = field(default_factory=list)
    photos_done: bool = False
    description: str | None = None
    desc_done: bool = False
    # Sending
    started: str | None = None
    # Sent with every attempt to post this draft: the backend creates it once.
    submission_key: str | None = None
    sent_locale: str | None = None  # the language of the first attempt

    @classmethod
    def new(cls) -> Draft:
        return cls(
            started=datetime.now().astimezone().isoformat(timespec="seconds"),
            submission_key=str(uuid.uuid4()),
        )

    # -- plain data -------------------------------------------------------------------------
    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Draft:
        known = {f.name for f in fields(cls)}
        draft = cls(**{key: value for key, value in data.items() if key in known})
        draft.attrs_def = [Question.from_dict(q) for q in data.get("attrs_def") or []]
        draft.attributes = dict(data.get("attributes") or {})
        draft.attr_pos = int(data.get("attr_pos") or 0)
        draft.photos = [Photo.from_dict(p) for p in data.get("photos") or []]
        place = data.get("pending_place")
        draft.pending_place = Place.from_dict(place) if place else None
        nearby = data.get("nearby")
        draft.nearby = [NearbyReport.from_dict(n) for n in nearby] if nearby else None
        return draft

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    # -- what the draft has -----------------------------------------------------------------
    def has_content(self) -> bool:
        """Anything chosen or given yet (worth offering to continue)."""
        return bool(self.code or self.lat is not None or self.photos)

    def point(self) -> tuple[float, float]:
        """The place's latitude and longitude (steps after the place only)."""
        assert self.lat is not None, "the place is known"
        assert self.long is not None, "the place is known"
        return self.lat, self.long

    def current_nearby_key(self) -> str:
        """The category and place the nearby reports are to be looked up for."""
        lat, long = self.point()
        return f"{self.code}|{lat:.6f}|{long:.6f}"

    def nearby_checked(self) -> None:
        """Nearby reports were looked up (or passed over) for this category and place."""
        self.nearby_key = self.current_nearby_key()

    def current_question(self) -> Question | None:
        if self.attr_pos < len(self.attrs_def):
            return self.attrs_def[self.attr_pos]
        return None

    def answer(self, value: AnswerValue | None) -> None:
        """The answer to the current question (None or empty: none); on to the next one."""
        question = self.current_question()
        assert question is not None, "a question is being asked"
        if value in (None, "", []):
            self.attributes.pop(question.code, None)
        else:
            assert value is not None
            self.attributes[question.code] = value
        self.multi = None
        self.attr_pos += 1

    def forget_answers(self) -> None:
        self.attributes = {}
        self.attr_pos = 0
        self.attrs_done = False

    def forget(self, part: str) -> None:
        """Forget one part of the draft ("category", "place", "answers", "photos",
        "description"), so that it is asked for again."""
        self.multi = None
        if part == "category":
            self.code = None
            self.attrs_def = []
            self.forget_answers()
            self.nearby_key = None
        elif part == "place":
            self.lat = self.long = None
            self.address = None
            self.nearby_key = None
        elif part == "answers":
            self.forget_answers()
        elif part == "photos":
            self.photos = []
            self.photos_done = False
        elif part == "description":
            self.description = None
            self.desc_done = False

    def request_fields(self, chat_id: int, lang: str, updates: bool) -> dict[str, Any]:
        """The form the backend's POST /requests takes for this draft (photos apart)."""
        lat, long = self.point()
        form: dict[str, Any] = {
            "service_code": self.code,
            "lat": f"{lat:.7f}",
            "long": f"{long:.7f}",
            "description": self.description or "",
            "telegram_chat_id": str(chat_id),
            "updates": "true" if updates else "false",
            "locale": lang,
        }
        if self.address:
            form["address_string"] = self.address
        for code, value in self.attributes.items():
            if isinstance(value, list):
                form[f"attribute[{code}][]"] = [str(v) for v in value]
            else:
                form[f"attribute[{code}]"] = str(value)
        return form
