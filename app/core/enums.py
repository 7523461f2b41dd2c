"""Enumerations stored in the database (as VARCHAR, so adding a value needs no type migration)."""

from __future__ import annotations

import enum

import sqlalchemy as sa


class ReportStatus(enum.StrEnum):
    NEW = "new"
    IN_REVIEW = "in_review"
    IN_PROGRESS = "in_progress"
    FORWARDED = "forwarded"
    RESOLVED = "resolved"
    NOT_RESOLVABLE = "not_resolvable"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"
    REOPENED = "reopened"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {
        ReportStatus.NEW,
        ReportStatus.IN_REVIEW,
        ReportStatus.IN_PROGRESS,
        ReportStatus.FORWARDED,
        ReportStatus.REOPENED,
    }
)


class Channel(enum.StrEnum):
    WEB = "web"
    OPEN311 = "open311"
    TELEGRAM = "telegram"


class LocationSource(enum.StrEnum):
    MAP = "map"  # a point picked on a map or sent by a device
    ADDRESS = "address"  # geocoded from a typed address
    PHOTO = "photo"  # read from a photo's EXIF GPS


class DepartmentKind(enum.StrEnum):
    INTERNAL = "internal"
    EXTERNAL = "external"


class RuleAction(enum.StrEnum):
    ROUTE = "route"  # first matching route rule decides the responsible department
    COPY = "copy"  # every matching copy rule adds a department that is informed too


class AttributeType(enum.StrEnum):
    """Open311 GeoReport v2 attribute datatypes."""

    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLEVALUELIST = "singlevaluelist"
    MULTIVALUELIST = "multivaluelist"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    DONE = "done"
    RETURNED = "returned"
    DEAD = "dead"
    # A ticket whose report moved away from the department (re-routed, merged, recategorised):
    # the partner's link and API answer "withdrawn" and change nothing.
    WITHDRAWN = "withdrawn"


def enum_column(enum_cls: type[enum.Enum]) -> sa.Enum:
    """A VARCHAR column holding the enum's values (not its names)."""
    return sa.Enum(
        enum_cls,
        native_enum=False,
        length=32,
        values_callable=lambda cls: [member.value for member in cls],
        validate_strings=True,
    )
