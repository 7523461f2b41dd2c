"""The queue (filtered, paged, with counts per status), its bulk status change, and the list
of deliveries in trouble."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from app.auth.decorators import staff_required
from app.core.db import utcnow
from app.core.enums import OPEN_STATUSES, ReportStatus
from app.core.formatting import PageFormat
from app.extensions import db
from app.inbox import queries
from app.inbox.blueprint import bp
from app.inbox.deliveries import troubled_deliveries
from app.inbox.filters import local_timezone, parse_filter
from app.inbox.form_input import form_text
from app.inbox.presenters import partner_returns, status_label, supporter_counts
from app.inbox.queries import allowed_scopes, filter_choices, queue_page
from app.inbox.queue_rows import queue_rows
from app.reports import workflow
from app.reports.models import Report
from app.reports.workflow import can_view

PAGE_SIZE = 50
BULK_LIMIT = 200
BULK_MESSAGES = 10
_REFERENCE_SLOT = "REFERENCE-SLOT"


@bp.get("/")
@staff_required
def queue():
    parsed = parse_filter(request.args, current_user)
    page = queue_page(
        current_user, parsed.filter, local_timezone(), page_size=PAGE_SIZE, table_only=True
    )
    form = parsed.form
    next_url = url_for(".queue", **form.args(cursor=page.next_cursor)) if page.next_cursor else None
    # The rows' links and words are worked out once for the page, not once per row (url_for,
    # translations and Babel's formatters look up the request each time they are called).
    report_link = url_for(".report", reference=_REFERENCE_SLOT).split(_REFERENCE_SLOT)
    return render_template(
        "inbox/queue.html",
        page=page,
        form=form,
        notices=parsed.notices,
        scopes=allowed_scopes(current_user),
        supporters=supporter_counts(r.id for r in page.reports),
        returns=partner_returns(page.reports),
        next_url=next_url,
        is_later_page=parsed.filter.cursor is not None,
        here=request.full_path.rstrip("?"),
        bulk_targets=[s for s in ReportStatus if s != ReportStatus.NEW],
        search_cap=queries.SEARCH_CAP,
        archive_days=current_app.config["ARCHIVE_AFTER_DAYS"],
        search_cap_shown=format_decimal(queries.SEARCH_CAP, "#,##0"),
        more_than=_("more than %(n)s", n=format_decimal(queries.SEARCH_CAP, "#,##0")),
        open_statuses=OPEN_STATUSES,
        fmt=PageFormat(),
        page_now=utcnow(),
        # a translation is trusted markup, as the templates' ``_()`` treats it; the reference
        # put in with ``|format`` is escaped
        select_label=Markup(_("Select %(reference)s")),  # noqa: S704
        status_names={s: status_label(s) for s in ReportStatus},
        report_link=report_link,
        queue_rows=queue_rows,
        **filter_choices(),
    )


def _local_next(target: str | None) -> str:
    """Back to the queue page the form came from; only paths under /inbox/."""
    if target and target.startswith("/inbox/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for(".queue")


@bp.post("/bulk")
@staff_required
def bulk():
    back = _local_next(request.form.get("next"))
    references = list(
        dict.fromkeys(r.strip().upper() for r in request.form.getlist("reference") if r.strip())
    )[:BULK_LIMIT]
    value = request.form.get("status", "")
    if value not in ReportStatus._value2member_map_:
        flash(_("Please choose the new status."), "error")
        return redirect(back, 303)
    if not references:
        flash(_("Please select at least one report."), "error")
        return redirect(back, 303)
    found = (
        db.session.execute(
            db.select(Report)
            .where(Report.reference.in_(references))
            .options(selectinload(Report.copies))
        )
        .scalars()
        .all()
    )
    visible = {r.reference: r for r in found if can_view(current_user, r)}
    note = form_text("note") or None
    outcomes = workflow.bulk_change_status(
        [visible[ref] for ref in references if ref in visible],
        ReportStatus(value),
        current_user,
        public_note=note,
    )
    db.session.commit()
    done = sum(1 for o in outcomes if o.error is None)
    if done:
        flash(
            _(
                "New status “%(status)s” — reports changed: %(n)d",
                n=done,
                status=status_label(value),
            ),
            "success",
        )
    refused = [f"{o.report.reference}: {o.error.message}" for o in outcomes if o.error]
    refused += [
        _("%(reference)s: not found in your queues.", reference=ref)
        for ref in references
        if ref not in visible
    ]
    # One message each, but not hundreds: flashes travel in the session cookie.
    for line in refused[:BULK_MESSAGES]:
        flash(line, "error")
    if len(refused) > BULK_MESSAGES:
        flash(
            _("… and %(n)d more reports that were not changed.", n=len(refused) - BULK_MESSAGES),
            "error",
        )
    return redirect(back, 303)


@bp.get("/deliveries")
@staff_required
def deliveries():
    """Failed deliveries and tickets partners have not acknowledged in time."""
    return render_template("inbox/deliveries.html", rows=troubled_deliveries(current_user))
