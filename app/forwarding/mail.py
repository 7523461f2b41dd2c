"""What every e-mail of the outbox shares: the content (``MailContent``), built once in the
recipient's language and rendered twice (plain text here, HTML by a template), the message with
its headers, and small helpers for subjects, links and dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

from flask import current_app, render_template, url_for
from flask_babel import force_locale

from app.core.db import utcnow
from app.forwarding.links import public_url
from app.forwarding.models import Delivery
from app.reports.models import Report

SUBJECT_MAX = 200


class NoRecipient(Exception):
    """No address to send to (a department without e-mail): retrying cannot help."""


@dataclass
class MailContent:
    """What an e-mail says, independent of plain text or HTML."""

    lang: str
    subject: str
    heading: str
    intro: list[str] = field(default_factory=list)
    facts: list[tuple[str, str]] = field(default_factory=list)  # (label, value)
    blocks: list[tuple[str, str]] = field(default_factory=list)  # (title, longer text)
    actions: list[tuple[str, str]] = field(default_factory=list)  # (label, url): buttons
    action_notes: list[str] = field(default_factory=list)
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)
    footer: list[str] = field(default_factory=list)


# --- helpers ---------------------------------------------------------------------------------


def message_id(delivery: Delivery) -> str:
    """``<idempotency key@domain of MAIL_FROM>``: the same for every resend of a delivery."""
    return f"<{delivery.idempotency_key}@{mail_domain()}>"


def mail_domain() -> str:
    address = parseaddr(current_app.config.get("MAIL_FROM") or "")[1]
    return address.rpartition("@")[2] or "quartiersmelder.invalid"


def mail_language(value: str | None, fallback: str | None = None) -> str:
    languages = current_app.config["LANGUAGES"]
    for candidate in (value, fallback):
        if candidate and candidate in languages:
            return candidate
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def one_line(text: str) -> str:
    return " ".join(str(text).split())


def site_url(endpoint: str, lang: str | None = None, **values: Any) -> str:
    """An absolute link (``PUBLIC_BASE_URL``), usable from the worker (no request)."""
    if lang and lang != current_app.config["BABEL_DEFAULT_LOCALE"]:
        values["lang"] = lang
    with current_app.test_request_context():
        return public_url(url_for(endpoint, **values))


def when(moment) -> str:
    """A date and time in the city's time zone and the current language (as on the site)."""
    from app.core.locale import when as site_when

    return site_when(moment)


def place_summary(report: Report, lang: str) -> str:
    """``Wilder Müll – Innenstadt-West, Friedensplatz 1`` (the parts there are)."""
    place = ", ".join(
        p for p in (report.district.name if report.district else None, report.address) if p
    )
    category = report.category.name(lang)
    return f"{category} – {place}" if place else category


def ticket_subject(report: Report, lang: str) -> str:
    return one_line(f"[{report.reference}] {place_summary(report, lang)}")


def cut_subject(subject: str) -> str:
    subject = one_line(subject)
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


# --- the message --------------------------------------------------------------------------------


def render_text(content: MailContent) -> str:
    lines = [content.heading, "=" * min(len(content.heading), 72), ""]
    for paragraph in content.intro:
        lines += [paragraph, ""]
    width = max((len(label) for label, _value in content.facts), default=0)
    for label, value in content.facts:
        lines.append(f"{label + ':':<{width + 1}} {value}")
    if content.facts:
        lines.append("")
    for title, text in content.blocks:
        lines += [f"{title}:", text, ""]
    for label, url in content.actions:
        lines += [f"{label}:", url, ""]
    for note in content.action_notes:
        lines += [note, ""]
    for label, url in content.links:
        lines.append(f"{label}: {url}")
    if content.links:
        lines.append("")
    lines.append("-- ")
    lines += content.footer
    return "\n".join(lines) + "\n"


def render_html(content: MailContent) -> str:
    with force_locale(content.lang), current_app.test_request_context():
        return render_template("email/message.html", mail=content)


def build_message(delivery: Delivery, content: MailContent, to: str) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["Subject"] = content.subject
    message["From"] = config["MAIL_FROM"]
    message["To"] = _address(to)
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = message_id(delivery)
    message["Auto-Submitted"] = "auto-generated"
    message["X-Quartiersmelder-Reference"] = delivery.report.reference
    message["X-Quartiersmelder-Delivery"] = delivery.idempotency_key
    # Quoted-printable: readable, and 7-bit clean for servers without 8BITMIME.
    message.set_content(render_text(content), cte="quoted-printable")
    message.add_alternative(render_html(content), subtype="html", cte="quoted-printable")
    message["Content-Language"] = content.lang  # after the body: set_content drops Content-*
    return message


def _address(to: str) -> Address | str:
    name, address = parseaddr(to)
    if not address or "@" not in address:
        raise NoRecipient(f"not an e-mail address: {to!r}")
    username, _sep, domain = address.rpartition("@")
    return Address(display_name=name, username=username, domain=domain)
