"""Named signals, declared once. Handlers run inside the caller's transaction and never commit."""

from typing import Any

from blinker import Namespace
from flask import current_app

_signals = Namespace()


def signal_sender() -> Any:
    """The app itself (not the context-local proxy): the sender of every signal here."""
    return current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug proxy API


report_submitted = _signals.signal(
    "report-submitted",
    doc="""A report is being created by the intake service: checked, placed and routed, not
    yet written (it has no id or reference yet). The intake then writes it with the rows the
    handlers added for it, in the same transaction.

    Sender: the Flask app. Keyword ``report``: the new Report. Handlers may add rows
    (e.g. outbox deliveries) to the same session; they never commit, query or flush.
    """,
)

report_status_changed = _signals.signal(
    "report-status-changed",
    doc="""A report's status changed, or a public note was added (then ``old == new``).

    Keywords: ``report``, ``old``, ``new`` (ReportStatus), ``public_note`` (str or None).
    Handlers (notifications, partner updates) add outbox rows; they never commit.
    """,
)

report_rerouted = _signals.signal(
    "report-rerouted",
    doc="""A report was sent to another department (or back to triage: ``new`` is None).

    Keywords: ``report``, ``old``, ``new`` (Department or None), ``reason``.
    """,
)

report_copied = _signals.signal(
    "report-copied",
    doc="""Routing now informs further departments of a report (copy rules that match after a
    category or place change). Intake announces its copies with ``report_submitted``.

    Keywords: ``report``, ``departments`` (the Departments newly informed).
    """,
)

city_changed = _signals.signal(
    "city-changed",
    doc="""The city's data (settings, districts, boundary) changed, here or in another process:
    every process-local cache made from it must be dropped.

    Sender: the Flask app. No keywords. Handlers only forget; they never query.
    """,
)
