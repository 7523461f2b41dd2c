"""The e-mails of the outbox, composed with the standard library's ``EmailMessage``: tickets and
reminders to departments and partners, notices of new reports (``department_emails``), updates
for residents (``resident_emails``); what they share is in ``mail``.

``compose(delivery)`` returns the message, ``None`` when there is nothing to send any more
(the resident unsubscribed, the ticket was acknowledged before its reminder went out), or
raises ``NoRecipient`` when no address is configured (retrying cannot help).
"""

from __future__ import annotations

from email.message import EmailMessage

from app.forwarding.department_emails import compose_notice, compose_ticket, compose_withdrawal
from app.forwarding.mail import NoRecipient
from app.forwarding.models import Delivery
from app.forwarding.outbox import DEPARTMENT_NOTICE, FORWARD, REMINDER, RESIDENT_UPDATE, WITHDRAWAL
from app.forwarding.resident_emails import compose_resident_update


def compose(delivery: Delivery) -> EmailMessage | None:
    """The e-mail for ``delivery``; None when there is nothing to send (any more)."""
    if delivery.purpose in (FORWARD, REMINDER):
        return compose_ticket(delivery)
    if delivery.purpose == DEPARTMENT_NOTICE:
        return compose_notice(delivery)
    if delivery.purpose == RESIDENT_UPDATE:
        return compose_resident_update(delivery)
    if delivery.purpose == WITHDRAWAL:
        return compose_withdrawal(delivery)
    raise NoRecipient(f"the e-mail sender cannot send {delivery.purpose!r} messages")
