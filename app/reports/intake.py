"""The one intake path: every channel turns its input into a ``ReportDraft`` and calls
``submit_report``. Nothing else creates a report.

Validation happens completely before anything is written (``validate_draft``, with the checks
of ``app.reports.checks``); the service flushes, the caller commits once. Photo files written
here are removed again if that commit never happens.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from flask_babel import LazyString, force_locale, format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import orm

from app.catalogue.snapshot import CategorySnapshot, DepartmentSnapshot, attach, catalogue
from app.cities.cache import cached
from app.cities.settings import city
from app.core.db import adopt, utcnow
from app.core.enums import LocationSource, ReportStatus
from app.core.errors import DraftInvalid
from app.core.events import Actor, ReportEvent
from app.core.files import track_new_file
from app.core.prepared import Prepared
from app.core.signals import report_submitted, signal_sender
from app.extensions import db
from app.forwarding.models import Delivery
from app.forwarding.outbox import kept_apart
from app.geo.geocoding import GeocoderUnavailable, Place
from app.geo.service import district_index, geocoder
from app.photos.pipeline import ProcessedPhoto
from app.photos.service import photo_storage
from app.reports.checks import (
    check_attributes,
    check_contact,
    check_photos,
    cleaned_draft,
    geocode_address,
    parse_coordinates,
)
from app.reports.drafts import ReportDraft
from app.reports.due import due_date
from app.reports.models import Report, ReportCopy, ReporterContact, ReportPhoto
from app.reports.photo_review import publish_anonymised_photos
from app.reports.public import routing_text
from app.reports.public_point import public_point_of
from app.routing.models import Department
from app.routing.names import department_name
from app.routing.resolve import RoutingDecision, RoutingInput, RuleSpec, describe_rule, resolve
from app.statistics.rollup import note_new_deliveries, note_new_report

log = logging.getLogger(__name__)


@dataclass
class CheckedDraft:
    category: CategorySnapshot
    attributes: dict[str, Any]
    description: str
    lat: float
    lon: float
    location_source: LocationSource
    address: str | None
    zipcode: str | None
    photos: list[ProcessedPhoto]
    email: str | None
    contact_name: str | None
    phone: str | None
    telegram_chat_id: str | None
    notes: list[LazyString] = field(default_factory=list)


@dataclass
class IntakeResult:
    """Everything a channel needs to answer the resident, as plain values: read after the
    commit, it needs no query (the committed report's attributes expire)."""

    report: Report
    reference: str
    category: CategorySnapshot
    district_name: str | None
    department: DepartmentSnapshot | None  # None: the triage queue
    routing_reason: dict[str, str]
    copies: list[tuple[str, dict[str, str]]]  # each copy's department name and reason
    # Each copy's department and the rule that informs it.
    copy_departments: list[tuple[DepartmentSnapshot, RuleSpec | None]]
    rule: RuleSpec | None  # the rule that chose the department
    has_contact: bool
    # Things the resident should know, e.g. "the address could not be looked up".
    notes: list[LazyString]

    @property
    def department_name(self) -> str | None:
        return self.department.name if self.department else None

    def routing_texts(self, lang: str) -> tuple[str, ...]:
        """The routing decision in words of public facts, in ``lang`` — the same words the
        report's public view (``app.reports.public``) says, made without reading the report.
        Made once per process for each decision and language (the words of a category,
        district, department and rules), kept with the city's cached data."""
        key = (
            lang,
            self.category.id,
            self.district_name,
            self.department.id if self.department else None,
            self.rule.id if self.rule else None,
            tuple((dept.id, rule.id if rule else None) for dept, rule in self.copy_departments),
        )
        kept: dict[tuple[Any, ...], tuple[str, ...]] = cached("routing_texts", dict)
        texts = kept.get(key)
        if texts is None:
            texts = kept[key] = self._routing_texts(lang)
        return texts

    def _routing_texts(self, lang: str) -> tuple[str, ...]:
        with force_locale(lang):
            responsible = department_name(self.department, lang)
            main = routing_text(
                self.category.name(lang),
                self.district_name,
                responsible,
                describe_rule(self.rule, lang) if self.rule and responsible else None,
            )
            copies = tuple(
                _(
                    "Informed as well: %(department)s (%(rule)s)",
                    department=department_name(dept, lang),
                    rule=describe_rule(rule, lang),
                )
                if rule is not None
                else _("Informed as well: %(department)s", department=department_name(dept, lang))
                for dept, rule in self.copy_departments
            )
        return (main, *copies)


# --- validation ---------------------------------------------------------------------------


def validate_draft(draft: ReportDraft) -> CheckedDraft:
    """Check everything about a draft without writing anything; raise ``DraftInvalid``."""
    draft = cleaned_draft(draft)
    errors: dict[str, Any] = {}
    status = 422

    category = catalogue().active_category(draft.category_code)
    attributes: dict[str, Any] = {}
    if category is None:
        errors["category"] = (
            _l("Please choose a category.")
            if not (draft.category_code or "").strip()
            else _l("There is no category “%(code)s”.", code=draft.category_code)
        )
    else:
        attributes, attr_errors = check_attributes(category, draft.attributes or {})
        errors.update(attr_errors)

    description = (draft.description or "").strip()
    max_length = current_app.config["DESCRIPTION_MAX_LENGTH"]
    if len(description) > max_length:
        errors["description"] = _l(
            "The description is too long: %(length)d characters, at most %(max)d.",
            length=len(description),
            max=max_length,
        )

    lat, lon, location_errors = parse_coordinates(draft)
    errors.update(location_errors)

    photos, photo_error = check_photos(draft)
    if photo_error is not None:
        errors.update(photo_error.errors)
        status = photo_error.status

    contact, contact_errors = check_contact(draft)
    errors.update(contact_errors)

    source = LocationSource.MAP
    address = (draft.address or "").strip()[:255] or None
    zipcode = None
    notes: list[LazyString] = []
    if lat is None and not location_errors:
        gps = next((p.gps for p in photos if p.gps), None)
        if draft.use_photo_location and gps is not None:
            lat, lon = gps
            source = LocationSource.PHOTO
            notes.append(_l("The location was taken from your photo."))
        elif address:
            place, address_errors = geocode_address(address)
            errors.update(address_errors)
            if place is not None:
                lat, lon, address, zipcode = place.lat, place.lon, place.address, place.zipcode
                source = LocationSource.ADDRESS
        else:
            errors["location"] = _l("Please mark the place on the map or enter an address.")

    if lat is not None and lon is not None and not district_index().in_city(lat, lon):
        km = district_index().distance_outside_m(lat, lon) / 1000
        field_name = "address" if source == LocationSource.ADDRESS else "location"
        errors[field_name] = _l(
            "This place is outside %(city)s (about %(km)s km beyond the city boundary). "
            "We can only take reports from within %(city)s.",
            city=city().name,
            km=LazyString(lambda: format_decimal(km, format="0.0")),
        )

    if errors:
        raise DraftInvalid(errors, status)
    assert category is not None
    assert lat is not None
    assert lon is not None
    return CheckedDraft(
        category=category,
        attributes=attributes,
        description=description,
        lat=lat,
        lon=lon,
        location_source=source,
        address=address,
        zipcode=zipcode,
        photos=photos,
        email=contact["email"],
        contact_name=contact["name"],
        phone=contact["phone"],
        telegram_chat_id=contact["telegram_chat_id"],
        notes=notes,
    )


# --- references -----------------------------------------------------------------


# One statement for both databases (PostgreSQL, and SQLite from 3.35), written out once: the
# dialects' ``insert … on_conflict_do_update`` has no cache key, so SQLAlchemy compiled it anew
# for every report; a text statement is compiled once and only binds the year.
_NEXT_NUMBER = Prepared(
    sa.text(
        "INSERT INTO reference_counter (year, last_number) VALUES (:year, 1) "
        "ON CONFLICT (year) DO UPDATE SET last_number = reference_counter.last_number + 1 "
        "RETURNING last_number"
    )
)


def next_reference(now: datetime | None = None) -> str:
    """``DO-2026-00042``: city prefix, local year, a number counted per year.

    One upsert on the year's counter row: on PostgreSQL concurrent intakes queue on its row
    lock instead of handing out one number twice.
    """
    settings = city()
    year = (now or utcnow()).astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).year
    number = _NEXT_NUMBER(db.session.connection(), {"year": year}).scalar_one()
    return f"{settings.reference_prefix}-{year}-{number:05d}"


# --- the service ----------------------------------------------------------------------------


def _reverse_geocode(lat: float, lon: float) -> Place | None:
    service = geocoder()
    if service is None:
        return None
    try:
        return service.reverse(lat, lon)
    except GeocoderUnavailable:
        log.warning("Geocoder unavailable; report accepted with coordinates only")
        return None


def _route(
    category: CategorySnapshot,
    district_number: str | None,
    district_name: str | None,
    attributes: dict[str, Any],
) -> RoutingDecision:
    """Where the report goes: the pure ``resolve`` over the cached active rules."""
    return resolve(
        catalogue().rules,
        RoutingInput(
            category_code=category.code,
            category_name=category.names,
            group_code=category.group.code,
            district_number=district_number,
            district_name=district_name,
            attributes=attributes,
        ),
    )


# Report columns the intake leaves at their defaults (written out: the object must hold every
# column once it is persistent, or reading one would load the row again).
_REPORT_DEFAULTS: dict[str, Any] = {
    "description_moderated": None,
    "is_description_hidden": False,
    "duplicate_of_id": None,
    "closed_at": None,
    "version": 1,
}
# Its collections that the intake fills (or leaves empty) and handlers read.
_COLLECTIONS = ("photos", "copies", "supporters")
# Those of them, and the contact, that can hold pending rows the next flush inserts.
_PENDING_CHILDREN = ("photos", "copies", "contact")
_REPORTS = cast(sa.Table, Report.__table__)
_REPORT_COLUMNS = tuple(column.key for column in _REPORTS.columns)
# The SQLite intake's inserts, handed to the driver (``app.core.prepared``): every column given.
_REPORT_INSERT = Prepared(_REPORTS.insert())
_EVENT_INSERT = Prepared(cast(sa.Table, ReportEvent.__table__).insert())


def _insert_report(
    report: Report,
    category: CategorySnapshot,
    event: dict[str, Any],
    deliveries: list[Delivery],
) -> None:
    """Write the new ``report``, its first event (the ``report_event`` row's values but the
    report and the time, no object: nothing in the request reads it) and the outbox rows the
    ``report_submitted`` handlers made for it (``deliveries``, out of the session: see
    ``_rows_to_write``) past the ORM's unit of work (most of an intake's CPU went there) — on
    PostgreSQL as one statement with the year's number, on SQLite one INSERT each — and make
    them persistent in the session as if they had been flushed: every column set, the report's
    collections empty or holding the pending photos, copies and contact (the next flush inserts
    those). What a flush would have done on the way is done here: the public point
    (``public_point``) and the statistics' note of a new report with its event and tickets
    (``app.statistics.rollup``)."""
    session = db.session()
    state = report.__dict__
    # What it holds (pending children) or holds not (empty), so reading it needs no query.
    related: dict[str, Any] = {name: list(state.get(name, ())) for name in _COLLECTIONS}
    related["contact"] = state.get("contact")
    if "department" in state:
        related["department"] = state["department"]
    values = {key: state[key] for key in _REPORT_COLUMNS if key in state}
    values.update(_REPORT_DEFAULTS)
    department = state.get("department")
    values["department_id"] = department.id if department is not None else None
    values["updated_at"] = values["created_at"]
    values["public_lat"], values["public_lon"] = public_point_of(
        report.lat, report.lon, sensitive=category.is_sensitive
    )
    event["created_at"] = values["created_at"]
    rows = [_delivery_values(delivery) for delivery in deliveries]
    connection = session.connection()
    # The year's counter row is locked from here to the commit (concurrent intakes queue on
    # it): taken as late as possible, after the photos are stored and the rows are made.
    if connection.dialect.name == "postgresql":
        # Number, report, event and outbox rows in one statement (one round trip, not four).
        report_id, report.reference, delivery_ids = _insert_at_once(connection, values, event, rows)
    else:
        report.reference = values["reference"] = next_reference(state["created_at"])
        report_id = _REPORT_INSERT(connection, values).lastrowid
        event["report_id"] = report_id
        _EVENT_INSERT(connection, event)
        delivery_ids = []
        for row in rows:
            row["report_id"] = report_id
            delivery_ids.append(_DELIVERY_INSERT(connection, row).lastrowid)
    values["reference"] = report.reference
    # Straight into its state (no attribute events: nothing listens to these columns), which
    # the next line takes as what the database holds.
    for key, value in values.items():
        state.setdefault(key, value)
    state["id"] = report_id
    for name, value in related.items():
        orm.attributes.set_committed_value(report, name, value)
    # Its state now is what the database holds: persistent as loaded.
    if any(related[name] for name in _PENDING_CHILDREN):
        orm.make_transient_to_detached(report)
        session.add(report)  # the pending children cascade into the session
    else:
        adopt(session, report)  # nothing pending hangs on it
    event["report_id"] = report_id
    note_new_report(session, report, [event])
    for delivery, row, delivery_id in zip(deliveries, rows, delivery_ids, strict=True):
        row["report_id"] = report_id
        delivery_state = delivery.__dict__
        for key, value in row.items():
            delivery_state.setdefault(key, value)
        delivery_state["id"] = delivery_id
        orm.attributes.set_committed_value(delivery, "attempt_log", [])
        adopt(session, delivery)
    note_new_deliveries(session, deliveries)


_AtOnceKey = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]
_AT_ONCE: dict[_AtOnceKey, Prepared] = {}


def _at_once_statement(
    report_keys: tuple[str, ...],
    event_keys: tuple[str, ...],
    delivery_keys: tuple[tuple[str, ...], ...] = (),
) -> Prepared:
    """PostgreSQL: the year's next number, the report numbered with it, its first event and its
    outbox rows (one set of columns each in ``delivery_keys``), as data-modifying CTEs of one
    statement (built once per set of columns) that answers the report's id and reference and
    the outbox rows' ids (``delivery_0``, …); the reference is made as ``next_reference`` makes
    it (at least five digits, never cut)."""
    key = (report_keys, event_keys, delivery_keys)
    statement = _AT_ONCE.get(key)
    if statement is not None:
        return statement
    events = cast(sa.Table, ReportEvent.__table__)
    report_columns = ", ".join(report_keys)
    report_values = ", ".join(f":r_{key}" for key in report_keys)
    event_columns = ", ".join(event_keys)
    event_values = ", ".join(f":e_{key}" for key in event_keys)
    # The column names are the tables' own (never input); every value is a bound parameter.
    sql = (
        "WITH number AS ("  # noqa: S608
        "INSERT INTO reference_counter (year, last_number) VALUES (:year, 1) "
        "ON CONFLICT (year) DO UPDATE SET last_number = reference_counter.last_number + 1 "
        "RETURNING last_number), "
        f"new_report AS (INSERT INTO report (reference, {report_columns}) "
        "SELECT :prefix || CASE WHEN number.last_number < 100000"
        " THEN lpad(number.last_number::text, 5, '0') ELSE number.last_number::text END, "
        f"{report_values} FROM number RETURNING id, reference), "
        f"first_event AS (INSERT INTO report_event (report_id, {event_columns}) "
        f"SELECT new_report.id, {event_values} FROM new_report)"
    )
    for i, keys in enumerate(delivery_keys):
        columns = ", ".join(keys)
        values = ", ".join(f":d{i}_{key}" for key in keys)
        sql += (
            f", delivery_{i} AS (INSERT INTO delivery (report_id, {columns}) "  # noqa: S608 (as above)
            f"SELECT new_report.id, {values} FROM new_report RETURNING id)"
        )
    ids = "".join(
        f", (SELECT id FROM delivery_{i}) AS delivery_{i}"  # noqa: S608 (numbered names only)
        for i in range(len(delivery_keys))
    )
    sql += f" SELECT id, reference{ids} FROM new_report"  # noqa: S608 (as above)
    statement = Prepared(
        sa.text(sql)
        .bindparams(
            sa.bindparam("year", type_=sa.Integer()),
            sa.bindparam("prefix", type_=sa.String()),
            *(sa.bindparam(f"r_{key}", type_=_REPORTS.c[key].type) for key in report_keys),
            *(sa.bindparam(f"e_{key}", type_=events.c[key].type) for key in event_keys),
            *(
                sa.bindparam(f"d{i}_{key}", type_=_DELIVERIES.c[key].type)
                for i, keys in enumerate(delivery_keys)
                for key in keys
            ),
        )
        .columns(
            id=sa.Integer,
            reference=sa.String,
            **{f"delivery_{i}": sa.Integer for i in range(len(delivery_keys))},
        )
    )
    _AT_ONCE[key] = statement
    return statement


_ALWAYS_NAMED: dict[sa.Table, frozenset[str]] = {}


def _written(table: sa.Table, row: dict[str, Any], besides: tuple[str, ...]) -> tuple[str, ...]:
    """The columns of ``row`` the statement names, in order: not those in ``besides``, nor
    those that are NULL where the database makes them NULL anyway (no server default; not
    JSON, where None is written as JSON's null). Fewer parameters: psycopg keeps its
    conversion of a statement with at most 50, instead of parsing it again each time."""
    always = _ALWAYS_NAMED.get(table)
    if always is None:  # the columns named even when None, worked out once per table
        always = frozenset(
            column.key
            for column in table.columns
            if column.server_default is not None or isinstance(column.type, sa.JSON)
        )
        _ALWAYS_NAMED[table] = always
    return tuple(
        sorted(
            key
            for key, value in row.items()
            if key not in besides and (value is not None or key in always)
        )
    )


def _insert_at_once(
    connection: sa.Connection,
    values: dict[str, Any],
    event: dict[str, Any],
    deliveries: list[dict[str, Any]],
) -> tuple[int, str, list[int]]:
    """The report (``values`` without its reference), its first event (``event`` without the
    report's id) and its outbox rows (``deliveries``, without the report's id) written with the
    year's next number in one statement; (id, reference, the outbox rows' ids)."""
    year = (
        values["created_at"].astimezone(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).year
    )
    report_keys = _written(_REPORTS, values, ("id", "reference"))
    event_keys = _written(cast(sa.Table, ReportEvent.__table__), event, ("report_id",))
    params: dict[str, Any] = {"year": year, "prefix": f"{city().reference_prefix}-{year}-"}
    params.update({f"r_{key}": values[key] for key in report_keys})
    params.update({f"e_{key}": event[key] for key in event_keys})
    delivery_keys = tuple(_written(_DELIVERIES, d, ("report_id",)) for d in deliveries)
    for i, (keys, delivery) in enumerate(zip(delivery_keys, deliveries, strict=True)):
        params.update({f"d{i}_{key}": delivery[key] for key in keys})
    statement = _at_once_statement(report_keys, event_keys, delivery_keys)
    row = statement(connection, params).one()
    return row.id, row.reference, [row[2 + i] for i in range(len(deliveries))]


_DELIVERIES = cast(sa.Table, Delivery.__table__)
_DELIVERY_INSERT = Prepared(_DELIVERIES.insert())


_NO_DEFAULT, _SCALAR, _CALLABLE, _DATABASE = 0, 1, 2, 3


def _defaults_of(table: sa.Table) -> tuple[tuple[str, int, Any], ...]:
    """(key, kind, value or function) of each column of a new row: a column the database fills
    (the primary key, a server default) is left to it unless set, the object loads it when
    read. Worked out once per table rather than for every row."""
    plan = []
    for column in table.columns:
        default = column.default
        if column.primary_key or column.server_default is not None:
            plan.append((column.key, _DATABASE, None))
        elif default is None:
            plan.append((column.key, _NO_DEFAULT, None))
        elif default.is_scalar:
            plan.append((column.key, _SCALAR, default.arg))  # type: ignore[attr-defined]
        elif default.is_callable:
            plan.append((column.key, _CALLABLE, default.arg))  # type: ignore[attr-defined]
        else:  # a SQL expression or sequence: the database's
            plan.append((column.key, _DATABASE, None))
    return tuple(plan)


def _column_values(plan: tuple[tuple[str, int, Any], ...], state: dict[str, Any]) -> dict[str, Any]:
    """A new row's values from an ORM object's state, each missing column at its default."""
    values: dict[str, Any] = {}
    for key, kind, default in plan:
        if key in state:
            values[key] = state[key]
        elif kind == _DATABASE:
            continue
        elif kind == _NO_DEFAULT:
            values[key] = None
        elif kind == _SCALAR:
            values[key] = default
        else:
            values[key] = default(None)
    return values


_DELIVERY_DEFAULTS = _defaults_of(_DELIVERIES)


def _delivery_values(delivery: Delivery) -> dict[str, Any]:
    """A new outbox row's values (every column at its default but the id, which the database
    gives, and the report's, known once it is written)."""
    state = delivery.__dict__
    values = _column_values(_DELIVERY_DEFAULTS, state)
    values.pop("report_id", None)
    department = state.get("department")
    if department is not None:
        values["department_id"] = department.id
    return values


def _new_report(**values: Any) -> Report:
    """A new report holding ``values``, made as a query makes a loaded one: its state filled in
    directly, without the constructor's attribute events — nothing listens to them, and the
    intake writes the row itself (``_insert_report``). Its collections (copies, photos) and
    contact are set the ordinary way afterwards."""
    report = _REPORT_CLASS_MANAGER.new_instance()
    report.__dict__.update(values)
    return report


_REPORT_CLASS_MANAGER = orm.class_mapper(Report).class_manager


def _rows_to_write(report: Report, made: list[Delivery]) -> tuple[list[Delivery], list[Delivery]]:
    """The outbox rows the ``report_submitted`` handlers made (kept out of the session:
    ``app.forwarding.outbox.kept_apart``): those the intake writes itself with the report
    (``_insert_report``), in a stable order, and those left to the flush (one with more than
    its own values, an attempt logged already, or not of this report). The report is out of
    the session (transient) either way."""
    session = db.session()
    written = [
        delivery
        for delivery in made
        if delivery.__dict__.get("report") is report and not delivery.__dict__.get("attempt_log")
    ]
    if report in session:
        session.expunge(report)
    later = [delivery for delivery in made if delivery not in written]
    return sorted(written, key=lambda delivery: delivery.idempotency_key), later


def submit_report(
    draft: ReportDraft, actor: Actor, *, contact_api_key_id: int | None = None
) -> IntakeResult:
    """Validate, place, route and store a new report; write the ``submitted`` event, emit
    ``report_submitted`` and flush once. The caller commits.

    ``contact_api_key_id``: the API key a contact given through the API belongs to.
    Raises ``DraftInvalid`` (with a message per field) and then has written nothing.
    """
    checked = validate_draft(draft)
    notes = list(checked.notes)
    address, zipcode = checked.address, checked.zipcode
    if checked.location_source != LocationSource.ADDRESS:
        place = _reverse_geocode(checked.lat, checked.lon)
        if place is not None:
            address, zipcode = place.address, place.zipcode
        elif geocoder() is not None and not address:
            notes.append(_l("The street address could not be looked up; your map point is saved."))

    area = district_index().district_at(checked.lat, checked.lon)
    district_id = area.key if area else None
    decision = _route(
        checked.category,
        area.number if area else None,
        area.name if area else None,
        checked.attributes,
    )
    snapshot = catalogue()
    rules = {rule.id: rule for rule in snapshot.rules}
    assignment = decision.assignment
    department = snapshot.departments[assignment.department_code] if assignment else None
    received_at = utcnow()
    report = _new_report(
        created_at=received_at,
        due_at=due_date(checked.category, received_at),
        category_id=checked.category.id,
        status=ReportStatus.NEW,
        description=checked.description,
        attributes=checked.attributes,
        lat=checked.lat,
        lon=checked.lon,
        location_source=checked.location_source,
        address=address,
        zipcode=zipcode,
        district_id=district_id,
        department=attach(Department, department) if department else None,
        routing_rule_id=assignment.rule_id if assignment else None,
        routing_reason=decision.reason,
        channel=draft.channel,
        locale=draft.locale or "de",
    )
    copy_departments = []
    for copy in decision.copies:
        copied = snapshot.departments[copy.department_code]
        copy_departments.append((copied, rules.get(copy.rule_id) if copy.rule_id else None))
        report.copies.append(
            ReportCopy(
                department=attach(Department, copied),
                routing_rule_id=copy.rule_id,
                reason=copy.reason,
            )
        )
    if checked.email or checked.telegram_chat_id:
        report.contact = ReporterContact(
            email=checked.email,
            name=checked.contact_name,
            phone=checked.phone,
            telegram_chat_id=checked.telegram_chat_id,
            locale=draft.locale or "de",
            wants_updates=True,
            api_key_id=contact_api_key_id,
        )
    storage = photo_storage()
    for position, photo in enumerate(checked.photos):
        image = storage.put(photo.image, ".jpg")
        thumb = storage.put(photo.thumbnail, ".jpg")
        for stored in (image, thumb):
            if stored.created:
                track_new_file(db.session(), storage, stored.key)
        report.photos.append(
            ReportPhoto(
                position=position,
                storage_key=image.key,
                thumbnail_key=thumb.key,
                width=photo.width,
                height=photo.height,
                anonymisation=photo.anonymisation,
                boxes=photo.boxes,
            )
        )
    publish_anonymised_photos(report.photos, checked.category)  # the category's setting
    # The handlers add the outbox rows for the report before it is written (they read what it
    # is, never its id); the report, its "submitted" event and those rows are written at once
    # (see ``_insert_report``), its photos, copies and contact in the one flush below.
    with db.session.no_autoflush, kept_apart() as made:
        report_submitted.send(signal_sender(), report=report)
    written, later = _rows_to_write(report, made)
    _insert_report(
        report,
        checked.category,
        {
            "kind": "submitted",
            "actor": str(actor),
            "is_public": True,
            "public_note": None,
            "data": {
                "channel": draft.channel.value,
                "category": checked.category.code,
                "district": area.number if area else None,
                "department": assignment.department_code if assignment else None,
                "copies": [c.department_code for c in decision.copies],
                "rule_id": assignment.rule_id if assignment else None,
                "reason": decision.reason,
                "photos": len(checked.photos),
            },
        },
        written,
    )
    db.session.add_all(later)  # the report is persistent now
    db.session.flush()  # what is left: photos, copies, contact (often nothing)
    return IntakeResult(
        report=report,
        reference=report.reference,
        category=checked.category,
        district_name=area.name if area else None,
        department=department,
        routing_reason=decision.reason,
        copies=[
            (dept.name, copy.reason)
            for (dept, _rule), copy in zip(copy_departments, decision.copies, strict=True)
        ],
        copy_departments=copy_departments,
        rule=rules.get(assignment.rule_id) if assignment and assignment.rule_id else None,
        has_contact=bool(checked.email or checked.telegram_chat_id),
        notes=notes,
    )
