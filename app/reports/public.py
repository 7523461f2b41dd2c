"""The one public view of a report: what anyone may see, computed here and nowhere else.

Every public surface — confirmation and status page, Open311 GET, the public map, statistics,
hotspots and open data — reads a report through this module:
either :func:`public_report` (one report, as a :class:`PublicReport`) or the columns of
:func:`public_columns` (many reports, straight from SQL). Neither ever carries the exact point
of a sensitive report, contact data, staff free text (re-route reasons, partner notes,
internal notes) or an unreleased photo.

- **Location**: the stored public point (``app.reports.public_point``): exact for ordinary
  categories, the centre of the report's 250 m grid cell for sensitive (unsafe-place) ones.
  "Already reported nearby" (``app.reports.nearby``) reads the same points.
- **Text**: the description as moderated (never the unmoderated free text of a sensitive
  report); the routing shown publicly is generated from category, district and department,
  never the stored reason, which may hold a dispatcher's or partner's words.
- **Photos**: only those a caseworker released.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import url_for
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _
from sqlalchemy import orm

from app.catalogue.models import Category, CategoryGroup
from app.core.enums import ReportStatus
from app.core.events import ReportEvent
from app.extensions import db
from app.geo.index import DistrictIndex
from app.geo.service import district_index
from app.reports.cached import Lookups, give_cached_relations, lookups
from app.reports.labels import PUBLIC_STATUS_LABELS
from app.reports.models import Report, ReportSupporter, public_text
from app.reports.public_facts import FACT_COLUMNS, ReportFacts, related_columns, report_facts
from app.routing.names import department_name
from app.routing.resolve import describe_rule
from app.routing.service import load_rules

# --- one report --------------------------------------------------------------------------------


_HOUSE_NUMBER = re.compile(r"\s+\d+\s*[a-zA-Z]?(\s*[-–/]\s*\d+\s*[a-zA-Z]?)?$")


def street_level(address: str | None) -> str | None:
    """``Friedensplatz 1, 44135 Dortmund`` → ``Friedensplatz, 44135 Dortmund``: a house number
    may be someone's home."""
    if not address:
        return None
    parts = [part.strip() for part in address.split(",")]
    parts[0] = _HOUSE_NUMBER.sub("", parts[0])
    return ", ".join(part for part in parts if part) or None


def status_label(status: ReportStatus) -> str:
    return str(PUBLIC_STATUS_LABELS[status])


def routing_text(
    category: str,
    district: str | None,
    department: str | None,
    rule: str | None = None,
    *,
    gettext: Callable[..., str] = _,
) -> str:
    """Where a report went, in words made only from public facts (and the rule's own data).
    ``gettext``: flask_babel's, or the same words looked up once per batch (:class:`_Words`)."""
    _ = gettext
    place = district or _("outside the districts")
    if department and rule:
        return _(
            "%(category)s in %(district)s → %(department)s (%(rule)s)",
            category=category,
            district=place,
            department=department,
            rule=rule,
        )
    if department:
        return _(
            "%(category)s in %(district)s → %(department)s",
            category=category,
            district=place,
            department=department,
        )
    return _(
        "%(category)s in %(district)s → triage by the city's coordination desk",
        category=category,
        district=place,
    )


@dataclass(frozen=True)
class PublicPhoto:
    id: int
    url: str
    thumbnail_url: str
    width: int
    height: int


@dataclass(frozen=True)
class PublicEvent:
    created_at: datetime
    kind: str
    status: ReportStatus | None
    note: str | None


@dataclass(frozen=True)
class PublicReport:
    """Everything the public may know about one report, in one language."""

    reference: str
    category_code: str
    category_name: str
    group_code: str
    group_name: str
    status: ReportStatus
    status_text: str
    is_open: bool
    is_coarse: bool
    lat: float
    lon: float
    address: str | None
    zipcode: str | None
    district_name: str | None
    district_number: str | None
    department_name: str | None
    department_code: str | None
    routing_text: str
    copy_texts: tuple[str, ...]
    description: str
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    due_at: datetime | None
    channel: str
    duplicate_of: str | None
    supporters: int
    photos: tuple[PublicPhoto, ...] = ()
    # Some photo is not public (yet): the status page says photos wait for a check.
    photos_held: bool = False
    events: tuple[PublicEvent, ...] = field(default=())

    @property
    def latest_note(self) -> str | None:
        notes = [event.note for event in self.events if event.note]
        return notes[-1] if notes else None


def _event_status(kind: str, data: dict[str, Any] | None) -> ReportStatus | None:
    if kind == "submitted":
        return ReportStatus.NEW
    data = data or {}
    for key in ("new", "to", "status", "new_status"):
        value = data.get(key)
        if value in ReportStatus._value2member_map_:
            return ReportStatus(str(value))
    return None


@functools.cache
def _events_statement() -> sa.Select[Any]:
    """The statement of :func:`public_events`, built once per process (the ids are given when
    it runs)."""
    return (
        sa.select(
            ReportEvent.report_id,
            ReportEvent.created_at,
            ReportEvent.kind,
            ReportEvent.data,
            ReportEvent.public_note,
        )
        .where(
            ReportEvent.report_id.in_(sa.bindparam("ids", expanding=True)),
            ReportEvent.is_public.is_(True),
        )
        .order_by(ReportEvent.created_at, ReportEvent.id)
    )


def public_events(report_ids: Iterable[int]) -> dict[int, list[PublicEvent]]:
    """Public events (submitted, status changes with public notes) by report, oldest first."""
    ids = list(report_ids)
    events: dict[int, list[PublicEvent]] = {i: [] for i in ids}
    if not ids:
        return events
    # Columns, not entities: the rows are only read (loading them as objects cost more CPU
    # than the rest of this function).
    for report_id, created_at, kind, data, note in db.session.execute(
        _events_statement(), {"ids": ids}
    ).tuples():
        events[report_id].append(
            PublicEvent(
                created_at=created_at,
                kind=kind,
                status=_event_status(kind, data),
                note=note or None,
            )
        )
    return events


def public_photo_url(reference: str, photo_id: int, size: str, *, external: bool = False) -> str:
    return url_for(
        "web.public_photo", reference=reference, photo_id=photo_id, size=size, _external=external
    )


def _photos(report: Report | ReportFacts, external: bool) -> tuple[PublicPhoto, ...]:
    return tuple(
        PublicPhoto(
            id=photo.id,
            url=public_photo_url(report.reference, photo.id, "full", external=external),
            thumbnail_url=public_photo_url(report.reference, photo.id, "thumb", external=external),
            width=photo.width,
            height=photo.height,
        )
        for photo in report.photos
        if photo.is_public and photo.shareable  # released, and anonymised or checked
    )


def _photos_held(report: Report | ReportFacts) -> bool:
    """Whether a photo is not public (yet): not released, or released but held back because
    its anonymisation is still pending, or failed and nobody has checked it."""
    return any(not photo.is_public or not photo.shareable for photo in report.photos)


def _supporter_counts(report_ids: list[int]) -> dict[int, int]:
    if not report_ids:
        return {}
    return dict(
        db.session.execute(
            db.select(ReportSupporter.report_id, sa.func.count())
            .where(ReportSupporter.report_id.in_(report_ids))
            .group_by(ReportSupporter.report_id)
        )
        .tuples()
        .all()
    )


def _rule_texts(
    reports: Sequence[Report | ReportFacts], found: Lookups, lang: str
) -> dict[int, str]:
    """The words of the rules that routed these reports and their copies: the active ones
    from the cached snapshot, the others (switched off since) read in one query."""
    rule_ids = {r.routing_rule_id for r in reports if r.routing_rule_id}
    rule_ids |= {c.routing_rule_id for r in reports for c in r.copies if c.routing_rule_id}
    specs = [found.rules[i] for i in rule_ids if i in found.rules]
    missing = [i for i in rule_ids if i not in found.rules]
    if missing:
        specs += load_rules(missing)
    return {spec.id: describe_rule(spec, lang) for spec in specs}


def public_reports(
    reports: Sequence[Report | ReportFacts],
    lang: str,
    *,
    with_events: bool = True,
    external_urls: bool = False,
    supporters: dict[int, int] | None = None,
    duplicate_refs: dict[int, str] | None = None,
) -> list[PublicReport]:
    """The public views of several reports — ORM reports or their facts read as plain rows
    (``app.reports.public_facts``), projected alike — (events and supporter counts in one
    query each, unless ``supporters`` were read with the reports already; the category, its
    group, the department and the district from the process's caches)."""
    ids = [report.id for report in reports]
    events: dict[int, list[PublicEvent]] = {}
    if with_events:
        # Facts read as rows carry their public events already; ORM reports read them here.
        events = public_events([r.id for r in reports if isinstance(r, Report)])
        events.update(
            {
                r.id: [
                    PublicEvent(
                        e.created_at, e.kind, _event_status(e.kind, e.data), e.public_note or None
                    )
                    for e in r.events
                ]
                for r in reports
                if isinstance(r, ReportFacts)
            }
        )
    if supporters is None:
        supporters = _supporter_counts(ids)
    if duplicate_refs is None:
        duplicate_refs = {}
        wanted = {r.duplicate_of_id for r in reports if r.duplicate_of_id}
        if wanted:
            duplicate_refs = dict(
                db.session.execute(
                    db.select(Report.id, Report.reference).where(Report.id.in_(wanted))
                )
                .tuples()
                .all()
            )
    found = lookups()
    districts = district_index()  # once per page, not per report
    give_cached_relations([r for r in reports if isinstance(r, Report)])
    rules = _rule_texts(reports, found, lang)
    with force_locale(lang):
        words = _Words()
        return [
            _project(
                report,
                words,
                found,
                districts,
                events.get(report.id, []),
                supporters.get(report.id, 0),
                duplicate_refs.get(report.duplicate_of_id) if report.duplicate_of_id else None,
                rules,
                external_urls,
            )
            for report in reports
        ]


def public_report(report: Report, lang: str, *, external_urls: bool = False) -> PublicReport:
    return public_reports([report], lang, external_urls=external_urls)[0]


@functools.cache
def _by_reference_statement(dialect: str) -> sa.Select[Any]:
    """The statement of :func:`public_report_by_reference`, built once per process (building
    it, with its subqueries, costs more CPU than running it)."""
    original = orm.aliased(Report)
    return sa.select(
        *FACT_COLUMNS,
        *related_columns(dialect),
        sa.select(sa.func.count(ReportSupporter.id))
        .where(ReportSupporter.report_id == Report.id)
        .scalar_subquery(),
        sa.select(original.reference)
        .where(original.id == Report.duplicate_of_id)
        .scalar_subquery(),
    ).where(Report.reference == sa.bindparam("reference"))


def public_report_by_reference(
    reference: str, lang: str, *, external_urls: bool = False
) -> PublicReport | None:
    """The public view of the report with this reference (None when there is none): its
    facts, with its photos, copies, public events, supporters and the reference of the report
    it duplicates, in one statement (``app.reports.public_facts``); names from the caches."""
    reference = reference.strip().upper()
    if not reference or len(reference) > 32:
        return None
    dialect = db.session.get_bind().dialect.name
    # Columns only: on the session's connection, past the ORM's execution path.
    row = (
        db.session.connection()
        .execute(_by_reference_statement(dialect), {"reference": reference})
        .first()
    )
    if row is None:
        return None
    (facts,) = report_facts([row])
    supporters, duplicate_of = row[-2], row[-1]
    return public_reports(
        [facts],
        lang,
        external_urls=external_urls,
        supporters={facts.id: supporters},
        duplicate_refs={facts.duplicate_of_id: duplicate_of}
        if facts.duplicate_of_id is not None and duplicate_of
        else {},
    )[0]


class _Words:
    """The texts of this request's language for a batch of reports: flask_babel's ``gettext``
    (the same lookup and formatting) with the translations found once instead of on every
    call, and each status's label read once."""

    def __init__(self) -> None:
        self.lang = str(get_locale() or "de")
        self._translations = get_translations()
        self._status: dict[ReportStatus, str] = {}

    def __call__(self, string: str, **variables: Any) -> str:
        text: str = self._translations.ugettext(string)
        return text if not variables else text % variables

    def status(self, status: ReportStatus) -> str:
        label = self._status.get(status)
        if label is None:
            label = self._status[status] = status_label(status)
        return label


def _project(
    report: Report | ReportFacts,
    words: _Words,
    found: Lookups,
    districts: DistrictIndex,
    events: list[PublicEvent],
    supporters: int,
    duplicate_of: str | None,
    rules: dict[int, str],
    external_urls: bool,
) -> PublicReport:
    lang = words.lang
    # From the caches; a row newer than this process's snapshot is read through the report.
    category: Any = found.category(report.category_id) or report.category
    district: Any = (
        districts.get(report.district_id) or report.district if report.district_id else None
    )
    department: Any = (
        found.department(report.department_id) or report.department
        if report.department_id
        else None
    )
    sensitive = bool(category.is_sensitive)
    category_name = category.name(lang)
    district_name = district.name if district else None
    responsible = department_name(department, lang)
    return PublicReport(
        reference=report.reference,
        category_code=category.code,
        category_name=category_name,
        group_code=category.group.code,
        group_name=category.group.name(lang),
        status=report.status,
        status_text=words.status(report.status),
        is_open=report.status.is_open,
        is_coarse=sensitive,
        lat=report.public_lat,
        lon=report.public_lon,
        address=None if sensitive else street_level(report.address),
        zipcode=report.zipcode,
        district_name=district_name,
        district_number=district.number if district else None,
        department_name=responsible,
        department_code=department.code if department else None,
        routing_text=routing_text(
            category_name,
            district_name,
            responsible,
            # Only while the rule still decides: after a re-route by hand, no rule is named.
            rules.get(report.routing_rule_id) if report.routing_rule_id else None,
            gettext=words,
        ),
        copy_texts=tuple(
            words(
                "Informed as well: %(department)s (%(rule)s)",
                department=department_name(copied, lang),
                rule=rules[copy.routing_rule_id],
            )
            if copy.routing_rule_id in rules
            else words(
                "Informed as well: %(department)s",
                department=department_name(copied, lang),
            )
            for copy in report.copies
            for copied in [found.department(copy.department_id) or copy.department]
        ),
        # As ``public_description`` says it, with the category found above (not looked up again).
        description=public_text(
            report.description,
            report.description_moderated,
            report.is_description_hidden,
            sensitive,
        ),
        created_at=report.created_at,
        updated_at=report.updated_at,
        closed_at=report.closed_at,
        due_at=report.due_at,
        channel=report.channel.value,
        duplicate_of=duplicate_of,
        supporters=supporters,
        photos=_photos(report, external_urls),
        photos_held=_photos_held(report),
        events=tuple(events),
    )


# --- many reports, straight from SQL ----------------------------------------------------------


def public_columns() -> tuple[sa.ColumnElement[Any], ...]:
    """The columns a bulk public surface (map, statistics, open data) may select, labelled.

    Join ``Category`` and ``CategoryGroup`` (see :func:`public_select`). The description is not
    among them: bulk surfaces show no free text.
    """
    return (
        Report.id.label("id"),
        Report.reference.label("reference"),
        Category.code.label("category_code"),
        Category.names.label("category_names"),
        CategoryGroup.code.label("group_code"),
        Category.is_sensitive.label("is_coarse"),
        Report.status.label("status"),
        Report.public_lat.label("lat"),
        Report.public_lon.label("lon"),
        Report.district_id.label("district_id"),
        Report.department_id.label("department_id"),
        Report.created_at.label("created_at"),
        Report.updated_at.label("updated_at"),
        Report.closed_at.label("closed_at"),
        Report.due_at.label("due_at"),
    )


def public_select() -> sa.Select[Any]:
    """``SELECT`` of :func:`public_columns` with the joins they need; add filters and order."""
    return (
        sa.select(*public_columns())
        .select_from(Report)
        .join(Category, Report.category_id == Category.id)
        .join(CategoryGroup, Category.group_id == CategoryGroup.id)
    )
