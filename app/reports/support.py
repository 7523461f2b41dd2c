"""“Me too” from a channel where residents type an e-mail address (the web form): the address
checked exactly as a reporter's is, then ``add_supporter``. The service flushes; the caller
commits."""

from __future__ import annotations

from app.core.enums import Channel
from app.core.errors import DraftInvalid
from app.reports.checks import check_contact, cleaned_draft
from app.reports.drafts import ContactDraft, ReportDraft
from app.reports.models import Report, ReportSupporter
from app.reports.residents import add_supporter


def support_report(
    report: Report, channel: Channel, *, email: str | None, consent: bool, locale: str
) -> ReportSupporter:
    """Count the resident as affected by ``report``; with an e-mail address and consent they
    get its status updates too.

    Raises ``DraftInvalid`` (messages for ``email`` and ``consent``, as the report form has
    them) or ``ResidentActionRefused`` (the report is closed, or it is their own).
    """
    draft = cleaned_draft(
        ReportDraft(
            channel=channel,
            category_code=None,
            contact=ContactDraft(email=email, consent=consent),
        )
    )
    contact, errors = check_contact(draft)
    if errors:
        raise DraftInvalid(errors)
    address = contact["email"]
    return add_supporter(
        report,
        channel,
        email=address,
        locale=locale,
        wants_updates=address is not None,
    )
