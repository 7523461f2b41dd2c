"""Named signals, declared once. Handlers run inside the caller's transaction and never commit."""

from blinker import Namespace

_signals = Namespace()

report_submitted = _signals.signal(
    "report-submitted",
    doc="""A report was created by the intake service (flushed, not yet committed).

    Sender: the Flask app. Keyword ``report``: the new Report. Handlers may add rows
    (e.g. outbox deliveries) to the same session; they never commit.
    """,
)
