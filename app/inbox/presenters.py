"""What the inbox pages show, worked out from the models: the timeline in words, who did it,
attributes with their labels, and small formatting helpers shared by the templates."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import format_date, format_decimal, format_timedelta
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.catalogue.models import Category
from app.catalogue.snapshot import catalogue
from app.core.db import utcnow
from app.core.enums import Channel, ReportStatus
from app.core.events import ReportEvent
from app.core.formatting import city_time
from app.core.locale import date_and_time, pick_language
from app.extensions import db
from app.inbox.queries import Scope
from app.reports.labels import STAFF_STATUS_LABELS
from app.reports.models import Report, ReportSupporter
from app.routing.models import Department

CHANNEL_LABELS = {
    Channel.WEB: _l("web form"),
    Channel.OPEN311: _l("Open311 app"),
    Channel.TELEGRAM: _l("Telegram"),
}

RESIDENT_LABELS = {
    "web": _l("Resident (web form)"),
    "open311": _l("Resident (Open311 app)"),
    "telegram": _l("Resident (Telegram)"),
}


def status_label(status: ReportStatus | str) -> str:
    try:
        return str(STAFF_STATUS_LABELS[ReportStatus(status)])
    except ValueError:
        return str(status)


def channel_label(channel: Channel | str) -> str:
    try:
        return str(CHANNEL_LABELS[Channel(channel)])
    except (ValueError, KeyError):
        return str(channel)


def language_name(code: str | None) -> str:
    """``de`` → "Deutsch" (in the page's language); the code itself if unknown."""
    from babel import Locale, UnknownLocaleError
    from flask_babel import get_locale

    try:
        return Locale.parse(code).get_display_name(get_locale()) or code or ""
    except (ValueError, TypeError, UnknownLocaleError):
        return code or ""


def local_datetime(moment: datetime | None) -> str:
    """Date and time in the city's time zone (Flask-Babel's default time zone)."""
    if not moment:
        return ""
    return date_and_time(moment, "medium")


def local_date(moment: datetime | None) -> str:
    return format_date(city_time(moment), "medium", rebase=False) if moment else ""


def age(moment: datetime, now: datetime | None = None) -> str:
    """How long ago: "3 days" (for the queue's age column)."""
    return format_timedelta((now or utcnow()) - moment, threshold=1.0, add_direction=False)


def ago(moment: datetime, now: datetime | None = None) -> str:
    """ "3 days ago", in the page's language."""
    return format_timedelta(moment - (now or utcnow()), threshold=1.0, add_direction=True)


def is_overdue(report: Report, now: datetime | None = None) -> bool:
    return bool(report.due_at and report.status.is_open and report.due_at < (now or utcnow()))


def coordinate(value: float) -> str:
    return format_decimal(round(value, 6), "0.000000")


SCOPE_LABELS = {
    Scope.MINE: _l("My departments"),
    Scope.COPIES: _l("Copies for my departments"),
    Scope.TRIAGE: _l("Triage"),
    Scope.ALL: _l("All reports"),
}


def scope_label(scope: str) -> str:
    label = SCOPE_LABELS.get(scope)
    return str(label) if label is not None else scope


def supporter_counts(report_ids: Iterable[int]) -> dict[int, int]:
    ids = list(report_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        db.select(ReportSupporter.report_id, db.func.count(ReportSupporter.id))
        .where(ReportSupporter.report_id.in_(ids))
        .group_by(ReportSupporter.report_id)
    )
    return dict(rows.tuples().all())


def partner_returns(reports: Iterable[Report]) -> dict[int, dict[str, str]]:
    """For reports waiting in triage because a partner said "not ours": who and why (the
    latest return), by report id — for the triage list."""
    from app.forwarding.models import Delivery

    ids = [r.id for r in reports if r.department_id is None]
    if not ids:
        return {}
    found: dict[int, dict[str, str]] = {}
    rows = db.session.execute(
        db.select(ReportEvent.report_id, ReportEvent.data, Department.name)
        .outerjoin(Delivery, Delivery.id == ReportEvent.data["delivery_id"].as_integer())
        .outerjoin(Department, Department.id == Delivery.department_id)
        .where(ReportEvent.report_id.in_(ids), ReportEvent.kind == "partner_returned")
        .order_by(ReportEvent.created_at, ReportEvent.id)
    )
    for report_id, data, partner in rows:
        found[report_id] = {"partner": partner or "", "reason": (data or {}).get("reason", "")}
    return found


# --- who did it ----------------------------------------------------------------------------


def actor_names(actors: Iterable[str]) -> dict[str, str]:
    """``user:12`` → the user's name, ``resident:web`` → "Resident (web form)" and so on."""
    actors = set(actors)
    user_ids = {int(a[5:]) for a in actors if a.startswith("user:") and a[5:].isdigit()}
    client_ids = {int(a[11:]) for a in actors if a.startswith("api_client:") and a[11:].isdigit()}
    users: dict[int, str] = {}
    if user_ids:
        rows = db.session.execute(db.select(User.id, User.name).where(User.id.in_(user_ids)))
        users = dict(rows.tuples().all())
    clients: dict[int, str] = {}
    if client_ids:
        from app.open311.models import ApiKey

        rows = db.session.execute(
            db.select(ApiKey.id, ApiKey.name).where(ApiKey.id.in_(client_ids))
        )
        clients = dict(rows.tuples().all())
    names = {}
    for actor in actors:
        kind, _sep, ident = actor.partition(":")
        if kind == "user":
            name = users.get(int(ident)) if ident.isdigit() else None
            names[actor] = name or _("Deleted user account")
        elif kind == "resident":
            names[actor] = str(RESIDENT_LABELS.get(ident, _l("Resident")))
        elif kind == "api_client":
            name = clients.get(int(ident)) if ident.isdigit() else None
            names[actor] = (
                _("Open311 client “%(name)s”", name=name) if name else _("Open311 client")
            )
        elif kind == "system":
            names[actor] = _("System")
        elif kind == "partner":
            names[actor] = (
                _("Partner system %(name)s", name=ident) if ident else _("Partner system")
            )
        else:
            names[actor] = actor
    return names


# --- the timeline --------------------------------------------------------------------------


@dataclass
class TimelineEntry:
    when: str
    when_iso: str
    who: str
    what: str
    kind: str
    is_public: bool
    old: str | None = None
    new: str | None = None
    public_note: str | None = None
    internal_text: str | None = None
    details: list[str] = field(default_factory=list)
    link: tuple[str, str] | None = None  # (reference, url)


def _names_by_code(model, codes: set[str], lang: str) -> dict[str, str]:
    """Names of categories or departments by code, from the process's cached snapshot."""
    codes = {c for c in codes if c}
    if not codes:
        return {}
    snapshot = catalogue()
    if model is Category:
        return {c: snapshot.categories[c].name(lang) for c in codes if c in snapshot.categories}
    return {c: snapshot.departments[c].name for c in codes if c in snapshot.departments}


_FORWARDING_WORDS = {
    "forwarded_manually": _l("Forwarded by hand"),
    "delivery_retried": _l("Delivery started again"),
    "delivery_dead": _l("Delivery failed for good"),
    "partner_acknowledged": _l("Partner acknowledged the ticket"),
    "partner_done": _l("Partner reported it done"),
    "partner_returned": _l("Partner returned the ticket (not theirs)"),
    "partner_reminded": _l("Partner reminded (no acknowledgement in time)"),
    "ticket_withdrawn": _l("Ticket withdrawn: the report is no longer the partner's"),
    "supporter_added": _l("A resident said “me too”"),
    "contact_deleted": _l("Contact data deleted at the resident's request"),
    "resident_unsubscribed": _l("A resident unsubscribed from updates"),
    "resident_photo_added": _l("A resident added a photo (not fixed)"),
}


def timeline(report: Report, lang: str, report_url) -> list[TimelineEntry]:
    """Every event of the report, oldest first, in words."""
    events = list(
        db.session.execute(
            db.select(ReportEvent)
            .where(ReportEvent.report_id == report.id)
            .order_by(ReportEvent.created_at, ReportEvent.id)
        ).scalars()
    )
    who = actor_names(e.actor for e in events)
    department_codes: set[str] = set()
    category_codes: set[str] = set()
    for e in events:
        data: Any = e.data or {}  # each kind's own JSON
        if e.kind in _FORWARDING_WORDS:
            department_codes.add(data.get("department"))
        if e.kind == "rerouted":
            department_codes |= {data.get("old"), data.get("new")}
        elif e.kind in ("category_changed", "location_changed", "submitted"):
            department_codes.add(data.get("department"))
            if e.kind == "category_changed":
                category_codes |= {data.get("old"), data.get("new")}
    departments = _names_by_code(Department, department_codes, lang)
    categories = _names_by_code(Category, category_codes, lang)
    triage = _("triage")

    def routed_to(code: str | None) -> str:
        if code:
            return _("Routed to %(department)s", department=departments.get(code, code))
        return _("No rule matched: triage queue")

    photo_numbers = {p.id: i for i, p in enumerate(report.photos, start=1)}

    entries = []
    for e in events:
        data = e.data or {}
        entry = TimelineEntry(
            when=local_datetime(e.created_at),
            when_iso=e.created_at.isoformat(),
            who=who.get(e.actor, e.actor),
            what=e.kind,
            kind=e.kind,
            is_public=e.is_public,
            public_note=e.public_note,
        )
        if e.kind == "submitted":
            entry.what = _(
                "Report received via %(channel)s",
                channel=channel_label(data.get("channel", report.channel)),
            )
            entry.details.append(routed_to(data.get("department")))
            reason = data.get("reason")
            if isinstance(reason, dict) and pick_language(reason, lang):
                entry.details.append(pick_language(reason, lang))
        elif e.kind == "status_changed":
            entry.what = _("Status changed")
            entry.old, entry.new = (
                status_label(data.get("old", "")),
                status_label(data.get("new", "")),
            )
        elif e.kind == "public_note":
            entry.what = _("Public note")
        elif e.kind == "note_added":
            entry.what = _("Internal note")
            entry.internal_text = data.get("text")
        elif e.kind == "rerouted":
            entry.what = _("Re-routed")
            entry.old = departments.get(data.get("old"), triage) if data.get("old") else triage
            entry.new = departments.get(data.get("new"), triage) if data.get("new") else triage
            if data.get("reason"):
                entry.details.append(_("Reason: %(reason)s", reason=data["reason"]))
        elif e.kind == "marked_duplicate":
            entry.what = _("Marked as a duplicate")
            ref = data.get("original")
            if ref:
                entry.link = (ref, report_url(ref))
        elif e.kind == "duplicate_merged":
            entry.what = _("A duplicate was merged into this report")
            ref = data.get("duplicate")
            if ref:
                entry.link = (ref, report_url(ref))
            entry.details.append(
                _("Supporters moved: %(n)d", n=int(data.get("supporters_moved") or 0))
            )
        elif e.kind == "category_changed":
            entry.what = _("Category changed")
            entry.old = categories.get(data.get("old"), data.get("old"))
            entry.new = categories.get(data.get("new"), data.get("new"))
            entry.details.append(routed_to(data.get("department")))
        elif e.kind == "location_changed":
            entry.what = _("Location changed")
            entry.old = _point(data.get("old"))
            entry.new = _point(data.get("new"))
            entry.details.append(routed_to(data.get("department")))
        elif e.kind == "description_moderated":
            if data.get("hidden"):
                entry.what = _("Description hidden from the public")
            else:
                entry.what = _("Public description set")
                if data.get("public_text"):
                    entry.details.append(_("Public text: %(text)s", text=data["public_text"]))
        elif e.kind in _FORWARDING_WORDS:
            entry.what = str(_FORWARDING_WORDS[e.kind])
            code = data.get("department")
            if code:
                entry.details.append(departments.get(code, code))
            for key, label in (
                ("note", _l("Note: %(text)s")),
                ("reason", _l("Reason: %(text)s")),
                ("error", _l("Error: %(text)s")),
            ):
                if data.get(key):
                    entry.details.append(str(label) % {"text": data[key]})
        elif e.kind in ("photo_released", "photo_hidden"):
            number = photo_numbers.get(data.get("photo_id"), "?")
            entry.what = (
                _("Photo %(n)s published", n=number)
                if e.kind == "photo_released"
                else _("Photo %(n)s hidden from the public", n=number)
            )
        elif e.kind == "photo_reviewed":
            number = photo_numbers.get(data.get("photo_id"), "?")
            entry.what = _("Photo %(n)s checked (for partners, not public)", n=number)
        elif e.kind == "photo_box_added":
            number = photo_numbers.get(data.get("photo_id"), "?")
            entry.what = _("An area of photo %(n)s made unrecognisable by hand", n=number)
        elif e.kind == "photo_anonymised":
            number = photo_numbers.get(data.get("photo_id"), "?")
            if data.get("result") == "done":
                entry.what = _("Photo %(n)s anonymised automatically", n=number)
                entry.details.append(
                    _("Areas made unrecognisable: %(count)d", count=int(data.get("boxes") or 0))
                )
                if data.get("published"):
                    entry.details.append(_("Published: the category's setting"))
            else:
                entry.what = _("Automatic anonymisation of photo %(n)s failed", n=number)
        entries.append(entry)
    return entries


def _point(value: Any) -> str | None:
    if isinstance(value, list | tuple) and len(value) == 2:
        try:
            return f"{coordinate(float(value[0]))}, {coordinate(float(value[1]))}"
        except (TypeError, ValueError):
            return None
    return None


# --- the report's data ---------------------------------------------------------------------


def attribute_rows(report: Report, lang: str) -> list[tuple[str, str]]:
    """(label, value) of every answer, in the category's order, values in ``lang``."""
    answers = dict(report.attributes or {})
    rows = []
    for attribute in report.category.attributes:
        if attribute.code not in answers:
            continue
        value = answers.pop(attribute.code)
        if isinstance(value, list):
            shown = ", ".join(attribute.value_name(str(v), lang) for v in value)
        elif attribute.values:
            shown = attribute.value_name(str(value), lang)
        else:
            shown = str(value)
        rows.append((attribute.label(lang), shown))
    # Answers to questions the category no longer asks (e.g. after a category change).
    for code, value in answers.items():
        rows.append((code, ", ".join(map(str, value)) if isinstance(value, list) else str(value)))
    return rows
