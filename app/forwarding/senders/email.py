"""E-mail over SMTP (``smtplib``): tickets, reminders and notices to departments and partners,
status updates to residents. What the messages say is in ``app.forwarding.emails``.

Every failure becomes a ``SendResult``: a server that is down, refuses or times out is
retried by the worker; a department without an address is not (retrying cannot help). A
resident who unsubscribed or was deleted meanwhile is a success without a message.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import parseaddr
from typing import TYPE_CHECKING

from app.forwarding.emails import compose
from app.forwarding.mail import NoRecipient
from app.forwarding.senders.base import (
    Sender,
    SendResult,
    Setting,
    SettingKind,
    register_sender,
)

if TYPE_CHECKING:
    from app.forwarding.models import Delivery

log = logging.getLogger(__name__)

SMTPS_PORT = 465  # implicit TLS; other ports use STARTTLS when SMTP_STARTTLS is set


@register_sender
class EmailSender(Sender):
    method = "email"
    carries_tickets = True
    configuration_schema = {
        "to": Setting(
            "Recipient of tickets when it is not the department's e-mail address",
            kind=SettingKind.EMAIL,
        ),
        "locale": Setting(
            "Language of tickets and notices (de, en; default: de)", kind=SettingKind.LANGUAGE
        ),
    }

    def send(self, delivery: Delivery) -> SendResult:
        try:
            message = compose(delivery)
        except NoRecipient as exc:
            return SendResult.failure(str(exc), retryable=False)
        except Exception as exc:  # noqa: BLE001 - a broken message must not kill the worker
            log.exception("Could not compose the e-mail of delivery %s", delivery.id)
            return SendResult.failure(f"could not compose the e-mail: {exc!r}")
        if message is None:
            log.info(
                "Delivery %s (%s to %s): nothing to send any more",
                delivery.id,
                delivery.purpose,
                delivery.target,
            )
            return SendResult.success()
        config = self.app.config
        host, port = config.get("SMTP_HOST") or "", int(config.get("SMTP_PORT") or 25)
        if not host:
            return SendResult.failure("SMTP_HOST is not configured; the e-mail waits")
        try:
            self._transmit(message, host, port)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            permanent = bool(codes) and all(500 <= code < 600 for code in codes)
            return SendResult.failure(
                f"SMTP {host}:{port} refused the recipient: {_describe(exc)}",
                retryable=not permanent,
            )
        except (smtplib.SMTPException, OSError) as exc:  # refused, reset, timeout, TLS …
            return SendResult.failure(f"SMTP {host}:{port}: {_describe(exc)}")
        return SendResult.success(remote_id=str(message["Message-ID"])[:120])

    def _transmit(self, message: EmailMessage, host: str, port: int) -> None:
        config = self.app.config
        envelope_from = parseaddr(config["MAIL_FROM"])[1]
        recipients = [str(address.addr_spec) for address in message["To"].addresses]
        client: smtplib.SMTP
        if port == SMTPS_PORT:
            client = smtplib.SMTP_SSL(
                host, port, timeout=self.timeout, context=ssl.create_default_context()
            )
        else:
            client = smtplib.SMTP(host, port, timeout=self.timeout)
        with client:
            if config.get("SMTP_STARTTLS") and port != SMTPS_PORT:
                client.starttls(context=ssl.create_default_context())
            if config.get("SMTP_USERNAME"):
                client.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD") or "")
            client.send_message(message, from_addr=envelope_from, to_addrs=recipients)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return f"{exc.smtp_code} {text}"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
            for rcpt, (code, text) in exc.recipients.items()
        )
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
