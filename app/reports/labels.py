"""Status words: short ones for staff, friendlier ones for residents — the one vocabulary of
statuses in every language: the status page, the public map, e-mails and Telegram messages to
residents, the Open311 API (``status_descriptive_name``, which the bot shows) and the open data
all read ``PUBLIC_STATUS_LABELS`` (``public_status``), staff pages ``STAFF_STATUS_LABELS``."""

from __future__ import annotations

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from app.core.enums import ReportStatus

STAFF_STATUS_LABELS: dict[ReportStatus, LazyString] = {
    ReportStatus.NEW: _l("new"),
    ReportStatus.IN_REVIEW: _l("in review"),
    ReportStatus.IN_PROGRESS: _l("in progress"),
    ReportStatus.FORWARDED: _l("forwarded"),
    ReportStatus.RESOLVED: _l("resolved"),
    ReportStatus.NOT_RESOLVABLE: _l("cannot be resolved"),
    ReportStatus.DUPLICATE: _l("duplicate"),
    ReportStatus.REJECTED: _l("rejected"),
    ReportStatus.REOPENED: _l("reopened"),
}

PUBLIC_STATUS_LABELS: dict[ReportStatus, LazyString] = {
    ReportStatus.NEW: _l("Received"),
    ReportStatus.IN_REVIEW: _l("Being reviewed"),
    ReportStatus.IN_PROGRESS: _l("In progress"),
    ReportStatus.FORWARDED: _l("Forwarded to the responsible office"),
    ReportStatus.RESOLVED: _l("Resolved"),
    ReportStatus.NOT_RESOLVABLE: _l("Cannot be resolved"),
    ReportStatus.DUPLICATE: _l("Already reported (duplicate)"),
    ReportStatus.REJECTED: _l("Rejected"),
    ReportStatus.REOPENED: _l("Reopened"),
}


def public_status(status: ReportStatus) -> str:
    """The status as residents read it, in the current language."""
    return str(PUBLIC_STATUS_LABELS[status])


# The internal note of a manual re-route, in every language staff may read (Arabic is read from
# right to left, so its arrow points left).
REROUTED = {
    "de": ("Umgeleitet von {source} → {target}: {reason}", "Sichtung"),
    "en": ("Re-routed from {source} → {target}: {reason}", "triage"),
    "tr": ("Yeniden yönlendirildi: {source} → {target}: {reason}", "ön inceleme"),
    "ar": ("أعيد التوجيه من {source} ← {target}: {reason}", "الفرز"),
}
